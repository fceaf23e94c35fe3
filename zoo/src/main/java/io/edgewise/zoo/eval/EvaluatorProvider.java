package io.edgewise.zoo.eval;

/**
 * A metric the zoo can measure a variant with, found through {@link java.util.ServiceLoader} by its name: {@code top1}
 * is in this module; modules above add theirs (apps registers {@code ocr-cer}) in
 * META-INF/services/io.edgewise.zoo.eval.EvaluatorProvider.
 */
public interface EvaluatorProvider {
  /** The name configs use in {@code data.metric}. */
  String metric();

  /** Opens an evaluator for one base model and its data section; config errors name the field and the file. */
  Evaluator open(EvalContext context);
}
