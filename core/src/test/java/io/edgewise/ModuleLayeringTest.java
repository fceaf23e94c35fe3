package io.edgewise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md, checked on the sources (a plain scan of imports and poms; the tests run from
 * the repository root): modules are listed lowest first in the parent pom and depend only on modules before them; a
 * module's main code imports only its own packages and those of the modules it depends on; inside edgewise-core the
 * packages keep their own order; and only the CLI and the bench module print to a terminal.
 */
class ModuleLayeringTest {
  private static final Path ROOT = Path.of("");
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.edgewise(?:\\.[a-z]\\w*)*)\\.[A-Z]",
      Pattern.MULTILINE);
  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

  /** Module directories in the parent pom's order: the layer order. */
  private static List<String> modules;
  /** Each module's edgewise-* compile dependencies (directory names). */
  private static final Map<String, Set<String>> DEPENDS = new LinkedHashMap<>();
  /** Which module's main code declares each package. */
  private static final Map<String, String> OWNER = new HashMap<>();

  @BeforeAll
  static void scan() throws IOException {
    modules = MODULE.matcher(Files.readString(ROOT.resolve("pom.xml"))).results().map(m -> m.group(1)).toList();
    assertTrue(modules.contains("core") && modules.contains("cli"), "parent pom lists the modules: " + modules);
    for (String m : modules) {
      Set<String> deps = new LinkedHashSet<>();
      Matcher d = DEPENDENCY.matcher(Files.readString(ROOT.resolve(m).resolve("pom.xml")));
      while (d.find()) {
        String body = d.group(1);
        Matcher a = Pattern.compile("<artifactId>edgewise-([\\w-]+)</artifactId>").matcher(body);
        if (a.find() && !body.contains("<scope>test</scope>")) {
          deps.add(a.group(1));
        }
      }
      DEPENDS.put(m, deps);
      for (Path f : javaFiles(m)) {
        Matcher p = PACKAGE.matcher(Files.readString(f));
        if (p.find()) {
          String previous = OWNER.putIfAbsent(p.group(1), m);
          assertTrue(previous == null || previous.equals(m),
              "package " + p.group(1) + " is split between modules " + previous + " and " + m);
        }
      }
    }
  }

  private static List<Path> javaFiles(String module) throws IOException {
    Path src = ROOT.resolve(module).resolve("src/main/java");
    if (!Files.isDirectory(src)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(src)) {
      return s.filter(f -> f.toString().endsWith(".java")).toList();
    }
  }

  /** The module and every module it depends on, directly or through another. */
  private static Set<String> reachable(String module) {
    Set<String> out = new LinkedHashSet<>();
    List<String> todo = new ArrayList<>(List.of(module));
    while (!todo.isEmpty()) {
      String m = todo.remove(todo.size() - 1);
      if (out.add(m)) {
        todo.addAll(DEPENDS.getOrDefault(m, Set.of()));
      }
    }
    return out;
  }

  @Test
  void modulesDependOnlyOnModulesBelowThem() {
    List<String> wrong = new ArrayList<>();
    for (String m : modules) {
      for (String d : DEPENDS.get(m)) {
        if (!modules.contains(d) || modules.indexOf(d) >= modules.indexOf(m)) {
          wrong.add(m + " -> " + d);
        }
      }
    }
    assertEquals(List.of(), wrong, "a module depends on one listed after it in the parent pom (or unknown)");
  }

  @Test
  void everySourceFileLivesInItsPackagesDirectory() throws IOException {
    Set<String> wrong = new TreeSet<>();
    for (String m : modules) {
      for (Path f : javaFiles(m)) {
        String expected = pkg(f).replace('.', '/') + "/" + f.getFileName();
        if (!f.toString().replace('\\', '/').endsWith("src/main/java/" + expected)) {
          wrong.add(f + " (package " + pkg(f) + ")");
        }
      }
    }
    assertEquals(Set.of(), wrong);
  }

  @Test
  void coreDependsOnNoOtherModule() {
    assertEquals(Set.of(), DEPENDS.get("core"));
  }

  @Test
  void mainCodeImportsOnlyItsModuleAndTheModulesBelow() throws IOException {
    Set<String> wrong = new TreeSet<>();
    for (String m : modules) {
      Set<String> allowed = reachable(m);
      for (Path f : javaFiles(m)) {
        for (String pkg : imports(f)) {
          String owner = OWNER.get(pkg);
          if (owner != null && !allowed.contains(owner)) {
            wrong.add(m + ": " + ROOT.resolve(m).relativize(f) + " imports " + pkg + " (module " + owner + ")");
          }
        }
      }
    }
    assertEquals(Set.of(), wrong);
  }

  /**
   * What the oracle (backend.reference and its ops) may import: plain Java over the tensors, the model and the device
   * SPI (backend, backend.exec), neither the native core nor the cpu device. Its native GEMM is lent to it through
   * BackendOptions.refGemm, only on request.
   */
  private static final Set<String> ORACLE = Set.of("io.edgewise", "io.edgewise.tensor", "io.edgewise.model",
      "io.edgewise.model.shapes", "io.edgewise.backend", "io.edgewise.backend.exec", "io.edgewise.backend.reference",
      "io.edgewise.backend.reference.ops");
  /** Inside edgewise-core, lowest first: what each package may import of io.edgewise (besides itself). */
  private static final Map<String, Set<String>> CORE_PACKAGES = Map.ofEntries(
      Map.entry("io.edgewise", Set.of()),
      Map.entry("io.edgewise.nativecore", Set.of("io.edgewise")),
      Map.entry("io.edgewise.files", Set.of("io.edgewise")),
      Map.entry("io.edgewise.tensor", Set.of("io.edgewise", "io.edgewise.nativecore")),
      Map.entry("io.edgewise.model", Set.of("io.edgewise", "io.edgewise.tensor", "io.edgewise.model.onnx")),
      Map.entry("io.edgewise.model.shapes", Set.of("io.edgewise", "io.edgewise.tensor", "io.edgewise.model")),
      Map.entry("io.edgewise.model.onnx", Set.of("io.edgewise", "io.edgewise.tensor", "io.edgewise.model")),
      Map.entry("io.edgewise.model.passes", Set.of("io.edgewise", "io.edgewise.tensor", "io.edgewise.model",
          "io.edgewise.model.shapes")),
      Map.entry("io.edgewise.backend.reference", ORACLE),
      Map.entry("io.edgewise.backend.reference.ops", ORACLE));

  @Test
  void corePackagesImportOnlyThoseBelowThem() throws IOException {
    Set<String> wrong = new TreeSet<>();
    for (Path f : javaFiles("core")) {
      String pkg = pkg(f);
      Set<String> allowed = CORE_PACKAGES.get(pkg);
      if (allowed == null) {
        continue;  // backend.* and runtime sit on top of these; the module rule covers them
      }
      for (String imported : imports(f)) {
        if (!imported.equals(pkg) && !allowed.contains(imported)) {
          wrong.add(pkg + ": " + f.getFileName() + " imports " + imported);
        }
      }
    }
    assertEquals(Set.of(), wrong);
  }

  /** Nor does the oracle name them in its code, fully qualified, past the import rule. */
  @Test
  void theOracleNeverNamesTheNativeCore() throws IOException {
    Set<String> wrong = new TreeSet<>();
    for (Path f : javaFiles("core")) {
      // package-info states the rule in words; the code is what must not name them
      if (pkg(f).startsWith("io.edgewise.backend.reference") && !f.getFileName().toString().equals("package-info.java")
          && Pattern.compile("io\\.edgewise\\.(nativecore|backend\\.cpu)\\b").matcher(Files.readString(f)).find()) {
        wrong.add(f.getFileName().toString());
      }
    }
    assertEquals(Set.of(), wrong);
  }

  @Test
  void onlyTheCliAndTheBenchmarksPrintToATerminal() throws IOException {
    Set<String> wrong = new TreeSet<>();
    for (String m : modules) {
      if (m.equals("cli") || m.equals("bench")) {
        continue;
      }
      for (Path f : javaFiles(m)) {
        if (Files.readString(f).matches("(?s).*System\\.(out|err)\\b.*")) {
          wrong.add(m + ": " + f.getFileName());
        }
      }
    }
    assertEquals(Set.of(), wrong, "library code logs through SLF4J or returns results; it does not print");
  }

  /** Every package of main code says in its package-info.java what it is for and what it may import. */
  @Test
  void everyPackageHasAPackageInfo() throws IOException {
    Set<String> missing = new TreeSet<>();
    for (String m : modules) {
      Map<Path, String> packages = new LinkedHashMap<>();
      for (Path f : javaFiles(m)) {
        packages.putIfAbsent(f.getParent(), pkg(f));
      }
      packages.forEach((dir, pkg) -> {
        if (!Files.isRegularFile(dir.resolve("package-info.java"))) {
          missing.add(m + ": " + pkg);
        }
      });
    }
    assertEquals(Set.of(), missing, "packages without a package-info.java");
  }

  private static String pkg(Path f) throws IOException {
    Matcher p = PACKAGE.matcher(Files.readString(f));
    return p.find() ? p.group(1) : "";
  }

  private static Set<String> imports(Path f) throws IOException {
    Set<String> out = new TreeSet<>();
    Matcher i = IMPORT.matcher(Files.readString(f));
    while (i.find()) {
      out.add(i.group(1));
    }
    return out;
  }
}
