/**
 * The OCR pipeline as a model-zoo metric: {@link OcrCerProvider} registers {@code ocr-cer} with the zoo's evaluator
 * SPI, so a tailoring config can measure a detector, classifier or recogniser variant by the character error rate
 * of the whole pipeline on rendered pages. May import: {@code io.edgewise}, {@code io.edgewise.tensor},
 * {@code io.edgewise.model}, {@code io.edgewise.apps.ocr}, {@code io.edgewise.zoo} and its packages.
 */
package io.edgewise.apps.zoo;
