package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.CtcDecoder;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The peer's output reduction against hand-written best paths, and its place on the wire: an optional trailing byte
 * of PARTIAL_INFER, absent for requests without one (so they are the bytes they always were).
 */
class OutputReductionTest {
  @Test
  void ctcBestPathIsEachStepsMostLikelyClassAndItsProbability() {
    // [2 items, 3 steps, 4 classes]; item 1 step 2 ties classes 1 and 3: the lower wins, as in CtcDecoder.decode
    float[] scores = {
        0.1f, 0.7f, 0.1f, 0.1f, /**/ 0.6f, 0.2f, 0.1f, 0.1f, /**/ 0.0f, 0.0f, 0.0f, 1.0f,
        0.2f, 0.2f, 0.5f, 0.1f, /**/ 0.3f, 0.3f, 0.1f, 0.3f, /**/ 0.1f, 0.4f, 0.1f, 0.4f};
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("softmax", Tensor.ofFloats(Shape.of(2, 3, 4), scores));
    Tensor original = outs.get("softmax");
    Map<String, Tensor> reduced = OutputReduction.CTC_BEST_PATH.apply(outs);
    try {
      assertEquals(List.of("softmax" + CtcDecoder.BEST_CLASS_SUFFIX, "softmax" + CtcDecoder.BEST_PROB_SUFFIX),
          List.copyOf(reduced.keySet()));
      Tensor cls = reduced.get("softmax" + CtcDecoder.BEST_CLASS_SUFFIX);
      assertEquals(DType.INT32, cls.dtype());
      assertEquals(Shape.of(2, 3), cls.shape());
      assertArrayEquals(new long[] {1, 0, 3, 2, 0, 1}, cls.toLongArray());
      assertArrayEquals(new float[] {0.7f, 0.6f, 1.0f, 0.5f, 0.3f, 0.4f},
          reduced.get("softmax" + CtcDecoder.BEST_PROB_SUFFIX).toFloatArray());
      assertTrue(original.isClosed(), "the scores it replaced are closed");
    } finally {
      reduced.values().forEach(Tensor::close);
    }
    Map<String, Tensor> none = new LinkedHashMap<>(Map.of("y", Tensor.ofFloats(Shape.of(1), 1f)));
    assertEquals(none, OutputReduction.NONE.apply(none));
    none.values().forEach(Tensor::close);
  }

  @Test
  void anOutputWithoutStepsAndClassesIsOneErrorAndNothingLeaks() {
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("map", Tensor.ofFloats(Shape.of(1, 4), 0.1f, 0.2f, 0.3f, 0.4f));
    Tensor t = outs.get("map");
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> OutputReduction.CTC_BEST_PATH.apply(outs));
    assertEquals(1, e.getMessage().lines().count());
    assertTrue(e.getMessage().contains("map"), e.getMessage());
    assertTrue(t.isClosed());
  }

  @Test
  void theReductionIsATrailingByteOnlyWhenAsked() {
    try (Tensor x = Tensor.ofFloats(Shape.of(2), 1f, 2f)) {
      Map<String, Tensor> in = Map.of("x", x);
      byte[] plain = bytes(new PartialInfer("h", 10, TensorEncoding.FP32, List.of(), in, TensorEncoding.FP32));
      byte[] none = bytes(new PartialInfer("h", 10, TensorEncoding.FP32, List.of(), in, TensorEncoding.FP32,
          OutputReduction.NONE));
      byte[] ctc = bytes(new PartialInfer("h", 10, TensorEncoding.FP32, List.of(), in, TensorEncoding.FP32,
          OutputReduction.CTC_BEST_PATH));
      assertArrayEquals(plain, none);
      assertEquals(plain.length + 1, ctc.length);
      try (PeerFrame f = PeerCodecTest.roundTrip(new PeerFrame(3, new PartialInfer("h", 10, TensorEncoding.FP32,
          List.of(), in, TensorEncoding.FP32, OutputReduction.CTC_BEST_PATH)))) {
        assertEquals(OutputReduction.CTC_BEST_PATH, ((PartialInfer) f.message()).reduction());
      }
      try (PeerFrame f = PeerCodecTest.roundTrip(new PeerFrame(4, new PartialInfer("h", 10, TensorEncoding.FP32,
          List.of(), in, TensorEncoding.FP32)))) {
        assertEquals(OutputReduction.NONE, ((PartialInfer) f.message()).reduction());
      }
      // an unknown code: a bad frame naming it
      ctc[ctc.length - 1] = 9;
      ByteBuf buf = Unpooled.wrappedBuffer(ctc);
      buf.readInt();
      PeerException e = assertThrows(PeerException.class, () -> PeerCodec.decode(buf, PeerLimits.defaults()));
      assertEquals(PeerErrorCode.BAD_FRAME, e.peerCode());
      assertTrue(e.getMessage().contains("reduction 9"), e.getMessage());
      assertNull(OutputReduction.fromCode(9));
    }
  }

  private static byte[] bytes(PartialInfer p) {
    ByteBuf buf = Unpooled.buffer();
    try {
      PeerCodec.encode(new PeerFrame(1, p), buf);
      byte[] out = new byte[buf.readableBytes()];
      buf.readBytes(out);
      return out;
    } finally {
      buf.release();
    }
  }
}
