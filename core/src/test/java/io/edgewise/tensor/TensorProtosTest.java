package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NativeLeakGuard.class)
class TensorProtosTest {
  @Test
  void readsSharedTestInputMatchingTheRawFloatFile() throws Exception {
    Path pb = TestData.model("resnet18").resolve("test_data_set_0/input_0.pb");
    try (Tensor t = TensorProtos.readFile(pb)) {
      assertEquals(DType.FLOAT32, t.dtype());
      assertEquals(Shape.of(1, 3, 224, 224), t.shape());
      float[] values = t.toFloatArray();
      // an independent decoding of the same bytes: the last 4*N bytes of the file are the raw little-endian data
      byte[] file = Files.readAllBytes(pb);
      ByteBuffer tail = ByteBuffer.wrap(file, file.length - values.length * 4, values.length * 4)
          .order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < values.length; i += 997) {
        assertEquals(tail.getFloat(i * 4 + file.length - values.length * 4), values[i]);
      }
    }
  }

  @Test
  void typedFieldsDecode() {
    TensorProto ints = TensorProto.newBuilder().setName("i").setDataType(7).addDims(3)
        .addInt64Data(-1).addInt64Data(0).addInt64Data(Long.MAX_VALUE).build();
    try (Tensor t = TensorProtos.fromProto(ints, null, "test")) {
      assertArrayEquals(new long[] {-1, 0, Long.MAX_VALUE}, t.toLongArray());
    }
    TensorProto bools = TensorProto.newBuilder().setDataType(9).addDims(2).addInt32Data(1).addInt32Data(0).build();
    try (Tensor t = TensorProtos.fromProto(bools, null, "test")) {
      assertEquals(DType.BOOL, t.dtype());
      assertArrayEquals(new long[] {1, 0}, t.toLongArray());
    }
    TensorProto halves = TensorProto.newBuilder().setDataType(10).addDims(1).addInt32Data(0x3c00).build();
    try (Tensor t = TensorProtos.fromProto(halves, null, "test")) {
      assertEquals(1.0, t.getDouble(0));
    }
  }

  @Test
  void roundTripsThroughRawData(@TempDir Path dir) {
    try (Tensor t = Tensor.ofDoubles(DType.INT16, Shape.of(2, 2), 1, -2, 3, -32768)) {
      Path f = dir.resolve("t.pb");
      TensorProtos.writeFile(t, "x", f);
      try (Tensor back = TensorProtos.readFile(f)) {
        assertEquals(t.shape(), back.shape());
        assertArrayEquals(t.toLongArray(), back.toLongArray());
      }
    }
  }

  @Test
  void errorsNameTheTensorAndField(@TempDir Path dir) throws Exception {
    TensorProto shortRaw = TensorProto.newBuilder().setName("w").setDataType(1).addDims(4)
        .setRawData(ByteString.copyFrom(new byte[12])).build();
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> TensorProtos.fromProto(shortRaw, null, "f"));
    assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("raw_data"), e.getMessage());

    TensorProto bf16 = TensorProto.newBuilder().setName("b").setDataType(16).addDims(1).build();
    e = assertThrows(EdgewiseException.class, () -> TensorProtos.fromProto(bf16, null, "f"));
    assertEquals(EdgewiseException.ErrorCode.UNSUPPORTED_TYPE, e.code());
    assertTrue(e.getMessage().contains("BFLOAT16"), e.getMessage());

    TensorProto escape = TensorProto.newBuilder().setName("x").setDataType(1).addDims(1)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("location")
            .setValue("../../etc/passwd")).build();
    e = assertThrows(EdgewiseException.class, () -> TensorProtos.fromProto(escape, dir, "f"));
    assertTrue(e.getMessage().contains("outside"), e.getMessage());

    Path garbage = dir.resolve("bad.pb");
    Files.write(garbage, new byte[] {(byte) 0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f, 1});
    e = assertThrows(EdgewiseException.class, () -> TensorProtos.readFile(garbage));
    assertTrue(e.getMessage().contains("bad.pb") && e.getMessage().contains("byte offset"), e.getMessage());

    e = assertThrows(EdgewiseException.class, () -> TensorProtos.readFile(dir.resolve("missing.pb")));
    assertEquals(EdgewiseException.ErrorCode.NOT_FOUND, e.code());
  }
}
