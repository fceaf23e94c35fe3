package io.edgewise.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --runs N --warmup N}: how a command times a model. The defaults differ by command (a quick look at one model
 * against a benchmark table), so each command constructs this with its own; help shows them.
 */
public final class TimingOptions {
  @Option(names = "--runs", paramLabel = "N", description = "Timed runs after the warm-up (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", paramLabel = "N", description = "Warm-up runs, not timed (default: ${DEFAULT-VALUE}).")
  int warmup;

  private final int minRuns;

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** {@code minRuns}: fewer timed runs make the command's figures meaningless (bench's p90 needs 20). */
  public TimingOptions(int defaultRuns, int defaultWarmup, int minRuns) {
    this.runs = defaultRuns;
    this.warmup = defaultWarmup;
    this.minRuns = minRuns;
  }

  /** Timed runs, checked: a usage error (exit 2) below the command's minimum. */
  public int runs() {
    if (runs < minRuns) {
      throw Main.usage(command, "--runs must be at least " + minRuns + ", got " + runs);
    }
    return runs;
  }

  /** Warm-up runs, checked: a usage error when negative. */
  public int warmup() {
    if (warmup < 0) {
      throw Main.usage(command, "--warmup must be 0 or more, got " + warmup);
    }
    return warmup;
  }
}
