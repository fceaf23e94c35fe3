/**
 * The {@code opencl[:i]} device on JOCL: {@link OpenClBackend}, registered by {@link OpenClDeviceProvider}, runs
 * convolutions, pooling, Gemm, elementwise ops and activations, Concat, Transpose and the shape-only ops as the kernels
 * of {@code kernels/} with tensors resident in device buffers ({@link DeviceTensor}), and every other node on its
 * reference kernel. Also here: the host layer ({@link ClPlatforms}, {@link ClDevice}, {@link ClContext},
 * {@link ClProgram}, {@link ClProgramCache}, {@link ClBuffer}), convolution planning and tuning ({@link ConvProblem},
 * {@link ConvChoice}, {@link ConvTuner}, {@link ClTuningDb}) and the training kernels of {@code kernels/train.cl}
 * ({@link ClTrainingOps}, {@link ClConvTraining}). May import: {@code io.edgewise}, {@code io.edgewise.tensor},
 * {@code io.edgewise.model}, {@code io.edgewise.model.shapes}, {@code io.edgewise.backend},
 * {@code io.edgewise.backend.exec}, {@code io.edgewise.backend.reference} and
 * {@code io.edgewise.backend.reference.ops}; JOCL ({@code org.jocl}), Jackson databind and SLF4J.
 */
package io.edgewise.backend.opencl;
