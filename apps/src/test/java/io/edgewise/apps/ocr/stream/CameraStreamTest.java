package io.edgewise.apps.ocr.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.PageRenderer;
import java.util.List;
import org.junit.jupiter.api.Test;

class CameraStreamTest {
  private static final PageRenderer.Options SMALL = PageRenderer.Options.defaults().withSize(160, 120)
      .withTextSizes(20, 22);

  @Test
  void burstsOfOnePageWithItsTruthRevisitsAndJitter() {
    CameraStream.Options o = new CameraStream.Options(3, 2, 3, 0.5, 4, 0.02, 1, 0.3, 0.1, 2);
    List<CameraStream.Frame> frames = new CameraStream(new PageRenderer(SMALL), o, 11).frames(30);
    assertEquals(30, frames.size());
    PageRenderer renderer = new PageRenderer(SMALL);
    int changes = 0;
    int run = 1;
    for (int i = 0; i < frames.size(); i++) {
      CameraStream.Frame f = frames.get(i);
      assertEquals(i, f.index());
      assertTrue(f.page() >= 0 && f.page() < 3);
      // the truth is the page's drawn text, the frame is the page on a border of desk
      assertEquals(renderer.render(11, f.page()).lines().stream().map(PageRenderer.TruthLine::text).toList(),
          f.truth());
      assertTrue(f.image().width() > 160 && f.image().height() > 120);
      if (i > 0) {
        assertFalse(java.util.Arrays.equals(frames.get(i - 1).image().data(), f.image().data()),
            "two frames are never identical (noise)");
        if (f.page() != frames.get(i - 1).page()) {
          assertTrue(run >= 2, "a burst holds at least burstMin frames");
          changes++;
          run = 1;
        } else {
          run++;
        }
      }
    }
    assertTrue(changes >= 5, "bursts of 2-3 frames over 30 frames");
    assertEquals(3, frames.stream().mapToInt(CameraStream.Frame::page).distinct().count(), "pages are revisited");
  }

  @Test
  void theSameSeedGivesTheSameStream() {
    CameraStream.Options o = CameraStream.Options.defaults().withPages(2);
    List<CameraStream.Frame> a = new CameraStream(new PageRenderer(SMALL), o, 5).frames(6);
    List<CameraStream.Frame> b = new CameraStream(new PageRenderer(SMALL), o, 5).frames(6);
    for (int i = 0; i < 6; i++) {
      assertArrayEquals(a.get(i).image().data(), b.get(i).image().data());
    }
    assertNotEquals(a.get(0).image(), new CameraStream(new PageRenderer(SMALL), o, 6).frames(1).get(0).image());
  }

  @Test
  void blurAveragesNeighbours() {
    BgrImage img = BgrImage.filled(3, 3, 0, 0, 0);
    img.set(1, 1, 90, 90, 90);
    BgrImage b = CameraStream.boxBlur(img);
    assertEquals(10, b.get(1, 1, 0));
    assertEquals(10, b.get(0, 0, 2), "corner: clamped edges see the centre once in nine");
  }

  @Test
  void badOptionsAreRefused() {
    assertThrows(EdgewiseException.class, () -> new CameraStream.Options(0, 1, 2, 0, 0, 0, 0, 0, 0, 0));
    assertThrows(EdgewiseException.class, () -> new CameraStream.Options(1, 3, 2, 0, 0, 0, 0, 0, 0, 0));
    assertThrows(EdgewiseException.class, () -> new CameraStream.Options(1, 1, 2, 1.5, 0, 0, 0, 0, 0, 0));
  }
}
