package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The OpenCL C sources of kernels/ (packaged in the jar under kernels/), read once per process. */
public final class ClSources {
  private static final Map<String, String> SOURCES = new ConcurrentHashMap<>();

  private ClSources() {}

  /** The text of kernels/{@code file}, e.g. "conv.cl". */
  public static String get(String file) {
    return SOURCES.computeIfAbsent(file, ClSources::read);
  }

  private static String read(String file) {
    try (InputStream in = ClSources.class.getClassLoader().getResourceAsStream("kernels/" + file)) {
      if (in == null) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, "OpenCL kernel source kernels/" + file
            + " is not on the class path (is the jar built from this repository?)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot read kernels/" + file + ": " + e, e);
    }
  }
}
