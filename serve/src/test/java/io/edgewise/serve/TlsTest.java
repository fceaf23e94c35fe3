package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.TlsFiles;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with a certificate generated here (BouncyCastle): served, trusted by the client, and still token-checked. */
class TlsTest {
  @TempDir
  Path dir;

  /** Writes a self-signed certificate for localhost / 127.0.0.1 (cert.pem) and its PKCS#8 key (key.pem). */
  static TlsFiles selfSigned(Path dir) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    X509CertificateHolder cert = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate()));
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    try (Writer w = Files.newBufferedWriter(certFile); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(cert);
    }
    try (Writer w = Files.newBufferedWriter(keyFile); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new JcaPKCS8Generator(kp.getPrivate(), null));
    }
    return new TlsFiles(certFile, keyFile);
  }

  @Test
  void httpsServesTrustingClientsAndRefusesPlainHttp() throws Exception {
    Path repo = ServeFixture.digitsRepository(Files.createDirectory(dir.resolve("repo")));
    TlsFiles tls = selfSigned(dir);
    assertTrue(Files.readString(tls.privateKey()).startsWith("-----BEGIN PRIVATE KEY-----"));
    Path input = TestData.model("digits_cnn_0to9").resolve("test_data_set_2/input_0.pb");
    try (ServeFixture f = ServeFixture.start(repo, ServeLimits.defaults(), tls);
        EdgewiseClient secure = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN)
            .sslContext(EdgewiseClient.trusting(tls.certificateChain())).build();
        EdgewiseClient anonymous = EdgewiseClient.builder(f.url())
            .sslContext(EdgewiseClient.trusting(tls.certificateChain())).build();
        EdgewiseClient plain = EdgewiseClient.builder(f.url().replace("https:", "http:")).token(ServeFixture.TOKEN)
            .retries(0, Duration.ZERO).requestTimeout(Duration.ofSeconds(20)).build();
        Tensor x = TensorProtos.readFile(input)) {
      assertTrue(f.url().startsWith("https://127.0.0.1:"), f.url());
      Map<String, Tensor> out = secure.infer("digits", "1", Map.of("input", x), true);
      try {
        assertArrayEquals(GracefulShutdownTest.localLogits(x), out.get("logits").toFloatArray());
      } finally {
        out.values().forEach(Tensor::close);
      }
      assertTrue(anonymous.isReady());
      RemoteException noToken = assertThrows(RemoteException.class, () -> anonymous.modelMetadata("digits", null));
      assertEquals(401, noToken.status());
      assertThrows(EdgewiseException.class, plain::serverMetadata);  // cleartext on the TLS port gets no answer
      assertTrue(secure.isLive(), "the server survives a cleartext client");
    }
  }

  @Test
  void unusableTlsFilesAreRefusedByName() throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate");
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key");
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> new TlsFiles(cert, key).serverContext());
    assertTrue(e.getMessage().contains("cert.pem"), e.getMessage());
    EdgewiseException missing = assertThrows(EdgewiseException.class,
        () -> new TlsFiles(dir.resolve("absent.pem"), key).serverContext());
    assertEquals(EdgewiseException.ErrorCode.NOT_FOUND, missing.code());
  }
}
