package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * The payloads of the peer protocol, one record per {@link MessageType}. Messages that carry tensors own them:
 * close() releases them (the receiver of a decoded message, or the sender after encoding, closes it).
 */
public sealed interface PeerMessage extends AutoCloseable {
  MessageType type();

  @Override
  default void close() {}

  /** @param token the bearer token ("" when the server needs none) */
  record Hello(int minVersion, int maxVersion, String token, String clientName) implements PeerMessage {
    public MessageType type() {
      return MessageType.HELLO;
    }

    @Override
    public String toString() {
      return "Hello[" + minVersion + ".." + maxVersion + ", client=" + clientName + ", token=<" + token.length()
          + " chars>]";
    }
  }

  /** A model the peer serves, named by the sha256 of its ONNX file (hex). */
  record ModelInfo(String name, String sha256) {}

  record Capabilities(int version, String serverName, String device, int maxInFlight, int maxFrameBytes,
      List<ModelInfo> models) implements PeerMessage {
    public Capabilities {
      models = List.copyOf(models);
    }

    public MessageType type() {
      return MessageType.CAPABILITIES;
    }
  }

  /**
   * Run the part of model {@code modelHash} after the cut that {@code tensors} define (their names are the values
   * crossing the cut), returning {@code outputs} (empty: the model's outputs), reduced as {@code reduction} says
   * ({@code boxes}: the page size and thresholds of {@link OutputReduction#DB_BOXES}, required with it and null
   * otherwise), encoded as {@code resultEncoding}.
   *
   * @param deadlineMicros the time left for the whole request when sent, in microseconds; 0 for none. A budget,
   *     not a wall-clock instant, so that the peers' clocks need not agree.
   */
  record PartialInfer(String modelHash, long deadlineMicros, TensorEncoding resultEncoding, List<String> outputs,
      Map<String, Tensor> tensors, TensorEncoding tensorEncoding, OutputReduction reduction,
      DbPostprocess.BoxRequest boxes) implements PeerMessage {
    public PartialInfer {
      outputs = List.copyOf(outputs);
      reduction = reduction == null ? OutputReduction.NONE : reduction;
      if ((reduction == OutputReduction.DB_BOXES) != (boxes != null)) {
        throw EdgewiseException.invalidArgument("PARTIAL_INFER: box options go with the DB_BOXES reduction and only "
            + "with it (reduction " + reduction + ", box options " + boxes + ")");
      }
    }

    /** A request whose outputs come back reduced by a reduction that takes no options. */
    public PartialInfer(String modelHash, long deadlineMicros, TensorEncoding resultEncoding, List<String> outputs,
        Map<String, Tensor> tensors, TensorEncoding tensorEncoding, OutputReduction reduction) {
      this(modelHash, deadlineMicros, resultEncoding, outputs, tensors, tensorEncoding, reduction, null);
    }

    /** A request whose outputs come back as computed. */
    public PartialInfer(String modelHash, long deadlineMicros, TensorEncoding resultEncoding, List<String> outputs,
        Map<String, Tensor> tensors, TensorEncoding tensorEncoding) {
      this(modelHash, deadlineMicros, resultEncoding, outputs, tensors, tensorEncoding, OutputReduction.NONE);
    }

    public MessageType type() {
      return MessageType.PARTIAL_INFER;
    }

    @Override
    public void close() {
      tensors.values().forEach(Tensor::close);
    }
  }

  /** @param queueMicros time the request waited for a worker; computeMicros: time the peer spent serving it */
  record Result(long queueMicros, long computeMicros, Map<String, Tensor> outputs, TensorEncoding encoding)
      implements PeerMessage {
    public MessageType type() {
      return MessageType.RESULT;
    }

    @Override
    public void close() {
      outputs.values().forEach(Tensor::close);
    }
  }

  record Error(PeerErrorCode code, String message) implements PeerMessage {
    public MessageType type() {
      return MessageType.ERROR;
    }

    public PeerException toException() {
      return new PeerException(code, "peer says: " + message);
    }
  }

  record LoadQuery() implements PeerMessage {
    public MessageType type() {
      return MessageType.LOAD_QUERY;
    }
  }

  /**
   * @param utilisation busy worker time over wall time since the previous report (0..1)
   * @param meanComputeMs mean compute time of the partial inferences finished since the previous report
   */
  record LoadReport(int inFlight, int queued, int workers, double utilisation, double meanComputeMs,
      long completed) implements PeerMessage {
    public MessageType type() {
      return MessageType.LOAD_REPORT;
    }
  }

  /** @param padding bytes the peer reads and drops: a probe of the link's bandwidth (may be empty) */
  record Ping(long nonce, byte[] padding) implements PeerMessage {
    public MessageType type() {
      return MessageType.PING;
    }
  }

  record Pong(long nonce) implements PeerMessage {
    public MessageType type() {
      return MessageType.PONG;
    }
  }

  record Cancel() implements PeerMessage {
    public MessageType type() {
      return MessageType.CANCEL;
    }
  }

  /**
   * Remote feature-reuse look-up (issue 7): is there a stored result for an input whose feature vector at
   * {@code tapPoint} of model {@code modelHash} is {@code feature} (fp16 or fp32, shape [d] or [1, d])?
   */
  record ReuseLookup(String modelHash, String tapPoint, Tensor feature, TensorEncoding featureEncoding)
      implements PeerMessage {
    public MessageType type() {
      return MessageType.REUSE_LOOKUP;
    }

    @Override
    public void close() {
      feature.close();
    }
  }

  /**
   * The answer: on a hit, the stored result tensors and/or a label and confidence (label -1 when not a
   * classification), and where the result came from (a device or store id); on a miss, hit false and nothing else.
   */
  record ReuseResult(boolean hit, int label, float confidence, String origin, Map<String, Tensor> results)
      implements PeerMessage {
    public MessageType type() {
      return MessageType.REUSE_RESULT;
    }

    public static ReuseResult miss() {
      return new ReuseResult(false, -1, 0f, "", Map.of());
    }

    @Override
    public void close() {
      results.values().forEach(Tensor::close);
    }
  }

  /**
   * Serve one request at a dynamic-inference level (Dystri, issue 25): the node's controller picks a level in
   * [{@code lowest}, {@code highest}] (0 is the cheapest; a higher level computes more and is more accurate) that
   * finishes within the budget, preferring the cheapest one whose measured accuracy reaches {@code accuracyWant}.
   *
   * @param user who asked (for per-user accounting; may be empty)
   * @param deadlineMicros the time left for the whole request when sent, in microseconds; 0 for none
   */
  record LevelInfer(String user, long deadlineMicros, int lowest, int highest, double accuracyWant,
      TensorEncoding resultEncoding, Map<String, Tensor> tensors, TensorEncoding tensorEncoding)
      implements PeerMessage {
    public LevelInfer {
      if (lowest < 0 || highest > 255 || lowest > highest) {
        throw new PeerException(PeerErrorCode.INVALID_ARGUMENT, "levels must satisfy 0 <= lowest <= highest <= 255, got "
            + lowest + ".." + highest);
      }
    }

    public MessageType type() {
      return MessageType.LEVEL_INFER;
    }

    @Override
    public void close() {
      tensors.values().forEach(Tensor::close);
    }
  }

  /** The answer to LEVEL_INFER: the level that served it, how long it queued and computed on the node, its outputs. */
  record LevelResult(int level, long queueMicros, long computeMicros, Map<String, Tensor> outputs,
      TensorEncoding encoding) implements PeerMessage {
    public MessageType type() {
      return MessageType.LEVEL_RESULT;
    }

    @Override
    public void close() {
      outputs.values().forEach(Tensor::close);
    }
  }
}
