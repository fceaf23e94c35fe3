package io.edgewise.zoo.eval;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.Dataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Top-1 accuracy of a classifier on labelled rows ({@link ArrayData}): each row is fed alone, reshaped to the model's
 * first input with batch 1, and the argmax of the first output is compared with the label.
 */
public final class Top1Provider implements EvaluatorProvider {
  @Override
  public String metric() {
    return "top1";
  }

  @Override
  public Evaluator open(EvalContext context) {
    context.data().onlyFields("metric", "calibration", "evaluation");
    Dataset calibration = context.data().get("calibration").isMissing() ? null
        : ArrayData.load(context.data().get("calibration"));
    Dataset evaluation = ArrayData.load(context.data().required("evaluation"));
    String input;
    Shape shape;
    try (Model m = OnnxImporter.load(context.baseModel())) {
      ValueInfo in = m.graph().inputs().stream().filter(v -> !m.graph().isInitializer(v.name())).findFirst()
          .orElseThrow(() -> EdgewiseException.invalidModel(context.baseModel() + " has no input"));
      input = in.name();
      long[] dims = new long[in.dims().size()];
      long known = 1;
      for (int i = 0; i < dims.length; i++) {
        ValueInfo.Dim d = in.dims().get(i);
        dims[i] = d.isKnown() ? d.value() : 1;
        known *= dims[i];
      }
      if (known != evaluation.featuresPerSample()) {
        throw context.data().get("evaluation").error("rows of " + evaluation.featuresPerSample() + " values do "
            + "not fit input '" + input + "' " + in.dims() + " of " + context.baseModel());
      }
      shape = Shape.of(dims);
    }
    return new Top1(input, shape, calibration == null ? evaluation : calibration, evaluation);
  }

  private record Top1(String input, Shape shape, Dataset calibration, Dataset evaluation) implements Evaluator {
    private Tensor row(Dataset d, int r) {
      int w = d.featuresPerSample();
      float[] x = new float[w];
      System.arraycopy(d.features(), r * w, x, 0, w);
      return Tensor.ofFloats(shape, x);
    }

    @Override
    public List<Map<String, Tensor>> calibrationInputs(int max) {
      List<Map<String, Tensor>> out = new ArrayList<>();
      for (int r = 0; r < Math.min(max, calibration.size()); r++) {
        out.add(Map.of(input, row(calibration, r)));
      }
      return out;
    }

    /** Fine-tuning trains on the calibration rows (the train split in the examples) and tests on the evaluation rows. */
    @Override
    public io.edgewise.train.DataSplit trainingData() {
      return new io.edgewise.train.DataSplit(calibration, evaluation);
    }

    @Override
    public Map<String, Tensor> profileInput() {
      return Map.of(input, row(evaluation, 0));
    }

    @Override
    public Evaluation evaluate(Path model, String device, int threads) {
      int correct = 0;
      try (Session s = Session.open(model, SessionOptions.defaults().withDevice(device).withThreads(threads))) {
        String output = s.outputs().get(0).name();
        for (int r = 0; r < evaluation.size(); r++) {
          try (Tensor x = row(evaluation, r)) {
            Map<String, Tensor> out = s.run(Map.of(input, x));
            try {
              float[] logits = out.get(output).toFloatArray();
              int best = 0;
              for (int k = 1; k < logits.length; k++) {
                if (logits[k] > logits[best]) {
                  best = k;
                }
              }
              if (best == evaluation.labels()[r]) {
                correct++;
              }
            } finally {
              out.values().forEach(Tensor::close);
            }
          }
        }
      }
      double acc = (double) correct / evaluation.size();
      return new Evaluation("top1", acc, acc, evaluation.size());
    }
  }
}
