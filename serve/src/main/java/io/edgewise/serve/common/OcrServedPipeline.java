package io.edgewise.serve.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.CtcDecoder;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.OcrJson;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrResult;
import io.edgewise.apps.ocr.reuse.OcrReuseOptions;
import io.edgewise.apps.ocr.reuse.ReusedRead;
import io.edgewise.apps.ocr.reuse.ReusingOcr;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.reuse.ReuseTier;
import io.edgewise.runtime.SessionOptions;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCR pipeline of {@code io.edgewise.apps.ocr} as a served model: input "image", BYTES [N], each element an
 * encoded image (PNG, JPEG, BMP, GIF); output "lines", BYTES [N], each element the UTF-8 JSON document
 * {@code {"lines": [{"text", "box": [x0, y0, x1, y1], "confidence"}], "timing_ms": {"det", "cls", "rec", "total"}}},
 * the form {@code edgewise ocr --json} prints. Its config.json:
 *
 * <pre>{@code
 * {"pipeline": "ocr", "det": "ch_PP-OCRv4_det_infer.onnx", "cls": "ch_ppocr_mobile_v2.0_cls_infer.onnx",
 *  "rec": "ch_PP-OCRv4_rec_infer.onnx", "dictionary": "ppocr_keys_v1.txt",
 *  "device": "cpu", "threads": 0, "max_batch": 16, "max_image_bytes": 16777216, "max_image_pixels": 16777216}
 * }</pre>
 *
 * (the files found as {@link PipelineConfig} says; the last five keys optional). An element that is empty, larger
 * than max_image_bytes, not an image, or declares more than max_image_pixels in its header (checked before it is
 * decoded), and a request of more than max_batch images, are refused naming the element.
 *
 * <p>An optional {@code "reuse"} object turns computation reuse on ({@link ReusingOcr}: a near-duplicate frame's
 * lines, verified by re-reading one of them, and per-line recognition):
 * {@code {"store": DIR, "accuracy_target": 0.95, "capacity_bytes": 268435456, "frames": true, "lines": true,
 * "verify_lines": 1}} (only "store" required; a relative DIR is the server's working directory's). Each answer's
 * document then carries {@code "reuse": {"frame": hit|miss|audit|rejected, "line_hits": N}}, the response's
 * parameters {@code reuse} (the elements' frame outcomes, comma-separated) and {@code reuse_line_hits}; the meters
 * {@code edgewise.reuse.*} count hits and time saved. A request with {@code parameters.reuse = false} computes
 * everything (outcome "off").
 *
 * <p>{@code "peers": ["host:port", ...]} (other nodes' peer ports), {@code "peer_timeout_ms": 50} and
 * {@code "peer_token_file": FILE} (the bearer token those ports accept) make the peers' stores tiers asked before
 * this one ({@link ReusePeers}); a peer down or slower than the timeout is a miss. The answer says which tier a hit
 * came from ({@code reuse_tier}: "local" or "peer:host:port", "-" for no frame hit; {@code reuse_peer_line_hits}),
 * and the same store answers the peers' look-ups on this node's peer port ({@link #reuseTier}).
 */
final class OcrServedPipeline implements ServedPipeline {
  static final String KIND = "ocr";
  static final long DEFAULT_MAX_BATCH = 16;
  static final long DEFAULT_MAX_IMAGE_BYTES = 16L << 20;
  /** 4096 x 4096: a page is decoded to 3 bytes per pixel twice over (Java2D, then BGR) before it is scaled to 960. */
  static final long DEFAULT_MAX_IMAGE_PIXELS = 4096L * 4096;
  private static final long MAX_DICTIONARY_BYTES = 1 << 20;
  private static final Set<String> KEYS = Set.of("det", "cls", "rec", "dictionary", "max_batch", "max_image_bytes",
      "max_image_pixels", "reuse");
  private static final Set<String> REUSE_KEYS = Set.of("store", "accuracy_target", "capacity_bytes", "frames", "lines",
      "verify_lines", "peers", "peer_timeout_ms", "peer_token_file");
  /**
   * A peer's lookup costs a round trip (under a millisecond on loopback, a few on a LAN) against a frame's 100 ms or
   * more of computing; 50 ms leaves room for a busy peer and still bounds what a slow one costs a request.
   */
  static final long DEFAULT_PEER_TIMEOUT_MS = 50;
  private static final int MAX_PEERS = 16;
  private static final long MAX_TOKEN_BYTES = 4096;
  private static final Logger LOG = LoggerFactory.getLogger(OcrServedPipeline.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final OcrPipeline ocr;
  private final long maxBatch;
  private final long maxImageBytes;
  private final long maxImagePixels;
  /** Null without a "reuse" section; else owned here with its store and its peer tiers. */
  private final ReusingOcr reusing;
  private final ReuseStore store;
  private final List<ReusePeers.Tier> peers;

  private OcrServedPipeline(OcrPipeline ocr, long maxBatch, long maxImageBytes, long maxImagePixels,
      ReusingOcr reusing, ReuseStore store, List<ReusePeers.Tier> peers) {
    this.ocr = ocr;
    this.maxBatch = maxBatch;
    this.maxImageBytes = maxImageBytes;
    this.maxImagePixels = maxImagePixels;
    this.reusing = reusing;
    this.store = store;
    this.peers = peers;
  }

  /** The "reuse" section, checked before any model loads. */
  private record ReuseConfig(Path store, ReuseStoreOptions storeOptions, OcrReuseOptions options,
      List<PeerAddress> peers, java.time.Duration peerTimeout, String peerToken) {}

  /** Another node's peer port, from "host:port" ("[v6]:port" for an IPv6 literal). */
  record PeerAddress(String host, int port) {
    static PeerAddress parse(String s, String where) {
      int colon = s.lastIndexOf(':');
      String host = colon < 0 ? "" : s.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = -1;
      try {
        port = colon < 0 ? -1 : Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        // refused below
      }
      if (host.isBlank() || port < 1 || port > 65535) {
        throw EdgewiseException.invalidArgument(where + ": \"" + s + "\" is not host:port (a port 1..65535)");
      }
      return new PeerAddress(host, port);
    }
  }

  private static ReuseConfig reuseConfig(JsonNode node, Path config) {
    JsonNode r = node.get("reuse");
    if (r == null || r.isNull()) {
      return null;
    }
    String where = config + ": \"reuse\"";
    if (!r.isObject()) {
      throw EdgewiseException.invalidArgument(where + " must be an object with at least \"store\"");
    }
    for (java.util.Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!REUSE_KEYS.contains(key)) {
        throw EdgewiseException.invalidArgument(where + ": unknown key \"" + key + "\" (known: "
            + REUSE_KEYS.stream().sorted().toList() + ")");
      }
    }
    JsonNode dir = r.get("store");
    if (dir == null || !dir.isTextual() || dir.asText().isBlank()) {
      throw EdgewiseException.invalidArgument(where + ".store must name the store's directory");
    }
    Path storeDir;
    try {
      storeDir = Path.of(dir.asText());
    } catch (RuntimeException e) {
      throw EdgewiseException.invalidArgument(where + ".store: not a path: " + dir.asText());
    }
    JsonNode t = r.get("accuracy_target");
    double target = OcrReuseOptions.DEFAULT_TARGET;
    if (t != null) {
      if (!t.isNumber() || !(t.asDouble() > 0 && t.asDouble() < 1)) {
        throw EdgewiseException.invalidArgument(where + ".accuracy_target must be a number in (0, 1)");
      }
      target = t.asDouble();
    }
    ReuseStoreOptions storeOptions = ReuseStoreOptions.defaults();
    if (r.has("capacity_bytes")) {
      storeOptions = storeOptions.withCapacityBytes(count(r, "capacity_bytes", 1, Long.MAX_VALUE, where));
    }
    boolean frames = flag(r, "frames", where);
    boolean lines = flag(r, "lines", where);
    int verify = r.has("verify_lines") ? (int) count(r, "verify_lines", 0, 16, where)
        : OcrReuseOptions.DEFAULT_VERIFY_LINES;
    OcrReuseOptions options = new OcrReuseOptions(frames, lines,
        ReuseOptions.defaults().withAccuracyTarget(target), verify);
    List<PeerAddress> peers = new ArrayList<>();
    JsonNode p = r.get("peers");
    if (p != null) {
      if (!p.isArray() || p.size() > MAX_PEERS) {
        throw EdgewiseException.invalidArgument(where + ".peers must be a list of at most " + MAX_PEERS
            + " \"host:port\" strings (other nodes' peer ports)");
      }
      for (int i = 0; i < p.size(); i++) {
        if (!p.get(i).isTextual()) {
          throw EdgewiseException.invalidArgument(where + ".peers[" + i + "] must be a \"host:port\" string");
        }
        peers.add(PeerAddress.parse(p.get(i).asText(), where + ".peers[" + i + "]"));
      }
    }
    long timeoutMs = r.has("peer_timeout_ms") ? count(r, "peer_timeout_ms", 1, 60_000, where)
        : DEFAULT_PEER_TIMEOUT_MS;
    String token = "";
    JsonNode tf = r.get("peer_token_file");
    if (tf != null) {
      if (!tf.isTextual() || tf.asText().isBlank()) {
        throw EdgewiseException.invalidArgument(where + ".peer_token_file must name a file holding the token");
      }
      token = tokenFile(tf.asText(), where + ".peer_token_file");
    }
    return new ReuseConfig(storeDir, storeOptions, options, List.copyOf(peers),
        java.time.Duration.ofMillis(timeoutMs), token);
  }

  /** The bearer token the peers' ports accept, the file's first line (a token kept out of config.json). */
  private static String tokenFile(String file, String where) {
    try {
      Path f = Path.of(file);
      if (!java.nio.file.Files.isRegularFile(f) || java.nio.file.Files.size(f) > MAX_TOKEN_BYTES) {
        throw EdgewiseException.invalidArgument(where + ": " + file + " is not a readable file of at most "
            + MAX_TOKEN_BYTES + " bytes");
      }
      String t = java.nio.file.Files.readString(f, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
      if (t.isEmpty()) {
        throw EdgewiseException.invalidArgument(where + ": " + file + " holds no token");
      }
      return t;
    } catch (java.io.IOException | RuntimeException e) {
      if (e instanceof EdgewiseException ee) {
        throw ee;
      }
      throw EdgewiseException.invalidArgument(where + ": cannot read " + file + ": " + e.getMessage());
    }
  }

  /** A whole number key within [min, max]. */
  private static long count(JsonNode r, String key, long min, long max, String where) {
    JsonNode v = r.get(key);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw EdgewiseException.invalidArgument(where + "." + key + " must be a whole number in [" + min + ", " + max
          + "]");
    }
    return v.asLong();
  }

  /** An optional true/false key, true when absent. */
  private static boolean flag(JsonNode r, String key, String where) {
    JsonNode v = r.get(key);
    if (v == null) {
      return true;
    }
    if (!v.isBoolean()) {
      throw EdgewiseException.invalidArgument(where + "." + key + " must be true or false");
    }
    return v.asBoolean();
  }

  static OcrServedPipeline open(Path root, Path config, ObjectNode node, SessionOptions defaults,
      MeterRegistry meters) {
    PipelineConfig.checkKeys(node, KEYS, config);
    ReuseConfig reuse = reuseConfig(node, config);
    SessionOptions session = PipelineConfig.sessionOptions(node, config, defaults);
    long maxBatch = PipelineConfig.positive(node, "max_batch", DEFAULT_MAX_BATCH, config);
    long maxImageBytes = PipelineConfig.positive(node, "max_image_bytes", DEFAULT_MAX_IMAGE_BYTES, config);
    long maxImagePixels = PipelineConfig.positive(node, "max_image_pixels", DEFAULT_MAX_IMAGE_PIXELS, config);
    String[] keys = {"det", "cls", "rec"};
    String[] names = new String[keys.length];
    for (int i = 0; i < keys.length; i++) {
      names[i] = PipelineConfig.fileKey(node, keys[i], config);
    }
    String dictionaryName = PipelineConfig.fileKey(node, "dictionary", config);
    CtcDecoder decoder = dictionary(PipelineConfig.read(root, config, "dictionary", dictionaryName,
        MAX_DICTIONARY_BYTES));
    List<Model> models = new ArrayList<>();
    try {
      for (int i = 0; i < keys.length; i++) {
        PipelineConfig.Found f = PipelineConfig.read(root, config, keys[i], names[i], OnnxImporter.MAX_MODEL_BYTES);
        LOG.info("{}: {} is {}", config, keys[i], f.path());
        models.add(OnnxImporter.load(f.bytes(), f.path()));
      }
    } catch (RuntimeException e) {
      models.forEach(Model::close);
      throw e;
    }
    OcrOptions options = OcrOptions.defaults().withDevice(session.device()).withThreads(session.threads());
    OcrPipeline ocr = OcrPipeline.open(models.get(0), models.get(1), models.get(2), decoder, options);
    if (reuse == null) {
      return new OcrServedPipeline(ocr, maxBatch, maxImageBytes, maxImagePixels, null, null, List.of());
    }
    ReuseStore store;
    try {
      store = ReuseStore.open(reuse.store(), reuse.storeOptions());
    } catch (RuntimeException e) {
      ocr.close();
      throw e;
    }
    List<ReusePeers.Tier> peers = new ArrayList<>();
    try {
      if (!reuse.peers().isEmpty()) {
        ReusePeers protocol = ReusePeers.find().orElseThrow(() -> EdgewiseException.invalidArgument(config
            + ": \"reuse\".peers needs the peer protocol (no " + ReusePeers.class.getName()
            + " implementation on the class path)"));
        for (PeerAddress a : reuse.peers()) {
          peers.add(protocol.open(a.host(), a.port(), reuse.peerToken(), reuse.peerTimeout(), meters));
        }
      }
    } catch (RuntimeException e) {
      peers.forEach(ReusePeers.Tier::close);
      store.close();
      ocr.close();
      throw e;
    }
    LOG.info("{}: reuse through the store {} ({}){}", config, reuse.store(), reuse.options(), peers.isEmpty() ? ""
        : ", after the peers " + peers.stream().map(ReusePeers.Tier::name).toList() + " (timeout "
        + reuse.peerTimeout().toMillis() + " ms)");
    return new OcrServedPipeline(ocr, maxBatch, maxImageBytes, maxImagePixels,
        new ReusingOcr(ocr, reuse.options(), store, List.copyOf(peers), meters), store, List.copyOf(peers));
  }

  @Override
  public Optional<ReuseTier> reuseTier() {
    return reusing == null ? Optional.empty() : Optional.of(reusing.localTier());
  }

  /** The recogniser's dictionary: one character per line, UTF-8, as CtcDecoder.load reads a file. */
  private static CtcDecoder dictionary(PipelineConfig.Found f) {
    List<String> lines = new String(f.bytes(), StandardCharsets.UTF_8).lines().toList();
    if (lines.isEmpty()) {
      throw EdgewiseException.invalidArgument(f.path() + ": the dictionary is empty");
    }
    return new CtcDecoder(lines);
  }

  @Override
  public String platform() {
    return "edgewise_ocr";
  }

  @Override
  public String deviceName() {
    return ocr.deviceName();
  }

  @Override
  public Port input() {
    return new Port("image", "BYTES", List.of(-1L));
  }

  @Override
  public Port output() {
    return new Port("lines", "BYTES", List.of(-1L));
  }

  @Override
  public List<byte[]> run(List<byte[]> images, String where) {
    return run(images, where, true).outputs();
  }

  @Override
  public Answer run(List<byte[]> images, String where, boolean reuse) {
    if (images.size() > maxBatch) {
      throw EdgewiseException.invalidArgument(where + ": " + images.size() + " images, more than this model's "
          + "max_batch of " + maxBatch + " per request");
    }
    // every element is decoded (and refused) before any is read: a bad element costs no model run
    List<BgrImage> pages = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      String name = where + " element " + i;
      byte[] bytes = images.get(i);
      if (bytes.length > maxImageBytes) {
        throw EdgewiseException.invalidArgument(name + ": " + bytes.length + " bytes, more than this model's "
            + "max_image_bytes of " + maxImageBytes);
      }
      pages.add(ImageDecoder.decode(bytes, name, maxImagePixels));
    }
    List<byte[]> out = new ArrayList<>(images.size());
    if (reusing == null) {
      for (BgrImage page : pages) {
        out.add(document(ocr.read(page), null));
      }
      return new Answer(out, Map.of());
    }
    List<String> outcomes = new ArrayList<>();
    List<String> tiers = new ArrayList<>();
    long lineHits = 0;
    long peerLineHits = 0;
    for (BgrImage page : pages) {
      ReusedRead r = reuse ? reusing.read(page) : new ReusedRead(ocr.read(page), "off", 0, 0, 0);
      outcomes.add(r.frame());
      tiers.add(r.frameTier().isEmpty() ? "-" : r.frameTier());
      lineHits += r.lineHits();
      peerLineHits += r.peerLineHits();
      out.add(document(r.result(), r));
    }
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("reuse", String.join(",", outcomes));
    parameters.put("reuse_tier", String.join(",", tiers));
    parameters.put("reuse_line_hits", lineHits);
    parameters.put("reuse_peer_line_hits", peerLineHits);
    return new Answer(out, parameters);
  }

  /** The JSON document of one page, as `edgewise ocr --json` writes it (less "image"). */
  static byte[] document(OcrResult r) {
    return document(r, null);
  }

  /** As above, with {@code "reuse": {"frame", "line_hits"}} when read through reuse (reused non-null). */
  static byte[] document(OcrResult r, ReusedRead reused) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("lines", OcrJson.lines(r.lines()));
    doc.put("timing_ms", OcrJson.timing(r.timings()));
    if (reused != null) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("frame", reused.frame());
      if (!reused.frameTier().isEmpty()) {
        m.put("tier", reused.frameTier());
      }
      m.put("line_hits", reused.lineHits());
      m.put("peer_line_hits", reused.peerLineHits());
      doc.put("reuse", m);
    }
    try {
      return MAPPER.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      throw new EdgewiseException(ErrorCode.INTERNAL, "cannot write the OCR result: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      peers.forEach(ReusePeers.Tier::close);
      if (reusing != null) {
        reusing.save();  // the calibration, so that a restarted server reuses from its first request
        store.close();
      }
    } finally {
      ocr.close();
    }
  }
}
