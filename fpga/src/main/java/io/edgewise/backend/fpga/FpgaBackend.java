package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;
import io.edgewise.backend.Executable;
import io.edgewise.backend.cpu.CpuBackend;
import io.edgewise.backend.opencl.ClContext;
import io.edgewise.backend.opencl.ClDevices;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.nativecore.NativeCore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The `fpga[:i]` device: an FPGA (or its emulation, see {@link FpgaTargets}) with an image from bitstreams/ loaded
 * from its binary. Convolutions and Gemms whose geometry the image's fixed tiles run go to the device's tiled
 * kernel; everything else runs as on `cpu`, and compile() logs which layers fell back and why. The image directory
 * is the system property {@code edgewise.fpga.image} or {@code EDGEWISE_FPGA_IMAGE} (default
 * build/bitstreams/tiled-conv-emu, what `edgewise bitstream build bitstreams/tiled-conv-emu/manifest.json --target
 * emu` writes).
 */
public final class FpgaBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(FpgaBackend.class);
  public static final String DEFAULT_IMAGE_DIR = "build/bitstreams/tiled-conv-emu";

  private final FpgaTargets.Target target;
  private final ClContext ctx;
  private final FpgaImage image;
  private final FpgaConv conv;

  private FpgaBackend(FpgaTargets.Target target, ClContext ctx, FpgaImage image) {
    this.target = target;
    this.ctx = ctx;
    this.image = image;
    this.conv = new FpgaConv(ctx, image);
  }

  /** The device named "fpga" or "fpga:i" with the configured image. */
  public static FpgaBackend open(String name) {
    return open(FpgaTargets.get(ClDevices.parseIndex(name, "fpga")), imageDirectory());
  }

  /** A target with the image in {@code imageDir}; refuses an image that does not match (see {@link FpgaImage}). */
  public static FpgaBackend open(FpgaTargets.Target target, Path imageDir) {
    ClContext ctx = ClContext.create(target.device());
    try {
      return new FpgaBackend(target, ctx, FpgaImage.load(imageDir, target, ctx));
    } catch (RuntimeException e) {
      ctx.close();
      throw e;
    }
  }

  public static Path imageDirectory() {
    String v = System.getProperty("edgewise.fpga.image");
    if (v == null) {
      v = System.getenv("EDGEWISE_FPGA_IMAGE");
    }
    Path p = Path.of(v == null ? DEFAULT_IMAGE_DIR : v);
    // a manifest path names its build directory's copy too
    return p.getFileName() != null && p.getFileName().toString().endsWith(".json") ? p.getParent() : p;
  }

  public BitstreamManifest manifest() {
    return image.manifest();
  }

  /** The kernel runner, for callers that run passes directly (tests, on-device training). */
  public FpgaConv conv() {
    return conv;
  }

  public FpgaTargets.Target target() {
    return target;
  }

  @Override
  public Device device() {
    BitstreamManifest m = image.manifest();
    TileConfig t = m.tiles();
    double peak = 2.0 * t.tm() * t.tn() * m.clockMhz() / 1000;  // one MAC per lane per cycle
    return new Device("fpga:" + target.index(), DeviceKind.FPGA, target.describe() + ", image " + m.name() + " ("
        + t + ", " + m.precision() + ", " + m.clockMhz() + " MHz; peak modeled at that clock)",
        target.device().globalMemoryBytes(), t.tm() * t.tn(), peak, "modeled");
  }

  @Override
  public String unsupportedReason(Node node, int opset) {
    try (CpuBackend cpu = new CpuBackend()) {
      return cpu.unsupportedReason(node, opset);
    }
  }

  @Override
  public Executable compile(Model model, BackendOptions options) {
    NativeCore.setThreads(options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors());
    String placement = placement();
    double cpuPeak = placement.equals("faster") ? cpuPeakGflops() : 0;
    Map<String, String> onCpu = plan(model, placement, cpuPeak);
    return FpgaExecutable.create(model, options, this, onCpu.keySet());
  }

  /**
   * Which layers run where: "tiles" (the default) gives the device every layer its image's tiles run; "faster" only
   * those whose modeled time on the image (analytical model, cycles at its clock) is below their modeled time on the
   * cpu at its measured FMA peak. Set by {@code edgewise.fpga.placement} or {@code EDGEWISE_FPGA_PLACEMENT}.
   */
  public static String placement() {
    String v = System.getProperty("edgewise.fpga.placement");
    if (v == null) {
      v = System.getenv("EDGEWISE_FPGA_PLACEMENT");
    }
    v = v == null ? "tiles" : v.trim();
    if (!v.equals("tiles") && !v.equals("faster")) {
      throw EdgewiseException.invalidArgument("edgewise.fpga.placement is '" + v + "'; use tiles or faster");
    }
    return v;
  }

  private static double cpuPeakGflops() {
    try (CpuBackend cpu = new CpuBackend()) {
      return cpu.device().peakGflops();
    }
  }

  /**
   * The layers (by first output name) that stay on cpu, each with why, for this placement; logs the plan. With
   * "faster", {@code cpuPeakGflops} is the cpu's peak the modeled cpu time is taken at.
   */
  public Map<String, String> plan(Model model, String placement, double cpuPeakGflops) {
    Map<String, String> onCpu = new LinkedHashMap<>();
    PerformanceModel perf = PerformanceModel.of(image.manifest());
    double fpgaMs = 0;
    int onDevice = 0;
    for (ConvLayers.Found f : ConvLayers.of(model)) {
      String why = whyNot(f);
      LayerEstimate e = why == null ? perf.estimate(f.layer(), ConvPass.FORWARD, image.manifest().tiles()) : null;
      if (e != null && placement.equals("faster")) {
        double cpuSeconds = f.layer().flops() / (cpuPeakGflops * 1e9);
        if (e.seconds() >= cpuSeconds) {
          why = String.format("modeled %.3f ms on the image vs %.3f ms on cpu at its measured %.1f GFLOP/s peak",
              e.seconds() * 1e3, cpuSeconds * 1e3, cpuPeakGflops);
        }
      }
      if (why == null) {
        onDevice++;
        fpgaMs += e.seconds() * 1e3;
      } else {
        onCpu.put(f.node().output(0), why);
      }
    }
    LOG.info("{}: {} layers on fpga:{} ({}; modeled {} ms at {} MHz), {} on cpu (placement '{}')", model.label(),
        onDevice, target.index(), image.manifest().name(), String.format("%.3f", fpgaMs),
        image.manifest().clockMhz(), onCpu.size(), placement);
    onCpu.forEach((node, why) -> LOG.info("{}: {} on cpu, not fpga: {}", model.label(), node, why));
    return onCpu;
  }

  String whyNot(ConvLayers.Found f) {
    if (!image.manifest().ops().contains(f.node().opType())) {
      return "the image does not implement " + f.node().opType();
    }
    return f.geometry() == null ? null : TileRule.whyNot(f.geometry(), f.group(), image.manifest().tiles());
  }

  ClContext context() {
    return ctx;
  }

  @Override
  public void close() {
    ctx.close();
  }

  static EdgewiseException closed() {
    return new EdgewiseException(ErrorCode.INVALID_ARGUMENT, "fpga backend used after close()");
  }
}
