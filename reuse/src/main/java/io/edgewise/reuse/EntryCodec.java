package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Float16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary layout of an entry's value in LMDB (little-endian): version, feature type, dim, feature; result
 * (label, confidence, tensors); created, compute time, origin. Hit statistics live in the stats table so that a
 * hit rewrites a few dozen bytes, not the whole entry.
 */
final class EntryCodec {
  static final byte VERSION = 1;
  /** Offset of the feature data: version(1) + type(1) + dim(4). */
  static final int FEATURE_OFFSET = 6;

  private EntryCodec() {}

  static int encodedSize(int dim, FeatureType type, StoredResult result, String origin) {
    int n = FEATURE_OFFSET + dim * type.bytesPerValue() + 4 + 4 + 4;
    for (StoredResult.StoredTensor t : result.tensors()) {
      n += 2 + utf8(t.name()).length + 4 + 1 + 8 * t.dims().length + 4 + t.data().length;
    }
    return n + 8 + 8 + 2 + utf8(origin).length;
  }

  /** Encodes into {@code into} (direct, capacity >= encodedSize), returned flipped. */
  static ByteBuffer encode(ByteBuffer into, float[] feature, FeatureType type, StoredResult result, long created,
      long computeNanos, String origin) {
    ByteBuffer b = into.clear().order(ByteOrder.LITTLE_ENDIAN);
    b.put(VERSION).put((byte) type.ordinal()).putInt(feature.length);
    for (float v : feature) {
      if (type == FeatureType.F16) {
        b.putShort(Float16.fromFloat(v));
      } else {
        b.putFloat(v);
      }
    }
    b.putInt(result.label()).putFloat(result.confidence()).putInt(result.tensors().size());
    for (StoredResult.StoredTensor t : result.tensors()) {
      byte[] name = utf8(t.name());
      b.putShort((short) name.length).put(name).putInt(t.dtype().onnxCode()).put((byte) t.dims().length);
      for (long d : t.dims()) {
        b.putLong(d);
      }
      b.putInt(t.data().length).put(t.data());
    }
    byte[] o = utf8(origin);
    b.putLong(created).putLong(computeNanos).putShort((short) o.length).put(o);
    return b.flip();
  }

  /** Squared Euclidean distance between the query and the entry's stored feature, read in place. */
  static double distanceSquared(ByteBuffer value, float[] q) {
    ByteBuffer v = value.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    checkVersion(v);
    FeatureType type = FeatureType.values()[v.get(1)];
    int dim = v.getInt(2);
    if (dim != q.length) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "stored feature has " + dim
          + " values, the query " + q.length);
    }
    double sum = 0;
    int pos = FEATURE_OFFSET;
    if (type == FeatureType.F16) {
      for (int i = 0; i < dim; i++, pos += 2) {
        double d = Float16.toFloat(v.getShort(pos)) - q[i];
        sum += d * d;
      }
    } else {
      for (int i = 0; i < dim; i++, pos += 4) {
        double d = v.getFloat(pos) - q[i];
        sum += d * d;
      }
    }
    return sum;
  }

  /** Label and confidence only, without decoding tensors (the kNN vote needs nothing else). */
  static int label(ByteBuffer value) {
    ByteBuffer v = value.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    return v.getInt(resultOffset(v));
  }

  static String origin(ByteBuffer value) {
    return decode(value, 0, 0, 0, 0).origin();
  }

  static ReuseEntry decode(ByteBuffer value, long id, long lastHit, long hits, long saved) {
    ByteBuffer v = value.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    checkVersion(v);
    FeatureType type = FeatureType.values()[v.get(1)];
    int dim = v.getInt(2);
    v.position(FEATURE_OFFSET);
    float[] feature = new float[dim];
    for (int i = 0; i < dim; i++) {
      feature[i] = type == FeatureType.F16 ? Float16.toFloat(v.getShort()) : v.getFloat();
    }
    int label = v.getInt();
    float confidence = v.getFloat();
    int n = v.getInt();
    List<StoredResult.StoredTensor> tensors = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      byte[] name = new byte[v.getShort()];
      v.get(name);
      DType dtype = DType.fromOnnx(v.getInt());
      long[] dims = new long[v.get()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = v.getLong();
      }
      byte[] data = new byte[v.getInt()];
      v.get(data);
      tensors.add(new StoredResult.StoredTensor(new String(name, StandardCharsets.UTF_8), dtype, dims, data));
    }
    long created = v.getLong();
    long compute = v.getLong();
    byte[] origin = new byte[v.getShort()];
    v.get(origin);
    return new ReuseEntry(id, feature, new StoredResult(label, confidence, tensors), created, compute,
        new String(origin, StandardCharsets.UTF_8), lastHit, hits, saved);
  }

  private static int resultOffset(ByteBuffer v) {
    checkVersion(v);
    return FEATURE_OFFSET + v.getInt(2) * FeatureType.values()[v.get(1)].bytesPerValue();
  }

  private static void checkVersion(ByteBuffer v) {
    if (v.get(0) != VERSION) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_MODEL, "reuse store entry has format version "
          + v.get(0) + ", this build reads version " + VERSION);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
