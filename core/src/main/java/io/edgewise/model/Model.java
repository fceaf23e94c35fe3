package io.edgewise.model;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An imported model: the main graph, the opset imported for each domain, provenance, and where it came from.
 * Owns the graph's initializers; close() releases them.
 */
public final class Model implements AutoCloseable {
  private final Graph graph;
  private final Map<String, Long> opsetImports;
  private final long irVersion;
  private final String producerName;
  private final Path source;
  private final String contentHash;

  public Model(Graph graph, Map<String, Long> opsetImports, long irVersion, String producerName, Path source,
      String contentHash) {
    this.graph = graph;
    this.opsetImports = new LinkedHashMap<>(opsetImports);
    this.irVersion = irVersion;
    this.producerName = producerName == null ? "" : producerName;
    this.source = source;
    this.contentHash = contentHash;
  }

  public Graph graph() {
    return graph;
  }

  /** Domain ("" for ai.onnx) to opset version. */
  public Map<String, Long> opsetImports() {
    return opsetImports;
  }

  /** The opset of the default ONNX domain, which decides every standard op's semantics. */
  public int opset() {
    return opsetImports.getOrDefault("", 1L).intValue();
  }

  public long irVersion() {
    return irVersion;
  }

  public String producerName() {
    return producerName;
  }

  /** The file the model was read from, or null for a model built in memory. */
  public Path source() {
    return source;
  }

  /** sha256 of the serialized model as read, hex; null for a model built in memory. */
  public String contentHash() {
    return contentHash;
  }

  /** Where errors should say the model is: its file, else its graph's name. */
  public String label() {
    return source != null ? source.toString() : "model '" + graph.name() + "'";
  }

  @Override
  public void close() {
    graph.close();
  }
}
