package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DesignSpaceExplorerTest {
  static final List<ConvLayer> LAYERS = List.of(
      ConvLayer.of("c1", 1, 3, 32, 32, 16, 7, 2, 3),
      ConvLayer.of("c2", 1, 16, 16, 16, 32, 3, 1, 1),
      ConvLayer.of("c3", 1, 32, 16, 16, 32, 3, 2, 1),
      ConvLayer.of("fc", 1, 512, 1, 1, 10, 1, 1, 0));

  @Test
  void paretoFrontFitsTheBoardAndNoMemberIsDominated() {
    Board pynq = BitstreamManifests.readBoard(Path.of("bitstreams/boards/pynq-z1.json"));
    List<DesignSpaceExplorer.Candidate> front =
        DesignSpaceExplorer.explore(pynq, LAYERS, List.of(ConvPass.FORWARD));
    assertFalse(front.isEmpty());
    for (DesignSpaceExplorer.Candidate c : front) {
      assertTrue(c.resources().fits(pynq), c.toString());
      assertTrue(c.resources().dsp() <= 220);
      for (DesignSpaceExplorer.Candidate o : front) {
        boolean dominates = o != c && o.fallbackLayers() <= c.fallbackLayers() && o.cycles() <= c.cycles()
            && o.resources().dsp() <= c.resources().dsp() && o.resources().bram36() <= c.resources().bram36()
            && (o.cycles() < c.cycles() || o.resources().dsp() < c.resources().dsp()
            || o.resources().bram36() < c.resources().bram36() || o.fallbackLayers() < c.fallbackLayers());
        assertFalse(dominates, o + " dominates " + c);
      }
    }
    // the fastest member runs every layer (KMAX covers the 7x7 stem) on the FPGA
    assertEquals(0, front.get(0).fallbackLayers());
    assertEquals(4, front.get(0).fpgaLayers());
  }

  @Test
  void aBiggerBoardIsNeverSlower() {
    Board pynq = BitstreamManifests.readBoard(Path.of("bitstreams/boards/pynq-z1.json"));
    Board zcu = BitstreamManifests.readBoard(Path.of("bitstreams/boards/zcu102.json"));
    Board pynqFast = new Board("p", pynq.part(), "xilinx", pynq.dsp(), pynq.bram36(), pynq.lut(), pynq.clockMhz(),
        zcu.offchipBandwidthGBps(), pynq.dspPerMacFp32(), pynq.lutPerMacFp32(), pynq.lutOverhead(), null);
    long small = DesignSpaceExplorer.explore(pynqFast, LAYERS, List.of(ConvPass.FORWARD)).get(0).cycles();
    long big = DesignSpaceExplorer.explore(zcu, LAYERS, List.of(ConvPass.FORWARD)).get(0).cycles();
    assertTrue(big < small, "zcu102 " + big + " cycles vs pynq-z1 " + small);
  }

  @Test
  void resourceModelOfEfTrainsArray() {
    // hand-computed: 256 MACs x 5 DSP; BRAM36 (1024 words each, double-buffered): input 16 banks of 29x29 words
    // (1 each), output 16 banks of 14x14 (1 each), weights 256 banks of 9 x 64 words (1 each) -> 2 x 288
    Board zcu = BitstreamManifests.readBoard(Path.of("bitstreams/boards/zcu102.json"));
    ResourceModel.Use use = ResourceModel.of(new TileConfig(16, 16, 14, 14, 3, 2), 64, zcu);
    assertEquals(1280, use.dsp());
    assertEquals(576, use.bram36());
    assertTrue(use.fits(zcu));
  }
}
