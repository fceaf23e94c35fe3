package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.opencl.ClBuffer;
import io.edgewise.backend.opencl.ClFootprint;
import io.edgewise.nativecore.NativeCore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The launch guard on the image's tiled kernel (ew_tiled_conv): the block buffers FpgaConv sizes pass in both modes;
 * a block buffer one float short is refused, naming the kernel, the launch and the sizes, before it is enqueued.
 */
class FpgaLaunchGuardTest {
  private static FpgaBackend fpga;
  private static boolean wasEnabled;
  private final List<ClBuffer> buffers = new ArrayList<>();

  @BeforeAll
  static void open() {
    wasEnabled = ClFootprint.enabled();
    ClFootprint.setEnabled(true);
    fpga = FpgaTestImage.open();
  }

  @AfterAll
  static void close() {
    ClFootprint.setEnabled(wasEnabled);
    if (fpga != null) {
      fpga.close();
    }
  }

  @AfterEach
  void release() {
    fpga.context().finish();
    buffers.forEach(ClBuffer::close);
    buffers.clear();
  }

  private ClBuffer floats(long n) {
    ClBuffer b = ClBuffer.allocate(fpga.context(), 4 * n);
    buffers.add(b);
    return b;
  }

  private static void assertRefused(Runnable launch, String... words) {
    EdgewiseException e = assertThrows(EdgewiseException.class, launch::run);
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code(), e.getMessage());
    for (String w : words) {
      assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
    }
  }

  @Test
  void tiledKernelBuffersAreChecked() {
    // channels, rows and columns that do not divide the 8x8 tiles; two images; stride 2
    ConvLayer l = ConvLayer.of("odd", 2, 10, 13, 11, 17, 3, 2, 1);
    FpgaConv conv = fpga.conv();
    for (ConvPass pass : new ConvPass[] {ConvPass.FORWARD, ConvPass.WEIGHT_GRADIENT}) {
      long[] g = conv.geometry(l, pass);
      long in = NativeCore.fpgaBlockFloats(g, NativeCore.FPGA_INPUT);
      long w = NativeCore.fpgaBlockFloats(g, NativeCore.FPGA_WEIGHTS);
      long out = NativeCore.fpgaBlockFloats(g, NativeCore.FPGA_OUTPUT);
      long[] n = FpgaConv.blocks(g);
      int mode = pass == ConvPass.WEIGHT_GRADIENT ? 1 : 0;
      long items = mode == 0 ? g[0] * n[0] * n[2] * n[3] : n[0] * n[1];
      conv.launch(g, mode, floats(in), floats(w), floats(out), items);  // the sizes FpgaConv uses pass
      String site = "mode " + mode;
      assertRefused(() -> conv.launch(g, mode, floats(in - 1), floats(w), floats(out), items), "ew_tiled_conv",
          site, "reads element " + (in - 1) + " of 'in_blocks'", "holds " + (in - 1) + " elements");
      assertRefused(() -> conv.launch(g, mode, floats(in), floats(w - 1), floats(out), items), "ew_tiled_conv",
          site, "element " + (w - 1) + " of 'w_blocks'");
      assertRefused(() -> conv.launch(g, mode, floats(in), floats(w), floats(out - 1), items), "ew_tiled_conv",
          site, "element " + (out - 1) + " of 'out_blocks'");
      // one work-item too many reads and writes past every block buffer
      assertRefused(() -> conv.launch(g, mode, floats(in), floats(w), floats(out), items + 1), "ew_tiled_conv",
          site, "but its buffer holds");
    }
  }
}
