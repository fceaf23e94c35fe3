package io.edgewise;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Finds an item of a list by its name: a served group's variant, a ladder's level, a model's input. A name that is
 * not there is one INVALID_ARGUMENT line naming where it was looked for, what, the name asked for and the names there
 * are: {@code model group digits has no variant 'medium' (variants: [big, small])}. The name asked for often comes from
 * a request, so the message shows it {@link #clip clipped}.
 */
public final class ByName {
  /** The most characters of a requested name an error message repeats. */
  public static final int CLIP = 64;

  private ByName() {}

  /**
   * The index of the first item named {@code name}, or -1. A loop, not a stream: sessions look each input up on every
   * run.
   */
  public static <T> int indexOf(List<T> items, Function<? super T, String> nameOf, String name) {
    for (int i = 0; i < items.size(); i++) {
      if (nameOf.apply(items.get(i)).equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The index of the first item named {@code name}; none is INVALID_ARGUMENT
   * "{@code where} has no {@code what} 'name' ({@code what}s: [the items' names])".
   *
   * @param where what holds the items, as the message names it: "model group digits", a model's label
   * @param what what one item is: "variant", "level", "input"
   */
  public static <T> int require(List<T> items, Function<? super T, String> nameOf, String name, String where,
      String what) {
    int i = indexOf(items, nameOf, name);
    if (i < 0) {
      List<String> names = new ArrayList<>(items.size());
      items.forEach(item -> names.add(nameOf.apply(item)));
      throw EdgewiseException.invalidArgument(where + " has no " + what + " '" + clip(name) + "' (" + what + "s: "
          + names + ")");
    }
    return i;
  }

  /**
   * Text from a request echoed in an error, kept to one short line: its first {@value #CLIP} characters (then "..."),
   * control characters escaped as Java writes them, so an error never grows with the request nor breaks a log line.
   */
  public static String clip(String s) {
    String t = s.length() > CLIP ? s.substring(0, CLIP) + "..." : s;
    StringBuilder b = new StringBuilder(t.length());
    t.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }
}
