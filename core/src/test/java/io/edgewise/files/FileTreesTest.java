package io.edgewise.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir
  Path tmp;

  /** A tree with a nested file and a link out of it to a file that must survive. */
  private Path tree(Path keep) throws IOException {
    Path root = tmp.resolve("tree");
    Files.createDirectories(root.resolve("a/b"));
    Files.writeString(root.resolve("a/b/c.txt"), "c");
    Files.writeString(root.resolve("top.txt"), "t");
    Files.createSymbolicLink(root.resolve("a/link"), keep);
    return root;
  }

  @Test
  void bothFormsRemoveTheTreeButNotWhatItsLinksPointToAndIgnoreAMissingOne() throws IOException {
    Path keep = Files.writeString(tmp.resolve("keep.txt"), "k");
    for (Consumer<Path> delete : List.<Consumer<Path>>of(FileTrees::delete, FileTrees::deleteQuietly)) {
      Path root = tree(keep);
      delete.accept(root);
      assertFalse(Files.exists(root));
      assertEquals("k", Files.readString(keep));
      delete.accept(root);  // nothing there: nothing to do
    }
  }

  @Test
  void whatCannotBeDeletedIsAnErrorOnlyForTheStrictForm() throws IOException {
    Path root = tmp.resolve("locked");
    Files.createDirectories(root.resolve("sub"));
    Files.writeString(root.resolve("sub/f.txt"), "f");
    assertTrue(root.resolve("sub").toFile().setWritable(false));
    try {
      // root ignores permissions: nothing here can fail to delete, so the case is skipped, not passed
      assumeFalse(Files.isWritable(root.resolve("sub")), "running as root: a read-only directory is still writable");
      FileTrees.deleteQuietly(root);  // best effort: no exception, the locked file stays
      assertTrue(Files.exists(root.resolve("sub/f.txt")));
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> FileTrees.delete(root));
      assertEquals(EdgewiseException.ErrorCode.IO, e.code());
      assertTrue(e.getMessage().contains(root.toString()), e.getMessage());
    } finally {
      root.resolve("sub").toFile().setWritable(true);
    }
  }
}
