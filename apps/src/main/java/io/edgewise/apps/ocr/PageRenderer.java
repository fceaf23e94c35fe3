package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontFormatException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.font.GlyphVector;
import java.awt.geom.AffineTransform;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Pages of text with known strings and boxes, drawn with Java2D in the DejaVu fonts (Debian's fonts-dejavu-core):
 * lines of English words, numbers and punctuation in several families, sizes and dark colours on a light background,
 * light Gaussian noise, optionally a small rotation per line and some lines drawn upside down. The same seed gives the
 * same pages. Each line's truth is its string, the corners of its ink box (rotated with the line) and the
 * axis-aligned bounds of those.
 */
public final class PageRenderer {
  /** Where Debian's fonts-dejavu-core puts its fonts. */
  public static final Path DEJAVU = Path.of("/usr/share/fonts/truetype/dejavu");
  /** The families drawn from (file names in {@link #DEJAVU}). */
  public static final List<String> FONTS = List.of("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf",
      "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansCondensed.ttf", "DejaVuSerifCondensed.ttf");

  private static final String[] WORDS = ("the of and to in is for on that with as by at from this be are or was it"
      + " an not we can all more new one time data model page text line read edge device runtime memory network"
      + " layer image batch cache kernel thread queue server client request result report value table figure number"
      + " system energy power speed latency budget window market river garden winter summer morning evening station"
      + " library museum street bridge harbour mountain forest village letter paper pencil orange purple silver"
      + " quick brown fox jumps over lazy dog open close start stop north south east west first second third last"
      + " Monday Friday March October London Paris Berlin Tokyo Oslo Lisbon Edgewise Java Linux ONNX").split(" ");

  /** How pages look. Sizes in pixels; {@code maxAngle} in degrees; {@code flipFraction} of lines drawn upside down. */
  public record Options(int width, int height, int minSize, int maxSize, double maxAngle, double flipFraction,
      double noise) {
    public Options {
      if (width < 64 || height < 64) {
        throw EdgewiseException.invalidArgument("pages must be at least 64x64 px, got " + width + "x" + height);
      }
      if (minSize < 8 || maxSize < minSize) {
        throw EdgewiseException.invalidArgument("text sizes " + minSize + ".." + maxSize + " px: need 8 <= min <= max");
      }
    }

    /** 800 x 600 pages, text 22-40 px, upright, no flipped lines, noise sigma 4. */
    public static Options defaults() {
      return new Options(800, 600, 22, 40, 0, 0, 4);
    }

    public Options withAngle(double degrees) {
      return new Options(width, height, minSize, maxSize, degrees, flipFraction, noise);
    }

    public Options withFlipFraction(double f) {
      return new Options(width, height, minSize, maxSize, maxAngle, f, noise);
    }

    public Options withSize(int w, int h) {
      return new Options(w, h, minSize, maxSize, maxAngle, flipFraction, noise);
    }

    public Options withTextSizes(int min, int max) {
      return new Options(width, height, min, max, maxAngle, flipFraction, noise);
    }
  }

  /** One drawn line: its text, corners (in page orientation: tl is the top-left on the page), font and size. */
  public record TruthLine(String text, Quad quad, String font, int size, double angle, boolean flipped) {
    /** Axis-aligned bounds {x0, y0, x1, y1}. */
    public double[] box() {
      return quad.bounds();
    }
  }

  /** A rendered page and its truth, lines in the order drawn (reading order). */
  public record Page(BgrImage image, List<TruthLine> lines) {}

  private final Options options;
  private final List<Font> fonts = new ArrayList<>();
  private final List<String> fontNames = new ArrayList<>();

  public PageRenderer(Options options) {
    this(options, DEJAVU);
  }

  public PageRenderer(Options options, Path fontDir) {
    this.options = options;
    for (String f : FONTS) {
      Path p = fontDir.resolve(f);
      if (!Files.isRegularFile(p)) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, "font " + p + " is missing (install "
            + "Debian's fonts-dejavu-core: scripts/install-deps.sh)");
      }
      try {
        fonts.add(Font.createFont(Font.TRUETYPE_FONT, p.toFile()));
      } catch (FontFormatException | IOException e) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "font " + p + ": " + e.getMessage(), e);
      }
      fontNames.add(f.replace(".ttf", ""));
    }
  }

  /** Page {@code index} of the set made from {@code seed}. */
  public Page render(long seed, int index) {
    Random rnd = new Random(seed * 1_000_003L + index);
    int w = options.width();
    int h = options.height();
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    Color bg = new Color(225 + rnd.nextInt(31), 225 + rnd.nextInt(31), 225 + rnd.nextInt(31));
    g.setColor(bg);
    g.fillRect(0, 0, w, h);
    FontRenderContext frc = g.getFontRenderContext();
    List<TruthLine> lines = new ArrayList<>();
    int margin = Math.max(8, Math.min(w, h) / 25);
    double y = margin;
    while (true) {
      int size = options.minSize() + rnd.nextInt(options.maxSize() - options.minSize() + 1);
      int fi = rnd.nextInt(fonts.size());
      Font font = fonts.get(fi).deriveFont((float) size);
      double usable = w - 2.0 * margin;
      // one segment, or two on the same row far enough apart to be two regions
      boolean two = rnd.nextDouble() < 0.25;
      double target = usable * (two ? 0.2 + 0.2 * rnd.nextDouble() : 0.3 + 0.65 * rnd.nextDouble());
      String text = words(rnd, font, frc, target);
      if (text.isEmpty()) {
        break;
      }
      double angle = options.maxAngle() == 0 ? 0 : (rnd.nextDouble() * 2 - 1) * options.maxAngle();
      Segment first = layout(font, frc, text, angle);
      if (y + first.height > h - margin) {
        break;
      }
      double x = margin + rnd.nextDouble() * Math.max(0, usable - first.width);
      List<Segment> row = new ArrayList<>(List.of(first));
      List<Double> xs = new ArrayList<>(List.of(x));
      if (two) {
        String second = words(rnd, font, frc, usable * 0.3);
        Segment s2 = layout(font, frc, second, angle);
        double gap = 3.0 * size;
        if (!second.isEmpty() && x + first.width + gap + s2.width <= w - margin) {
          row.add(s2);
          xs.add(x + first.width + gap + rnd.nextDouble() * (w - margin - (x + first.width + gap + s2.width)));
        }
      }
      double rowHeight = 0;
      Color ink = ink(rnd);
      for (int i = 0; i < row.size(); i++) {
        Segment s = row.get(i);
        boolean flipped = rnd.nextDouble() < options.flipFraction();
        lines.add(draw(g, s, font, ink, xs.get(i), y, flipped, fontNames.get(fi), size));
        rowHeight = Math.max(rowHeight, s.height);
      }
      y += rowHeight + size * (0.5 + 0.7 * rnd.nextDouble());
    }
    g.dispose();
    BgrImage page = ImageDecoder.fromBufferedImage(img);
    addNoise(page, rnd, options.noise());
    return new Page(page, lines);
  }

  /** A laid-out string: its glyphs, ink box (unrotated, relative to the baseline origin), and rotated extent. */
  private record Segment(String text, GlyphVector glyphs, Rectangle2D ink, double angle, double width, double height,
      double offsetX, double offsetY) {}

  private static Segment layout(Font font, FontRenderContext frc, String text, double angle) {
    GlyphVector gv = font.createGlyphVector(frc, text);
    Rectangle2D ink = gv.getVisualBounds();
    // the rotated ink box around its centre: its axis-aligned extent
    Quad q = rotated(ink, Math.toRadians(angle), 0, 0);
    double[] b = q.bounds();
    return new Segment(text, gv, ink, angle, b[2] - b[0], b[3] - b[1], b[0], b[1]);
  }

  /** Draws a segment whose rotated extent has its top-left at (x, y); returns its truth. */
  private static TruthLine draw(Graphics2D g, Segment s, Font font, Color ink, double x, double y, boolean flipped,
      String fontName, int size) {
    // origin of the baseline so the rotated extent starts at (x, y)
    double ox = x - s.offsetX;
    double oy = y - s.offsetY;
    double cx = ox + s.ink.getCenterX();
    double cy = oy + s.ink.getCenterY();
    double theta = Math.toRadians(s.angle) + (flipped ? Math.PI : 0);
    AffineTransform saved = g.getTransform();
    g.rotate(theta, cx, cy);
    g.setColor(ink);
    g.drawGlyphVector(s.glyphs, (float) ox, (float) oy);
    g.setTransform(saved);
    Rectangle2D box = new Rectangle2D.Double(ox + s.ink.getX(), oy + s.ink.getY(), s.ink.getWidth(),
        s.ink.getHeight());
    // the truth quad in page orientation (a flipped line's box is the same rectangle)
    Quad q = rotated(box, Math.toRadians(s.angle), 0, 0);
    return new TruthLine(s.text, q, fontName, size, s.angle, flipped);
  }

  /** A rectangle rotated by {@code theta} around its centre, corners ordered as get_mini_boxes. */
  private static Quad rotated(Rectangle2D r, double theta, double dx, double dy) {
    AffineTransform t = AffineTransform.getRotateInstance(theta, r.getCenterX(), r.getCenterY());
    double[][] c = {{r.getMinX(), r.getMinY()}, {r.getMaxX(), r.getMinY()}, {r.getMaxX(), r.getMaxY()},
        {r.getMinX(), r.getMaxY()}};
    Point[] p = new Point[4];
    for (int i = 0; i < 4; i++) {
      Point2D q = t.transform(new Point2D.Double(c[i][0], c[i][1]), null);
      p[i] = new Point(q.getX() + dx, q.getY() + dy);
    }
    return theta == 0 ? new Quad(p[0], p[1], p[2], p[3]) : MinAreaRect.order(p);
  }

  /** Words (and now and then a number or punctuation) up to {@code width} px in this font. */
  private static String words(Random rnd, Font font, FontRenderContext frc, double width) {
    StringBuilder b = new StringBuilder();
    for (int n = 0; n < 20; n++) {
      String w = word(rnd);
      String next = b.length() == 0 ? w : b + " " + w;
      if (font.getStringBounds(next, frc).getWidth() > width) {
        break;
      }
      b.setLength(0);
      b.append(next);
    }
    return b.toString();
  }

  private static String word(Random rnd) {
    double r = rnd.nextDouble();
    if (r < 0.12) {
      return switch (rnd.nextInt(5)) {
        case 0 -> Integer.toString(rnd.nextInt(10_000));
        case 1 -> rnd.nextInt(100) + "." + rnd.nextInt(10) + rnd.nextInt(10);
        case 2 -> (1990 + rnd.nextInt(40)) + "-" + (10 + rnd.nextInt(3)) + "-" + (10 + rnd.nextInt(18));
        case 3 -> rnd.nextInt(100) + "%";
        default -> "(" + (1 + rnd.nextInt(99)) + ")";
      };
    }
    String w = WORDS[rnd.nextInt(WORDS.length)];
    if (rnd.nextDouble() < 0.2) {
      w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }
    if (rnd.nextDouble() < 0.08) {
      w = w + ",.:;!?".charAt(rnd.nextInt(6));
    }
    return w;
  }

  private static Color ink(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> new Color(rnd.nextInt(40), rnd.nextInt(40), rnd.nextInt(40));
      case 1 -> new Color(rnd.nextInt(40), rnd.nextInt(60), 90 + rnd.nextInt(80)); // blue
      case 2 -> new Color(110 + rnd.nextInt(60), rnd.nextInt(40), rnd.nextInt(40)); // red
      default -> new Color(rnd.nextInt(60), rnd.nextInt(90), rnd.nextInt(60)); // dark green / grey
    };
  }

  private static void addNoise(BgrImage page, Random rnd, double sigma) {
    if (sigma <= 0) {
      return;
    }
    byte[] d = page.data();
    for (int i = 0; i < d.length; i++) {
      int v = (int) Math.round((d[i] & 0xff) + rnd.nextGaussian() * sigma);
      d[i] = (byte) Math.max(0, Math.min(255, v));
    }
  }
}
