package io.edgewise.apps.ocr.reuse;

import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.reuse.Namespace;
import io.edgewise.reuse.ReuseEntry;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The child process of {@link OcrStoreCrashTest}: the OCR bench's workload (the camera stream of 480 x 360 pages,
 * frame and line reuse) writing to a store, until it is killed. After each frame it prints every entry committed
 * since the last one ({@code C id tap label checksum}): ids are handed out in order, and read back here they are in
 * the store, so their transactions committed.
 */
public final class OcrStoreCrashChild {
  private OcrStoreCrashChild() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    Path models = Path.of(args[1]);
    List<CameraStream.Frame> frames = new CameraStream(new PageRenderer(OcrStoreCrashTest.PAGE),
        CameraStream.Options.defaults(), 7).frames(200);
    // no minimum of shadow decisions and no audits: frame and line hits start early, so both kinds of writes
    // (inserts after misses, hit counts) happen while the parent waits
    ReuseOptions reuse = ReuseOptions.defaults().withMinCalibrationSamples(5);
    try (OcrPipeline ocr = OcrPipeline.open(models, OcrOptions.defaults().withDevice("cpu"));
        ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReusingOcr reusing = new ReusingOcr(ocr, new OcrReuseOptions(true, true, reuse), store, List.of(),
          new SimpleMeterRegistry());
      long next = 0;
      long printed = 0;
      for (CameraStream.Frame f : frames) {
        reusing.read(f.image());
        long entries = store.stats().entries();
        for (; printed < entries; next++) {
          for (Namespace ns : store.namespaces()) {
            Optional<ReuseEntry> e = store.get(ns, next);
            if (e.isPresent()) {
              System.out.println("C " + next + " " + ns.tap() + " " + e.get().result().label() + " "
                  + OcrStoreCrashTest.checksum(e.get()));
              printed++;
            }
          }
        }
        System.out.flush();
      }
    }
  }
}
