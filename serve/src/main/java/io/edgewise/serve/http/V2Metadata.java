package io.edgewise.serve.http;

import io.edgewise.model.ValueInfo;
import io.edgewise.serve.common.ServedGroup;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.common.ServedPipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The metadata objects of the Open Inference Protocol, as JSON-ready maps. */
final class V2Metadata {
  private V2Metadata() {}

  /** GET /v2: the server's name, version and the protocol extensions it implements. */
  static Map<String, Object> server() {
    String v = V2Metadata.class.getPackage().getImplementationVersion();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", "edgewise");
    body.put("version", v == null ? "dev" : v);
    body.put("extensions", List.of("binary_tensor_data"));
    return body;
  }

  /** GET /v2/models/{name}[/versions/{v}]: a loaded model's versions, platform, inputs and outputs. */
  static Map<String, Object> model(ServedModel m, List<String> versions) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", m.name());
    body.put("versions", versions);
    if (m.pipeline() instanceof ServedGroup g) {
      body.put("platform", g.platform());
      body.put("inputs", describe(g.inputs()));
      body.put("outputs", describe(g.outputs()));
      return body;
    }
    if (m.pipeline() != null) {
      body.put("platform", m.pipeline().platform());
      body.put("inputs", List.of(describe(m.pipeline().input())));
      body.put("outputs", List.of(describe(m.pipeline().output())));
      return body;
    }
    body.put("platform", "onnx");
    body.put("inputs", describe(m.session().inputs()));
    body.put("outputs", describe(m.session().outputs()));
    return body;
  }

  private static Map<String, Object> describe(ServedPipeline.Port p) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", p.name());
    t.put("datatype", p.datatype());
    t.put("shape", p.shape());
    return t;
  }

  private static List<Map<String, Object>> describe(List<ValueInfo> values) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ValueInfo v : values) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("name", v.name());
      t.put("datatype", v.isSupported() ? V2Datatype.name(v.dtype()) : v.unsupportedType());
      List<Long> shape = new ArrayList<>();
      if (v.hasRank()) {
        v.dims().forEach(d -> shape.add(d.isKnown() ? d.value() : -1L));
      } else {
        shape.add(-1L);  // the protocol has no "unknown rank"; -1 is its "variable"
      }
      t.put("shape", shape);
      out.add(t);
    }
    return out;
  }
}
