package io.edgewise.bench.cache;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The models the cache benchmark serves: every model found in the given directories (a directory holding
 * model.onnx, or a .onnx file), each copied into a fresh repository as NAME/1/model.onnx, plus {@code variants}
 * copies of each whose float weights are scaled by 1 + 0.001 k (different bytes, different content hash, the same
 * size and load cost class), so that the population outgrows the budget; optionally the zoo's variants of each
 * model ({@link ZooVariants}: int8 QDQ, float16, pruned), which differ from it in size and load time as a zoo's
 * variants do. Also the request inputs of each model (seeded random; see inputShapes for dynamic dimensions).
 */
final class ModelPopulation {
  /** One served model: its repository name, its inputs, its file size. */
  record Member(String name, String base, Map<String, Tensor> inputs, long fileBytes) {}

  private ModelPopulation() {}

  static List<Member> build(List<Path> sources, int variants, Path repo) throws IOException {
    return build(sources, variants, List.of(), repo, (name, why) -> { });
  }

  /**
   * As above, plus the zoo variants {@code zoo} (ZooVariants.KINDS) of every base model, named BASE_KIND; a variant
   * the zoo cannot make is left out and reported to {@code skipped} (variant name, the zoo's reason).
   */
  static List<Member> build(List<Path> sources, int variants, List<String> zoo, Path repo,
      java.util.function.BiConsumer<String, String> skipped) throws IOException {
    List<Member> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Path source : sources) {
      for (Path file : modelFiles(source)) {
        String base = nameOf(file);
        if (!names.add(base)) {
          throw EdgewiseException.invalidArgument(file + ": a second model named '" + base + "'");
        }
        byte[] bytes = Files.readAllBytes(file);
        ModelProto proto = ModelProto.parseFrom(bytes);
        Map<String, long[]> shapes = inputShapes(proto.getGraph());
        out.add(write(repo, base, base, bytes, shapes));
        for (int k = 1; k <= variants; k++) {
          String name = base + "_v" + k;
          names.add(name);
          out.add(write(repo, name, base, scaled(proto, 1 + 0.001 * k).toByteArray(), shapes));
        }
        Member baseMember = out.get(out.size() - 1 - variants);
        for (String kind : zoo) {
          String name = base + ZooVariants.suffix(kind);
          if (!names.add(name)) {
            throw EdgewiseException.invalidArgument(file + ": a second model named '" + name + "'");
          }
          Path variant = repo.resolve(name).resolve("1").resolve("model.onnx");
          Files.createDirectories(variant.getParent());
          String why = ZooVariants.make(kind, repo.resolve(base).resolve("1").resolve("model.onnx"),
              baseMember.inputs(), variant);
          if (why != null) {
            io.edgewise.files.FileTrees.delete(repo.resolve(name));
            skipped.accept(name, why);
          } else {
            out.add(write(repo, name, base, Files.readAllBytes(variant), shapes));
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw EdgewiseException.invalidArgument("no models under " + sources + " (directories with model.onnx, or .onnx "
          + "files)");
    }
    return out;
  }

  private static Member write(Path repo, String name, String base, byte[] bytes, Map<String, long[]> shapes)
      throws IOException {
    Path dir = Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.write(dir.resolve("model.onnx"), bytes);
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    Random random = new Random(name.hashCode());
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      Shape shape = Shape.of(e.getValue());
      float[] v = new float[(int) shape.numElements()];
      for (int i = 0; i < v.length; i++) {
        v[i] = random.nextFloat() * 2 - 1;
      }
      inputs.put(e.getKey(), Tensor.ofFloats(shape, v));
    }
    return new Member(name, base, inputs, bytes.length);
  }

  private static List<Path> modelFiles(Path source) throws IOException {
    if (Files.isRegularFile(source)) {
      return List.of(source);
    }
    if (Files.isRegularFile(source.resolve("model.onnx"))) {
      return List.of(source.resolve("model.onnx"));
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(source)) {
      for (Path p : s.sorted().toList()) {
        if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".onnx")) {
          out.add(p);
        } else if (Files.isRegularFile(p.resolve("model.onnx"))) {
          out.add(p.resolve("model.onnx"));
        }
      }
    }
    return out;
  }

  private static String nameOf(Path file) {
    String n = file.getFileName().toString().equals("model.onnx") ? file.getParent().getFileName().toString()
        : file.getFileName().toString().replaceFirst("\\.onnx$", "");
    return n.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  /**
   * The graph's real inputs (not initializers), float32 only; dynamic dimensions of an image (NCHW) input are 64 x 192
   * (a multiple of 32 for the OCR detector, the OCR line models' width), other dynamic dimensions 1.
   */
  private static Map<String, long[]> inputShapes(GraphProto g) {
    Set<String> initializers = new HashSet<>();
    g.getInitializerList().forEach(t -> initializers.add(t.getName()));
    Map<String, long[]> out = new LinkedHashMap<>();
    for (ValueInfoProto v : g.getInputList()) {
      if (initializers.contains(v.getName())) {
        continue;
      }
      if (v.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        throw EdgewiseException.invalidArgument("input '" + v.getName() + "': cache-bench sends float32 inputs only");
      }
      List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
      long[] shape = new long[dims.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = dims.get(i).hasDimValue() && dims.get(i).getDimValue() > 0 ? dims.get(i).getDimValue()
            : shape.length == 4 && i == 2 ? 64 : shape.length == 4 && i == 3 ? 192 : 1;
      }
      out.put(v.getName(), shape);
    }
    return out;
  }

  /** The model with every float32 initializer held in raw_data or float_data multiplied by factor. */
  private static ModelProto scaled(ModelProto proto, double factor) {
    GraphProto.Builder g = proto.getGraph().toBuilder();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      TensorProto t = g.getInitializer(i);
      if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
        continue;
      }
      TensorProto.Builder b = t.toBuilder();
      if (!t.getRawData().isEmpty()) {
        ByteBuffer src = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer dst = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        while (src.remaining() >= 4) {
          dst.putFloat((float) (src.getFloat() * factor));
        }
        b.setRawData(ByteString.copyFrom(dst.array()));
      } else {
        for (int j = 0; j < t.getFloatDataCount(); j++) {
          b.setFloatData(j, (float) (t.getFloatData(j) * factor));
        }
      }
      g.setInitializer(i, b);
    }
    return proto.toBuilder().setGraph(g).build();
  }

  static void close(List<Member> members) {
    members.forEach(m -> m.inputs().values().forEach(Tensor::close));
  }
}
