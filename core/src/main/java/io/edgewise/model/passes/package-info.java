/**
 * Graph rewrites that keep a model's outputs numerically the same, each a {@link GraphPass}: {@link ConstantFolding}
 * (on a {@link ConstantEvaluator} handed in from above, so no backend is imported here), {@link IdentityElimination},
 * {@link BatchNormFolding} and {@link ConvFusion} (into io.edgewise.FusedConv, gated activations as {@link SelfGate}),
 * with the shared edits of {@link GraphEdits}; the runtime's GraphOptimizer applies them in that order. May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model} and {@code io.edgewise.model.shapes}; no
 * library outside the JDK.
 */
package io.edgewise.model.passes;
