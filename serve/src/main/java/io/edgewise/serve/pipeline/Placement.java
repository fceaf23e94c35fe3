package io.edgewise.serve.pipeline;

/** Where one stage of a pipeline job runs. */
public enum Placement {
  /** On this device, in this process's session of the stage's model. */
  DEVICE,
  /** On the peer, which holds the same model file (named by its sha256); the stage's inputs and outputs cross. */
  PEER
}
