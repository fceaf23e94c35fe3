package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrResult;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.runtime.Devices;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The demo's OCR section: a small rendered page read back on cpu and ort, text drawn beside text found. */
final class OcrDemo {
  private OcrDemo() {}

  static void run(PrintWriter out) {
    out.println();
    Path models;
    try {
      models = new OcrCommand.ModelsOption().dir();
    } catch (EdgewiseException e) {
      out.println("OCR: skipped (" + e.getMessage() + ")");
      return;
    }
    PageRenderer.Page page;
    try {
      page = new PageRenderer(PageRenderer.Options.defaults().withSize(480, 150).withTextSizes(26, 32)).render(11, 0);
    } catch (EdgewiseException e) {
      out.println("OCR: skipped (" + e.getMessage() + ")");
      return;
    }
    out.println("OCR: a 480x150 page rendered here (" + page.lines().size() + " lines), read back by PaddleOCR's three "
        + "models (" + models + "); times measured, one read after one warm-up read.");
    List<String> available = Devices.available().stream().map(d -> d.name()).toList();
    for (String device : List.of("cpu", "ort")) {
      if (!available.contains(device)) {
        continue;
      }
      try (OcrPipeline ocr = OcrPipeline.open(models, OcrOptions.defaults().withDevice(device))) {
        ocr.read(page.image());
        OcrResult r = ocr.read(page.image());
        OcrResult.Timings t = r.timings();
        out.printf(Locale.ROOT, "%n%-4s det %.0f ms, cls %.0f ms, rec %.0f ms, total %.0f ms%n", device, t.det(),
            t.cls(), t.rec(), t.total());
        out.printf("     %-34s %s%n", "DRAWN", "READ");
        for (int i = 0; i < Math.max(page.lines().size(), r.lines().size()); i++) {
          String drawn = i < page.lines().size() ? page.lines().get(i).text() : "";
          String read = i < r.lines().size() ? r.lines().get(i).text() : "";
          out.printf("     %-34s %s%s%n", drawn, read, drawn.equals(read) ? "" : "   (differs)");
        }
      } catch (EdgewiseException e) {
        out.println(device + ": failed: " + e.getMessage());
      }
    }
  }
}
