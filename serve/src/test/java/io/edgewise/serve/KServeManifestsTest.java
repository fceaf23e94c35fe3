package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.edgewise.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/kserve's manifests against KServe's CustomResourceDefinitions (../shared/testdata/kserve): each validates
 * against the openAPIV3Schema of its kind and version, strictly (a field the schema does not declare is an error, as
 * `kubectl apply --validate=strict` makes it; the CRDs alone would let a misspelled field through, to be pruned
 * silently), and says what the issue asks of a KServe runtime: protocol v2, the onnx format, the repository at
 * /mnt/models, probes on /v2/health/*, Prometheus annotations on the metrics port.
 */
class KServeManifestsTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Path DEPLOY = Path.of("deploy/kserve");

  static JsonNode read(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }

  /** The problems of a resource against the CRD of its kind and apiVersion, in strict mode; empty when valid. */
  static List<String> validate(JsonNode resource) throws IOException {
    String kind = resource.path("kind").asText();
    String[] apiVersion = resource.path("apiVersion").asText().split("/");
    String file = switch (kind) {
      case "ClusterServingRuntime" -> "serving.kserve.io_clusterservingruntimes.yaml";
      case "ServingRuntime" -> "serving.kserve.io_servingruntimes.yaml";
      case "InferenceService" -> "serving.kserve.io_inferenceservices.yaml";
      default -> throw new AssertionError("no KServe CRD for kind '" + kind + "'");
    };
    JsonNode crd = read(TestData.root().resolve("kserve").resolve(file));
    List<String> problems = new ArrayList<>();
    if (apiVersion.length != 2 || !apiVersion[0].equals(crd.path("spec").path("group").asText())) {
      problems.add("apiVersion " + resource.path("apiVersion") + " is not of group " + crd.path("spec").path("group"));
      return problems;
    }
    JsonNode schema = null;
    for (JsonNode v : crd.path("spec").path("versions")) {
      if (v.path("name").asText().equals(apiVersion[1]) && v.path("served").asBoolean()) {
        schema = v.path("schema").path("openAPIV3Schema").deepCopy();
      }
    }
    if (schema == null) {
      problems.add("the CRD serves no version " + apiVersion[1] + " of " + kind);
      return problems;
    }
    strict(schema);
    Set<ValidationMessage> errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
        .getSchema(schema).validate(resource);
    errors.forEach(e -> problems.add(e.getMessage()));
    if (resource.path("metadata").path("name").asText().isEmpty()) {
      problems.add("metadata.name is missing");  // the API server's own check: every object is named
    }
    return problems;
  }

  /** Forbids undeclared fields in every object schema that lists its properties and does not keep unknown ones. */
  static void strict(JsonNode schema) {
    if (schema instanceof ObjectNode o && o.has("properties") && !o.has("additionalProperties")
        && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      o.put("additionalProperties", false);
    }
    for (Iterator<JsonNode> it = schema.elements(); it.hasNext(); ) {
      strict(it.next());
    }
  }

  static List<String> args(JsonNode container) {
    List<String> out = new ArrayList<>();
    container.path("args").forEach(a -> out.add(a.asText()));
    return out;
  }

  /** The value of --name=V (or --name V) in a container's args, or null. */
  static String option(List<String> args, String name) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).startsWith(name + "=")) {
        return args.get(i).substring(name.length() + 1);
      }
      if (args.get(i).equals(name) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
    }
    return null;
  }

  @Test
  void theClusterServingRuntimeIsValidAndAV2OnnxRuntimeWithProbesAndMetrics() throws IOException {
    JsonNode rt = read(DEPLOY.resolve("cluster-serving-runtime.yaml"));
    assertEquals(List.of(), validate(rt));
    JsonNode spec = rt.path("spec");
    assertEquals("[\"v2\"]", spec.path("protocolVersions").toString());
    assertTrue(spec.path("supportedModelFormats").findValuesAsText("name").contains("onnx"));
    JsonNode c = spec.path("containers").path(0);
    assertEquals("kserve-container", c.path("name").asText(), "KServe finds the serving container by this name");
    List<String> args = args(c);
    assertEquals("serve", args.get(0));
    assertEquals("/mnt/models", option(args, "--models"), "the storage initializer's directory");
    String port = option(args, "--port");
    String metricsPort = option(args, "--metrics-port");
    assertEquals("8080", port, "KServe's default container port");
    assertEquals("/v2/health/live", c.path("livenessProbe").path("httpGet").path("path").asText());
    assertEquals("/v2/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText());
    assertEquals(port, c.path("livenessProbe").path("httpGet").path("port").asText());
    assertEquals(port, c.path("readinessProbe").path("httpGet").path("port").asText());
    JsonNode annotations = spec.path("annotations");
    assertEquals(metricsPort, annotations.path("prometheus.kserve.io/port").asText());
    assertEquals(metricsPort, annotations.path("prometheus.io/port").asText());
    assertEquals("/metrics", annotations.path("prometheus.kserve.io/path").asText());
    assertTrue(c.path("securityContext").path("runAsNonRoot").asBoolean());
    // every volume mounted is declared, and the token file lies in the mounted Secret
    List<String> volumes = spec.path("volumes").findValuesAsText("name");
    c.path("volumeMounts").forEach(m -> assertTrue(volumes.contains(m.path("name").asText()), m.toString()));
    assertTrue(option(args, "--token-file").startsWith(c.path("volumeMounts").path(0).path("mountPath").asText()));
  }

  @Test
  void theInferenceServiceIsValidAndUsesTheRuntime() throws IOException {
    JsonNode rt = read(DEPLOY.resolve("cluster-serving-runtime.yaml"));
    JsonNode isvc = read(DEPLOY.resolve("inference-service.yaml"));
    assertEquals(List.of(), validate(isvc));
    JsonNode model = isvc.path("spec").path("predictor").path("model");
    assertEquals(rt.path("metadata").path("name").asText(), model.path("runtime").asText());
    assertEquals("onnx", model.path("modelFormat").path("name").asText());
    assertEquals("v2", model.path("protocolVersion").asText());
    assertFalse(model.path("storageUri").asText().isEmpty());
  }

  /** The strict validation passes KServe's own Triton runtime and fails what is wrong (it can fail). */
  @Test
  void theValidationAcceptsKServesExampleAndRefusesBrokenManifests() throws IOException {
    assertEquals(List.of(), validate(read(TestData.root().resolve("kserve/example-kserve-tritonserver.yaml"))));
    ObjectNode misspelled = (ObjectNode) read(DEPLOY.resolve("cluster-serving-runtime.yaml"));
    ((ObjectNode) misspelled.path("spec")).set("protocolVersion", misspelled.path("spec").path("protocolVersions"));
    assertFalse(validate(misspelled).isEmpty(), "an undeclared field");
    ObjectNode wrongType = (ObjectNode) read(DEPLOY.resolve("cluster-serving-runtime.yaml"));
    ((ObjectNode) wrongType.path("spec").path("supportedModelFormats").path(0)).put("priority", "high");
    assertFalse(validate(wrongType).isEmpty(), "a string where an integer belongs");
    ObjectNode noContainers = (ObjectNode) read(DEPLOY.resolve("cluster-serving-runtime.yaml"));
    ((ObjectNode) noContainers.path("spec")).remove("containers");
    assertFalse(validate(noContainers).isEmpty(), "containers are required");
    ObjectNode probe = (ObjectNode) read(DEPLOY.resolve("cluster-serving-runtime.yaml"));
    ((ObjectNode) probe.path("spec").path("containers").path(0).path("readinessProbe").path("httpGet")).remove("port");
    assertFalse(validate(probe).isEmpty(), "an httpGet probe needs its port");
    ObjectNode isvc = (ObjectNode) read(DEPLOY.resolve("inference-service.yaml"));
    isvc.put("apiVersion", "serving.kserve.io/v9");
    assertFalse(validate(isvc).isEmpty(), "an unserved version");
  }
}
