package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.CtcDecoder;
import io.edgewise.apps.ocr.DbPostprocess;
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

  /** A 40x20 map of a 160x60 page (scale 4 across, 3 down) with one bright 24x6 bar and one faint blob. */
  private static float[] twoRegionMap() {
    float[] map = new float[40 * 20];
    for (int y = 5; y < 11; y++) {
      for (int x = 8; x < 32; x++) {
        map[y * 40 + x] = 0.9f;
      }
    }
    for (int y = 14; y < 18; y++) {
      for (int x = 2; x < 6; x++) {
        map[y * 40 + x] = 0.4f;  // over the binarisation threshold, under the box threshold: no box
      }
    }
    return map;
  }

  @Test
  void dbBoxesAreTheAppsPostprocessingOfTheMapPackedExactly() {
    float[] map = twoRegionMap();
    DbPostprocess.BoxRequest req = new DbPostprocess.BoxRequest(160, 60, DbPostprocess.Params.defaults());
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("sigmoid_0.tmp_0", Tensor.ofFloats(Shape.of(1, 1, 20, 40), map));
    Tensor original = outs.get("sigmoid_0.tmp_0");
    Map<String, Tensor> reduced = OutputReduction.DB_BOXES.apply(outs, req);
    try {
      assertEquals(List.of("sigmoid_0.tmp_0" + DbPostprocess.BOXES_SUFFIX), List.copyOf(reduced.keySet()));
      Tensor boxes = reduced.get("sigmoid_0.tmp_0" + DbPostprocess.BOXES_SUFFIX);
      assertEquals(DType.FLOAT64, boxes.dtype());
      List<DbPostprocess.Detection> expected = DbPostprocess.run(map, 40, 20, 160, 60, req.params());
      assertEquals(1, expected.size(), "the faint blob scores under the box threshold: " + expected);
      assertEquals(Shape.of(1, 9), boxes.shape());
      assertEquals(expected, DbPostprocess.unpack(boxes.toDoubleArray()));
      // the bar spans map x 8..31, y 5..10: on the page, x about 32..128 and y about 15..33 before unclipping
      double[] b = expected.get(0).quad().bounds();
      assertTrue(b[0] < 32 && b[2] > 124 && b[1] < 15 && b[3] > 31 && b[2] <= 160 && b[3] <= 60,
          java.util.Arrays.toString(b));
      assertEquals(0.9, expected.get(0).score(), 1e-6);
      assertTrue(original.isClosed(), "the map it replaced is closed");
    } finally {
      reduced.values().forEach(Tensor::close);
    }
  }

  @Test
  void dbBoxesNeedAMapAndTheirOptionsOrAreOneError() {
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("scores", Tensor.ofFloats(Shape.of(2, 3, 4), new float[24]));
    Tensor t = outs.get("scores");
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> OutputReduction.DB_BOXES.apply(outs,
        new DbPostprocess.BoxRequest(10, 10, DbPostprocess.Params.defaults())));
    assertEquals(1, e.getMessage().lines().count());
    assertTrue(e.getMessage().contains("scores") && e.getMessage().contains("[1, 1, H, W]"), e.getMessage());
    assertTrue(t.isClosed());
    Map<String, Tensor> map = new LinkedHashMap<>(Map.of("m", Tensor.ofFloats(Shape.of(1, 1, 1, 1), 1f)));
    Tensor m = map.get("m");
    e = assertThrows(EdgewiseException.class, () -> OutputReduction.DB_BOXES.apply(map));
    assertTrue(e.getMessage().contains("box options"), e.getMessage());
    assertTrue(m.isClosed());
    try (Tensor x = Tensor.ofFloats(Shape.of(1), 1f)) {
      e = assertThrows(EdgewiseException.class, () -> new PartialInfer("h", 0, TensorEncoding.FP32, List.of(),
          Map.of("x", x), TensorEncoding.FP32, OutputReduction.DB_BOXES));
      assertTrue(e.getMessage().contains("DB_BOXES"), e.getMessage());
    }
  }

  @Test
  void dbBoxOptionsRoundTripAfterTheReductionByteAndOldRequestsAreUnchanged() {
    DbPostprocess.BoxRequest req = new DbPostprocess.BoxRequest(640, 480,
        new DbPostprocess.Params(0.25, 0.55, 1.75, 321));
    try (Tensor x = Tensor.ofFloats(Shape.of(2), 1f, 2f)) {
      Map<String, Tensor> in = Map.of("x", x);
      byte[] plain = bytes(new PartialInfer("h", 10, TensorEncoding.FP32, List.of(), in, TensorEncoding.FP32));
      byte[] db = bytes(new PartialInfer("h", 10, TensorEncoding.FP32, List.of(), in, TensorEncoding.FP32,
          OutputReduction.DB_BOXES, req));
      // the reduction byte, then version, three f64 and three u32
      assertEquals(plain.length + 1 + 1 + 24 + 12, db.length);
      assertArrayEquals(plain, java.util.Arrays.copyOf(withLength(db, plain.length), plain.length));
      try (PeerFrame f = PeerCodecTest.roundTrip(new PeerFrame(5, new PartialInfer("h", 10, TensorEncoding.FP32,
          List.of(), in, TensorEncoding.FP32, OutputReduction.DB_BOXES, req)))) {
        PartialInfer p = (PartialInfer) f.message();
        assertEquals(OutputReduction.DB_BOXES, p.reduction());
        assertEquals(req, p.boxes());
      }
    }
  }

  @Test
  void badDbBoxOptionsAreABadFrameNamingTheField() {
    DbPostprocess.Params ok = DbPostprocess.Params.defaults();
    Object[][] cases = {
        {new DbPostprocess.BoxRequest(640, 480, new DbPostprocess.Params(1.5, 0.6, 1.5, 1000)), "threshold 1.5"},
        {new DbPostprocess.BoxRequest(640, 480, new DbPostprocess.Params(0.3, Double.NaN, 1.5, 1000)),
            "boxThreshold NaN"},
        {new DbPostprocess.BoxRequest(640, 480, new DbPostprocess.Params(0.3, 0.6, -1, 1000)), "unclipRatio -1.0"},
        {new DbPostprocess.BoxRequest(640, 480, new DbPostprocess.Params(0.3, 0.6, 1.5, 0)), "maxCandidates 0"},
        {new DbPostprocess.BoxRequest(640, 480, new DbPostprocess.Params(0.3, 0.6, 1.5, -1)),
            "maxCandidates 4294967295"},
        {new DbPostprocess.BoxRequest(0, 480, ok), "pageWidth 0"},
        {new DbPostprocess.BoxRequest(640, 70_000, ok), "pageHeight 70000"},
    };
    try (Tensor x = Tensor.ofFloats(Shape.of(2), 1f, 2f)) {
      for (Object[] c : cases) {
        byte[] frame = bytes(new PartialInfer("h", 10, TensorEncoding.FP32, List.of(), Map.of("x", x),
            TensorEncoding.FP32, OutputReduction.DB_BOXES, (DbPostprocess.BoxRequest) c[0]));
        PeerException e = decodeFails(frame);
        assertEquals(PeerErrorCode.BAD_FRAME, e.peerCode());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().contains("DB box options: " + c[1]), e.getMessage());
      }
      byte[] good = bytes(new PartialInfer("h", 10, TensorEncoding.FP32, List.of(), Map.of("x", x),
          TensorEncoding.FP32, OutputReduction.DB_BOXES, new DbPostprocess.BoxRequest(640, 480, ok)));
      // an options version this peer does not know: refused, naming it (37 bytes of options end the frame)
      byte[] v2 = good.clone();
      v2[v2.length - 37] = 2;
      assertTrue(decodeFails(v2).getMessage().contains("DB box options version 2"));
      // options cut short: a bad frame, not a crash
      PeerException cut = decodeFails(withLength(good, good.length - 5));
      assertEquals(PeerErrorCode.BAD_FRAME, cut.peerCode());
      assertTrue(cut.getMessage().contains("DB box options"), cut.getMessage());
    }
  }

  /** The frame decoded (its u32 length skipped): the exception it must throw. */
  private static PeerException decodeFails(byte[] frame) {
    ByteBuf buf = Unpooled.wrappedBuffer(frame);
    buf.readInt();
    return assertThrows(PeerException.class, () -> PeerCodec.decode(buf, PeerLimits.defaults()));
  }

  /** The first n bytes of a frame with its length prefix rewritten to match. */
  private static byte[] withLength(byte[] frame, int n) {
    byte[] out = java.util.Arrays.copyOf(frame, n);
    java.nio.ByteBuffer.wrap(out).putInt(0, n - 4);
    return out;
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
