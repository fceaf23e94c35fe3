package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.GroundTruth;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.OcrEvaluator;
import io.edgewise.apps.ocr.OcrJson;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrResult;
import io.edgewise.apps.ocr.PageRenderer;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "ocr", description = {
    "Read the text of images with PaddleOCR's three pretrained models (text detector, orientation classifier, "
        + "recogniser), each a session on --device.",
    "Text: the lines of each image in reading order. --json: per image {\"image\", \"lines\": [{\"text\", \"box\": "
        + "[x0, y0, x1, y1], \"confidence\"}], \"timing_ms\": {\"det\", \"cls\", \"rec\", \"total\"}} (an array for "
        + "several images)."},
    subcommands = {OcrCommand.Render.class, OcrCommand.Eval.class})
final class OcrCommand implements Callable<Integer> {
  /** Where the models are when the repository sits beside the shared material. */
  static final String SHARED_MODELS = "../shared/testdata/ocr";
  /** Where scripts/fetch-ocr-models.sh puts them, in the repository. */
  static final String FETCHED_MODELS = "build/ocr-models";

  @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "PNG or JPEG images to read.")
  List<Path> images = new ArrayList<>();

  @Mixin
  ModelsOption models = new ModelsOption();

  @Mixin
  DeviceOption device = new DeviceOption();

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Mixin
  JsonOption json = new JsonOption();

  @Mixin
  CropMarginOption cropMargin = new CropMarginOption();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (images.isEmpty()) {
      throw Main.usage(spec, "give at least one IMAGE (or a command: render, eval)");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OcrOptions options = options(spec, device, threads, cropMargin);
    List<Map<String, Object>> docs = new ArrayList<>();
    int failed = 0;
    try (OcrPipeline ocr = OcrPipeline.open(models.dir(), options)) {
      for (Path image : images) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("image", image.toString());
        try {
          OcrResult r = ocr.read(ImageDecoder.read(image));
          doc.put("lines", OcrJson.lines(r.lines()));
          doc.put("timing_ms", OcrJson.timing(r.timings()));
          if (!json.enabled()) {
            OcrResult.Timings t = r.timings();
            out.printf(Locale.ROOT, "# %s: %d lines (det %.0f ms, cls %.0f ms, rec %.0f ms, total %.0f ms on %s)%n",
                image, r.lines().size(), t.det(), t.cls(), t.rec(), t.total(), ocr.deviceName());
            for (OcrLine l : r.lines()) {
              out.println(l.text());
            }
          }
        } catch (EdgewiseException e) {
          // one bad image: its error, then the others
          failed++;
          doc.put("error", e.getMessage());
          err.println("edgewise: " + e.getMessage());
        }
        docs.add(doc);
      }
    }
    if (json.enabled()) {
      out.println(Json.write(docs.size() == 1 ? docs.get(0) : docs));
    }
    return failed == 0 ? 0 : Main.EXIT_FAILURE;
  }

  static OcrOptions options(picocli.CommandLine.Model.CommandSpec spec, DeviceOption device, ThreadsOption threads,
      CropMarginOption cropMargin) {
    double m = cropMargin.fraction;
    if (!(m >= 0 && m <= 1)) {
      throw Main.usage(spec, "--crop-margin must be in [0, 1], got " + m);
    }
    return OcrOptions.defaults().withDevice(device.name()).withThreads(threads.count()).withCropMargin(m);
  }

  /** {@code --crop-margin F}: what is added around each box before it is read ({@link OcrOptions#cropMargin}). */
  static final class CropMarginOption {
    @Option(names = "--crop-margin", defaultValue = "0.15", paramLabel = "F", description = "Margin added around "
        + "each box before it is read, as a fraction of its height (0: PaddleOCR's crop; default: ${DEFAULT-VALUE}).")
    double fraction;
  }

  /** {@code --models DIR}: the directory holding the three models and the dictionary. */
  static final class ModelsOption {
    @Option(names = "--models", paramLabel = "DIR", description = "Directory holding the three models and the "
        + "dictionary (default: " + SHARED_MODELS + " beside the working directory or the repository, else the "
        + "repository's " + FETCHED_MODELS + ", where scripts/fetch-ocr-models.sh puts them).")
    Path dir;

    Path dir() {
      if (dir != null) {
        return dir;
      }
      Path here = Path.of(SHARED_MODELS);
      if (Files.isDirectory(here)) {
        return here;
      }
      // beside the repository this launcher runs from (its jars are under <repo>/*/target)
      try {
        Path p = Path.of(OcrCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path a = p; a != null; a = a.getParent()) {
          for (String candidate : new String[] {SHARED_MODELS, FETCHED_MODELS}) {
            Path m = a.resolve(candidate).normalize();
            if (Files.isDirectory(m)) {
              return m;
            }
          }
        }
      } catch (URISyntaxException | RuntimeException e) {
        // fall through to the error below
      }
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, "no models directory: neither "
          + SHARED_MODELS + " nor " + FETCHED_MODELS + " is here; give --models DIR or run scripts/fetch-ocr-models.sh");
    }
  }

  @Command(name = "render", description = "Draw pages of text with known strings and boxes (ground truth): "
      + "PNG pages and truth.json in --out.")
  static final class Render implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the pages to.")
    Path out;

    @Option(names = "--pages", defaultValue = "10", paramLabel = "N", description = "Pages (default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "800x600", paramLabel = "WxH", description = "Page size in pixels (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--text-size", defaultValue = "22-40", paramLabel = "MIN-MAX", description = "Text height range in pixels (default: ${DEFAULT-VALUE}).")
    String textSize;

    @Option(names = "--rotate", defaultValue = "0", paramLabel = "DEG", description = "Largest rotation of a line, degrees (default: ${DEFAULT-VALUE}).")
    double rotate;

    @Option(names = "--flip", defaultValue = "0", paramLabel = "F", description = "Fraction of lines drawn upside down (default: ${DEFAULT-VALUE}).")
    double flip;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (pages < 1) {
        throw Main.usage(spec, "--pages must be at least 1, got " + pages);
      }
      int[] wh = Main.intPair(spec, size, "x", "--size");
      int[] ts = Main.intPair(spec, textSize, "-", "--text-size");
      if (flip < 0 || flip > 1 || rotate < 0 || rotate > 45) {
        throw Main.usage(spec, "--flip must be in [0, 1] and --rotate in [0, 45]");
      }
      PageRenderer.Options o;
      try {
        o = PageRenderer.Options.defaults().withSize(wh[0], wh[1]).withTextSizes(ts[0], ts[1]).withAngle(rotate)
            .withFlipFraction(flip);
      } catch (EdgewiseException e) {
        throw Main.usage(spec, e.getMessage());
      }
      List<GroundTruth.PageTruth> made = GroundTruth.render(out, pages, seed, o);
      int lines = made.stream().mapToInt(p -> p.lines().size()).sum();
      spec.commandLine().getOut().printf("wrote %d pages (%d lines) and %s to %s%n", made.size(), lines,
          GroundTruth.FILE, out);
      return 0;
    }
  }

  @Command(name = "eval", description = "Read rendered pages and measure: character error rate, line exact-match "
      + "rate, detection precision and recall at IoU 0.5, orientation accuracy, the recogniser alone on the truth "
      + "boxes, per-stage latency.")
  static final class Eval implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "A directory made by `edgewise ocr render`.")
    Path dir;

    @Mixin
    ModelsOption models = new ModelsOption();

    @Mixin
    DeviceOption device = new DeviceOption();

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    CropMarginOption cropMargin = new CropMarginOption();

    @Option(names = "--show-errors", defaultValue = "20", paramLabel = "N", description = "Lines read wrong to list (default: ${DEFAULT-VALUE}).")
    int showErrors;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      OcrOptions options = options(spec, device, threads, cropMargin);
      GroundTruth.read(dir); // a missing truth.json before the models load
      OcrEvaluator.Report r;
      try (OcrPipeline ocr = OcrPipeline.open(models.dir(), options)) {
        r = OcrEvaluator.evaluate(dir, ocr);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dir", dir.toString());
        m.put("device", r.device());
        m.put("threads", threads.count());
        m.put("pages", r.pages());
        m.put("truth_lines", r.truthLines());
        m.put("detected_lines", r.detectedLines());
        m.put("matched_lines", r.matched());
        m.put("truth_chars", r.truthChars());
        m.put("cer", r.cer());
        m.put("line_exact_rate", r.lineExactRate());
        m.put("precision", r.precision());
        m.put("recall", r.recall());
        m.put("flipped_lines", r.flippedLines());
        m.put("orientation_accuracy", r.orientationAccuracy());
        m.put("recognizer_cer", r.recognizerCer());
        m.put("recognizer_line_exact_rate", r.recognizerLineExactRate());
        m.put("latency_ms", OcrJson.timing(r.latencyMs()));
        m.put("errors", r.errors().stream().map(e -> {
          Map<String, Object> x = new LinkedHashMap<>();
          x.put("page", e.page());
          x.put("truth", e.truth());
          x.put("read", e.read());
          return x;
        }).toList());
        out.println(Json.write(m));
        return 0;
      }
      out.printf(Locale.ROOT, "%s: %d pages, %d truth lines (%d characters), %d detected, device %s%n", dir,
          r.pages(), r.truthLines(), r.truthChars(), r.detectedLines(), r.device());
      out.printf(Locale.ROOT, "character error rate      %.2f%%%n", 100 * r.cer());
      out.printf(Locale.ROOT, "line exact-match rate     %.2f%%%n", 100 * r.lineExactRate());
      out.printf(Locale.ROOT, "detection precision       %.4f (IoU >= %.1f)%n", r.precision(), OcrEvaluator.IOU);
      out.printf(Locale.ROOT, "detection recall          %.4f%n", r.recall());
      out.printf(Locale.ROOT, "orientation accuracy      %.4f (%d lines drawn upside down)%n",
          r.orientationAccuracy(), r.flippedLines());
      out.printf(Locale.ROOT, "recogniser alone: CER %.2f%%, lines exact %.2f%% (on the truth boxes)%n",
          100 * r.recognizerCer(), 100 * r.recognizerLineExactRate());
      OcrResult.Timings t = r.latencyMs();
      out.printf(Locale.ROOT, "latency per page (mean)   det %.0f ms, cls %.0f ms, rec %.0f ms, total %.0f ms%n",
          t.det(), t.cls(), t.rec(), t.total());
      int shown = 0;
      for (OcrEvaluator.LineResult e : r.errors()) {
        if (shown++ >= showErrors) {
          out.printf("... %d more%n", r.errors().size() - showErrors);
          break;
        }
        out.printf("  %s: truth %s, read %s%n", e.page(), e.truth() == null ? "-" : '"' + e.truth() + '"',
            e.read() == null ? "nothing" : '"' + e.read() + '"');
      }
      return 0;
    }
  }
}
