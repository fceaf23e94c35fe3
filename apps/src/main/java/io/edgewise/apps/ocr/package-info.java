/**
 * A page-to-text OCR pipeline over three pretrained PaddleOCR models run as ordinary {@link
 * io.edgewise.runtime.Session}s: {@link OcrPipeline} (open a models directory, read an image) and its stages as plain
 * classes, each testable alone: {@link ImageDecoder} (ImageIO to {@link BgrImage}), {@link DetPreprocess}, {@link
 * DbPostprocess} (with {@link MinAreaRect} and {@link ReadingOrder}), {@link Crop} (perspective correction), {@link
 * LinePreprocess} (orientation and recognition inputs), {@link CtcDecoder}; and ground truth to measure it on: {@link
 * PageRenderer} (rendered pages with known text and boxes) and {@link OcrEvaluator} (error rates, detection precision
 * and recall, latency); {@link OcrJson} writes a read as the JSON the CLI and the server answer with. May import: {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.runtime};
 * libraries: Jackson, SLF4J, the JDK's ImageIO and Java2D.
 */
package io.edgewise.apps.ocr;
