/**
 * The binary peer protocol (version 1) on Netty, for split inference and feature reuse between devices:
 * {@link PeerServer} ({@link PeerServerConfig}) runs the part of a model after a cut for other devices, finding the
 * model by its file's sha256 through a {@link ModelResolver}; {@link PeerClient} and {@link SplitInference} are the
 * device side; {@link PeerCodec}, {@link PeerMessage}, {@link MessageType}, {@link WireTensors} and
 * {@link TensorEncoding} the wire format; {@link PeerEndpointServer} plugs it into {@code edgewise serve};
 * {@link PeerReuseTier} and {@link StoreReuseLookupHandler} connect the reuse store, {@link ServedPeerTiers} makes a
 * served pipeline's configured peers tiers and {@link RepositoryReuseLookupHandler} answers peers from the served
 * pipelines' stores; {@link EmulatedLink} shapes
 * loopback links for experiments. May import: {@code io.edgewise}, {@code io.edgewise.tensor},
 * {@code io.edgewise.model}, {@code io.edgewise.model.onnx}, {@code io.edgewise.model.shapes},
 * {@code io.edgewise.runtime}, {@code io.edgewise.runtime.split}, {@code io.edgewise.reuse}, {@code io.edgewise.serve}
 * and {@code io.edgewise.serve.common}; Netty, Micrometer (core) and SLF4J.
 */
package io.edgewise.serve.peer;
