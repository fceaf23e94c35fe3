package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * External data may only come from the model's own directory: by real path, symbolic links resolved, opened without
 * following links, and never through a second (hard) link. Each escape the issue lists is tried here: a symbolic
 * link to a file outside, a symbolic link to a directory outside, '..' in the location, an absolute location and a
 * hard link. What is not refused is stated too: links that stay inside the directory, and a hard link whose other
 * name is gone (it is then an ordinary file of the directory, indistinguishable from a copy).
 */
@ExtendWith(NativeLeakGuard.class)
class ExternalDataConfinementTest {
  @TempDir
  Path model;

  @TempDir
  Path outside;

  static final float[] INSIDE = {1, 2, 3, 4};
  static final float[] SECRET = {100, 200, 300, 400};

  static byte[] le(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  static TensorProto external(String location) {
    return TensorProto.newBuilder().setName("w").setDataType(1).addDims(4)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location)).build();
  }

  float[] load(String location) {
    try (Tensor t = TensorProtos.fromProto(external(location), model, "m.onnx")) {
      return t.toFloatArray();
    }
  }

  EdgewiseException refused(String location) {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> load(location));
    assertEquals(ErrorCode.INVALID_MODEL, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("external_data"), e.getMessage());
    return e;
  }

  @Test
  void aPlainFileBesideTheModelLoads() throws Exception {
    Files.write(model.resolve("w.bin"), le(INSIDE));
    Files.createDirectories(model.resolve("sub"));
    Files.write(model.resolve("sub/w.bin"), le(INSIDE));
    assertArrayEquals(INSIDE, load("w.bin"));
    assertArrayEquals(INSIDE, load("sub/w.bin"));
    assertArrayEquals(INSIDE, load("sub/../w.bin"));  // '..' that stays inside is fine
  }

  @Test
  void aSymbolicLinkToAFileOutsideIsRefused() throws Exception {
    Path secret = Files.write(outside.resolve("secret.bin"), le(SECRET));
    Files.createSymbolicLink(model.resolve("link.bin"), secret);
    EdgewiseException e = refused("link.bin");
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
  }

  @Test
  void aSymbolicLinkToADirectoryOutsideIsRefused() throws Exception {
    Files.write(outside.resolve("w.bin"), le(SECRET));
    Files.createSymbolicLink(model.resolve("sub"), outside);
    EdgewiseException e = refused("sub/w.bin");
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
  }

  @Test
  void aSymbolicLinkThatStaysInsideLoads() throws Exception {
    Files.write(model.resolve("real.bin"), le(INSIDE));
    Files.createSymbolicLink(model.resolve("link.bin"), Path.of("real.bin"));
    assertArrayEquals(INSIDE, load("link.bin"));
  }

  @Test
  void dotDotAndAbsoluteLocationsAreRefused() throws Exception {
    Path secret = Files.write(outside.resolve("secret.bin"), le(SECRET));
    Path rel = model.relativize(secret);
    assertTrue(rel.toString().startsWith(".."), rel.toString());
    assertTrue(refused(rel.toString()).getMessage().contains("outside"));
    assertTrue(refused("../../../../../../../../etc/passwd").getMessage().contains("outside"));
    assertTrue(refused(secret.toString()).getMessage().contains("absolute"));
    Files.write(model.resolve("w.bin"), le(INSIDE));
    // even an absolute path to a file inside: ONNX locations are relative to the model's directory
    assertTrue(refused(model.resolve("w.bin").toAbsolutePath().toString()).getMessage().contains("absolute"));
    refused("");
    refused("w\0.bin");
  }

  @Test
  void aHardLinkIsRefusedWhileItHasASecondName() throws Exception {
    Path secret = Files.write(outside.resolve("secret.bin"), le(SECRET));
    Path link;
    try {
      link = Files.createLink(model.resolve("hard.bin"), secret);
    } catch (java.io.IOException | UnsupportedOperationException e) {
      org.junit.jupiter.api.Assumptions.abort("no hard links across these temporary directories: " + e);
      return;
    }
    // the path says nothing (it is a plain file in the directory); its link count of 2 does
    EdgewiseException e = refused("hard.bin");
    assertTrue(e.getMessage().contains("2 hard links"), e.getMessage());
    // what is not refused: once the outside name is gone, the file has one link and is the directory's own file
    // (no path or count can tell it from a copy; its bytes are no longer reachable from outside)
    Files.delete(secret);
    assertEquals(1, Files.getAttribute(link, "unix:nlink"));
    assertArrayEquals(SECRET, load("hard.bin"));
  }

  @Test
  void aMissingOrNonRegularFileIsNamed() throws Exception {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> load("absent.bin"));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("absent.bin"), e.getMessage());
    Files.createDirectories(model.resolve("dir.bin"));
    assertTrue(refused("dir.bin").getMessage().contains("not a regular file"));
  }

  @Test
  void confinedFilesReadsOnlyInsideTheRoot() throws Exception {
    Path inside = Files.write(model.resolve("config.json"), "{}".getBytes());
    assertArrayEquals("{}".getBytes(), ConfinedFiles.readAll(model, inside, 100, ErrorCode.INVALID_ARGUMENT, "c"));
    EdgewiseException big = assertThrows(EdgewiseException.class,
        () -> ConfinedFiles.readAll(model, inside, 1, ErrorCode.INVALID_ARGUMENT, "c"));
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, big.code());
    Path secret = Files.write(outside.resolve("s.json"), "{}".getBytes());
    Files.createSymbolicLink(model.resolve("l.json"), secret);
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> ConfinedFiles.readAll(model, model.resolve("l.json"), 100, ErrorCode.INVALID_ARGUMENT, "c"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
    assertEquals(inside.toRealPath(), ConfinedFiles.realPathInside(model, Path.of("config.json"),
        ErrorCode.INVALID_ARGUMENT, "c"));
  }
}
