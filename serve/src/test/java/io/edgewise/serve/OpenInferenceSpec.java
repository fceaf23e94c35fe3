package io.edgewise.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.edgewise.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Open Inference Protocol's REST specification (../shared/testdata/kserve/open_inference_rest.yaml, OpenAPI 3.1,
 * and inference_rest.md) as a checker of one HTTP answer: is its status one the protocol documents for that
 * endpoint, and does its body validate against the schema the protocol gives for that status?
 *
 * <p>The rules, each from the specification's text:
 * <ul>
 *   <li>A status the OpenAPI document lists for the operation is documented; its body must validate against the
 *       listed {@code application/json} schema, where one is given.</li>
 *   <li>Server metadata, model metadata and inference: inference_rest.md says a failure "must be indicated by an HTTP
 *       error status (typically 400)" and its body "must contain" the error object; so there any 4xx/5xx is
 *       documented, with the body validated against the operation's 400 schema (the error object).</li>
 *   <li>Health and model readiness: only the listed statuses (200/500 live, 200/503 ready, 200/404/503 model
 *       ready). The YAML gives no body schema for them; inference_rest.md gives the payload objects, written here as
 *       {@link #MD_PAYLOADS} (the md's $ready_server_response has a field "live", evidently copied from the live
 *       object: KServe's own servers answer "ready"; both are required here, so a body passes either reading).</li>
 * </ul>
 * Authentication (401) and wrong methods (405) are HTTP's, outside the protocol, which defines neither: callers
 * check those answers with {@link #errorObject} (the protocol's error object), not with {@link #check}.
 */
final class OpenInferenceSpec {
  /** inference_rest.md's payload objects of the endpoints whose YAML responses carry no schema, as JSON Schema. */
  static final Map<String, String> MD_PAYLOADS = Map.of(
      "live_server_response", "{\"type\": \"object\", \"required\": [\"live\"], "
          + "\"properties\": {\"live\": {\"type\": \"boolean\"}}}",
      "ready_server_response", "{\"type\": \"object\", \"required\": [\"ready\", \"live\"], "
          + "\"properties\": {\"ready\": {\"type\": \"boolean\"}, \"live\": {\"type\": \"boolean\"}}}",
      "ready_model_response", "{\"type\": \"object\", \"required\": [\"name\", \"ready\"], "
          + "\"properties\": {\"name\": {\"type\": \"string\"}, \"ready\": {\"type\": \"boolean\"}}}");
  private static final String ERROR_OBJECT = "{\"type\": \"object\", \"required\": [\"error\"], "
      + "\"properties\": {\"error\": {\"type\": \"string\"}}}";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final JsonNode document;
  private final String location;
  private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

  private OpenInferenceSpec(JsonNode document, String location) {
    this.document = document;
    this.location = location;
  }

  static OpenInferenceSpec load() throws IOException {
    Path file = TestData.root().resolve("kserve/open_inference_rest.yaml").toAbsolutePath().normalize();
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    if (!doc.path("openapi").asText().startsWith("3.1")) {
      throw new IllegalStateException(file + " is not an OpenAPI 3.1 document");
    }
    return new OpenInferenceSpec(doc, file.toUri().toString());
  }

  /** The path templates of the specification ("/v2/models/{MODEL_NAME}/ready", ...). */
  List<String> paths() {
    List<String> out = new ArrayList<>();
    document.path("paths").fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** The template a concrete request path falls under (the one with most literal segments), or null. */
  String template(String path) {
    String best = null;
    int bestLiterals = -1;
    String[] got = path.split("/", -1);
    for (String t : paths()) {
      String[] want = t.split("/", -1);
      if (want.length != got.length) {
        continue;
      }
      int literals = 0;
      boolean match = true;
      for (int i = 0; i < want.length && match; i++) {
        if (want[i].startsWith("{") && want[i].endsWith("}")) {
          match = !got[i].isEmpty();
        } else {
          match = want[i].equals(got[i]);
          literals++;
        }
      }
      if (match && literals > bestLiterals) {
        best = t;
        bestLiterals = literals;
      }
    }
    return best;
  }

  /**
   * The ways an answer breaks the specification; empty when it conforms.
   *
   * @param body the body as text (a JSON body is parsed; the content type must then be application/json)
   */
  List<String> check(String method, String path, int status, String contentType, String body) {
    List<String> problems = new ArrayList<>();
    String template = template(path);
    JsonNode op = template == null ? null : document.path("paths").path(template).path(method.toLowerCase());
    if (op == null || op.isMissingNode()) {
      problems.add("the specification has no operation " + method + " " + path);
      return problems;
    }
    JsonNode responses = op.path("responses");
    JsonNode listed = responses.path(Integer.toString(status));
    JsonSchema schema;
    if (!listed.isMissingNode()) {
      String ref = listed.path("content").path("application/json").path("schema").path("$ref").asText(null);
      schema = ref != null ? component(ref) : mdPayload(template, status);
    } else if (status >= 400 && status <= 599 && !responses.path("400").path("content").isMissingNode()) {
      // "must be indicated by an HTTP error status (typically 400)": the body is the operation's error object
      schema = component(responses.path("400").path("content").path("application/json").path("schema")
          .path("$ref").asText());
    } else {
      problems.add(status + " is not a status the protocol documents for " + method + " " + template + " (it lists "
          + fieldNames(responses) + ")");
      return problems;
    }
    if (schema != null) {
      problems.addAll(validate(schema, contentType, body));
    }
    return problems;
  }

  /** Whether an answer outside the protocol (401, 405) still carries the protocol's error object. */
  List<String> errorObject(String contentType, String body) {
    return validate(schemas.computeIfAbsent("error", k -> factory.getSchema(ERROR_OBJECT)), contentType, body);
  }

  private List<String> validate(JsonSchema schema, String contentType, String body) {
    List<String> problems = new ArrayList<>();
    if (contentType == null || !contentType.startsWith("application/json")) {
      problems.add("content type is " + contentType + ", not application/json");
    }
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (IOException e) {
      problems.add("the body is not JSON: " + e.getMessage());
      return problems;
    }
    Set<ValidationMessage> errors = schema.validate(node);
    errors.forEach(m -> problems.add("schema: " + m.getMessage()));
    return problems;
  }

  /** A schema of the document's components, by its "#/components/schemas/NAME" reference. */
  JsonSchema component(String ref) {
    if (!ref.startsWith("#/components/schemas/")) {
      throw new IllegalArgumentException("not a component schema reference: " + ref);
    }
    // loaded by location so that the schema's own $refs resolve within the document
    return schemas.computeIfAbsent(ref, r -> factory.getSchema(SchemaLocation.of(location + r)));
  }

  /**
   * The md's payload object of a health or readiness answer; for a model readiness 404, which the md gives no
   * object, the protocol's error object (what every other failure of the protocol carries).
   */
  private JsonSchema mdPayload(String template, int status) {
    String name = template.equals("/v2/health/live") ? "live_server_response"
        : template.equals("/v2/health/ready") ? "ready_server_response"
        : template.endsWith("/ready") && status != 404 ? "ready_model_response" : null;
    if (name == null) {
      return schemas.computeIfAbsent("error", k -> factory.getSchema(ERROR_OBJECT));
    }
    return schemas.computeIfAbsent(name, n -> factory.getSchema(MD_PAYLOADS.get(n)));
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }
}
