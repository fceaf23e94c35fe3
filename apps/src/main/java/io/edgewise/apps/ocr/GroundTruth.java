package io.edgewise.apps.ocr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A directory of rendered pages and their {@code truth.json}: {@code {"seed": S, "pages": [{"image": "page-000.png",
 * "width": W, "height": H, "lines": [{"text": ..., "box": [x0, y0, x1, y1], "quad": [[x, y] x 4], "font": ...,
 * "size": ..., "angle": ..., "flipped": ...}]}]}}, boxes in pixels, lines in reading order.
 */
public final class GroundTruth {
  public static final String FILE = "truth.json";
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One page of the set: the image file (relative to the directory) and its lines. */
  public record PageTruth(String image, int width, int height, List<PageRenderer.TruthLine> lines) {}

  private GroundTruth() {}

  /** Renders {@code pages} pages from {@code seed} into {@code dir} (PNG files and truth.json). */
  public static List<PageTruth> render(Path dir, int pages, long seed, PageRenderer.Options options) {
    if (pages < 1) {
      throw EdgewiseException.invalidArgument("--pages must be at least 1, got " + pages);
    }
    PageRenderer renderer = new PageRenderer(options);
    List<PageTruth> out = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (int i = 0; i < pages; i++) {
        PageRenderer.Page p = renderer.render(seed, i);
        String name = String.format("page-%03d.png", i);
        ImageIO.write(ImageDecoder.toBufferedImage(p.image()), "png", dir.resolve(name).toFile());
        out.add(new PageTruth(name, p.image().width(), p.image().height(), p.lines()));
      }
      write(dir.resolve(FILE), seed, out);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, dir + ": cannot write the pages (" + e.getMessage()
          + ")", e);
    }
    return out;
  }

  static void write(Path file, long seed, List<PageTruth> pages) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("seed", seed);
    ArrayNode ps = root.putArray("pages");
    for (PageTruth p : pages) {
      ObjectNode o = ps.addObject();
      o.put("image", p.image());
      o.put("width", p.width());
      o.put("height", p.height());
      ArrayNode ls = o.putArray("lines");
      for (PageRenderer.TruthLine l : p.lines()) {
        ObjectNode lo = ls.addObject();
        lo.put("text", l.text());
        ArrayNode box = lo.putArray("box");
        for (double v : l.box()) {
          box.add(Math.round(v * 10) / 10.0);
        }
        ArrayNode quad = lo.putArray("quad");
        for (Point pt : l.quad().points()) {
          quad.addArray().add(Math.round(pt.x() * 10) / 10.0).add(Math.round(pt.y() * 10) / 10.0);
        }
        lo.put("font", l.font());
        lo.put("size", l.size());
        lo.put("angle", Math.round(l.angle() * 100) / 100.0);
        lo.put("flipped", l.flipped());
      }
    }
    MAPPER.writeValue(file.toFile(), root);
  }

  /** Reads {@code dir/truth.json}; a missing or malformed file is one error naming it. */
  public static List<PageTruth> read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, dir + " has no " + FILE
          + " (make one with `edgewise ocr render --out " + dir + "`)");
    }
    try {
      JsonNode root = MAPPER.readTree(file.toFile());
      List<PageTruth> out = new ArrayList<>();
      for (JsonNode p : root.path("pages")) {
        List<PageRenderer.TruthLine> lines = new ArrayList<>();
        for (JsonNode l : p.path("lines")) {
          JsonNode q = l.path("quad");
          Quad quad;
          if (q.size() == 4) {
            Point[] pts = new Point[4];
            for (int i = 0; i < 4; i++) {
              pts[i] = new Point(q.get(i).get(0).asDouble(), q.get(i).get(1).asDouble());
            }
            quad = new Quad(pts[0], pts[1], pts[2], pts[3]);
          } else {
            JsonNode b = l.path("box");
            if (b.size() != 4) {
              throw EdgewiseException.invalidArgument(file + ": a line of " + p.path("image").asText()
                  + " has neither a quad nor a box");
            }
            quad = Quad.ofBox(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble());
          }
          lines.add(new PageRenderer.TruthLine(l.path("text").asText(), quad, l.path("font").asText(""),
              l.path("size").asInt(0), l.path("angle").asDouble(0), l.path("flipped").asBoolean(false)));
        }
        out.add(new PageTruth(p.path("image").asText(), p.path("width").asInt(), p.path("height").asInt(), lines));
      }
      if (out.isEmpty()) {
        throw EdgewiseException.invalidArgument(file + ": no pages");
      }
      return out;
    } catch (IOException e) {
      throw EdgewiseException.invalidArgument(file + ": not valid JSON (" + e.getMessage().lines().findFirst()
          .orElse("") + ")");
    }
  }
}
