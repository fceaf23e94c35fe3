/**
 * The JavaCPP bridge to the C++17 native core ({@code native/}): {@link EdgewiseNative} binds the C ABI of
 * {@code native/include/edgewise/edgewise.h}, and {@link NativeCore} is the checked entry point everything else calls
 * (aligned memory, packed GEMM, convolution and its packed weights, int8 kernels, pooling, the NCHWc and FPGA layout
 * transforms, activations, the thread count), mapping every native status to an {@link io.edgewise.EdgewiseException}.
 * Only this package declares native methods. May import: {@code io.edgewise}; JavaCPP ({@code org.bytedeco.javacpp} and
 * its {@code annotation} package).
 */
package io.edgewise.nativecore;
