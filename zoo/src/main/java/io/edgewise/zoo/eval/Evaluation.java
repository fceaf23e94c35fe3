package io.edgewise.zoo.eval;

/**
 * A variant's measured quality.
 *
 * @param metric the metric's name ("top1", "ocr-cer")
 * @param accuracy higher is better, in [0, 1]: top-1 accuracy, or 1 - character error rate
 * @param value the metric as its users quote it (the accuracy, or the error rate itself)
 * @param samples how many evaluation samples (images, pages) it was measured on
 */
public record Evaluation(String metric, double accuracy, double value, int samples) {}
