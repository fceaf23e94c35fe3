package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  private static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out), format);
    return out.toByteArray();
  }

  @Test
  void rgbAndBgrImagesComeOutInBgrOrder() throws IOException {
    for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_BGR}) {
      BufferedImage img = new BufferedImage(3, 2, type);
      img.setRGB(0, 0, 0xff0000); // red
      img.setRGB(1, 0, 0x00ff00); // green
      img.setRGB(2, 0, 0x0000ff); // blue
      img.setRGB(0, 1, 0x102030);
      BgrImage d = ImageDecoder.decode(encode(img, "png"), "t.png");
      assertEquals(3, d.width());
      assertEquals(2, d.height());
      assertEquals(255, d.get(0, 0, 2), "red in channel 2, type " + type);
      assertEquals(0, d.get(0, 0, 0));
      assertEquals(255, d.get(1, 0, 1));
      assertEquals(255, d.get(2, 0, 0), "blue in channel 0");
      assertEquals(0x30, d.get(0, 1, 0));
      assertEquals(0x20, d.get(0, 1, 1));
      assertEquals(0x10, d.get(0, 1, 2));
    }
  }

  @Test
  void greyKeepsItsStoredLevels() throws IOException {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSample(0, 0, 0, 100);
    img.getRaster().setSample(1, 0, 0, 200);
    BgrImage d = ImageDecoder.decode(encode(img, "png"), "g.png");
    for (int c = 0; c < 3; c++) {
      assertEquals(100, d.get(0, 0, c));
      assertEquals(200, d.get(1, 0, c));
    }
  }

  @Test
  void transparentPixelsBlendOverWhite() throws IOException {
    BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, 0x00000000); // fully transparent black: white
    img.setRGB(1, 0, 0xff000000); // opaque black
    img.setRGB(2, 0, 0x80000000); // half black
    BgrImage d = ImageDecoder.decode(encode(img, "png"), "a.png");
    assertEquals(255, d.get(0, 0, 0));
    assertEquals(0, d.get(1, 0, 1));
    assertEquals(127, d.get(2, 0, 2), 1);
  }

  @Test
  void jpegDecodes() throws IOException {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        img.setRGB(x, y, 0xc08040);
      }
    }
    BgrImage d = ImageDecoder.decode(encode(img, "jpg"), "t.jpg");
    assertEquals(0x40, d.get(8, 8, 0), 4);
    assertEquals(0x80, d.get(8, 8, 1), 4);
    assertEquals(0xc0, d.get(8, 8, 2), 4);
  }

  @Test
  void badInputIsOneErrorNamingIt(@TempDir Path dir) throws IOException {
    Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
    Path junk = Files.write(dir.resolve("junk.png"), "not an image".getBytes());
    for (Path p : new Path[] {empty, junk, dir.resolve("missing.png")}) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> ImageDecoder.read(p));
      assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
    assertThrows(EdgewiseException.class, () -> new BgrImage(0, 5, new byte[0]));
  }

  @Test
  void resizeMatchesOpenCvBilinearOnAStep() {
    // 4 px wide, left half 0, right half 200; halved: each output pixel is the mean of two inputs
    BgrImage img = BgrImage.filled(4, 1, 0, 0, 0);
    img.set(2, 0, 200, 200, 200);
    img.set(3, 0, 200, 200, 200);
    BgrImage r = img.resize(2, 1);
    assertEquals(0, r.get(0, 0, 0));
    assertEquals(200, r.get(1, 0, 0));
    BgrImage up = img.resize(8, 1);
    // OpenCV: x maps to src (x + 0.5) / 2 - 0.5: x=2 -> 0.75 (between two 0s), x=3 -> 1.25 -> 0.25 * 200,
    // x=4 -> 1.75 -> 0.75 * 200
    assertEquals(0, up.get(2, 0, 1));
    assertEquals(50, up.get(3, 0, 1));
    assertEquals(150, up.get(4, 0, 1));
    assertEquals(200, up.get(7, 0, 1));
  }

  @Test
  void rotations() {
    BgrImage img = BgrImage.filled(3, 2, 0, 0, 0);
    img.set(0, 0, 9, 9, 9); // top-left
    BgrImage r = img.rotate180();
    assertEquals(9, r.get(2, 1, 0));
    BgrImage q = img.rotate90CounterClockwise();
    assertEquals(2, q.width());
    assertEquals(3, q.height());
    assertEquals(9, q.get(0, 2, 0), "top-left goes to bottom-left");
  }
}
