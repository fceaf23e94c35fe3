package io.edgewise.zoo.index;

import java.util.List;

/**
 * The answer to a query.
 *
 * @param pareto the candidates meeting every constraint that no other such candidate dominates (accuracy up,
 *     median latency and file size down), most accurate first
 * @param recommended the most accurate of them, the fastest among equals; null when none meets the constraints
 * @param excluded for an empty answer (and otherwise too), which constraint excluded which candidates
 */
public record QueryResult(List<Candidate> pareto, Candidate recommended, List<String> excluded) {}
