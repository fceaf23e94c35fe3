package io.edgewise.apps.ocr;

import io.edgewise.runtime.Session;
import io.edgewise.tensor.Tensor;
import java.util.Map;

/**
 * Where a model stage of the OCR pipeline runs. The pipeline hands each model run (the stage, this process's session
 * for it, the inputs) to its runner; the default runs the session here. A runner that sends some stages to a peer
 * (serve's pipeline placement) moves only the stage's inputs and outputs: the pre- and post-processing between the
 * models (crops, decoding) stays with the pipeline.
 */
@FunctionalInterface
public interface StageRunner {
  /** Runs every stage on this process's sessions. */
  StageRunner LOCAL = (stage, local, inputs) -> local.run(inputs);

  /**
   * Runs the stage's model on {@code inputs} (which stay the caller's) and returns its outputs, which the caller
   * closes; {@code local} is this process's session of the stage's model. For the recogniser a runner may return,
   * instead of the per-step scores of every class, their greedy best path ({@link CtcDecoder#bestPath}) as the two
   * tensors named {@link CtcDecoder#BEST_CLASS_SUFFIX} and {@link CtcDecoder#BEST_PROB_SUFFIX} after the output: the
   * pipeline decodes either to the same text.
   */
  Map<String, Tensor> run(OcrStage stage, Session local, Map<String, Tensor> inputs);

  /**
   * Runs the detector as {@link #run} does. A runner may answer, instead of the probability map, with the page's
   * boxes already post-processed as {@code boxes} says ({@link DbPostprocess#run}, e.g. on the peer that ran the
   * model), as the tensor named {@link DbPostprocess#BOXES_SUFFIX} after the output ({@link DbPostprocess#pack
   * packed}): the pipeline takes either to the same boxes. The default runs {@link #run}.
   */
  default Map<String, Tensor> runDetector(Session local, Map<String, Tensor> inputs, DbPostprocess.BoxRequest boxes) {
    return run(OcrStage.DETECTOR, local, inputs);
  }
}
