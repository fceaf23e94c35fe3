package io.edgewise.serve.pipeline;

/**
 * One model run a placement policy decides on: the stage, how much input it has (elements: a stage's cost grows with
 * them, a detector's with its pixels, a recogniser's with its batch and line width) and the bytes its inputs take on
 * the wire in the encoding the runner sends.
 */
public record StageCall(String stage, long inputElements, long inputWireBytes) {}
