package io.edgewise.serve.common;

import java.util.List;

/**
 * A model of the repository that is a pipeline of several sessions with its own pre- and post-processing rather than
 * one ONNX graph (today the OCR pipeline, {@link OcrServedPipeline}). It takes one BYTES input of shape [N] and
 * answers one BYTES output of shape [N], element i for input element i; the HTTP layer does the protocol. Owned by
 * the repository, which closes it.
 */
public interface ServedPipeline extends AutoCloseable {
  /** One input or output as the model metadata describes it: name, datatype and shape (-1 for variable). */
  record Port(String name, String datatype, List<Long> shape) {}

  /** The metadata's "platform", e.g. "edgewise_ocr". */
  String platform();

  /** The device its sessions run on (the scheduler counts work per device). */
  String deviceName();

  Port input();

  Port output();

  /**
   * Runs the pipeline on each element in order; one answer per element. A bad element is an
   * {@link io.edgewise.EdgewiseException} (INVALID_ARGUMENT) whose message begins with {@code where} and the
   * element's index, so the client learns which input and which element.
   */
  List<byte[]> run(List<byte[]> elements, String where);

  /** The answers and what the pipeline reports about them (the response's "parameters"; empty for none). */
  record Answer(List<byte[]> outputs, java.util.Map<String, Object> parameters) {}

  /**
   * As {@link #run(List, String)}, for a request that may opt out of computation reuse ({@code reuse} false: every
   * element is computed, nothing is looked up or stored); a pipeline without reuse ignores it.
   */
  default Answer run(List<byte[]> elements, String where, boolean reuse) {
    return new Answer(run(elements, where), java.util.Map.of());
  }

  /**
   * This pipeline's own reuse store as a tier, with its calibrated thresholds, for the node's peer port to answer
   * other nodes' look-ups from (never the pipeline's own peer tiers: a look-up is not passed on); empty without
   * reuse. Used only while the pipeline is leased.
   */
  default java.util.Optional<io.edgewise.reuse.ReuseTier> reuseTier() {
    return java.util.Optional.empty();
  }

  @Override
  void close();
}
