package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.http.BytesTensor;
import io.edgewise.serve.http.V2Bytes;
import io.edgewise.serve.http.V2Datatype;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "infer", description = "Run one inference on a KServe v2 server (edgewise serve, Triton, ...).")
final class InferCommand implements Callable<Integer> {
  @Option(names = "--url", required = true, paramLabel = "URL", description = "The server, e.g. http://127.0.0.1:8000.")
  String url;

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "The model's name on the server.")
  String model;

  @Option(names = "--version", paramLabel = "V", description = "Model version (default: the server's choice).")
  String version;

  @Mixin
  InputOptions inputs = new InputOptions();

  @Option(names = "--bytes", paramLabel = "NAME=FILE", description = "Send FILE's bytes as one element of the BYTES "
      + "input NAME (repeat for more elements or inputs), e.g. --bytes image=page.png for the OCR example; the BYTES "
      + "outputs are printed as text.")
  List<String> bytes = new ArrayList<>();

  @Option(names = "--token-file", paramLabel = "F", description = "File whose first token line is sent as bearer.")
  Path tokenFile;

  @Option(names = "--cacert", paramLabel = "PEM", description = "Trust this certificate for https (self-signed).")
  Path caCert;

  @Option(names = "--json-data", description = "Send and receive tensors as JSON numbers instead of binary.")
  boolean jsonData;

  @Mixin
  OutputOptions output = new OutputOptions();

  @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "Request timeout in seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (timeoutSeconds < 1) {
      throw Main.usage(spec, "--timeout must be at least 1 second");
    }
    EdgewiseClient.Builder b = EdgewiseClient.builder(url).requestTimeout(Duration.ofSeconds(timeoutSeconds));
    if (tokenFile != null) {
      b.token(firstToken(tokenFile));
    }
    if (caCert != null) {
      b.sslContext(EdgewiseClient.trusting(caCert));
    }
    if (!bytes.isEmpty()) {
      if (!inputs.isEmpty()) {
        throw Main.usage(spec, "--bytes and --input do not go together (a model takes BYTES or numeric tensors)");
      }
      try (EdgewiseClient client = b.build()) {
        return inferBytes(client);
      }
    }
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    Map<String, Tensor> outputs = Map.of();
    try (EdgewiseClient client = b.build()) {
      String source;
      if (!inputs.isEmpty()) {
        source = inputs.readInto(feeds);
      } else {
        for (EdgewiseClient.TensorMetadata t : client.modelInputs(model, version)) {
          if (t.datatype().equals(V2Bytes.DATATYPE)) {
            throw Main.usage(spec, "model " + model + " takes the BYTES input '" + t.name() + "': give --bytes "
                + t.name() + "=FILE (random BYTES would mean nothing to it)");
          }
          feeds.put(t.name(), RandomInputs.of(t, 42));
        }
        source = "random (seed 42; variable dimensions set to 1)";
      }
      long t0 = System.nanoTime();
      outputs = client.infer(model, version, feeds, !jsonData);
      double ms = (System.nanoTime() - t0) / 1e6;
      print(source, outputs, ms);
      output.write(outputs);
      return 0;
    } finally {
      feeds.values().forEach(Tensor::close);
      outputs.values().forEach(Tensor::close);
    }
  }

  private void print(String source, Map<String, Tensor> outputs, double ms) {
    PrintWriter out = spec.commandLine().getOut();
    out.println("model:   " + model + (version == null ? "" : " version " + version) + " at " + url);
    out.println("inputs:  " + source);
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      Tensor t = e.getValue();
      out.printf("output:  %s %s%s%n", e.getKey(), V2Datatype.name(t.dtype()), t.shape());
      for (TopK.Entry top : TopK.ofClassifier(t, 5)) {
        out.printf("           class %5d  %.6g%n", top.index(), top.value());
      }
    }
    out.printf("timing:  measured round trip %.3f ms (1 request, %s tensors)%n", ms, jsonData ? "JSON" : "binary");
  }

  /** The --bytes inputs (one element per file, in order), sent; each BYTES output element printed as text. */
  private int inferBytes(EdgewiseClient client) {
    Map<String, List<byte[]>> elements = new LinkedHashMap<>();
    for (String arg : bytes) {
      int eq = arg.indexOf('=');
      if (eq <= 0 || eq == arg.length() - 1) {
        throw Main.usage(spec, "--bytes takes NAME=FILE, got " + arg);
      }
      Path file = Path.of(arg.substring(eq + 1));
      try {
        elements.computeIfAbsent(arg.substring(0, eq), k -> new ArrayList<>()).add(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, file + ": cannot read: " + e.getMessage(),
            e);
      }
    }
    Map<String, BytesTensor> feeds = new LinkedHashMap<>();
    elements.forEach((name, list) -> feeds.put(name, BytesTensor.of(list)));
    long t0 = System.nanoTime();
    Map<String, BytesTensor> outputs = client.inferBytes(model, version, feeds, !jsonData);
    double ms = (System.nanoTime() - t0) / 1e6;
    PrintWriter out = spec.commandLine().getOut();
    out.println("model:   " + model + (version == null ? "" : " version " + version) + " at " + url);
    feeds.forEach((name, t) -> out.println("inputs:  " + name + " BYTES" + Arrays.toString(t.shape()) + " from "
        + bytes.stream().filter(a -> a.startsWith(name + "=")).map(a -> a.substring(name.length() + 1)).toList()));
    for (Map.Entry<String, BytesTensor> e : outputs.entrySet()) {
      out.println("output:  " + e.getKey() + " BYTES" + Arrays.toString(e.getValue().shape()));
      for (int i = 0; i < e.getValue().elements().size(); i++) {
        out.println(e.getValue().string(i));
      }
    }
    out.printf("timing:  measured round trip %.3f ms (1 request, %s)%n", ms, jsonData ? "JSON" : "binary");
    return 0;
  }

  private static String firstToken(Path file) {
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String s = line.strip();
        if (!s.isEmpty() && !s.startsWith("#")) {
          return s;
        }
      }
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, tokenFile(file) + ": " + e.getMessage(), e);
    }
    throw EdgewiseException.invalidArgument(file + ": the token file holds no token");
  }

  private static String tokenFile(Path f) {
    return "cannot read the token file " + f;
  }
}
