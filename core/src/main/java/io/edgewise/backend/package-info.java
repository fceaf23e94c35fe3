/**
 * The device SPI: a {@link DeviceProvider}, found through ServiceLoader ({@code META-INF/services}), names one family
 * of devices and opens its {@link Backend}, which describes its {@link Device} ({@link DeviceKind}), says why it cannot
 * run a node, and compiles a model into an {@link Executable} under {@link BackendOptions}; an executable reports each
 * node's {@link NodePlacement}, an {@link OpProfile} of measured op times and {@link LayerFigures}. The devices
 * themselves live in the {@code backend.*} packages and modules. May import: {@code io.edgewise.tensor} and
 * {@code io.edgewise.model}; no library outside the JDK.
 */
package io.edgewise.backend;
