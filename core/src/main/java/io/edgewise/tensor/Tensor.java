package io.edgewise.tensor;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A dense, row-major tensor in off-heap memory owned by this object. close() releases the memory at once (a
 * Cleaner is only the safety net); any use after close throws. Element accessors convert between the stored
 * dtype and Java's double / long / float, which is what the reference backend computes with.
 */
public final class Tensor implements AutoCloseable {
  private final DType dtype;
  private final Shape shape;
  private final NativeBuffer memory;
  /** This tensor is closed (its memory may live on in a view; see {@link #view}); set once, by {@link #CLOSED}. */
  private volatile boolean closed;
  private static final java.lang.invoke.VarHandle CLOSED;

  static {
    try {
      CLOSED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Tensor.class, "closed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Tensor(DType dtype, Shape shape) {
    this(dtype, shape, true);
  }

  private Tensor(DType dtype, Shape shape, boolean zeroed) {
    this.dtype = dtype;
    this.shape = shape;
    this.memory = new NativeBuffer(shape.numElements() * dtype.byteSize(), zeroed);
    TensorScope.track(this);
  }

  /** A second owner of {@code memory} (already retained for it) under another shape. */
  private Tensor(DType dtype, Shape shape, NativeBuffer memory) {
    this.dtype = dtype;
    this.shape = shape;
    this.memory = memory;
    TensorScope.track(this);
  }

  /** A zero-filled tensor. */
  public static Tensor allocate(DType dtype, Shape shape) {
    return new Tensor(dtype, shape);
  }

  /**
   * A tensor whose contents are undefined until written, for kernels that write every element: memory recycled by
   * a pool skips the zero fill (a full extra pass over every activation of a network).
   */
  public static Tensor allocateUninitialized(DType dtype, Shape shape) {
    return new Tensor(dtype, shape, false);
  }

  public static Tensor ofFloats(Shape shape, float... values) {
    checkCount(shape, values.length);
    Tensor t = new Tensor(DType.FLOAT32, shape);
    t.data().asFloatBuffer().put(values);
    return t;
  }

  public static Tensor ofDoubles(DType dtype, Shape shape, double... values) {
    checkCount(shape, values.length);
    Tensor t = new Tensor(dtype, shape);
    for (int i = 0; i < values.length; i++) {
      t.setDouble(i, values[i]);
    }
    return t;
  }

  public static Tensor ofLongs(DType dtype, Shape shape, long... values) {
    checkCount(shape, values.length);
    Tensor t = new Tensor(dtype, shape);
    for (int i = 0; i < values.length; i++) {
      t.setLong(i, values[i]);
    }
    return t;
  }

  public static Tensor scalarFloat(float v) {
    return ofFloats(Shape.scalar(), v);
  }

  public static Tensor scalarLong(long v) {
    return ofLongs(DType.INT64, Shape.scalar(), v);
  }

  /** A tensor holding a copy of the given little-endian bytes. */
  public static Tensor fromBytes(DType dtype, Shape shape, ByteBuffer bytes) {
    Tensor t = new Tensor(dtype, shape);
    ByteBuffer src = bytes.duplicate();
    if (src.remaining() != t.byteSize()) {
      t.close();
      throw EdgewiseException.invalidArgument("expected " + t.byteSize() + " bytes for " + dtype + shape + ", got "
          + src.remaining());
    }
    t.data().duplicate().put(src);
    return t;
  }

  private static void checkCount(Shape shape, long count) {
    if (count != shape.numElements()) {
      throw EdgewiseException.invalidArgument(count + " values given for shape " + shape + " ("
          + shape.numElements() + " elements)");
    }
  }

  public DType dtype() {
    return dtype;
  }

  public Shape shape() {
    return shape;
  }

  public long size() {
    return shape.numElements();
  }

  public long byteSize() {
    return memory.bytes();
  }

  public boolean isClosed() {
    return closed || memory.isClosed();
  }

  /** A little-endian view of the data (position 0); valid until close(). */
  public ByteBuffer buffer() {
    ensureOpen();
    return data().duplicate().order(data().order());
  }

  /**
   * The address of the data in native memory, for native kernels. Valid until close(); the caller must keep this
   * tensor reachable while native code uses it.
   */
  public long nativeAddress() {
    ensureOpen();
    return memory.address();
  }

  /**
   * The memory as a ByteBuffer, made on first use: most tensors of a native run are only ever passed by address, and
   * wrapping an address in a buffer is a JNI call.
   */
  private ByteBuffer data() {
    return memory.buffer();
  }

  private void ensureOpen() {
    if (closed || memory.isClosed()) {
      throw EdgewiseException.invalidArgument("tensor " + dtype + shape + " is used after close()");
    }
  }

  private int offset(long index) {
    if (index < 0 || index >= shape.numElements()) {
      throw new IndexOutOfBoundsException("index " + index + " outside tensor of " + shape.numElements());
    }
    return (int) (index * dtype.byteSize());
  }

  public double getDouble(long index) {
    ensureOpen();
    int o = offset(index);
    return switch (dtype) {
      case FLOAT32 -> data().getFloat(o);
      case FLOAT64 -> data().getDouble(o);
      case FLOAT16 -> Float16.toFloat(data().getShort(o));
      case UINT64 -> {
        long v = data().getLong(o);
        yield v >= 0 ? (double) v : ((v >>> 1) | (v & 1)) * 2.0;
      }
      default -> getLong(index);
    };
  }

  public float getFloat(long index) {
    ensureOpen();
    return dtype == DType.FLOAT32 ? data().getFloat(offset(index)) : (float) getDouble(index);
  }

  public long getLong(long index) {
    ensureOpen();
    int o = offset(index);
    return switch (dtype) {
      case INT8 -> data().get(o);
      case UINT8 -> data().get(o) & 0xffL;
      case BOOL -> data().get(o) != 0 ? 1 : 0;
      case INT16 -> data().getShort(o);
      case UINT16 -> data().getShort(o) & 0xffffL;
      case INT32 -> data().getInt(o);
      case UINT32 -> data().getInt(o) & 0xffffffffL;
      case INT64, UINT64 -> data().getLong(o);
      case FLOAT32, FLOAT64, FLOAT16 -> (long) getDouble(index);
    };
  }

  public boolean getBool(long index) {
    return dtype.isFloatingPoint() ? getDouble(index) != 0 : getLong(index) != 0;
  }

  /** Stores v, converting as ONNX Cast does: floats round to the stored precision, integers truncate toward 0. */
  public void setDouble(long index, double v) {
    ensureOpen();
    int o = offset(index);
    switch (dtype) {
      case FLOAT32 -> data().putFloat(o, (float) v);
      case FLOAT64 -> data().putDouble(o, v);
      case FLOAT16 -> data().putShort(o, Float16.fromFloat((float) v));
      case BOOL -> data().put(o, (byte) (v != 0 ? 1 : 0));
      case UINT64 -> data().putLong(o, v >= 0x1p63 ? (long) (v - 0x1p63) ^ Long.MIN_VALUE : (long) v);
      default -> setLong(index, (long) v);
    }
  }

  public void setFloat(long index, float v) {
    ensureOpen();
    if (dtype == DType.FLOAT32) {
      data().putFloat(offset(index), v);
    } else {
      setDouble(index, v);
    }
  }

  /** Stores v, wrapping to the integer width as a C cast does. */
  public void setLong(long index, long v) {
    ensureOpen();
    int o = offset(index);
    switch (dtype) {
      case INT8, UINT8 -> data().put(o, (byte) v);
      case BOOL -> data().put(o, (byte) (v != 0 ? 1 : 0));
      case INT16, UINT16 -> data().putShort(o, (short) v);
      case INT32, UINT32 -> data().putInt(o, (int) v);
      case INT64, UINT64 -> data().putLong(o, v);
      case FLOAT32 -> data().putFloat(o, v);
      case FLOAT64 -> data().putDouble(o, v);
      case FLOAT16 -> data().putShort(o, Float16.fromFloat(v));
    }
  }

  public float[] toFloatArray() {
    ensureOpen();
    float[] out = new float[Math.toIntExact(size())];
    if (dtype == DType.FLOAT32) {
      data().duplicate().order(data().order()).asFloatBuffer().get(out);
    } else {
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) getDouble(i);
      }
    }
    return out;
  }

  public double[] toDoubleArray() {
    ensureOpen();
    double[] out = new double[Math.toIntExact(size())];
    for (int i = 0; i < out.length; i++) {
      out[i] = getDouble(i);
    }
    return out;
  }

  public long[] toLongArray() {
    ensureOpen();
    long[] out = new long[Math.toIntExact(size())];
    for (int i = 0; i < out.length; i++) {
      out[i] = getLong(i);
    }
    return out;
  }

  /** Overwrites every element from a float array of the same length (fast path for FLOAT32). */
  public void setFloats(float[] values) {
    ensureOpen();
    checkCount(shape, values.length);
    if (dtype == DType.FLOAT32) {
      data().duplicate().order(data().order()).asFloatBuffer().put(values);
    } else {
      for (int i = 0; i < values.length; i++) {
        setDouble(i, values[i]);
      }
    }
  }

  /** An independent copy (its own memory, its own owner). */
  public Tensor copy() {
    return withShape(shape);
  }

  /** A copy of the data under another shape with the same element count. */
  public Tensor withShape(Shape newShape) {
    ensureOpen();
    if (newShape.numElements() != shape.numElements()) {
      throw EdgewiseException.invalidArgument("cannot view " + shape + " as " + newShape);
    }
    return fromBytes(dtype, newShape, data());
  }

  /**
   * A zero-copy view: the same memory under another shape with the same element count (Reshape, Flatten, Squeeze,
   * Unsqueeze). The view is a tensor of its own, closed by its owner; the memory is released when the last of the
   * tensors over it closes, so a view may outlive the tensor it was made of. Writing through either changes both:
   * only for values nobody writes after they are made (a graph's values; the interpreter copies a graph output
   * that shares its memory, see {@link #sharesMemory}).
   */
  public Tensor view(Shape newShape) {
    ensureOpen();
    if (newShape.numElements() != shape.numElements()) {
      throw EdgewiseException.invalidArgument("cannot view " + shape + " as " + newShape);
    }
    return new Tensor(dtype, newShape, memory.retain());
  }

  /** Whether another open tensor (a view of this one, or the one this views) owns the same memory. */
  public boolean sharesMemory() {
    return !isClosed() && memory.shared();
  }

  /** Closes this tensor; its memory is released now unless a view of it (or the tensor it views) is still open. */
  @Override
  public void close() {
    if (CLOSED.compareAndSet(this, false, true)) {  // each owner gives its share of the memory back once
      memory.close();
    }
  }

  NativeBuffer memory() {
    return memory;
  }

  /** Tensors whose memory is currently allocated, process-wide (for leak tests). */
  public static long liveCount() {
    return NativeBuffer.liveCount();
  }

  /** Tensors that were garbage collected without close() (each is a bug in the owner). */
  public static long leakedCount() {
    return NativeBuffer.leakedCount();
  }

  @Override
  public String toString() {
    if (isClosed()) {
      return "Tensor(" + dtype + shape + ", closed)";
    }
    int n = (int) Math.min(size(), 8);
    double[] head = new double[n];
    for (int i = 0; i < n; i++) {
      head[i] = getDouble(i);
    }
    return "Tensor(" + dtype + shape + ", " + Arrays.toString(head) + (size() > n ? "...)" : ")");
  }
}
