package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG, JPEG (and whatever else the JDK's ImageIO reads) into a {@link BgrImage}. Colour images of any layout
 * (RGB, BGR, ABGR, indexed) come through their sRGB values; grey images through their stored levels (not ImageIO's
 * linear-grey conversion, which would brighten them); transparent pixels are blended over white, so dark text on a
 * transparent background stays readable.
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  /** Reads an image file; a missing, unreadable, empty or zero-size image is one {@link EdgewiseException}. */
  public static BgrImage read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, file + ": cannot read the image ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
    }
    return decode(bytes, file.toString());
  }

  /** Decodes encoded image bytes; {@code name} is what error messages call them. */
  public static BgrImage decode(byte[] bytes, String name) {
    return decode(bytes, name, Long.MAX_VALUE);
  }

  /**
   * Decodes encoded image bytes of at most {@code maxPixels} pixels. The size is read from the image's header and
   * checked before any pixel is decoded, so a small file that declares a huge page (a decompression bomb) is refused
   * without allocating it. {@code name} is what error messages call the bytes.
   */
  public static BgrImage decode(byte[] bytes, String name, long maxPixels) {
    if (bytes.length == 0) {
      throw EdgewiseException.invalidArgument(name + ": empty image (0 bytes)");
    }
    BufferedImage img;
    // as ImageIO.read, with the header's size checked between choosing the reader and reading; in memory, never
    // through ImageIO's temporary-file cache
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw EdgewiseException.invalidArgument(name + ": not an image format ImageIO reads (PNG, JPEG, BMP, GIF)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w * h > maxPixels) {
          throw EdgewiseException.invalidArgument(name + ": the image is " + w + "x" + h + " px, more than the limit "
              + "of " + maxPixels + " pixels");
        }
        img = reader.read(0, reader.getDefaultReadParam());
      } finally {
        reader.dispose();
      }
    } catch (EdgewiseException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw EdgewiseException.invalidArgument(name + ": not a readable image (" + e.getMessage() + ")");
    }
    if (img == null) {
      throw EdgewiseException.invalidArgument(name + ": not an image format ImageIO reads (PNG, JPEG, BMP, GIF)");
    }
    if (img.getWidth() <= 0 || img.getHeight() <= 0) {
      throw EdgewiseException.invalidArgument(name + ": zero-size image (" + img.getWidth() + "x" + img.getHeight()
          + " px)");
    }
    return fromBufferedImage(img);
  }

  /** Converts a Java2D image of any type. */
  public static BgrImage fromBufferedImage(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    Raster raster = img.getRaster();
    boolean grey = img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
    if (grey) {
      int bits = img.getColorModel().getComponentSize(0);
      boolean alpha = img.getColorModel().hasAlpha();
      int max = (1 << bits) - 1;
      int[] px = new int[raster.getNumBands()];
      for (int y = 0, o = 0; y < h; y++) {
        for (int x = 0; x < w; x++, o += 3) {
          raster.getPixel(x, y, px);
          int v = Math.round(px[0] * 255f / max);
          if (alpha) {
            v = blendOverWhite(v, Math.round(px[1] * 255f / max));
          }
          out[o] = out[o + 1] = out[o + 2] = (byte) v;
        }
      }
      return new BgrImage(w, h, out);
    }
    boolean alpha = img.getColorModel().hasAlpha();
    int[] row = new int[w];
    for (int y = 0, o = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++, o += 3) {
        int argb = row[x];
        int r = (argb >> 16) & 0xff;
        int g = (argb >> 8) & 0xff;
        int b = argb & 0xff;
        if (alpha) {
          int a = argb >>> 24;
          r = blendOverWhite(r, a);
          g = blendOverWhite(g, a);
          b = blendOverWhite(b, a);
        }
        out[o] = (byte) b;
        out[o + 1] = (byte) g;
        out[o + 2] = (byte) r;
      }
    }
    return new BgrImage(w, h, out);
  }

  private static int blendOverWhite(int v, int alpha) {
    return Math.round((v * alpha + 255 * (255 - alpha)) / 255f);
  }

  /** The image as a Java2D RGB image (for drawing and writing files). */
  public static BufferedImage toBufferedImage(BgrImage img) {
    BufferedImage out = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_3BYTE_BGR);
    // TYPE_3BYTE_BGR stores B, G, R per pixel: our layout exactly
    byte[] dst = ((java.awt.image.DataBufferByte) out.getRaster().getDataBuffer()).getData();
    System.arraycopy(img.data(), 0, dst, 0, dst.length);
    return out;
  }
}
