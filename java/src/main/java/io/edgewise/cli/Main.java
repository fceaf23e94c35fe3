package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The `edgewise` command. Only this package prints to the terminal. */
@Command(name = "edgewise", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Accelerator-aware DNN inference runtime for edge devices.",
    subcommands = {DevicesCommand.class, RunCommand.class, ConformanceCommand.class, DemoCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit code for a failure the runtime reported (bad model, bad input, failed tests). */
  public static final int EXIT_FAILURE = 1;
  /** Exit code for a command line picocli could not parse. */
  public static final int EXIT_USAGE = 2;

  @Option(names = "--verbose", description = "Print stack traces with errors.", scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
  }

  /** A configured command line writing to the given streams (tests run the CLI in-process through this). */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_FAILURE);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      boolean verbose = parseResult.hasMatchedOption("--verbose");
      String message = e instanceof EdgewiseException ? e.getMessage() : e.toString();
      commandLine.getErr().println("edgewise: " + message);
      if (verbose) {
        e.printStackTrace(commandLine.getErr());
      }
      return EXIT_FAILURE;
    });
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"edgewise " + (v == null ? "dev" : v)};
    }
  }
}
