/**
 * The serve module's root: {@link PeerEndpoint}, the seam through which {@code edgewise serve --peer-port} starts the
 * peer protocol's server (implemented in {@code serve.peer}, found through ServiceLoader). The HTTP server is in
 * {@code serve.http}, the peer protocol in {@code serve.peer}, what both share in {@code serve.common}, the client in
 * {@code serve.client}. May import: {@code io.edgewise.serve.common}; no library outside the JDK.
 */
package io.edgewise.serve;
