package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrResult;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.serve.http.BytesTensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OCR pipeline served from the repository's own example (examples/ocr) over real HTTP on loopback, with the real
 * models of ../shared/testdata/ocr: pages rendered with known text are sent as BYTES (binary extension and JSON),
 * and what comes back must equal what {@link OcrPipeline#read} gives in-process on the same bytes (the oracle);
 * bad inputs are 400s naming the input. Skipped when the shared models are absent.
 */
class OcrServeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path EXAMPLE = Path.of("examples/ocr");

  static ServeFixture fixture;
  static EdgewiseClient client;
  static HttpClient http;
  static final List<byte[]> PAGES = new ArrayList<>();
  /** What the in-process pipeline reads on each of PAGES. */
  static final List<OcrResult> EXPECTED = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    Path models = TestData.root().resolve("ocr");
    assumeTrue(Files.isDirectory(models), models + " (the shared OCR models) is not present");
    PageRenderer renderer = new PageRenderer(PageRenderer.Options.defaults().withSize(384, 128)
        .withTextSizes(28, 32));
    PAGES.add(encode(renderer.render(7, 0).image(), "png"));
    PAGES.add(encode(renderer.render(7, 1).image(), "jpg"));
    try (OcrPipeline local = OcrPipeline.open(models, OcrOptions.defaults().withDevice("cpu"))) {
      for (int i = 0; i < PAGES.size(); i++) {
        EXPECTED.add(local.read(ImageDecoder.decode(PAGES.get(i), "page " + i)));
        assertFalse(EXPECTED.get(i).lines().isEmpty(), "page " + i + " reads as nothing in-process");
      }
    }
    fixture = ServeFixture.start(EXAMPLE, SessionOptions.defaults().withDevice("cpu"));
    client = EdgewiseClient.builder(fixture.url()).token(ServeFixture.TOKEN).requestTimeout(Duration.ofMinutes(5))
        .build();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  static byte[] encode(io.edgewise.apps.ocr.BgrImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(ImageDecoder.toBufferedImage(image), format, out), format);
    return out.toByteArray();
  }

  /** One element of the "lines" output against the in-process result: text, box and confidence, line by line. */
  static void assertSameLines(OcrResult expected, byte[] document) throws IOException {
    JsonNode doc = JSON.readTree(document);
    JsonNode lines = doc.get("lines");
    assertEquals(expected.lines().stream().map(OcrLine::text).toList(),
        lines.findValues("text").stream().map(JsonNode::asText).toList(), new String(document, StandardCharsets.UTF_8));
    for (int i = 0; i < expected.lines().size(); i++) {
      OcrLine l = expected.lines().get(i);
      assertEquals(JSON.valueToTree(l.box()), lines.get(i).get("box"));
      assertEquals(l.confidence(), lines.get(i).get("confidence").asDouble(), 1e-4);
    }
    assertTrue(doc.get("timing_ms").get("total").asDouble() > 0, doc.toString());
  }

  @Test
  void metadataDescribesOneBytesInputAndOneBytesOutput() throws Exception {
    JsonNode m = client.modelMetadata("ocr", null);
    assertEquals("edgewise_ocr", m.get("platform").asText());
    assertEquals("[\"1\"]", m.get("versions").toString());
    assertEquals("[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[-1]}]", m.get("inputs").toString());
    assertEquals("[{\"name\":\"lines\",\"datatype\":\"BYTES\",\"shape\":[-1]}]", m.get("outputs").toString());
    assertTrue(client.isModelReady("ocr", "1"));
    assertTrue(client.isReady());
  }

  @Test
  void binaryAndJsonRoundTripsReadWhatThePipelineReadsInProcess() throws Exception {
    for (boolean binary : new boolean[] {true, false}) {
      Map<String, BytesTensor> out = client.inferBytes("ocr", null, Map.of("image", BytesTensor.of(PAGES)), binary);
      assertEquals(List.of("lines"), List.copyOf(out.keySet()));
      BytesTensor lines = out.get("lines");
      assertArrayEquals(new long[] {PAGES.size()}, lines.shape(), "binary " + binary);
      for (int i = 0; i < PAGES.size(); i++) {
        assertSameLines(EXPECTED.get(i), lines.elements().get(i));
      }
    }
  }

  @Test
  void handWrittenJsonRequestWithBase64Strings() throws Exception {
    String body = "{\"id\": \"p0\", \"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
        + "\"parameters\": {\"content_type\": \"base64\"}, \"data\": [\""
        + Base64.getEncoder().encodeToString(PAGES.get(0)) + "\"]}]}";
    HttpResponse<String> r = post(body.getBytes(StandardCharsets.UTF_8), null);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode root = JSON.readTree(r.body());
    assertEquals("p0", root.get("id").asText());
    JsonNode out = root.get("outputs").get(0);
    assertEquals("lines", out.get("name").asText());
    assertEquals("BYTES", out.get("datatype").asText());
    assertEquals("[1]", out.get("shape").toString());
    // the document is UTF-8 text, so it travels as a plain JSON string
    assertFalse(out.has("parameters"), out.toString());
    assertSameLines(EXPECTED.get(0), out.get("data").get(0).asText().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void handWrittenBinaryRequestAndResponseCarryLengthPrefixedElements() throws Exception {
    byte[] image = PAGES.get(1);
    byte[] header = ("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
        + "\"parameters\": {\"binary_data_size\": " + (4 + image.length) + "}}], "
        + "\"outputs\": [{\"name\": \"lines\", \"parameters\": {\"binary_data\": true}}]}")
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(header.length + 4 + image.length).order(ByteOrder.LITTLE_ENDIAN);
    body.put(header).putInt(image.length).put(image);
    HttpRequest req = HttpRequest.newBuilder(URI.create(fixture.url() + "/v2/models/ocr/infer"))
        .header("Authorization", "Bearer " + ServeFixture.TOKEN)
        .header("Inference-Header-Content-Length", Integer.toString(header.length))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build();
    HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    JsonNode out = JSON.readTree(new String(r.body(), 0, jsonLength, StandardCharsets.UTF_8)).get("outputs").get(0);
    long size = out.get("parameters").get("binary_data_size").asLong();
    assertEquals(r.body().length - jsonLength, size);
    ByteBuffer rest = ByteBuffer.wrap(r.body(), jsonLength, (int) size).order(ByteOrder.LITTLE_ENDIAN);
    int length = rest.getInt();
    assertEquals(size - 4, length);
    byte[] document = new byte[length];
    rest.get(document);
    assertSameLines(EXPECTED.get(1), document);
  }

  static HttpResponse<String> post(byte[] body, String headerLength) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fixture.url() + "/v2/models/ocr/infer"))
        .header("Authorization", "Bearer " + ServeFixture.TOKEN).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headerLength != null) {
      b.header("Inference-Header-Content-Length", headerLength);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A JSON request of one BYTES input "image" (or as given) holding these strings. */
  static String request(String input, String shape, String parameters, List<String> data) throws IOException {
    return "{\"inputs\": [{\"name\": \"" + input + "\", \"shape\": " + shape + ", \"datatype\": \"BYTES\", "
        + (parameters == null ? "" : "\"parameters\": " + parameters + ", ") + "\"data\": "
        + JSON.writeValueAsString(data) + "}]}";
  }

  static void assertRefused(String body, String... expected) throws Exception {
    HttpResponse<String> r = post(body.getBytes(StandardCharsets.UTF_8), null);
    assertEquals(400, r.statusCode(), r.body());
    String error = JSON.readTree(r.body()).get("error").asText();
    assertEquals(1, error.lines().count(), error);
    for (String e : expected) {
      assertTrue(error.contains(e), "expected '" + e + "' in: " + error);
    }
  }

  @Test
  void badInputsAreRefusedWith400NamingTheInput() throws Exception {
    String b64 = "{\"content_type\": \"base64\"}";
    // JSON strings are the bytes of their text: an image must come as base64 (marked) or in binary
    assertRefused(request("image", "[1]", null, List.of("hello")),
        "ocr/1: ", "input 'image' element 0: not an image format");
    assertRefused(request("image", "[2]", b64, List.of(Base64.getEncoder().encodeToString(PAGES.get(0)), "")),
        "input 'image' element 1: empty image (0 bytes)");
    BufferedImage huge = new BufferedImage(5000, 4000, BufferedImage.TYPE_BYTE_BINARY);  // 20 MP, a small PNG
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(huge, "png", png);
    assertRefused(request("image", "[1]", b64, List.of(Base64.getEncoder().encodeToString(png.toByteArray()))),
        "input 'image' element 0: the image is 5000x4000 px, more than the limit of 16777216 pixels");
    assertRefused(request("image", "[17]", null, java.util.Collections.nCopies(17, "")),
        "input 'image': 17 images, more than this model's max_batch of 16");
    assertRefused(request("image", "[1, 1]", null, List.of("x")), "input 'image' has shape [1, 1]",
        "one BYTES input 'image' of shape [N]");
    assertRefused(request("img", "[1]", null, List.of("x")), "unknown input 'img'");
    assertRefused(request("image", "[1]", b64, List.of("%%%")), "inputs[0] 'image': data[0] is not base64");
    assertRefused("{\"inputs\": [{\"name\": \"image\", \"shape\": [3], \"datatype\": \"UINT8\", \"data\": [1, 2, 3]}]}",
        "input 'image' must be BYTES, got UINT8");
    assertRefused("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"x\"]}], "
        + "\"outputs\": [{\"name\": \"text\"}]}", "unknown output 'text'", "[lines]");
    // through the client, in binary: an element over max_image_bytes is refused before it is decoded
    RemoteException big = assertThrows(RemoteException.class, () -> client.inferBytes("ocr", null,
        Map.of("image", BytesTensor.of(List.of(new byte[(16 << 20) + 1]))), true));
    assertEquals(400, big.status());
    assertTrue(big.getMessage().contains("input 'image' element 0: 16777217 bytes, more than this model's "
        + "max_image_bytes of 16777216"), big.getMessage());
    // the binary form's length prefix must agree with binary_data_size
    byte[] header = ("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
        + "\"parameters\": {\"binary_data_size\": 6}}]}").getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(header.length + 6).order(ByteOrder.LITTLE_ENDIAN);
    body.put(header).putInt(9).put((byte) 1).put((byte) 2);
    HttpResponse<String> r = post(body.array(), Integer.toString(header.length));
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("inputs[0] 'image': element 0 declares 9 bytes but 2 are left"), r.body());
  }
}
