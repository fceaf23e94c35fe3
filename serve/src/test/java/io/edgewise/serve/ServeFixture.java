package io.edgewise.serve;

import io.edgewise.TestData;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.RepositoryOptions;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.TlsFiles;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.http.HttpInferenceServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running HTTP server over a temporary repository holding copies of shared models: "digits" (version 1 is
 * digits_cnn_0to9, version 2 digits_cnn_0to4), all on the reference device unless a test says otherwise.
 */
public final class ServeFixture implements AutoCloseable {
  public static final String TOKEN = "test-token-0123456789abcdef";

  public final ModelRepository repository;
  public final InferenceScheduler scheduler;
  public final ServeMetrics metrics;
  public final HttpInferenceServer server;

  private ServeFixture(ModelRepository repository, InferenceScheduler scheduler, ServeMetrics metrics,
      HttpInferenceServer server) {
    this.repository = repository;
    this.scheduler = scheduler;
    this.metrics = metrics;
    this.server = server;
  }

  /** Copies a shared test model into repo/name/version/model.onnx. */
  public static Path addModel(Path repo, String shared, String name, String version) throws IOException {
    Path dir = Files.createDirectories(repo.resolve(name).resolve(version));
    Files.copy(TestData.model(shared).resolve("model.onnx"), dir.resolve("model.onnx"));
    return dir;
  }

  /**
   * An OCR pipeline's config.json over the shared OCR models' file names, on cpu, with this "reuse" section (a JSON
   * object, written as given).
   */
  public static String ocrConfig(String reuse) {
    return "{\"pipeline\": \"ocr\", \"det\": \"" + OcrPipeline.DETECTOR + "\", \"cls\": \"" + OcrPipeline.CLASSIFIER
        + "\", \"rec\": \"" + OcrPipeline.RECOGNIZER + "\", \"dictionary\": \"" + OcrPipeline.DICTIONARY
        + "\", \"device\": \"cpu\", \"reuse\": " + reuse + "}";
  }

  /**
   * The first frames of the camera stream the OCR reuse tests read: rendered pages of 320x110 with text 26 to 30
   * pixels high, the same stream (seed 23) for every test.
   */
  public static List<CameraStream.Frame> ocrFrames(int count) {
    PageRenderer.Options page = PageRenderer.Options.defaults().withSize(320, 110).withTextSizes(26, 30);
    CameraStream.Options o = new CameraStream.Options(3, 5, 8, 0.5, 6, 0.03, 1.5, 0.3, 0.15, 3);
    return new CameraStream(new PageRenderer(page), o, 23).frames(count);
  }

  /** The digits repository under dir. */
  public static Path digitsRepository(Path dir) throws IOException {
    addModel(dir, "digits_cnn_0to9", "digits", "1");
    addModel(dir, "digits_cnn_0to4", "digits", "2");
    return dir;
  }

  /** Over a repository managed as options say (model control, memory budget), models on device. */
  public static ServeFixture start(Path repo, String device, RepositoryOptions options, ServeLimits limits) {
    ModelRepository repository = ModelRepository.open(repo, SessionOptions.defaults().withDevice(device), options);
    InferenceScheduler scheduler = new InferenceScheduler(limits);
    ServeMetrics metrics = new ServeMetrics(scheduler);
    HttpInferenceServer server = HttpInferenceServer.start(new HttpInferenceServer.Config("127.0.0.1", 0,
        repository, TokenAuthenticator.of(List.of(TOKEN)), limits, scheduler, metrics, null, 2,
        Duration.ofSeconds(30)));
    return new ServeFixture(repository, scheduler, metrics, server);
  }

  public static ServeFixture start(Path repo, ServeLimits limits, TlsFiles tls) {
    return start(repo, limits, tls, null, HttpInferenceServer.MAX_UNAUTHENTICATED_CONNECTIONS);
  }

  /** With the connections' allocator (null for Netty's) and the cap on connections without a valid token. */
  public static ServeFixture start(Path repo, ServeLimits limits, TlsFiles tls, io.netty.buffer.ByteBufAllocator alloc,
      int maxUnauthenticated) {
    return start(repo, SessionOptions.defaults().withDevice("ref"), limits, tls, alloc, maxUnauthenticated);
  }

  /** With the models' default session options (device, threads) instead of the reference device. */
  public static ServeFixture start(Path repo, SessionOptions defaults) {
    return start(repo, defaults, ServeLimits.defaults(), null, null, HttpInferenceServer.MAX_UNAUTHENTICATED_CONNECTIONS);
  }

  private static ServeFixture start(Path repo, SessionOptions defaults, ServeLimits limits, TlsFiles tls,
      io.netty.buffer.ByteBufAllocator alloc, int maxUnauthenticated) {
    ModelRepository repository = ModelRepository.open(repo, defaults);
    InferenceScheduler scheduler = new InferenceScheduler(limits);
    ServeMetrics metrics = new ServeMetrics(scheduler);
    HttpInferenceServer server = HttpInferenceServer.start(new HttpInferenceServer.Config("127.0.0.1", 0,
        repository, TokenAuthenticator.of(List.of(TOKEN)), limits, scheduler, metrics, tls, 2,
        Duration.ofSeconds(30)), alloc, maxUnauthenticated);
    return new ServeFixture(repository, scheduler, metrics, server);
  }

  public static ServeFixture start(Path repo) {
    return start(repo, ServeLimits.defaults(), null);
  }

  public String url() {
    return server.url();
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
    scheduler.shutdown(30, TimeUnit.SECONDS);
    scheduler.close();
    repository.close();
  }
}
