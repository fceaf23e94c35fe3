package io.edgewise.cli;

import io.edgewise.backend.fpga.BitstreamManifest;
import io.edgewise.backend.fpga.BitstreamManifests;
import io.edgewise.backend.fpga.Board;
import io.edgewise.backend.fpga.ConvLayer;
import io.edgewise.backend.fpga.ConvLayers;
import io.edgewise.backend.fpga.ConvPass;
import io.edgewise.backend.fpga.DesignSpaceExplorer;
import io.edgewise.backend.fpga.EmulationBuild;
import io.edgewise.backend.fpga.ToolchainCommands;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `edgewise bitstream build|explore`: FPGA images from bitstreams/ manifests. */
@Command(name = "bitstream", description = "Build FPGA images and search tile sizes.",
    subcommands = {BitstreamCommand.Build.class, BitstreamCommand.Explore.class})
final class BitstreamCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    return Main.missingSubcommand(spec);
  }

  /** The repository root: the manifests' kernelSource paths are relative to it. */
  static Path repoRoot(Path manifest) {
    for (Path p = manifest.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("kernels")) && Files.isDirectory(p.resolve("bitstreams"))) {
        return p;
      }
    }
    return Path.of("").toAbsolutePath();
  }

  @Command(name = "build", description = "Build an image: emu compiles kernels/ for the local emulation device "
      + "and writes the binary and its checksum into the build directory; intel and xilinx print the aoc / v++ "
      + "commands and host settings (those toolchains do not run here).")
  static final class Build implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MANIFEST", description = "bitstreams/NAME/manifest.json")
    Path manifest;

    @Option(names = "--target", required = true, paramLabel = "TARGET", description = "emu, intel or xilinx.")
    String target;

    @Option(names = "--out", paramLabel = "DIR", description = "Build directory (default: build/bitstreams/NAME).")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      BitstreamManifest m = BitstreamManifests.read(manifest);
      Path root = repoRoot(manifest);
      Path dir = out != null ? out : root.resolve("build/bitstreams").resolve(m.name());
      PrintWriter o = spec.commandLine().getOut();
      switch (target) {
        case "emu" -> {
          EmulationBuild.Result r;
          // one OpenCL compile of the image's kernels: seconds, with nothing to show but the clock
          try (Progress progress = Progress.start(spec.commandLine().getErr(), "bitstream build")) {
            progress.step("compiling " + m.name() + " (" + m.tiles() + ") for the emulation device");
            r = EmulationBuild.build(m, root, dir);
          }
          o.println("built " + r.binary() + " for " + r.device() + " (" + m.tiles() + ")");
          o.println("sha256 " + r.sha256() + " written to " + r.checksumFile());
        }
        case "intel", "xilinx" -> {
          if (!m.vendor().equals(target)) {
            throw Main.usage(spec, manifest + " is a " + m.vendor() + " image; --target " + target + " needs a "
                + target + " manifest");
          }
          ToolchainCommands c = ToolchainCommands.hardware(m, root, dir);
          o.println("# " + target + " build of " + m.name() + " for " + m.board() + " (" + m.toolchain().name() + " "
              + m.toolchain().version() + "); run on a machine with the toolchain, then set binary.sha256:");
          c.shellLines().forEach(o::println);
          o.println("# host settings when loading the image:");
          for (Map.Entry<String, String> e : c.environment().entrySet()) {
            o.println(e.getValue().isEmpty() ? "unset " + e.getKey() : "export " + e.getKey() + "=" + e.getValue());
          }
        }
        default -> throw Main.usage(spec, "--target must be emu, intel or xilinx, not '" + target + "'");
      }
      return 0;
    }
  }

  @Command(name = "explore", description = "List the Pareto-best tile sizes for a board and a model "
      + "(analytical model: every figure is modeled, cycles at the board clock).")
  static final class Explore implements Callable<Integer> {
    @Option(names = "--board", required = true, paramLabel = "BOARD.json", description = "bitstreams/boards/*.json")
    Path board;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model.onnx or its directory.")
    Path model;

    @Option(names = "--training", description = "Model forward, input-gradient and weight-gradient passes.")
    boolean training;

    @Option(names = "--top", paramLabel = "N",
        defaultValue = "15", description = "Rows to print (default: ${DEFAULT-VALUE}).")
    int top;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Board b = BitstreamManifests.readBoard(board);
      Path file = Files.isDirectory(model) ? model.resolve("model.onnx") : model;
      List<ConvLayer> layers;
      try (Model m = OnnxImporter.load(file)) {
        layers = ConvLayers.of(m).stream().map(ConvLayers.Found::layer).toList();
      }
      if (layers.isEmpty()) {
        throw Main.usage(spec, file + " has no convolution or Gemm layer with known shapes");
      }
      List<ConvPass> passes = training ? List.of(ConvPass.values()) : List.of(ConvPass.FORWARD);
      List<DesignSpaceExplorer.Candidate> front = DesignSpaceExplorer.explore(b, layers, passes);
      PrintWriter o = spec.commandLine().getOut();
      o.printf("Pareto-best tiles for %s (%d DSP, %d BRAM36, %d LUT, %.0f MHz, %.1f GB/s) on %s, %d layers, %s;"
          + " modeled, cycles at %.0f MHz%n", b.name(), b.dsp(), b.bram36(), b.lut(), b.clockMhz(),
          b.offchipBandwidthGBps(), file, layers.size(), training ? "training passes" : "forward pass", b.clockMhz());
      o.printf("%-4s %-3s %-3s %-3s %-3s %-4s %-4s %-5s %6s %7s %8s %12s %10s %8s %s%n", "RANK", "TM", "TN", "TR",
          "TC", "KMAX", "SMAX", "WBUF", "DSP", "BRAM36", "LUT", "CYCLES", "MS", "GFLOPS", "FPGA/CPU LAYERS");
      for (int i = 0; i < Math.min(top, front.size()); i++) {
        DesignSpaceExplorer.Candidate c = front.get(i);
        var t = c.tiles();
        o.printf("%-4d %-3d %-3d %-3d %-3d %-4d %-4d %-5d %6d %7d %8d %12d %10.3f %8.2f %d/%d%n", i + 1, t.tm(), t.tn(),
            t.tr(), t.tc(), t.kmax(), t.smax(), c.weightBufferBlocks(), c.resources().dsp(), c.resources().bram36(),
            c.resources().lut(), c.cycles(), c.milliseconds(), c.gflops(), c.fpgaLayers(), c.fallbackLayers());
      }
      o.println(front.size() + " Pareto-best of the candidates that fit; GFLOPS over the FPGA layers only.");
      return 0;
    }
  }
}
