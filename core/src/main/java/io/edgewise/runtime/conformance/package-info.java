/**
 * Runs ONNX backend-test directories (model.onnx with test_data_set_N/input_K.pb and output_K.pb) on one device:
 * {@link ConformanceRunner} gives a {@link TestOutcome} per directory and a {@link ConformanceSummary} whose line() is
 * the contract line {@code N passed, N failed, N skipped}; {@link Tolerance} is ONNX's rtol and atol, overridden by a
 * tolerance.json. May import: {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model},
 * {@code io.edgewise.model.onnx} and {@code io.edgewise.runtime}; Jackson databind (tolerance.json).
 */
package io.edgewise.runtime.conformance;
