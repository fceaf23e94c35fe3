package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import java.util.Locale;

/**
 * How the repository's models come and go, as Triton's model control modes: NONE (the repository as found at start;
 * no load or unload endpoint), EXPLICIT (nothing loads at start; the repository extension's load and unload
 * endpoints decide) and POLL (the directory is scanned again every interval: new versions appear, removed ones go,
 * a changed file reloads while the old one keeps serving).
 */
public enum ModelControl {
  NONE, EXPLICIT, POLL;

  /** "none", "explicit" or "poll" (any case). */
  public static ModelControl parse(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw EdgewiseException.invalidArgument("model control must be none, explicit or poll, got '" + s + "'");
    }
  }
}
