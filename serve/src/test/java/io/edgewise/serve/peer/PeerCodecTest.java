package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.peer.PeerMessage.Capabilities;
import io.edgewise.serve.peer.PeerMessage.Hello;
import io.edgewise.serve.peer.PeerMessage.ModelInfo;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.serve.peer.PeerMessage.Result;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wire format: round trips, the precision of each tensor encoding against hand-computed bounds, bad frames. */
class PeerCodecTest {
  private static final PeerLimits LIMITS = PeerLimits.defaults();

  /** Encodes, strips the u32 length as the frame decoder does, decodes. */
  static PeerFrame roundTrip(PeerFrame f) {
    ByteBuf buf = Unpooled.buffer();
    try {
      PeerCodec.encode(f, buf);
      assertEquals(buf.readableBytes() - 4, buf.readInt(), "length prefix");
      return PeerCodec.decode(buf, LIMITS);
    } finally {
      buf.release();
    }
  }

  @Test
  void helloAndCapabilitiesRoundTrip() {
    PeerFrame h = roundTrip(new PeerFrame(7, new Hello(1, 3, "tok\u00e9n", "cam-0")));
    assertEquals(7, h.requestId());
    assertEquals(new Hello(1, 3, "tok\u00e9n", "cam-0"), h.message());
    Capabilities c = new Capabilities(1, "srv", "cpu", 8, 1 << 20, List.of(new ModelInfo("m", "ab12")));
    assertEquals(c, roundTrip(new PeerFrame(9, c)).message());
  }

  @Test
  void fp32TensorsAreExactAndOtherTypesKeepTheirType() {
    float[] v = {1.5f, -2.25f, Float.MIN_VALUE, 3e38f, Float.NaN, -0f};
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("x", Tensor.ofFloats(Shape.of(2, 3), v));
    in.put("idx", Tensor.ofLongs(DType.INT64, Shape.of(2), 5, -7));
    try (PeerFrame f = roundTrip(new PeerFrame(1, new PartialInfer("h", 2500, TensorEncoding.FP16, List.of("y"), in,
        TensorEncoding.INT8)))) {
      PartialInfer p = (PartialInfer) f.message();
      assertEquals("h", p.modelHash());
      assertEquals(2500, p.deadlineMicros());
      assertEquals(TensorEncoding.FP16, p.resultEncoding());
      assertEquals(List.of("y"), p.outputs());
      // x travelled as int8 (asked), idx as int64 whatever was asked
      assertEquals(DType.INT64, p.tensors().get("idx").dtype());
      assertArrayEquals(new long[] {5, -7}, p.tensors().get("idx").toLongArray());
    } finally {
      in.values().forEach(Tensor::close);
    }
    try (Tensor x = Tensor.ofFloats(Shape.of(6), v);
        PeerFrame f = roundTrip(new PeerFrame(2, new Result(1, 2, new LinkedHashMap<>(Map.of("x", x.copy())),
            TensorEncoding.FP32)))) {
      float[] back = ((Result) f.message()).outputs().get("x").toFloatArray();
      for (int i = 0; i < v.length; i++) {
        assertEquals(Float.floatToIntBits(v[i]), Float.floatToIntBits(back[i]), "element " + i);
      }
    }
  }

  @Test
  void fp16AndInt8StayWithinTheirErrorBounds() {
    java.util.Random r = new java.util.Random(5);
    float[] v = new float[1000];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) Math.max(-9, Math.min(9, r.nextGaussian() * 3));
    }
    v[17] = 9.5f;  // the largest magnitude: int8 scale = 9.5 / 127
    float scale = 9.5f / 127;
    for (TensorEncoding enc : List.of(TensorEncoding.FP16, TensorEncoding.INT8)) {
      try (Tensor t = Tensor.ofFloats(Shape.of(1000), v);
          PeerFrame f = roundTrip(new PeerFrame(3, new Result(0, 0, new LinkedHashMap<>(Map.of("t", t.copy())),
              enc)))) {
        float[] back = ((Result) f.message()).outputs().get("t").toFloatArray();
        for (int i = 0; i < v.length; i++) {
          double bound = enc == TensorEncoding.FP16 ? Math.abs(v[i]) * 0x1p-11 + 0x1p-25 : scale / 2 * 1.0001;
          assertTrue(Math.abs(back[i] - v[i]) <= bound, enc + " element " + i + ": " + back[i] + " vs " + v[i]);
        }
        assertEquals(9.5f, back[17], enc == TensorEncoding.FP16 ? 0 : 1e-6f, "the max is exact");
      }
    }
    // bytes: int8 is a quarter of fp32 plus the scale
    assertEquals(1000 * 4 - 1000 - 4, size(TensorEncoding.FP32) - size(TensorEncoding.INT8));
    assertEquals(1000 * 2, size(TensorEncoding.FP32) - size(TensorEncoding.FP16));
  }

  private static int size(TensorEncoding enc) {
    ByteBuf buf = Unpooled.buffer();
    try (Tensor t = Tensor.allocate(DType.FLOAT32, Shape.of(1000))) {
      WireTensors.write(buf, "t", t, enc);
      return buf.readableBytes();
    } finally {
      buf.release();
    }
  }

  @Test
  void reuseMessagesRoundTrip() {
    try (Tensor feature = Tensor.ofFloats(Shape.of(4), 0.5f, -1f, 2f, 0.25f);
        PeerFrame f = roundTrip(new PeerFrame(4, new PeerMessage.ReuseLookup("hash", "features.7", feature.copy(),
            TensorEncoding.FP16)))) {
      PeerMessage.ReuseLookup l = (PeerMessage.ReuseLookup) f.message();
      assertEquals("features.7", l.tapPoint());
      assertArrayEquals(feature.toFloatArray(), l.feature().toFloatArray());
    }
    try (PeerFrame f = roundTrip(new PeerFrame(5, new ReuseResult(true, 3, 0.9f, "cam-2",
        new LinkedHashMap<>(Map.of("logits", Tensor.ofFloats(Shape.of(2), 1f, 2f))))))) {
      ReuseResult r = (ReuseResult) f.message();
      assertTrue(r.hit());
      assertEquals(3, r.label());
      assertEquals("cam-2", r.origin());
      assertArrayEquals(new float[] {1f, 2f}, r.results().get("logits").toFloatArray());
    }
  }

  @Test
  void malformedFramesAreTypedErrors() {
    assertEquals(PeerErrorCode.BAD_FRAME, decodeError(new byte[] {1, 2}));                  // short header
    assertEquals(PeerErrorCode.UNSUPPORTED_VERSION, decodeError(new byte[] {9, 8, 0, 0, 0, 0, 0, 0, 0, 1}));
    assertEquals(PeerErrorCode.BAD_FRAME, decodeError(new byte[] {1, 99, 0, 0, 0, 0, 0, 0, 0, 1}));  // type
    assertEquals(PeerErrorCode.BAD_FRAME, decodeError(new byte[] {1, 6, 0, 0, 0, 0, 0, 0, 0, 1, 0})); // trailing
    // a tensor that claims 2^40 elements in a tiny frame: refused before allocating
    ByteBuf b = Unpooled.buffer();
    b.writeByte(1).writeByte(MessageType.RESULT.code()).writeLong(1).writeLong(0).writeLong(0).writeShort(1);
    PeerCodec.writeString(b, "t");
    b.writeByte(0).writeByte(1).writeByte(2).writeLong(1 << 20).writeLong(1 << 20);
    PeerException e = assertThrows(PeerException.class, () -> PeerCodec.decode(b, LIMITS));
    assertEquals(PeerErrorCode.INVALID_ARGUMENT, e.peerCode(), e.getMessage());
    b.release();
  }

  static PeerErrorCode decodeError(byte[] bytes) {
    ByteBuf b = Unpooled.wrappedBuffer(bytes);
    try {
      PeerCodec.decode(b, LIMITS).close();
      return null;
    } catch (PeerException e) {
      return e.peerCode();
    } finally {
      b.release();
    }
  }
}
