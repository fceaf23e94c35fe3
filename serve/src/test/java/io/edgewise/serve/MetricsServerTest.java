package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.http.MetricsServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics port: Prometheus scrapes it without the inference token and reads the requests the inference port
 * answered; it serves nothing but GET /metrics, and the inference port's /metrics keeps needing the token.
 */
class MetricsServerTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path repo;

  static HttpResponse<String> send(String url, String method, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method,
        method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}"));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of one counter line of the Prometheus text, 0 when absent. */
  static double counter(String text, String line) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(line) + " ([0-9.eE+-]+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void scrapedWithoutTheTokenAndCountingWhatTheInferencePortAnswered() throws Exception {
    ServeFixture.digitsRepository(repo);
    try (ServeFixture f = ServeFixture.start(repo);
        MetricsServer metrics = MetricsServer.start("127.0.0.1", 0, f.metrics)) {
      String body = ProtocolConformanceTest.inferBody(new float[64], "");
      for (int i = 0; i < 3; i++) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(f.url() + "/v2/models/digits/versions/1/infer"))
            .header("Authorization", "Bearer " + ServeFixture.TOKEN).POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        assertEquals(200, HTTP.send(r, HttpResponse.BodyHandlers.ofString()).statusCode());
      }
      assertEquals(401, send(f.url() + "/v2/models/digits", "GET", null).statusCode());

      HttpResponse<String> scrape = send(metrics.url(), "GET", null);
      assertEquals(200, scrape.statusCode());
      assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
      String text = scrape.body();
      assertEquals(3.0, counter(text, "edgewise_requests_total{endpoint=\"infer\",model=\"digits\",protocol=\"http\","
          + "status=\"200\"}"), text);
      assertEquals(1.0, counter(text, "edgewise_requests_total{endpoint=\"unknown\",model=\"-\",protocol=\"http\","
          + "status=\"401\"}"), text);

      assertEquals(401, send(f.url() + "/metrics", "GET", null).statusCode(), "the inference port still guards it");
      String base = metrics.url().substring(0, metrics.url().length() - "/metrics".length());
      assertEquals(404, send(base + "/v2/models/digits", "GET", ServeFixture.TOKEN).statusCode(),
          "the metrics port serves no inference, even with the token");
      assertEquals(404, send(base + "/v2/health/ready", "GET", null).statusCode());
      assertEquals(405, send(metrics.url(), "POST", null).statusCode());
      assertEquals(200, send(metrics.url() + "?name[]=x", "GET", null).statusCode(), "a query is ignored");
    }
  }
}
