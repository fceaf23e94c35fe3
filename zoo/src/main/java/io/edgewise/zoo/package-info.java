/**
 * The model zoo (Mistify): one float model tailored by configuration into measured variants (int8 QDQ, fp16 weights,
 * pruned), the shared steps of many requests run once, and every variant recorded in the model index.
 */
package io.edgewise.zoo;
