package io.edgewise.zoo.quant;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * float16 weights: every float32 initializer of at least {@link #MIN_ELEMENTS} values is stored as float16 and read
 * through a Cast back to float under its old name, so the file halves and every op computes as before (a device with
 * float16 arithmetic may fold the Cast into its kernels; ours fold it at load). Small initializers (scalars, bounds)
 * stay float32: they cost nothing and some ops need them as exact constants. So does an initializer holding a value
 * beyond float16's range (|x| > 65504 would become infinity): PaddleOCR's detector has a BatchNormalization whose
 * running variance reaches 9.8e7, and as float16 its whole output turned to zeros (CER 1.0 on every page).
 */
public final class Fp16Converter {
  static final int MIN_ELEMENTS = 16;

  /** The largest finite float16. */
  static final float FP16_MAX = 65504f;

  /** How many initializers became float16, or why none did. */
  public record Result(int converted, String skipReason) {}

  private Fp16Converter() {}

  public static Result convert(Path floatModel, Path out) {
    return convert(OnnxImporter.load(floatModel), out);
  }

  /** The same over a model already imported, which the converter edits and closes. */
  public static Result convert(Model imported, Path out) {
    try (Model model = imported) {
      Graph g = model.graph();
      ConstantNodes.toInitializers(g);
      Set<String> read = new HashSet<>();
      g.nodes().forEach(n -> read.addAll(n.inputs()));
      // a QDQ model's scales and zero points stay as they are: Quantize/Dequantize take float32 scales
      Set<String> quantParams = new HashSet<>();
      g.nodes().stream().filter(n -> n.opType().endsWith("QuantizeLinear"))
          .forEach(n -> quantParams.addAll(n.inputs()));
      Set<String> used = new HashSet<>(g.initializers().keySet());
      g.nodes().forEach(n -> { used.addAll(n.outputs()); used.add(n.name()); });
      List<Node> casts = new ArrayList<>();
      for (String name : List.copyOf(g.initializers().keySet())) {
        Tensor t = g.initializers().get(name);
        if (t.dtype() != DType.FLOAT32 || t.size() < MIN_ELEMENTS || !read.contains(name) || quantParams.contains(name)
            || g.isOutput(name)
            || g.isInput(name)) {
          continue;
        }
        float[] v = t.toFloatArray();
        if (!fitsFp16(v)) {
          continue;
        }
        String half = QdqQuantizer.fresh(used, name + "_fp16");
        Tensor h = Tensor.allocate(DType.FLOAT16, t.shape());
        for (int i = 0; i < v.length; i++) {
          h.setDouble(i, v[i]);
        }
        g.initializers().remove(name).close();
        g.initializers().put(half, h);
        Node cast = new Node(QdqQuantizer.fresh(used, name + "_Cast"), "Cast", List.of(half), List.of(name));
        cast.setAttr(Attribute.ofInt("to", DType.FLOAT32.onnxCode()));
        casts.add(cast);
      }
      if (casts.isEmpty()) {
        return new Result(0, "no float32 initializer of " + MIN_ELEMENTS + " or more values within float16's range");
      }
      g.nodes().addAll(0, casts);
      OnnxExporter.save(model, out);
      return new Result(casts.size(), null);
    }
  }

  /** Whether every value is finite in float16 (values too small to represent become 0 or subnormal: harmless). */
  static boolean fitsFp16(float[] v) {
    for (float f : v) {
      if (Math.abs(f) > FP16_MAX) {
        return false;
      }
    }
    return true;
  }
}
