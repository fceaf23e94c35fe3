/**
 * Cutting a model between a device and a peer: {@link CutPointFinder} enumerates the valid {@link CutPoint}s of a
 * graph's topological order, {@link SubgraphExtractor} cuts out a self-contained model that owns copies of what it
 * uses, and {@link SuffixProfile} is the layer-type composition after a cut (ANS's context). May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model} and {@code io.edgewise.model.shapes}; no
 * library outside the JDK.
 */
package io.edgewise.runtime.split;
