package io.edgewise.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code -h, --help} on every command and subcommand, added in one place after the command tree is complete, so the
 * commands other modules add (ServiceLoader) get it too. Not picocli's {@code mixinStandardHelpOptions} with
 * {@code scope = INHERIT}: that also brings {@code -V, --version}, which clashes with {@code infer --version}, and an
 * inherited {@code --help} option clashes with the {@code help} subcommand's own (picocli issue 1673).
 */
final class HelpOption {
  private HelpOption() {}

  /** Adds the option to {@code cl} and every command below it that has no usage-help option of its own. */
  static void addEverywhere(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    if (spec.options().stream().noneMatch(OptionSpec::usageHelp)) {
      spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    cl.getSubcommands().values().forEach(HelpOption::addEverywhere);
  }
}
