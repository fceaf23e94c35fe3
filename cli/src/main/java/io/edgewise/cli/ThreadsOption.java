package io.edgewise.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --threads N}: intra-op threads, 0 for the device's default. */
public final class ThreadsOption {
  @Option(names = "--threads", paramLabel = "N",
      description = "Intra-op threads, 0 for the device default (default: ${DEFAULT-VALUE}).")
  int count;

  /** The command this option is mixed into: a bad value is its usage error. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  public ThreadsOption() {
    this(0);
  }

  public ThreadsOption(int defaultCount) {
    this.count = defaultCount;
  }

  /** The thread count, checked (a usage error, exit 2, when negative). */
  public int count() {
    if (count < 0) {
      throw Main.usage(command, "--threads must be 0 (device default) or more, got " + count);
    }
    return count;
  }
}
