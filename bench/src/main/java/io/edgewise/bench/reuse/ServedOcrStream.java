package io.edgewise.bench.reuse;

import io.edgewise.bench.BenchStats;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.reuse.OcrReuseOptions;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.apps.ocr.stream.FrameScore;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.http.HttpInferenceServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * The OCR bench's stream through {@code edgewise serve}: a server in this process on loopback over a repository
 * holding one OCR pipeline model (its config.json's "reuse" section as the configuration says, with a fresh store),
 * each frame sent as a PNG in a KServe v2 JSON request (base64 BYTES) and timed from sending to the whole answer
 * (encoding the PNG is not timed: a camera hands over encoded frames). The answer's parameters say whether the frame
 * was reused; its text is scored against the frame's truth.
 */
final class ServedOcrStream {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServedOcrStream() {}

  static OcrReuseBenchmark.Row run(OcrReuseBenchmark.Config c, OcrReuseOptions options,
      List<CameraStream.Frame> warmup, List<CameraStream.Frame> frames, Path work, Consumer<String> log) {
    try {
      Path repo = repository(c, options, work);
      ModelRepository repository = ModelRepository.open(repo, SessionOptions.defaults().withDevice(c.device())
          .withThreads(c.threads()));
      InferenceScheduler scheduler = new InferenceScheduler(ServeLimits.defaults());
      ServeMetrics metrics = new ServeMetrics(scheduler);
      HttpInferenceServer server = HttpInferenceServer.start(new HttpInferenceServer.Config("127.0.0.1", 0,
          repository, TokenAuthenticator.disabled(), ServeLimits.defaults(), scheduler, metrics, null, 1,
          Duration.ofSeconds(30)));
      try {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI infer = URI.create(server.url() + "/v2/models/ocr/infer");
        // the server's first read plans and packs its sessions: not counted, as in-process
        send(http, infer, png(frames.get(0)), false);
        if (options.frames() || options.lines()) {
          for (CameraStream.Frame f : warmup) {
            send(http, infer, png(f), true);
          }
          log.accept(options.name() + " (serve): store warmed with " + warmup.size() + " frames of other pages");
        }
        double[] ms = new double[frames.size()];
        FrameScore.Errors errors = new FrameScore.Errors(0, 0);
        int hits = 0;
        int rejects = 0;
        long lineHits = 0;
        long linesLookedUp = 0;
        for (int i = 0; i < frames.size(); i++) {
          CameraStream.Frame f = frames.get(i);
          byte[] body = png(f);
          long t0 = System.nanoTime();
          JsonNode answer = send(http, infer, body, true);
          ms[i] = (System.nanoTime() - t0) / 1e6;
          String outcome = answer.path("parameters").path("reuse").asText("off");
          hits += outcome.equals("hit") ? 1 : 0;
          rejects += outcome.equals("rejected") ? 1 : 0;
          JsonNode doc = JSON.readTree(answer.get("outputs").get(0).get("data").get(0).asText());
          List<String> texts = new ArrayList<>();
          doc.get("lines").forEach(l -> texts.add(l.get("text").asText()));
          if (!outcome.equals("hit")) {
            // line hits among the lines the frame kept (the server does not say how many it looked up)
            lineHits += answer.path("parameters").path("reuse_line_hits").asLong(0);
            linesLookedUp += options.lines() ? texts.size() : 0;
          }
          errors = errors.plus(FrameScore.score(f.truth(), texts));
          if ((i + 1) % 50 == 0) {
            log.accept(options.name() + " (serve): " + (i + 1) + " frames, " + hits + " frame hits, CER "
                + String.format("%.4f", errors.cer()));
          }
        }
        return new OcrReuseBenchmark.Row(options.name(), "serve", frames.size(), (double) hits / frames.size(),
            (double) rejects / frames.size(), linesLookedUp == 0 ? 0 : (double) lineHits / linesLookedUp, errors.cer(), BenchStats.percentile(ms, 50),
            BenchStats.percentile(ms, 99), BenchStats.mean(ms), Double.NaN,
            "measured: wall clock per HTTP request on loopback (KServe v2 JSON, PNG frame), server in this process, "
                + frames.size() + " frames");
      } finally {
        server.close();
        scheduler.shutdown(30, java.util.concurrent.TimeUnit.SECONDS);
        scheduler.close();
        repository.close();
      }
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "OCR reuse bench through serve: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "OCR reuse bench through serve interrupted",
          e);
    }
  }

  /** repo/ocr/config.json over the bench's models (copied into the model's directory). */
  private static Path repository(OcrReuseBenchmark.Config c, OcrReuseOptions options, Path work) throws IOException {
    Path model = Files.createDirectories(work.resolve("repo").resolve("ocr"));
    // copies: the server refuses a hard link (it could be a file outside the repository under a second name)
    for (Path f : OcrPipeline.checkModels(c.models())) {
      Files.copy(f, model.resolve(f.getFileName()));
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("pipeline", "ocr");
    config.put("det", OcrPipeline.DETECTOR);
    config.put("cls", OcrPipeline.CLASSIFIER);
    config.put("rec", OcrPipeline.RECOGNIZER);
    config.put("dictionary", OcrPipeline.DICTIONARY);
    config.put("device", c.device());
    config.put("threads", c.threads());
    if (options.frames() || options.lines()) {
      ObjectNode reuse = config.putObject("reuse");
      reuse.put("store", work.resolve("store").toAbsolutePath().toString());
      reuse.put("accuracy_target", options.reuse().accuracyTarget());
      reuse.put("frames", options.frames());
      reuse.put("lines", options.lines());
    }
    Files.write(model.resolve("config.json"), JSON.writeValueAsBytes(config));
    return work.resolve("repo");
  }

  private static byte[] png(CameraStream.Frame f) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(ImageDecoder.toBufferedImage(f.image()), "png", out);
    String b64 = Base64.getEncoder().encodeToString(out.toByteArray());
    return ("{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"BYTES\",\"parameters\":"
        + "{\"content_type\":\"base64\"},\"data\":[\"" + b64 + "\"]}]}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static JsonNode send(HttpClient http, URI uri, byte[] body, boolean reuse)
      throws IOException, InterruptedException {
    byte[] b = reuse ? body : withoutReuse(body);
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(b)).timeout(Duration.ofMinutes(5)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "the OCR server answered " + r.statusCode()
          + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return JSON.readTree(r.body());
  }

  /** The request with parameters.reuse = false: computed, neither looked up nor stored. */
  private static byte[] withoutReuse(byte[] body) {
    String s = new String(body, java.nio.charset.StandardCharsets.US_ASCII);
    return ("{\"parameters\":{\"reuse\":false}," + s.substring(1)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
