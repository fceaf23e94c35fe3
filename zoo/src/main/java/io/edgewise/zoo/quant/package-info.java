/**
 * Post-training transformations that write standard ONNX: int8 static quantization as QuantizeLinear /
 * DequantizeLinear pairs (weights per output channel, activations calibrated), and float16 weights with casts.
 */
package io.edgewise.zoo.quant;
