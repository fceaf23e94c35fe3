package io.edgewise.serve.client;

import io.edgewise.EdgewiseException;
import io.edgewise.runtime.split.CutPoint;
import io.edgewise.serve.peer.SplitInference;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.tensor.Tensor;
import java.time.Duration;
import java.util.Map;

/**
 * The split/peer client with a time budget and an on-device fallback: the split run ({@link SplitInference#run}: the
 * prefix here, the rest on the peer, the peer given what is left of the budget as its deadline) is the remote side of
 * a {@link BudgetedCall}, the device's {@link LocalFallback} the local side, by the same rule as
 * {@link EdgewiseClient#infer(String, Map, double, LocalFallback, BudgetedCall.Mode)}. The loser's outputs are closed.
 * It does not own the split; close() stops the call's threads.
 */
public final class BudgetedSplit implements AutoCloseable {
  private final SplitInference split;
  private final BudgetedCall call;

  public BudgetedSplit(SplitInference split, BudgetedCall.Mode mode) {
    this.split = split;
    this.call = new BudgetedCall(mode);
  }

  /**
   * Runs the cut within {@code budgetMs} end to end. The answer is a {@link SplitInference.SplitRun}: the peer's
   * (its times and bytes as measured) or the fallback's (its run time as {@code localNanos}, nothing sent); the caller
   * closes it. Inputs stay the caller's.
   */
  public BudgetedCall.Result<SplitInference.SplitRun> run(Map<String, Tensor> inputs, CutPoint cut,
      TensorEncoding encoding, double budgetMs, LocalFallback fallback) {
    if (!(budgetMs > 0) || Double.isInfinite(budgetMs)) {
      throw EdgewiseException.invalidArgument("budget must be > 0 ms, got " + budgetMs);
    }
    long start = System.nanoTime();
    return call.call(Duration.ofNanos((long) (budgetMs * 1e6)),
        () -> split.run(inputs, cut, encoding, Duration.ofNanos(Math.max(1, (long) (budgetMs * 1e6)
            - (System.nanoTime() - start)))),
        () -> {
          long t0 = System.nanoTime();
          Map<String, Tensor> out = fallback.run(inputs);
          return new SplitInference.SplitRun(out, System.nanoTime() - t0, 0, 0, 0, 0);
        },
        fallback.expectedMs(), SplitInference.SplitRun::close);
  }

  /** The hand-over time the call measured (ms; {@link BudgetedCall#handoverMs()}). */
  public double handoverMs() {
    return call.handoverMs();
  }

  @Override
  public void close() {
    call.close();
  }
}
