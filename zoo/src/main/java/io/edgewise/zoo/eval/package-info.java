/**
 * How a variant's accuracy is measured: a ServiceLoader SPI keyed by metric name ({@code top1} here; modules above
 * add their own, e.g. the OCR character error rate in apps), and the data it reads.
 */
package io.edgewise.zoo.eval;
