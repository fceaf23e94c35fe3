package io.edgewise.bench.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.edgewise.EdgewiseException;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cache benchmark's population with the zoo's variants: each variant is what its kind says, read back from the
 * ONNX file written (QDQ nodes with int8 weights, float16 initializers, fewer parameters), and runs to the base
 * model's output shape.
 */
class ZooVariantsTest {
  private static final Path DIGITS = Path.of("../shared/testdata/models/digits_cnn_0to9");

  @Test
  void buildsTheZoosVariantsBesideTheWeightCopies() throws Exception {
    assumeTrue(Files.isRegularFile(DIGITS.resolve("model.onnx")), "no digits model in ../shared/testdata");
    Path repo = Files.createTempDirectory("zoo-variants-test");
    List<ModelPopulation.Member> members = List.of();
    try {
      List<String> skipped = new ArrayList<>();
      members = ModelPopulation.build(List.of(DIGITS), 1, ZooVariants.KINDS, repo, (n, why) -> skipped.add(n));
      assertEquals(List.of(), skipped);
      assertEquals(List.of("digits_cnn_0to9", "digits_cnn_0to9_v1", "digits_cnn_0to9_int8", "digits_cnn_0to9_fp16",
          "digits_cnn_0to9_pruned50"), members.stream().map(ModelPopulation.Member::name).toList());
      ModelProto base = read(repo, "digits_cnn_0to9");
      ModelProto int8 = read(repo, "digits_cnn_0to9_int8");
      ModelProto fp16 = read(repo, "digits_cnn_0to9_fp16");
      ModelProto pruned = read(repo, "digits_cnn_0to9_pruned50");
      assertTrue(ops(int8).contains("QuantizeLinear") && ops(int8).contains("DequantizeLinear"), ops(int8).toString());
      assertTrue(int8.getGraph().getInitializerList().stream()
          .anyMatch(t -> t.getDataType() == TensorProto.DataType.INT8_VALUE), "int8 weights");
      assertTrue(fp16.getGraph().getInitializerList().stream()
          .anyMatch(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE), "float16 weights");
      assertTrue(parameters(pruned) < parameters(base), parameters(pruned) + " vs " + parameters(base));
      for (ModelPopulation.Member m : members) {
        assertEquals(Files.size(repo.resolve(m.name()).resolve("1").resolve("model.onnx")), m.fileBytes());
        assertTrue(m.name().equals(m.base()) || m.base().equals("digits_cnn_0to9"));
      }
      // every variant runs on the benchmark's request input and gives the base model's output shape
      ModelPopulation.Member first = members.get(0);
      long[] shape = outputShape(repo, first.name(), first.inputs());
      for (ModelPopulation.Member m : members) {
        assertEquals(java.util.Arrays.toString(shape), java.util.Arrays.toString(outputShape(repo, m.name(),
            m.inputs())), m.name());
      }
    } finally {
      ModelPopulation.close(members);
      io.edgewise.files.FileTrees.deleteQuietly(repo);
    }
  }

  @Test
  void anUnknownKindIsRefusedByName() {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> ZooVariants.parse(List.of("int8", "int4")));
    assertTrue(e.getMessage().contains("'int4'"), e.getMessage());
  }

  private static ModelProto read(Path repo, String name) throws Exception {
    return ModelProto.parseFrom(Files.readAllBytes(repo.resolve(name).resolve("1").resolve("model.onnx")));
  }

  private static List<String> ops(ModelProto m) {
    return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).distinct().toList();
  }

  private static long parameters(ModelProto m) {
    long n = 0;
    for (TensorProto t : m.getGraph().getInitializerList()) {
      long c = 1;
      for (long d : t.getDimsList()) {
        c *= d;
      }
      n += c;
    }
    return n;
  }

  private static long[] outputShape(Path repo, String name, Map<String, Tensor> inputs) {
    try (Session s = Session.open(OnnxImporter.load(repo.resolve(name).resolve("1").resolve("model.onnx")),
        SessionOptions.defaults().withDevice("cpu").withThreads(1))) {
      Map<String, Tensor> out = s.run(inputs);
      try {
        return out.values().iterator().next().shape().dims();
      } finally {
        out.values().forEach(Tensor::close);
      }
    }
  }
}
