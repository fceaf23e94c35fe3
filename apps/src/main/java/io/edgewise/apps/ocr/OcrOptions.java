package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;

/**
 * How {@link OcrPipeline} runs: the device and intra-op threads of its three sessions, and PaddleOCR's thresholds
 * (defaults as PaddleOCR's: detector side limit 960, binarisation 0.3, box score 0.6, unclip ratio 1.5, orientation
 * flip above 0.9, 6 lines per batch, lines under 0.5 confidence dropped).
 */
public record OcrOptions(String device, int threads, int detLimitSide, DbPostprocess.Params db, boolean classify,
    double clsThreshold, int batchSize, double dropScore) {
  public OcrOptions {
    if (device == null || device.isBlank()) {
      throw EdgewiseException.invalidArgument("no device given");
    }
    if (threads < 0) {
      throw EdgewiseException.invalidArgument("threads must be 0 (device default) or more, got " + threads);
    }
    if (batchSize < 1) {
      throw EdgewiseException.invalidArgument("batch size must be at least 1, got " + batchSize);
    }
  }

  public static OcrOptions defaults() {
    return new OcrOptions("cpu", 0, 960, DbPostprocess.Params.defaults(), true, 0.9, 6, 0.5);
  }

  public OcrOptions withDevice(String d) {
    return new OcrOptions(d, threads, detLimitSide, db, classify, clsThreshold, batchSize, dropScore);
  }

  public OcrOptions withThreads(int t) {
    return new OcrOptions(device, t, detLimitSide, db, classify, clsThreshold, batchSize, dropScore);
  }

  public OcrOptions withDetLimitSide(int side) {
    return new OcrOptions(device, threads, side, db, classify, clsThreshold, batchSize, dropScore);
  }

  public OcrOptions withClassify(boolean c) {
    return new OcrOptions(device, threads, detLimitSide, db, c, clsThreshold, batchSize, dropScore);
  }

  public OcrOptions withDropScore(double s) {
    return new OcrOptions(device, threads, detLimitSide, db, classify, clsThreshold, batchSize, s);
  }
}
