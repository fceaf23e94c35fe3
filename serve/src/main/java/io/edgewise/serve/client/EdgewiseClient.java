package io.edgewise.serve.client;

import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.serve.http.BinarySection;
import io.edgewise.serve.http.BytesTensor;
import io.edgewise.serve.http.InferRequestParser;
import io.edgewise.serve.http.V2Bytes;
import io.edgewise.serve.http.V2Json;
import io.edgewise.serve.http.V2Tensors;
import io.edgewise.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client of the Open Inference Protocol over HTTP/1.1 (any KServe v2 server, Edgewise's included).
 * Connections are pooled and kept alive by java.net.http; every request has a timeout; GETs (health, metadata,
 * metrics) are idempotent and retried on connection failures and 503, while inference is not retried, since a
 * repeat could run the model twice. One exception, for every request: a kept-alive connection that the server
 * closes as idle just as a request goes out on it ends with no byte of an answer (the server never read the
 * request), and java.net.http retries that only for idempotent methods; such a request goes again once, at once,
 * on a new connection. Thread-safe; close() releases its threads.
 *
 * <pre>{@code
 * try (EdgewiseClient c = EdgewiseClient.builder("http://127.0.0.1:8000").token(t).build()) {
 *   Map<String, Tensor> out = c.infer("resnet18", null, Map.of("input", x), true);
 * }
 * }</pre>
 */
public final class EdgewiseClient implements AutoCloseable {
  private final URI base;
  private final String authorization;
  private final HttpClient http;
  private final ExecutorService executor;
  private final Duration requestTimeout;
  private final int retries;
  private final Duration retryBackoff;
  private final long maxElements;
  private final NetworkEstimate network = new NetworkEstimate(0.2);
  /** Bytes the last answered group request moved: a dropped one's size for the estimate. */
  private volatile long lastBytes;
  private final Map<BudgetedCall.Mode, BudgetedCall> budgetedCalls = new java.util.EnumMap<>(BudgetedCall.Mode.class);

  /** Settings of a client; every one has a default. */
  public static final class Builder {
    private final URI base;
    private String token;
    private SSLContext ssl;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private int retries = 2;
    private Duration retryBackoff = Duration.ofMillis(100);
    private long maxElements = 1L << 28;

    private Builder(String baseUrl) {
      URI u;
      try {
        u = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
      } catch (IllegalArgumentException e) {
        throw EdgewiseException.invalidArgument("not a URL: " + baseUrl);
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw EdgewiseException.invalidArgument("the server URL must be http://HOST:PORT or https://HOST:PORT, got "
            + baseUrl);
      }
      this.base = u;
    }

    /** The bearer token sent with every request; null for none. */
    public Builder token(String t) {
      this.token = t;
      return this;
    }

    /** The TLS context for https (e.g. {@link #trusting(Path)} for a self-signed server certificate). */
    public Builder sslContext(SSLContext c) {
      this.ssl = c;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    /** Retries of an idempotent request after the first try (0 disables), with doubling backoff from backoff. */
    public Builder retries(int n, Duration backoff) {
      if (n < 0) {
        throw EdgewiseException.invalidArgument("retries must be >= 0, got " + n);
      }
      this.retries = n;
      this.retryBackoff = backoff;
      return this;
    }

    /** The most elements a response tensor may have. */
    public Builder maxElements(long n) {
      this.maxElements = n;
      return this;
    }

    public EdgewiseClient build() {
      return new EdgewiseClient(this);
    }
  }

  /**
   * A client of a peer's binary protocol (serve --peer-port): pooled connections, per-call deadlines, retries only
   * for idempotent calls (a partial inference is never re-sent). The caller closes it.
   */
  public static PeerClient peer(String host, int port, String token) {
    return peer(PeerClientConfig.of(host, port, token));
  }

  /** As {@link #peer(String, int, String)} with every option of the peer client (pool, timeouts, retries, TLS). */
  public static PeerClient peer(PeerClientConfig config) {
    return PeerClient.connect(config);
  }

  public static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  /** A TLS context that trusts the certificates of one PEM file (a self-signed server's certificate). */
  public static SSLContext trusting(Path pemCertificates) {
    try (InputStream in = Files.newInputStream(pemCertificates)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw EdgewiseException.invalidArgument(pemCertificates + ": holds no certificate");
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        ks.setCertificateEntry("cert" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, pemCertificates + ": cannot read the certificate: " + e.getMessage(),
          e);
    } catch (java.security.GeneralSecurityException e) {
      throw EdgewiseException.invalidArgument(pemCertificates + ": not a usable PEM certificate: " + e.getMessage());
    }
  }

  private EdgewiseClient(Builder b) {
    this.base = b.base;
    this.authorization = b.token == null ? null : "Bearer " + b.token;
    this.requestTimeout = b.requestTimeout;
    this.retries = b.retries;
    this.retryBackoff = b.retryBackoff;
    this.maxElements = b.maxElements;
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "edgewise-client");
      t.setDaemon(true);
      return t;
    });
    HttpClient.Builder hb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(b.connectTimeout).executor(executor);
    if (b.ssl != null) {
      hb.sslContext(b.ssl);
    }
    this.http = hb.build();
  }

  /** GET /v2/health/live: true on 200, false on any other status. */
  public boolean isLive() {
    return getStatus("/v2/health/live") == 200;
  }

  /** GET /v2/health/ready. */
  public boolean isReady() {
    return getStatus("/v2/health/ready") == 200;
  }

  /** GET /v2/models/{name}[/versions/{v}]/ready; version null for the server's choice. */
  public boolean isModelReady(String model, String version) {
    return getStatus(modelPath(model, version) + "/ready") == 200;
  }

  /** GET /v2: the server's name, version and extensions. */
  public JsonNode serverMetadata() {
    return json(getOk("/v2"));
  }

  /** GET /v2/models/{name}[/versions/{v}]: versions, platform, inputs and outputs with datatypes and shapes. */
  public JsonNode modelMetadata(String model, String version) {
    return json(getOk(modelPath(model, version)));
  }

  /** GET /metrics: the Prometheus text. */
  public String metrics() {
    return new String(getOk("/metrics").body(), StandardCharsets.UTF_8);
  }

  /**
   * POST .../infer with the inputs (the caller keeps owning them); returns every output by name, which the caller
   * closes. binary sends the inputs and asks for the outputs in the binary tensor data extension (exact bits, no
   * decimal text); otherwise both travel as JSON numbers. Not retried (but see the class comment on idle connections).
   */
  public Map<String, Tensor> infer(String model, String version, Map<String, Tensor> inputs, boolean binary) {
    return infer(model, version, inputs, binary, Map.of()).outputs();
  }

  /**
   * An answer with what the server said about it: the response's "parameters" (a model group's
   * {@code edgewise_variant}, {@code edgewise_server_ms}...; empty when it sent none), the round trip measured here
   * (send to last byte, ms) and the bytes of the request and response bodies. The caller closes the outputs.
   */
  public record Answer(Map<String, Tensor> outputs, Map<String, JsonNode> parameters, double roundTripMs,
      long bytesSent, long bytesReceived) {}

  /**
   * As {@link #infer(String, String, Map, boolean)} with request-level parameters (strings, numbers, booleans; e.g. a
   * model group's {@code time_budget_ms}), returning the response's parameters and the measured round trip too.
   */
  public Answer infer(String model, String version, Map<String, Tensor> inputs, boolean binary,
      Map<String, Object> parameters) {
    Outputs out = post(model, version, inputs, Map.of(), binary, parameters);
    if (!out.bytes.isEmpty()) {
      out.tensors.values().forEach(Tensor::close);
      throw EdgewiseException.invalidArgument("the model's output '" + out.bytes.keySet().iterator().next()
          + "' is BYTES: use inferBytes");
    }
    return new Answer(out.tensors, out.parameters, out.roundTripMs, out.bytesSent, out.bytesReceived);
  }

  /**
   * Asks a model group ({@code serve}'s "pipeline": "group") for an answer within {@code budgetMs} end to end, with
   * an on-device fallback ({@link BudgetedCall}): the request carries the budget and this client's network estimate
   * ({@link #network()}, measured from earlier answers: round trip less the server's reported time, never
   * configured); the fallback runs on this thread, in parallel ({@link BudgetedCall.Mode#PARALLEL}), from the start
   * with its answer held for the server's until the budget less the measured hand-over time
   * ({@link BudgetedCall.Mode#STANDBY}), or once the remaining budget falls below its measured p99 plus that hand-over
   * time ({@link BudgetedCall.Mode#BACKUP}, or at once when the server refuses or drops the request). The loser is
   * cancelled and its outputs, if any, closed. The caller closes the winner's outputs. Inputs stay the caller's.
   */
  public BudgetedAnswer infer(String group, Map<String, Tensor> inputs, double budgetMs, LocalFallback fallback,
      BudgetedCall.Mode mode) {
    if (!(budgetMs > 0) || Double.isInfinite(budgetMs)) {
      throw EdgewiseException.invalidArgument("budget must be > 0 ms, got " + budgetMs);
    }
    BudgetedCall call = budgetedCall(mode);
    long start = System.nanoTime();
    BudgetedCall.Result<BudgetedAnswer> r = call.call(java.time.Duration.ofNanos((long) (budgetMs * 1e6)),
        () -> {
          // the budget left when the request leaves (the call's own set-up is spent already)
          Answer a = inferWithin(group, inputs, budgetMs - (System.nanoTime() - start) / 1e6, null);
          JsonNode variant = a.parameters().get("edgewise_variant");
          return new BudgetedAnswer(a.outputs(), false, variant == null ? null : variant.asText(),
              serverMs(a), 0, 0, 0);
        },
        () -> new BudgetedAnswer(fallback.run(inputs), true, fallback.name(), Double.NaN, 0, 0, 0),
        fallback.expectedMs(),
        loser -> loser.outputs().values().forEach(Tensor::close));
    BudgetedAnswer a = r.value();
    return new BudgetedAnswer(a.outputs(), a.local(), a.variant(), a.serverMs(), r.elapsedMs(),
        r.handoverMs(), r.marginMs());
  }

  /**
   * Asks a model group for an answer within {@code budgetMs} end to end, without a fallback: the request carries the
   * budget and this client's measured network estimate, and the answer teaches the estimate (round trip less the
   * server's reported edgewise_server_ms). {@code variant}, when not null, pins the group's variant. A request the
   * server drops because its budget passed is a {@link RemoteException} of status 504. The caller closes the outputs.
   */
  public Answer inferWithin(String group, Map<String, Tensor> inputs, double budgetMs, String variant) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("time_budget_ms", Math.max(1e-3, budgetMs));
    double networkMs = network.estimateMs();
    if (!Double.isNaN(networkMs)) {
      parameters.put("network_ms", networkMs);
    }
    if (variant != null) {
      parameters.put("variant", variant);
    }
    long t0 = System.nanoTime();
    Answer a;
    try {
      a = infer(group, null, inputs, true, parameters);
    } catch (RemoteException e) {
      if (e.status() == 504) {
        // dropped for its budget: the refusal crossed the network too (with the server's queueing, an upper
        // bound), and learning from it keeps an estimate that grew too large from starving every request
        network.add((System.nanoTime() - t0) / 1e6, lastBytes);
      }
      throw e;
    }
    double serverMs = serverMs(a);
    lastBytes = a.bytesSent() + a.bytesReceived();
    network.add(a.roundTripMs() - (Double.isNaN(serverMs) ? 0 : serverMs), lastBytes);
    return a;
  }

  private static double serverMs(Answer a) {
    JsonNode server = a.parameters().get("edgewise_server_ms");
    return server != null && server.isNumber() ? server.asDouble() : Double.NaN;
  }

  /**
   * A budgeted answer: the outputs (the caller closes them), whether the local fallback gave them, the variant that
   * answered (the server's edgewise_variant, or the fallback's name), the server's reported time (NaN for a local
   * answer), the time from the call to the answer and the hand-over time (from the moment the answer was due to the
   * return; {@link BudgetedCall.Result#handoverMs}) and the margin the call kept for it
   * ({@link BudgetedCall.Result#marginMs}), ms.
   */
  public record BudgetedAnswer(Map<String, Tensor> outputs, boolean local, String variant, double serverMs,
      double elapsedMs, double handoverMs, double marginMs) {}

  /** This client's measured network estimate (round trips less server time, and bandwidth). */
  public NetworkEstimate network() {
    return network;
  }

  private synchronized BudgetedCall budgetedCall(BudgetedCall.Mode mode) {
    return budgetedCalls.computeIfAbsent(mode, BudgetedCall::new);
  }

  /**
   * POST .../infer with BYTES inputs (for instance encoded images for a pipeline model such as the OCR example);
   * returns its BYTES outputs by name. binary sends each element as a 4-byte little-endian length and its bytes in
   * the binary tensor data extension and asks for the outputs the same way; otherwise the elements travel as JSON
   * strings: as text when every element of an input is UTF-8, else as base64 marked with
   * {@code "parameters": {"content_type": "base64"}} (see {@link V2Bytes}). Not retried (but see the class comment on
   * idle connections).
   */
  public Map<String, BytesTensor> inferBytes(String model, String version, Map<String, BytesTensor> inputs,
      boolean binary) {
    Outputs out = post(model, version, Map.of(), inputs, binary, Map.of());
    if (!out.tensors.isEmpty()) {
      String name = out.tensors.keySet().iterator().next();
      out.tensors.values().forEach(Tensor::close);
      throw EdgewiseException.invalidArgument("the model's output '" + name + "' is a numeric tensor: use infer");
    }
    return out.bytes;
  }

  /**
   * A response's outputs: numeric tensors (the caller closes them) and BYTES tensors, its parameters, the measured
   * round trip and the body sizes.
   */
  private record Outputs(Map<String, Tensor> tensors, Map<String, BytesTensor> bytes, Map<String, JsonNode> parameters,
      double roundTripMs, long bytesSent, long bytesReceived) {}

  private Outputs post(String model, String version, Map<String, Tensor> inputs, Map<String, BytesTensor> bytes,
      boolean binary, Map<String, Object> parameters) {
    byte[] header;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      ByteArrayOutputStream json = new ByteArrayOutputStream();
      try (JsonGenerator g = V2Json.MAPPER.getFactory().createGenerator(json)) {
        g.writeStartObject();
        if (binary || !parameters.isEmpty()) {
          g.writeObjectFieldStart("parameters");
          if (binary) {
            g.writeBooleanField("binary_data_output", true);
          }
          for (Map.Entry<String, Object> e : parameters.entrySet()) {
            g.writeObjectField(e.getKey(), e.getValue());
          }
          g.writeEndObject();
        }
        g.writeArrayFieldStart("inputs");
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
          V2Tensors.write(g, e.getKey(), e.getValue(), binary);
        }
        for (Map.Entry<String, BytesTensor> e : bytes.entrySet()) {
          V2Bytes.write(g, e.getKey(), e.getValue(), binary);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      header = json.toByteArray();
      body.write(header);
      if (binary) {
        for (Tensor t : inputs.values()) {
          ByteBuffer b = t.buffer();
          byte[] data = new byte[b.remaining()];
          b.get(data);
          body.write(data);
        }
        for (BytesTensor t : bytes.values()) {
          body.write(V2Bytes.encode(t.elements()));
        }
      }
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.INTERNAL, "cannot encode the request: " + e.getMessage(), e);
    }
    HttpRequest.Builder rb = request(modelPath(model, version) + "/infer")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    if (binary) {
      rb.header(InferRequestParser.HEADER_LENGTH, Integer.toString(header.length))
          .header("Content-Type", "application/octet-stream");
    } else {
      rb.header("Content-Type", "application/json");
    }
    long t0 = System.nanoTime();
    HttpResponse<byte[]> r = send(rb.build(), 0);
    double roundTripMs = (System.nanoTime() - t0) / 1e6;
    requireOk(r);
    Outputs o = outputs(r);
    return new Outputs(o.tensors, o.bytes, o.parameters, roundTripMs, body.size(), r.body().length);
  }

  private Outputs outputs(HttpResponse<byte[]> r) {
    ByteBuffer body = ByteBuffer.wrap(r.body());
    int jsonLength = body.remaining();
    String h = r.headers().firstValue(InferRequestParser.HEADER_LENGTH).orElse(null);
    if (h != null) {
      try {
        jsonLength = Integer.parseInt(h.strip());
      } catch (NumberFormatException e) {
        jsonLength = -1;
      }
      if (jsonLength < 0 || jsonLength > body.remaining()) {
        throw new EdgewiseException(ErrorCode.IO, "the server sent a bad " + InferRequestParser.HEADER_LENGTH
            + ": " + h);
      }
    }
    ByteBuffer json = body.duplicate();
    json.limit(jsonLength);
    ByteBuffer rest = body.duplicate();
    rest.position(jsonLength);
    BinarySection binary = new BinarySection(rest);
    JsonNode root = V2Json.readObject(json, "the inference response");
    JsonNode outs = root.get("outputs");
    if (outs == null || !outs.isArray()) {
      throw new EdgewiseException(ErrorCode.IO, "the inference response has no \"outputs\" array");
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    Map<String, BytesTensor> bytes = new LinkedHashMap<>();
    try {
      for (int i = 0; i < outs.size(); i++) {
        String where = "response outputs[" + i + "]";
        String name = V2Tensors.name(outs.get(i), where);
        if (V2Bytes.isBytes(outs.get(i))) {
          bytes.put(name, V2Bytes.read(outs.get(i), binary, maxElements, where));
        } else {
          result.put(name, V2Tensors.read(outs.get(i), binary, maxElements, where));
        }
      }
      binary.requireConsumed();
    } catch (RuntimeException e) {
      result.values().forEach(Tensor::close);
      throw e;
    }
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    if (root.get("parameters") != null && root.get("parameters").isObject()) {
      root.get("parameters").fields().forEachRemaining(e -> parameters.put(e.getKey(), e.getValue()));
    }
    return new Outputs(result, bytes, parameters, Double.NaN, 0, r.body().length);
  }

  private static String modelPath(String model, String version) {
    String p = "/v2/models/" + encode(model);
    return version == null ? p : p + "/versions/" + encode(version);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(base.getPath() + path)).timeout(requestTimeout);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private int getStatus(String path) {
    return send(request(path).GET().build(), retries).statusCode();
  }

  private HttpResponse<byte[]> getOk(String path) {
    HttpResponse<byte[]> r = send(request(path).GET().build(), retries);
    requireOk(r);
    return r;
  }

  /**
   * Sends; retries (idempotent requests only) on I/O failures and 503, with doubling backoff; any request once more
   * when the server closed its connection without a byte of an answer (see {@link #closedUnanswered}).
   */
  private HttpResponse<byte[]> send(HttpRequest req, int retriesLeft) {
    long backoff = retryBackoff.toMillis();
    boolean resent = false;
    for (int attempt = 0; ; attempt++) {
      try {
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 503 || attempt >= retriesLeft) {
          return r;
        }
      } catch (IOException e) {
        if (!resent && closedUnanswered(e)) {
          resent = true;
          attempt--;  // not one of the retries: the request did not reach the server
          continue;
        }
        if (attempt >= retriesLeft) {
          throw new EdgewiseException(ErrorCode.IO, req.method() + " " + req.uri() + " failed: " + e, e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EdgewiseException(ErrorCode.IO, req.method() + " " + req.uri() + " was interrupted", e);
      }
      try {
        Thread.sleep(backoff << Math.min(attempt, 10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EdgewiseException(ErrorCode.IO, req.method() + " " + req.uri() + " was interrupted", e);
      }
    }
  }

  /**
   * Whether a failure is the end of a connection before any byte of the answer: what java.net.http reports as "HTTP/1.1
   * header parser received no bytes" (over an EOF, or a broken pipe when the request was still being written) when a
   * pooled keep-alive connection was closed by the server as idle while the request went out. An Edgewise server
   * closes a connection only between requests, never one awaiting its answer (HttpInferenceServer's idle guard), so
   * the request was not run; a server that dies mid-request is not there for the second try. A timeout or an answer
   * cut short is not this, and is not resent.
   */
  static boolean closedUnanswered(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("header parser received no bytes")) {
        return true;
      }
    }
    return false;
  }

  private static void requireOk(HttpResponse<byte[]> r) {
    if (r.statusCode() == 200) {
      return;
    }
    String message = new String(r.body(), StandardCharsets.UTF_8);
    try {
      JsonNode err = V2Json.MAPPER.readTree(r.body());
      if (err != null && err.has("error")) {
        message = err.get("error").asText();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: keep the raw text
    }
    throw new RemoteException(r.statusCode(), message.length() > 2000 ? message.substring(0, 2000) : message);
  }

  private static JsonNode json(HttpResponse<byte[]> r) {
    return V2Json.readObject(ByteBuffer.wrap(r.body()), "the server's answer");
  }

  /** A convenience for callers that list a model's inputs: name, datatype, shape (-1 for variable). */
  public record TensorMetadata(String name, String datatype, long[] shape) {}

  public List<TensorMetadata> modelInputs(String model, String version) {
    List<TensorMetadata> out = new ArrayList<>();
    for (JsonNode t : modelMetadata(model, version).path("inputs")) {
      long[] shape = new long[t.path("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.path("shape").get(i).asLong();
      }
      out.add(new TensorMetadata(t.path("name").asText(), t.path("datatype").asText(), shape));
    }
    return out;
  }

  @Override
  public void close() {
    synchronized (this) {
      budgetedCalls.values().forEach(BudgetedCall::close);
      budgetedCalls.clear();
    }
    executor.shutdownNow();
  }
}
