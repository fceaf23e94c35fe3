package io.edgewise.cli;

import picocli.CommandLine.Option;

/** {@code --json}: the result as one JSON document on stdout instead of text (progress stays on stderr). */
public final class JsonOption {
  @Option(names = "--json", description = "Print the result as JSON on stdout instead of text.")
  boolean enabled;

  public boolean enabled() {
    return enabled;
  }
}
