/**
 * The reference kernels, one class per op family ({@link ActivationOps}, {@link ElementwiseOps}, {@link ConvOps},
 * {@link MatrixOps}, {@link NormOps}, {@link PoolOps}, {@link PadOps}, {@link QuantOps}, {@link ReduceOps},
 * {@link ResizeOps}, {@link ShapeOps}, ...), written to ONNX's semantics per opset: floating types compute in double,
 * integer types exactly in long. Other devices reuse {@link ConvGeometry}, {@link ConvKernel}, {@link SliceKernel},
 * {@link SplitKernel} and {@link StridedView} and fall back to these kernels. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.model.shapes},
 * {@code io.edgewise.backend.exec} and {@code io.edgewise.backend.reference}; no library outside the JDK, and neither
 * {@code io.edgewise.nativecore} nor {@code io.edgewise.backend.cpu}; the native GEMM reaches them only as a {@code FloatGemm} in the options, when a user asks for it.
 */
package io.edgewise.backend.reference.ops;
