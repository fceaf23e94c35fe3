package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.TestData;
import io.edgewise.runtime.Devices;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The CLI as a user first meets it: help on every command, usage errors, the default device, and device names that
 * read the same in every help text. Public so that the bench module runs it again over the whole tree, with the
 * commands it adds through ServiceLoader.
 */
public class CliHelpTest {
  /** Commands whose --device is not the shared one-device option, and why. */
  private static final Map<String, String> OWN_DEVICE_DEFAULT = Map.of(
      "edgewise tune", "only OpenCL has tunable kernels",
      "edgewise split-bench", "the experiment's edge device is ref, its peer cpu",
      "edgewise zoo query", "a filter on the index's figures: any device unless given",
      "edgewise select-bench", "variants are timed on ref: on cpu the digits variants are overhead-bound at batch 1",
      "edgewise budget-bench", "variants are timed on ref: on cpu the digits variants are overhead-bound at batch 1",
      "edgewise dystri-bench", "the levels run on ref: on cpu the digits variants are overhead-bound at batch 1",
      "edgewise pipeline-bench", "the placement is the experiment's own: each side a plain device, cpu by default");
  /** Options named like a device option that take a count instead. */
  private static final Set<String> COUNT_OPTIONS = Set.of("edgewise select-bench --devices");

  /** Every command of the tree under {@code cl}, itself first. */
  private static List<CommandSpec> commands(CommandLine cl) {
    List<CommandSpec> out = new ArrayList<>();
    out.add(cl.getCommandSpec());
    cl.getSubcommands().values().forEach(sub -> out.addAll(commands(sub)));
    return out;
  }

  protected static List<CommandSpec> allCommands() {
    return commands(Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
  }

  /** The arguments that name a command: "edgewise reuse stats" -> [reuse, stats]. */
  private static List<String> path(CommandSpec spec) {
    List<String> names = new ArrayList<>(List.of(spec.qualifiedName().split(" ")));
    return names.subList(1, names.size());
  }

  @Test
  public void everyCommandAndSubcommandPrintsItsUsageForHelpAndExitsZero() {
    List<CommandSpec> all = allCommands();
    assertTrue(all.stream().anyMatch(c -> c.qualifiedName().equals("edgewise reuse stats"))
        && all.stream().anyMatch(c -> c.qualifiedName().equals("edgewise bitstream build")), all.toString());
    for (CommandSpec c : all) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path(c));
        args.add(flag);
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), args + ": " + r.err());
        assertTrue(r.out().startsWith("Usage: " + c.qualifiedName()) || r.out().contains("\nUsage: "
            + c.qualifiedName()), args + " printed:\n" + r.out());
        assertEquals("", r.err(), args.toString());
      }
    }
  }

  @Test
  public void versionIsOnTheTopCommand() {
    CliTest.Result r = CliTest.run("--version");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("edgewise "), r.out());
  }

  @Test
  public void noCommandIsAUsageErrorWithTheUsageOnStderr() {
    for (String[] args : new String[][] {{}, {"reuse"}, {"bitstream"}}) {
      CliTest.Result r = CliTest.run(args);
      assertEquals(Main.EXIT_USAGE, r.exit(), String.join(" ", args));
      assertEquals("", r.out(), "stdout stays empty");
      assertTrue(r.err().startsWith("Usage: edgewise" + (args.length == 0 ? "" : " " + args[0])), r.err());
      assertTrue(r.err().contains("Commands:"), r.err());
    }
  }

  @Test
  public void everyOptionAndParameterHasADescription() {
    for (CommandSpec c : allCommands()) {
      for (ArgSpec a : Stream.concat(c.options().stream(), c.positionalParameters().stream()).toList()) {
        String text = String.join(" ", a.description()).strip();
        assertFalse(text.isEmpty(), c.qualifiedName() + " " + a.paramLabel() + (a instanceof OptionSpec o
            ? " " + o.longestName() : ""));
      }
    }
  }

  @Test
  public void everyHelpTextNamesTheSameDevices() {
    int seen = 0;
    for (CommandSpec c : allCommands()) {
      for (OptionSpec o : c.options()) {
        if (!Set.of("--device", "--devices", "--peer-device").contains(o.longestName())
            || COUNT_OPTIONS.contains(c.qualifiedName() + " " + o.longestName())) {
          continue;
        }
        seen++;
        String text = String.join(" ", o.description());
        if (c.qualifiedName().equals("edgewise tune")) {
          assertTrue(text.contains("opencl[:i]"), text);
          continue;
        }
        assertTrue(text.contains(DeviceOption.NAMES), c.qualifiedName() + " " + o.longestName() + ": " + text);
        if (o.longestName().equals("--device") && !OWN_DEVICE_DEFAULT.containsKey(c.qualifiedName())) {
          assertEquals("auto", String.valueOf(o.initialValue()), c.qualifiedName() + " --device default");
        }
      }
    }
    assertTrue(seen >= 6, "run, conformance, finetune, serve, tune, bench: " + seen);
    // the names in help are the device families this build has, plus auto
    for (String family : Devices.names()) {
      assertTrue(DeviceOption.NAMES.contains(family), family + " missing from " + DeviceOption.NAMES);
    }
  }

  @Test
  public void runWithoutDeviceRunsOnAutoAndSaysWhatItChose() throws IOException {
    String model = TestData.model("digits_cnn_0to9").toString();
    CliTest.Result r = CliTest.run("run", model, "--runs", "1");
    assertEquals(0, r.exit(), r.err());
    String device = r.out().lines().filter(l -> l.startsWith("device:")).findFirst().orElseThrow();
    assertTrue(device.endsWith("(--device auto)"), device);
    String chosen = device.substring("device:".length()).strip().split(" ")[0];
    assertTrue(Devices.names().contains(chosen.split(":")[0]), device);

    CliTest.Result json = CliTest.run("run", model, "--runs", "1", "--json");
    JsonNode doc = Json.MAPPER.readTree(json.out());
    assertEquals("auto", doc.get("requested_device").asText());
    assertEquals(chosen, doc.get("device").asText());
  }
}
