package io.edgewise.backend.fpga;

import java.util.List;

/**
 * One FPGA image as described by its manifest (bitstreams/NAME/manifest.json): what board and toolchain it was
 * built for, which kernels it holds with which fixed tile sizes, its clock, resources and off-chip bandwidth, and
 * the binary's file name and sha256. Read and validated by {@link BitstreamManifests}.
 *
 * @param vendor "xilinx" (Vitis, v++, XRT) or "intel" (FPGA SDK for OpenCL, aoc)
 * @param kernelSource the OpenCL C source, relative to the repository root (kernels/...)
 * @param ops the ONNX ops the image runs (the rest of a model falls back to cpu)
 * @param weightBufferBlocks weight blocks (Tm x Tn x k x k) the on-chip weight buffer holds: a layer whose input
 *     channels fit in that many blocks loads its weights once per output-channel block (EF-Train's weight reuse)
 * @param offchipBandwidthGBps bytes per second (1e9) the kernel's memory ports move, all ports together
 * @param binary the image file; its sha256 is null until a vendor build fills it in (emulation builds record theirs
 *     beside the binary in the build directory)
 */
public record BitstreamManifest(String name, String board, String part, String vendor, Toolchain toolchain,
    String kernelSource, List<KernelSpec> kernels, List<String> ops, TileConfig tiles, int weightBufferBlocks,
    String precision, double clockMhz, Resources resources, double offchipBandwidthGBps, Binary binary, String notes) {

  /** The toolchain an image is built with, e.g. vitis 2023.2 or intelfpgasdk 21.4. */
  public record Toolchain(String name, String version) {}

  /** A kernel of the image: its name and its OpenCL C parameter list. */
  public record KernelSpec(String name, String signature) {}

  /** Device resources the synthesized image uses (from the vendor report; modeled for the emulation image). */
  public record Resources(int dsp, int bram36, int lut) {}

  public record Binary(String file, String sha256) {}

  public List<String> kernelNames() {
    return kernels.stream().map(KernelSpec::name).toList();
  }
}
