package io.edgewise.backend.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.edgewise.EdgewiseException;
import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;
import io.edgewise.backend.Executable;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxExporter;
import java.io.IOException;
import java.nio.file.Files;

/**
 * The `ort` device: a whole model in ONNX Runtime Java (CPU execution provider), used as a second oracle and as
 * the yardstick in benchmarks. Threads are explicit: intra-op = the session's thread count (all cores when 0),
 * inter-op = 1; graph optimizations at ALL, as a tuned ONNX Runtime deployment would run.
 */
public final class OrtBackend implements Backend {
  @Override
  public Device device() {
    return new Device("ort", DeviceKind.CPU, "ONNX Runtime " + version() + " (CPU execution provider)",
        Runtime.getRuntime().maxMemory(), Runtime.getRuntime().availableProcessors(), 0, "unknown");
  }

  private static String version() {
    try {
      return OrtEnvironment.getEnvironment().getVersion();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.DEVICE, "ONNX Runtime cannot start here: " + e, e);
    }
  }

  /** ONNX Runtime runs every standard op itself; what it refuses it reports at compile time. */
  @Override
  public String unsupportedReason(Node node, int opset) {
    return null;
  }

  @Override
  public Executable compile(Model model, BackendOptions options) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
      so.setIntraOpNumThreads(threads);
      so.setInterOpNumThreads(1);
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      OrtSession session = env.createSession(modelBytes(model), so);
      return new OrtExecutable(env, session, model.label());
    } catch (OrtException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.DEVICE, model.label() + ": ONNX Runtime refused the "
          + "model: " + e.getMessage(), e);
    }
  }

  /**
   * The file as read when the model came from one (the session skips graph passes for ort, so it is unchanged),
   * else the model exported to ONNX.
   */
  private static byte[] modelBytes(Model model) {
    if (model.source() == null) {
      return OnnxExporter.toBytes(model);
    }
    try {
      return Files.readAllBytes(model.source());
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, model.label() + ": " + e.getMessage(), e);
    }
  }
}
