package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A server certificate chain and its private key, both PEM files (the key unencrypted PKCS#8, "BEGIN PRIVATE
 * KEY"), made into a Netty server SslContext. Shared by the HTTP and the peer servers.
 */
public record TlsFiles(Path certificateChain, Path privateKey) {
  public TlsFiles {
    if (certificateChain == null || privateKey == null) {
      throw EdgewiseException.invalidArgument("TLS needs both a certificate chain and a private key file");
    }
  }

  public SslContext serverContext() {
    for (Path p : new Path[] {certificateChain, privateKey}) {
      if (!Files.isRegularFile(p)) {
        throw new EdgewiseException(ErrorCode.NOT_FOUND, p + ": no such TLS file");
      }
    }
    try {
      return SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile()).build();
    } catch (Exception e) {
      // Netty reports a bad PEM as IllegalArgumentException or SSLException; both mean the files are unusable
      throw EdgewiseException.invalidArgument("cannot use TLS certificate " + certificateChain + " with key "
          + privateKey + " (PEM certificate chain and unencrypted PKCS#8 key expected): " + e.getMessage());
    }
  }
}
