/**
 * The {@code edgewise} command on picocli: {@link Main} lists one *Command class per subcommand (devices, run,
 * conformance, bench, demo, tune, bitstream, serve, infer, reuse, finetune, ocr, coordinator), and {@link SubcommandProvider} lets
 * modules above the CLI add theirs through ServiceLoader; {@link Json} is the mapper of every --json output. The only
 * library package that prints to the terminal. May import: {@code io.edgewise}, {@code io.edgewise.tensor},
 * {@code io.edgewise.nativecore}, {@code io.edgewise.model}, {@code io.edgewise.model.onnx},
 * {@code io.edgewise.backend}, {@code io.edgewise.backend.opencl}, {@code io.edgewise.backend.fpga},
 * {@code io.edgewise.runtime}, {@code io.edgewise.runtime.conformance}, {@code io.edgewise.train},
 * {@code io.edgewise.reuse}, {@code io.edgewise.apps.ocr}, {@code io.edgewise.serve}, {@code io.edgewise.serve.common},
 * {@code io.edgewise.serve.http}, {@code io.edgewise.serve.client}, {@code io.edgewise.serve.peer}, {@code
 * io.edgewise.serve.dystri} and {@code io.edgewise.adapt.dystri}; picocli, Jackson (core, databind) and
 * progressbar ({@code me.tongfei.progressbar}).
 */
package io.edgewise.cli;
