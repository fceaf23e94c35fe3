package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.peer.PeerMessage.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Serves a fixed list of ONNX files (or directories holding a model.onnx), hashed once at construction. Only
 * these files are ever opened: a hash names a file of the list or nothing.
 */
public final class DirectoryModelResolver implements ModelResolver {
  private final Map<String, Path> byHash = new LinkedHashMap<>();
  private final List<ModelInfo> models = new ArrayList<>();

  public DirectoryModelResolver(List<Path> modelsOrDirectories) {
    for (Path p : modelsOrDirectories) {
      Path file = Files.isDirectory(p) ? p.resolve("model.onnx") : p;
      if (!Files.isRegularFile(file)) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, file + ": no such model file");
      }
      try {
        file = file.toRealPath();  // the operator's choice, links resolved once: later reads are confined to it
      } catch (IOException e) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, file + ": cannot resolve: " + e, e);
      }
      String hash = sha256(file);
      String name = Files.isDirectory(p) ? p.getFileName().toString()
          : file.getFileName().toString().replaceFirst("\\.onnx$", "");
      if (byHash.putIfAbsent(hash, file) == null) {
        models.add(new ModelInfo(name, hash));
      }
    }
  }

  @Override
  public List<ModelInfo> models() {
    return List.copyOf(models);
  }

  @Override
  public Optional<Path> locate(String sha256) {
    return Optional.ofNullable(byHash.get(sha256));
  }

  /** The lower-case hex sha256 of a file: the same value Model.contentHash() gives for the model read from it. */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, file + ": cannot read: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "no SHA-256 in this JVM", e);
    }
  }
}
