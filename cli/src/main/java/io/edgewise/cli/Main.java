package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import java.io.PrintWriter;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The `edgewise` command. Only this package prints to the terminal. */
@Command(name = "edgewise", versionProvider = Main.Version.class,
    description = "Accelerator-aware DNN inference runtime for edge devices.",
    subcommands = {
        DevicesCommand.class, RunCommand.class, ConformanceCommand.class, BenchCommand.class, DemoCommand.class,
        TuneCommand.class, BitstreamCommand.class, ServeCommand.class, InferCommand.class,
        ReuseCommand.class, FinetuneCommand.class, OcrCommand.class, PlanCommand.class, ZooCommand.class,
        CoordinatorCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
  /** Exit code for a failure the runtime reported (bad model, bad input, failed tests). */
  public static final int EXIT_FAILURE = 1;
  /** Exit code for a command line picocli could not parse. */
  public static final int EXIT_USAGE = 2;

  @Option(names = "--verbose", description = "Print stack traces with errors.", scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  // -h, --help is on every command (HelpOption); --version only here, where it cannot clash with `infer --version`
  @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print version information and exit.")
  boolean version;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
  }

  /** A configured command line writing to the given streams (tests run the CLI in-process through this). */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    // commands of the modules above the CLI (the bench module's experiment drivers) when they are on the classpath
    for (SubcommandProvider p : ServiceLoader.load(SubcommandProvider.class, Main.class.getClassLoader())) {
      CommandLine parent = p.parent().isEmpty() ? cl : cl.getSubcommands().get(p.parent());
      if (parent == null) {
        throw new IllegalStateException(p.getClass().getName() + " names an unknown parent command " + p.parent());
      }
      parent.addSubcommand(p.command());
    }
    HelpOption.addEverywhere(cl);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_FAILURE);
    // a usage error: what is wrong and where to look, not the whole usage text
    cl.setParameterExceptionHandler((e, args) -> {
      CommandLine failed = e.getCommandLine();
      failed.getErr().println("edgewise: " + e.getMessage());
      failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
      return EXIT_USAGE;
    });
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      String message = e instanceof EdgewiseException ? e.getMessage() : e.toString();
      commandLine.getErr().println("edgewise: " + message);
      if (verbose(parseResult)) {
        e.printStackTrace(commandLine.getErr());
      }
      return EXIT_FAILURE;
    });
    return cl;
  }

  /** --verbose is inherited: it counts wherever on the command line it was given. */
  private static boolean verbose(CommandLine.ParseResult parseResult) {
    for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /** A usage error found after parsing (a value out of range): exit code 2 like a parse error. */
  public static CommandLine.ParameterException usage(CommandLine.Model.CommandSpec spec, String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /**
   * Two integers written {@code A<sep>B} ("800x600", "26-32"), or a usage error naming the option: the one parser of
   * paired option values.
   */
  public static int[] intPair(CommandLine.Model.CommandSpec spec, String value, String sep, String option) {
    String[] p = value.split(java.util.regex.Pattern.quote(sep));
    try {
      if (p.length == 2) {
        return new int[] {Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip())};
      }
    } catch (NumberFormatException e) {
      // the usage error below
    }
    throw usage(spec, option + " must look like A" + sep + "B, got " + value);
  }

  /** `edgewise` alone: no command is a usage error. */
  @Override
  public Integer call() {
    return missingSubcommand(spec);
  }

  /**
   * A command group run without a subcommand (`edgewise`, `edgewise reuse`): the usage on stderr and exit 2, as for
   * any usage error, so a script that forgot the command does not pass.
   */
  static int missingSubcommand(CommandLine.Model.CommandSpec spec) {
    CommandLine cl = spec.commandLine();
    cl.usage(cl.getErr());
    return EXIT_USAGE;
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
