/**
 * The {@code fpga[:i]} device and EF-Train's analytical model: {@link FpgaBackend}, registered by
 * {@link FpgaDeviceProvider} on the devices {@link FpgaTargets} finds (a board, or its emulation on PoCL), loads an
 * {@link FpgaImage} checked against its {@link BitstreamManifest} and sha256, and runs the convolutions and Gemms its
 * fixed {@link TileConfig} fits ({@link TileRule}) through {@link FpgaConv}, every other node on the cpu device's
 * kernels; {@link PerformanceModel}, {@link ResourceModel} and {@link DesignSpaceExplorer} give modeled figures, never
 * measured ones; {@link EmulationBuild} and {@link ToolchainCommands} build images. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.nativecore}, {@code io.edgewise.model},
 * {@code io.edgewise.model.shapes}, {@code io.edgewise.backend}, {@code io.edgewise.backend.exec},
 * {@code io.edgewise.backend.reference}, {@code io.edgewise.backend.reference.ops}, {@code io.edgewise.backend.cpu} and
 * {@code io.edgewise.backend.opencl}; Jackson (databind, core) and SLF4J.
 */
package io.edgewise.backend.fpga;
