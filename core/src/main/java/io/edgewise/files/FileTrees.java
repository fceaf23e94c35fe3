package io.edgewise.files;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Deletes a directory and everything under it, deepest first. Symbolic links are deleted, never followed: a link
 * to a model in ../shared goes, the model stays.
 */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes the tree at dir (nothing when it does not exist); a file that cannot be deleted is an IO
   * EdgewiseException naming the directory. For a directory whose leftovers would be taken for new output.
   */
  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      for (Path p : deepestFirst(dir)) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot delete " + dir + ": " + e, e);
    }
  }

  /**
   * Deletes what it can of the tree at dir and never throws: for a temporary directory in a finally block, where
   * one left behind is harmless and an exception would hide the one in flight.
   */
  public static void deleteQuietly(Path dir) {
    try {
      for (Path p : deepestFirst(dir)) {
        p.toFile().delete();  // false when it cannot: best effort
      }
    } catch (IOException | RuntimeException e) {
      // a temporary directory left behind is harmless
    }
  }

  private static List<Path> deepestFirst(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.sorted(Comparator.reverseOrder()).toList();
    }
  }
}
