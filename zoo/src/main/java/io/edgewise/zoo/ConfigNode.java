package io.edgewise.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One node of a tailoring config with its dotted path and file, so that every error names the field and the file
 * in one line ("digits.yaml: field 'data.metric': ..."). Also handed to evaluator providers for their data sections.
 */
public final class ConfigNode {
  private final JsonNode node;
  private final String path;
  private final Path file;

  public ConfigNode(JsonNode node, String path, Path file) {
    this.node = node;
    this.path = path;
    this.file = file;
  }

  public JsonNode json() {
    return node;
  }

  public String path() {
    return path;
  }

  public Path file() {
    return file;
  }

  public boolean isMissing() {
    return node == null || node.isNull() || node.isMissingNode();
  }

  /** The error for this field: file and field named, one line. */
  public EdgewiseException error(String what) {
    return EdgewiseException.invalidArgument(file + ": field '" + path + "': " + what);
  }

  private String childPath(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  public ConfigNode get(String name) {
    return new ConfigNode(node == null ? null : node.get(name), childPath(name), file);
  }

  public ConfigNode required(String name) {
    ConfigNode c = get(name);
    if (c.isMissing()) {
      throw c.error("is required");
    }
    return c;
  }

  public String text() {
    if (isMissing() || !node.isValueNode() || node.asText().isBlank()) {
      throw error("must be a non-empty string, got " + (isMissing() ? "nothing" : node));
    }
    return node.asText();
  }

  public String text(String name, String absent) {
    ConfigNode c = get(name);
    return c.isMissing() ? absent : c.text();
  }

  public Path pathValue() {
    return Path.of(text());
  }

  public int integer(String name, int absent, int min, int max) {
    ConfigNode c = get(name);
    if (c.isMissing()) {
      return absent;
    }
    if (!c.node.canConvertToInt() || !c.node.isIntegralNumber() || c.node.asInt() < min || c.node.asInt() > max) {
      throw c.error("must be an integer in [" + min + ", " + max + "], got " + c.node);
    }
    return c.node.asInt();
  }

  public double number(String name, double absent, double min, double max) {
    ConfigNode c = get(name);
    if (c.isMissing()) {
      return absent;
    }
    return c.number(min, max);
  }

  public double number(double min, double max) {
    if (isMissing() || !node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
      throw error("must be a number in [" + min + ", " + max + "], got " + (isMissing() ? "nothing" : node));
    }
    return node.asDouble();
  }

  /** The elements of a list; a single value counts as a list of one. */
  public List<ConfigNode> list() {
    List<ConfigNode> out = new ArrayList<>();
    if (isMissing()) {
      return out;
    }
    if (!node.isArray()) {
      throw error("must be a list, got " + node);
    }
    for (int i = 0; i < node.size(); i++) {
      out.add(new ConfigNode(node.get(i), path + "[" + i + "]", file));
    }
    return out;
  }

  /** The field names of a mapping. */
  public List<String> fieldNames() {
    if (isMissing() || !node.isObject()) {
      throw error("must be a mapping, got " + (isMissing() ? "nothing" : node));
    }
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  /** Refuses fields outside {@code known}: a misspelt key is an error, not silently ignored. */
  public void onlyFields(String... known) {
    List<String> allowed = List.of(known);
    for (String f : fieldNames()) {
      if (!allowed.contains(f)) {
        throw get(f).error("unknown field (expected one of " + String.join(", ", allowed) + ")");
      }
    }
  }
}
