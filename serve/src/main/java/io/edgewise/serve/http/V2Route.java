package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A request path of the Open Inference Protocol, parsed: GET /v2, /v2/health/{live,ready},
 * /v2/models/{name}[/versions/{v}][/ready], POST /v2/models/{name}[/versions/{v}]/infer, a model group's POST
 * /v2/models/{name}/feedback, GET /metrics, and the model
 * repository extension's POST /v2/repository/index and /v2/repository/models/{name}/(load|unload).
 * Path segments are percent-decoded; the names are only ever looked up in memory, never used as file paths.
 */
record V2Route(Kind kind, String model, String version) {

  enum Kind {
    LIVE("health"), READY("health"), SERVER_METADATA("metadata"), MODEL_METADATA("metadata"),
    MODEL_READY("ready"), INFER("infer"), METRICS("metrics"), REPOSITORY_INDEX("repository"),
    REPOSITORY_LOAD("repository"), REPOSITORY_UNLOAD("repository"), FEEDBACK("feedback");

    /** The endpoint label of the request metrics. */
    final String endpoint;

    Kind(String endpoint) {
      this.endpoint = endpoint;
    }
  }

  /** The health endpoints stay open without a token (probes of orchestrators carry none). */
  boolean isOpen() {
    return kind == Kind.LIVE || kind == Kind.READY;
  }

  HttpMethod method() {
    return switch (kind) {
      case INFER, REPOSITORY_INDEX, REPOSITORY_LOAD, REPOSITORY_UNLOAD, FEEDBACK -> HttpMethod.POST;
      default -> HttpMethod.GET;
    };
  }

  /** The route of a request URI (the query is ignored), or null when the path is none of the protocol's. */
  static V2Route parse(String uri) {
    String path = new QueryStringDecoder(uri).rawPath();
    String[] raw = path.split("/", -1);
    if (raw.length < 2 || !raw[0].isEmpty()) {
      return null;
    }
    String[] s = new String[raw.length - 1];
    for (int i = 1; i < raw.length; i++) {
      try {
        s[i - 1] = QueryStringDecoder.decodeComponent(raw[i], StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw EdgewiseException.invalidArgument("the request path has a malformed percent-encoding in segment "
            + i + ": " + V2Datatype.clip(raw[i]));
      }
    }
    if (s.length == 1 && s[0].equals("metrics")) {
      return new V2Route(Kind.METRICS, null, null);
    }
    if (!s[0].equals("v2")) {
      return null;
    }
    if (s.length == 1) {
      return new V2Route(Kind.SERVER_METADATA, null, null);
    }
    if (s.length == 3 && s[1].equals("health")) {
      return switch (s[2]) {
        case "live" -> new V2Route(Kind.LIVE, null, null);
        case "ready" -> new V2Route(Kind.READY, null, null);
        default -> null;
      };
    }
    if (s.length >= 3 && s[1].equals("repository")) {
      // Triton's model repository extension: POST /v2/repository/index, /v2/repository/models/{name}/(load|unload)
      if (s.length == 3 && s[2].equals("index")) {
        return new V2Route(Kind.REPOSITORY_INDEX, null, null);
      }
      if (s.length == 5 && s[2].equals("models") && !s[3].isEmpty()) {
        return switch (s[4]) {
          case "load" -> new V2Route(Kind.REPOSITORY_LOAD, s[3], null);
          case "unload" -> new V2Route(Kind.REPOSITORY_UNLOAD, s[3], null);
          default -> null;
        };
      }
      return null;
    }
    if (s.length < 3 || !s[1].equals("models") || s[2].isEmpty()) {
      return null;
    }
    String model = s[2];
    int next = 3;
    String version = null;
    if (s.length >= 5 && s[3].equals("versions")) {
      version = s[4];
      if (version.isEmpty()) {
        return null;
      }
      next = 5;
    }
    if (s.length == next) {
      return new V2Route(Kind.MODEL_METADATA, model, version);
    }
    if (s.length == next + 1) {
      return switch (s[next]) {
        case "ready" -> new V2Route(Kind.MODEL_READY, model, version);
        case "infer" -> new V2Route(Kind.INFER, model, version);
        case "feedback" -> new V2Route(Kind.FEEDBACK, model, version);  // a model group's QoE feedback
        default -> null;
      };
    }
    return null;
  }
}
