package io.edgewise.backend.opencl;

/** A kernel argument that asks for {@code bytes} of local memory (a __local pointer parameter). */
public record ClLocal(long bytes) {}
