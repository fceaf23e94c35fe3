/**
 * The {@code ref} device, the oracle every other device is tested against: {@link ReferenceBackend} runs every
 * supported op in plain Java, written for clarity over speed, with the kernels of {@code backend.reference.ops} in its
 * {@link io.edgewise.backend.exec.OpRegistry} and the {@code backend.exec} interpreter; {@link ReferenceDeviceProvider}
 * registers it, and {@link Broadcast} is the numpy-style broadcasting of the elementwise ops. May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.backend},
 * {@code io.edgewise.backend.exec} and {@code io.edgewise.backend.reference.ops}; no library outside the JDK, and
 * neither {@code io.edgewise.nativecore} nor {@code io.edgewise.backend.cpu}.
 */
package io.edgewise.backend.reference;
