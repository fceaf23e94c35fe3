package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.peer.PeerMessage.LevelInfer;
import io.edgewise.serve.peer.PeerMessage.LevelResult;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LEVEL_INFER and LEVEL_RESULT (issue 25) on the wire: round trips, the byte layout, and malformed frames. */
class LevelMessagesTest {
  @Test
  void levelInferRoundTripsWithTheDocumentedLayout() {
    try (Tensor x = Tensor.ofFloats(Shape.of(1, 2), 1.5f, -2f)) {
      LevelInfer m = new LevelInfer("al", 25_000, 1, 4, 0.975, TensorEncoding.FP32, Map.of("x", x),
          TensorEncoding.FP32);
      ByteBuf buf = Unpooled.buffer();
      try {
        PeerCodec.encode(new PeerFrame(3, m), buf);
        buf.readInt();
        int b = buf.readerIndex();
        // header: version 1, type 18, id 3; payload: str "al", u64 25000, u8 1, u8 4, f64 0.975, u8 encoding
        assertEquals(1, buf.getUnsignedByte(b + 0));
        assertEquals(18, buf.getUnsignedByte(b + 1));
        assertEquals(3, buf.getLong(b + 2));
        assertEquals(2, buf.getUnsignedShort(b + 10));
        assertEquals('a', buf.getByte(b + 12));
        assertEquals(25_000, buf.getLong(b + 14));
        assertEquals(1, buf.getUnsignedByte(b + 22));
        assertEquals(4, buf.getUnsignedByte(b + 23));
        assertEquals(0.975, buf.getDouble(b + 24));
        try (PeerFrame f = PeerCodec.decode(buf, PeerLimits.defaults())) {
          LevelInfer d = (LevelInfer) f.message();
          assertEquals("al", d.user());
          assertEquals(25_000, d.deadlineMicros());
          assertEquals(1, d.lowest());
          assertEquals(4, d.highest());
          assertEquals(0.975, d.accuracyWant());
          assertArrayEquals(new float[] {1.5f, -2f}, d.tensors().get("x").toFloatArray());
        }
      } finally {
        buf.release();
      }
    }
  }

  @Test
  void levelResultRoundTrips() {
    try (Tensor y = Tensor.ofFloats(Shape.of(3), 1, 2, 3);
         PeerFrame f = PeerCodecTest.roundTrip(new PeerFrame(5, new LevelResult(2, 700, 1300, Map.of("y", y.copy()),
             TensorEncoding.FP32)))) {
      LevelResult r = (LevelResult) f.message();
      assertEquals(2, r.level());
      assertEquals(700, r.queueMicros());
      assertEquals(1300, r.computeMicros());
      assertArrayEquals(new float[] {1, 2, 3}, r.outputs().get("y").toFloatArray());
    }
  }

  @Test
  void badLevelRangesAreRefused() {
    assertThrows(PeerException.class, () -> new LevelInfer("u", 0, 3, 2, 0.5, TensorEncoding.FP32, Map.of(),
        TensorEncoding.FP32));
    assertThrows(PeerException.class, () -> new LevelInfer("u", 0, 0, 256, 0.5, TensorEncoding.FP32, Map.of(),
        TensorEncoding.FP32));
    // a frame saying lowest 3 > highest 2 is a BAD_FRAME
    ByteBuf buf = Unpooled.buffer();
    try {
      buf.writeByte(1).writeByte(18).writeLong(1).writeShort(0).writeLong(0).writeByte(3).writeByte(2)
          .writeDouble(0.5).writeByte(TensorEncoding.FP32.code()).writeShort(0);
      PeerException e = assertThrows(PeerException.class, () -> PeerCodec.decode(buf, PeerLimits.defaults()));
      assertEquals(PeerErrorCode.BAD_FRAME, e.peerCode());
      assertTrue(e.getMessage().contains("LEVEL_INFER"), e.getMessage());
    } finally {
      buf.release();
    }
  }
}
