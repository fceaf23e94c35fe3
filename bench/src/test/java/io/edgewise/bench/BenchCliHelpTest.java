package io.edgewise.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.cli.CliHelpTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;

/** CliHelpTest's checks over the launcher's whole tree: the CLI's commands plus those this module adds. */
class BenchCliHelpTest extends CliHelpTest {
  @Test
  void theTreeHoldsThisModulesCommands() {
    List<String> names = allCommands().stream().map(CommandSpec::qualifiedName).toList();
    assertTrue(names.containsAll(List.of("edgewise split-bench", "edgewise serve-bench", "edgewise reuse bench")),
        names.toString());
  }
}
