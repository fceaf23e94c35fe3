package io.edgewise.cli;

import java.util.List;

/**
 * Subcommands that a module above the CLI adds to `edgewise` (found through {@link java.util.ServiceLoader}):
 * edgewise-bench adds its experiment drivers (split-bench, serve-bench, reuse bench) this way, so the runtime's
 * jars do not carry them and the launcher shows them when the bench module is on its classpath.
 */
public interface SubcommandProvider {
  /** A picocli subcommand to add: a new instance of a class annotated with {@code @Command}. */
  Object command();

  /** The name of the existing command it goes under ("reuse"), or the empty string for a top-level command. */
  default String parent() {
    return "";
  }
}
