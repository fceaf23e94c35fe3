package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

class DetPreprocessTest {
  @Test
  void sidesAreMultiplesOf32UnderTheLimit() {
    assertArrayEquals(new int[] {960, 480}, DetPreprocess.targetSize(1920, 960, 960));
    assertArrayEquals(new int[] {800, 608}, DetPreprocess.targetSize(800, 600, 960), "never scaled up");
    assertArrayEquals(new int[] {96, 64}, DetPreprocess.targetSize(100, 50, 960));
    assertArrayEquals(new int[] {32, 32}, DetPreprocess.targetSize(3, 7, 960), "at least 32");
    assertArrayEquals(new int[] {320, 96}, DetPreprocess.targetSize(1000, 300, 320));
    assertThrows(EdgewiseException.class, () -> DetPreprocess.targetSize(0, 10, 960));
  }

  @Test
  void normalisesBgrChannelsWithImageNetMeanAndStd() {
    BgrImage img = BgrImage.filled(40, 30, 255, 0, 128);
    DetPreprocess.Input in = DetPreprocess.run(img, 960);
    assertEquals(32, in.width());
    assertEquals(32, in.height());
    assertEquals(40, in.sourceWidth());
    int plane = 32 * 32;
    assertEquals((1 - 0.485f) / 0.229f, in.chw()[5], 1e-5);
    assertEquals((0 - 0.456f) / 0.224f, in.chw()[plane + 5], 1e-5);
    assertEquals((128 / 255f - 0.406f) / 0.225f, in.chw()[2 * plane + 5], 1e-5);
  }
}
