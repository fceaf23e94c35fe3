package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The container args of deploy/kserve/cluster-serving-runtime.yaml are a valid `edgewise serve` command line (a
 * renamed option would otherwise break the runtime only on a cluster). The manifests' schemas are checked in serve's
 * KServeManifestsTest.
 */
class KServeRuntimeArgsTest {
  @Test
  void theRuntimesArgsParseAsAServeCommand() throws Exception {
    JsonNode rt = new ObjectMapper(new YAMLFactory()).readTree(Path.of("deploy/kserve/cluster-serving-runtime.yaml")
        .toFile());
    List<String> args = new ArrayList<>();
    rt.path("spec").path("containers").path(0).path("args").forEach(a -> args.add(a.asText()));
    assertEquals("serve", args.get(0));
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    assertEquals(Path.of("/mnt/models"), serve.models);
    assertEquals(8080, serve.port);
    assertEquals(8002, serve.metricsPort);
    assertEquals(Path.of("/etc/edgewise/tokens/tokens"), serve.tokenFile);
  }
}
