package io.edgewise.tensor;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads files on behalf of a model (the model file, its external data, its config) only from inside an allowed root
 * directory: a serve repository, or a bare model's own directory.
 *
 * <p>How a file is opened:
 * <ol>
 *   <li>the path is first checked as text ({@code ..} and absolute paths that leave the root are refused),</li>
 *   <li>then by its real path (every symbolic link resolved): it must lie inside the root's real path and be a
 *       regular file with exactly one link (see below),</li>
 *   <li>then it is opened component by component from the root's directory with O_NOFOLLOW semantics (through
 *       {@link SecureDirectoryStream}, i.e. openat with O_NOFOLLOW on each directory and on the file), so that a
 *       directory or the file swapped for a symbolic link between the check and the open fails the open,</li>
 *   <li>and the opened file's identity ({@link BasicFileAttributes#fileKey()}: device and inode) must be the one
 *       that was checked, before and after the open.</li>
 * </ol>
 *
 * <p>Hard links: a hard link is a second name of the same file, and its path cannot be told apart from any other
 * file's. A hard link placed in the root to a file outside it therefore passes every path check, so files with more
 * than one link are refused ("has N hard links"). That also refuses hard links between two files that are both
 * inside the root (copy such files instead). Linux's {@code fs.protected_hardlinks=1} (the default on most
 * distributions) further stops users from hard-linking files they cannot read and write.
 */
public final class ConfinedFiles {
  private ConfinedFiles() {}

  /** A file opened inside the root; close it. */
  public static final class Opened implements AutoCloseable {
    private final SeekableByteChannel channel;
    private final Path real;
    private final long size;

    private Opened(SeekableByteChannel channel, Path real, long size) {
      this.channel = channel;
      this.real = real;
      this.size = size;
    }

    /** The file's real path. */
    public Path realPath() {
      return real;
    }

    /** Its size when opened. */
    public long size() {
      return size;
    }

    /** Reads exactly length bytes at offset; an I/O error or a short file throws {@link IOException}. */
    public byte[] read(long offset, int length) throws IOException {
      byte[] out = new byte[length];
      ByteBuffer b = ByteBuffer.wrap(out);
      channel.position(offset);
      while (b.hasRemaining()) {
        if (channel.read(b) < 0) {
          throw new IOException(real + ": the file ended after " + b.position() + " of " + length + " bytes");
        }
      }
      return out;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * The real path of file (relative paths are resolved against root), which must lie inside root's real path and be
   * a regular file with a single link. Throws {@link ErrorCode#NOT_FOUND} when it does not exist and
   * {@link ErrorCode#INVALID_ARGUMENT} (or {@code outsideCode}) when it lies outside, is a link to outside, or is
   * not a plain file. what names the file in messages (for instance "tensor 'w' field external_data.location").
   */
  public static Path realPathInside(Path root, Path file, ErrorCode outsideCode, String what) {
    Path rootReal = realRoot(root, what);
    return checked(rootReal, file, outsideCode, what).real;
  }

  /**
   * Opens file for reading after the checks the class describes. The caller closes the result.
   */
  public static Opened open(Path root, Path file, ErrorCode outsideCode, String what) {
    Path rootReal = realRoot(root, what);
    Checked c = checked(rootReal, file, outsideCode, what);
    try {
      return openNoFollow(rootReal, c, outsideCode, what);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, what + ": " + c.real + " disappeared while being opened", e);
    } catch (FileSystemException e) {
      // ELOOP from O_NOFOLLOW: a component became a symbolic link after the check
      throw new EdgewiseException(outsideCode, what + ": " + c.real + " changed while being opened (" + e.getReason()
          + "); refused", e);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, what + ": cannot read " + c.real + ": " + e.getMessage(), e);
    }
  }

  /** Reads a whole file of at most maxBytes that must lie inside root (see the class). */
  public static byte[] readAll(Path root, Path file, long maxBytes, ErrorCode outsideCode, String what) {
    try (Opened o = open(root, file, outsideCode, what)) {
      if (o.size() > maxBytes) {
        throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, what + ": " + o.realPath() + " has " + o.size()
            + " bytes, more than the limit of " + maxBytes);
      }
      return o.read(0, (int) o.size());
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, what + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Path realRoot(Path root, String what) {
    try {
      return root.toRealPath();
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, what + ": the directory " + root + " does not exist", e);
    }
  }

  private record Checked(Path real, Object fileKey) {}

  private static Checked checked(Path rootReal, Path file, ErrorCode outsideCode, String what) {
    Path abs = rootReal.resolve(file);  // an absolute file stays as it is
    // the text first: '..' and absolute paths that leave the root, refused before anything is touched
    if (!abs.normalize().startsWith(rootReal)) {
      throw new EdgewiseException(outsideCode, what + ": '" + file + "' points outside " + rootReal + "; refused");
    }
    Path real;
    try {
      real = abs.toRealPath();
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, what + ": " + file + ": no such file", e);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, what + ": " + file + ": cannot resolve: " + e.getMessage(), e);
    }
    if (!real.startsWith(rootReal) || real.equals(rootReal)) {
      throw new EdgewiseException(outsideCode, what + ": '" + file + "' resolves to " + real + ", outside "
          + rootReal + " (a symbolic link out of the directory); refused");
    }
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, what + ": " + real + ": " + e.getMessage(), e);
    }
    if (!a.isRegularFile()) {
      throw new EdgewiseException(outsideCode, what + ": " + real + " is not a regular file; refused");
    }
    int links = linkCount(real);
    if (links > 1) {
      throw new EdgewiseException(outsideCode, what + ": " + real + " has " + links + " hard links; a hard link "
          + "may be a file outside " + rootReal + " under a second name, so it is refused (copy the file instead)");
    }
    return new Checked(real, a.fileKey());
  }

  /** The link count where the file system reports one ("unix:nlink"); 1 where it cannot say. */
  private static int linkCount(Path real) {
    try {
      Object n = Files.getAttribute(real, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
      return n instanceof Integer i ? i : 1;
    } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
      return 1;
    }
  }

  private static Opened openNoFollow(Path rootReal, Checked c, ErrorCode outsideCode, String what)
      throws IOException {
    Path rel = rootReal.relativize(c.real);
    try (DirectoryStream<Path> top = Files.newDirectoryStream(rootReal)) {
      if (!(top instanceof SecureDirectoryStream<Path> dir)) {
        return openByPath(c, what, outsideCode);
      }
      SecureDirectoryStream<Path> current = dir;
      List<SecureDirectoryStream<Path>> opened = new ArrayList<>();
      try {
        for (int i = 0; i < rel.getNameCount() - 1; i++) {
          current = current.newDirectoryStream(rel.getName(i), LinkOption.NOFOLLOW_LINKS);
          opened.add(current);
        }
        Path name = rel.getFileName();
        BasicFileAttributeView view = current.getFileAttributeView(name, BasicFileAttributeView.class,
            LinkOption.NOFOLLOW_LINKS);
        identical(c, view.readAttributes(), outsideCode, what);
        SeekableByteChannel ch = current.newByteChannel(name, Set.of(StandardOpenOption.READ,
            LinkOption.NOFOLLOW_LINKS));
        try {
          BasicFileAttributes after = view.readAttributes();
          identical(c, after, outsideCode, what);
          return new Opened(ch, c.real, ch.size());
        } catch (RuntimeException | IOException e) {
          ch.close();
          throw e;
        }
      } finally {
        for (SecureDirectoryStream<Path> s : opened) {
          s.close();
        }
      }
    }
  }

  /** Where the platform has no openat: the real path opened with O_NOFOLLOW, its identity checked around it. */
  private static Opened openByPath(Checked c, String what, ErrorCode outsideCode) throws IOException {
    SeekableByteChannel ch = Files.newByteChannel(c.real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    try {
      identical(c, Files.readAttributes(c.real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS), outsideCode,
          what);
      return new Opened(ch, c.real, ch.size());
    } catch (RuntimeException | IOException e) {
      ch.close();
      throw e;
    }
  }

  private static void identical(Checked c, BasicFileAttributes a, ErrorCode outsideCode, String what) {
    if (!a.isRegularFile() || (c.fileKey != null && !Objects.equals(c.fileKey, a.fileKey()))) {
      throw new EdgewiseException(outsideCode, what + ": " + c.real + " was replaced while being opened; refused");
    }
  }
}
