/**
 * Tensors and their memory: {@link Tensor} (dense, row-major, in off-heap memory owned by one object and released by
 * close()), {@link Shape}, {@link DType} (ONNX's element type codes), {@link Float16}, {@link TensorProtos} (ONNX
 * TensorProto to and from a tensor), {@link TensorScope} (closes what a kernel call left open) and {@link MemoryPool}
 * (recycles memory across runs, laid out by an arena plan). May import: {@code io.edgewise} and
 * {@code io.edgewise.nativecore}; JavaCPP ({@code org.bytedeco.javacpp}, to view native memory as a ByteBuffer),
 * protobuf ({@code com.google.protobuf}) and the ONNX protobuf classes ({@code ai.onnx.proto}) for TensorProtos, and
 * SLF4J.
 */
package io.edgewise.tensor;
