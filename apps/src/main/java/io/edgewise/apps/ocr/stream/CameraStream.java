package io.edgewise.apps.ocr.stream;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.PageRenderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Camera-like frames of rendered pages, as a hand-held camera or a kiosk sees them: bursts of frames of one page, each
 * frame the page placed on a darker desk under a small random shift, scale and rotation, sometimes blurred, with its
 * brightness changed and sensor noise added; some bursts revisit an earlier page (popular pages more often). Every
 * frame carries its page's ground truth (the text drawn; the jitter never pushes text out of the frame: the page sits
 * inside a border of desk).
 */
public final class CameraStream {

  /**
   * The stream's shape.
   *
   * @param pages distinct pages at most (new pages are drawn until this many exist, then every burst revisits)
   * @param burstMin frames per burst, at least
   * @param burstMax frames per burst, at most
   * @param revisit probability that a burst shows an earlier page again
   * @param shift largest shift, pixels
   * @param scale largest relative scale change (0.03: 97% to 103%)
   * @param angle largest rotation, degrees
   * @param blur probability that a frame is blurred (3 x 3 box)
   * @param brightness largest relative brightness change
   * @param noise sensor noise, standard deviation in grey levels
   */
  public record Options(int pages, int burstMin, int burstMax, double revisit, double shift, double scale,
      double angle, double blur, double brightness, double noise) {
    public Options {
      if (pages < 1 || burstMin < 1 || burstMax < burstMin) {
        throw EdgewiseException.invalidArgument("camera stream: need pages >= 1 and 1 <= burstMin <= burstMax, got "
            + pages + " pages, bursts " + burstMin + ".." + burstMax);
      }
      if (!(revisit >= 0 && revisit <= 1) || !(blur >= 0 && blur <= 1)) {
        throw EdgewiseException.invalidArgument("camera stream: revisit and blur are probabilities, got " + revisit
            + " and " + blur);
      }
    }

    /** 40 pages, bursts of 4-12 frames, 30% revisits, +-6 px, +-3%, +-1.5 degrees, 30% blurred, +-15%, noise 3. */
    public static Options defaults() {
      return new Options(40, 4, 12, 0.3, 6, 0.03, 1.5, 0.3, 0.15, 3);
    }

    public Options withPages(int n) {
      return new Options(n, burstMin, burstMax, revisit, shift, scale, angle, blur, brightness, noise);
    }
  }

  /**
   * One frame: its position in the stream, the page it shows, the image, the page's lines of text, and where the page
   * was put: the affine map from page to frame pixels as {m00, m10, m01, m11, m02, m12} (x' = m00 x + m01 y + m02,
   * y' = m10 x + m11 y + m12), the truth of where anything on the page landed.
   */
  public record Frame(int index, int page, BgrImage image, List<String> truth, double[] pageToFrame) {
    /** A point of the page, in the frame. */
    public io.edgewise.apps.ocr.Point onFrame(io.edgewise.apps.ocr.Point p) {
      double[] m = pageToFrame;
      return new io.edgewise.apps.ocr.Point(m[0] * p.x() + m[2] * p.y() + m[4], m[1] * p.x() + m[3] * p.y() + m[5]);
    }
  }

  private final PageRenderer renderer;
  private final Options options;
  private final long seed;
  private final Map<Integer, PageRenderer.Page> pages = new HashMap<>();

  public CameraStream(PageRenderer renderer, Options options, long seed) {
    this.renderer = renderer;
    this.options = options;
    this.seed = seed;
  }

  /** The first {@code n} frames of the stream (the same for the same renderer, options and seed). */
  public List<Frame> frames(int n) {
    Random rnd = new Random(seed);
    List<Frame> out = new ArrayList<>(n);
    List<Integer> shown = new ArrayList<>();
    while (out.size() < n) {
      int page;
      if (!shown.isEmpty() && (shown.size() >= options.pages() || rnd.nextDouble() < options.revisit())) {
        // a revisit: an earlier burst's page drawn uniformly over bursts, so pages shown often come back often
        page = shown.get(rnd.nextInt(shown.size()));
      } else {
        page = pages.size();
        pages.put(page, renderer.render(seed, page));
      }
      shown.add(page);
      int burst = options.burstMin() + rnd.nextInt(options.burstMax() - options.burstMin() + 1);
      for (int k = 0; k < burst && out.size() < n; k++) {
        PageRenderer.Page p = pages.get(page);
        List<String> truth = p.lines().stream().map(PageRenderer.TruthLine::text).toList();
        double[] placement = new double[6];
        BgrImage image = shoot(p.image(), rnd, placement);
        out.add(new Frame(out.size(), page, image, truth, placement));
      }
    }
    return out;
  }

  /** The page as the camera sees it once; where it was put goes to {@code placement} (see {@link Frame}). */
  private BgrImage shoot(BgrImage page, Random rnd, double[] placement) {
    int border = (int) Math.ceil(Math.max(page.width(), page.height()) * (options.scale() + 0.03)
        + options.shift() + Math.max(page.width(), page.height()) * Math.sin(Math.toRadians(options.angle())) / 2);
    int w = page.width() + 2 * border;
    int h = page.height() + 2 * border;
    BufferedImage frame = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = frame.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setColor(new Color(96, 88, 80));
    g.fillRect(0, 0, w, h);
    double s = 1 + (rnd.nextDouble() * 2 - 1) * options.scale();
    double theta = Math.toRadians((rnd.nextDouble() * 2 - 1) * options.angle());
    double dx = (rnd.nextDouble() * 2 - 1) * options.shift();
    double dy = (rnd.nextDouble() * 2 - 1) * options.shift();
    AffineTransform t = new AffineTransform();
    t.translate(w / 2.0 + dx, h / 2.0 + dy);
    t.rotate(theta);
    t.scale(s, s);
    t.translate(-page.width() / 2.0, -page.height() / 2.0);
    t.getMatrix(placement);
    g.drawImage(ImageDecoder.toBufferedImage(page), t, null);
    g.dispose();
    BgrImage out = ImageDecoder.fromBufferedImage(frame);
    if (rnd.nextDouble() < options.blur()) {
      out = boxBlur(out);
    }
    double gain = 1 + (rnd.nextDouble() * 2 - 1) * options.brightness();
    byte[] d = out.data();
    for (int i = 0; i < d.length; i++) {
      double v = (d[i] & 0xff) * gain + rnd.nextGaussian() * options.noise();
      d[i] = (byte) Math.max(0, Math.min(255, Math.round(v)));
    }
    return out;
  }

  /** A 3 x 3 box blur (edges clamped): the softness of a frame taken while moving. */
  static BgrImage boxBlur(BgrImage img) {
    int w = img.width();
    int h = img.height();
    byte[] src = img.data();
    byte[] dst = new byte[src.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          int sum = 0;
          for (int yy = -1; yy <= 1; yy++) {
            int cy = Math.max(0, Math.min(h - 1, y + yy));
            for (int xx = -1; xx <= 1; xx++) {
              int cx = Math.max(0, Math.min(w - 1, x + xx));
              sum += src[(cy * w + cx) * 3 + c] & 0xff;
            }
          }
          dst[(y * w + x) * 3 + c] = (byte) ((sum + 4) / 9);
        }
      }
    }
    return new BgrImage(w, h, dst);
  }
}
