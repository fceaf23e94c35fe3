package io.edgewise.backend.opencl;

import io.edgewise.tensor.Shape;

/**
 * A float32 value resident in a device buffer, as a run's value table holds it. Shape-only ops (Reshape,
 * Flatten) alias the same buffer; the buffer goes back to its pool (or is released) when the last alias is
 * released.
 */
public final class DeviceTensor {
  private final Shape shape;
  private final Storage storage;

  /** The buffer and its reference count. */
  private static final class Storage {
    final ClBuffer buffer;
    final ClBufferPool pool;  // null: close the buffer when unreferenced
    int refs = 1;

    Storage(ClBuffer buffer, ClBufferPool pool) {
      this.buffer = buffer;
      this.pool = pool;
    }
  }

  private DeviceTensor(Shape shape, Storage storage) {
    this.shape = shape;
    this.storage = storage;
  }

  /** Takes ownership of {@code buffer}; on the last release it returns to {@code pool}, or is closed if null. */
  public static DeviceTensor of(Shape shape, ClBuffer buffer, ClBufferPool pool) {
    return new DeviceTensor(shape, new Storage(buffer, pool));
  }

  public Shape shape() {
    return shape;
  }

  public ClBuffer buffer() {
    if (storage.refs <= 0) {
      throw new IllegalStateException("device tensor " + shape + " used after its last release");
    }
    return storage.buffer;
  }

  /** Another reference to the same buffer, seen with another shape of the same element count. */
  public DeviceTensor alias(Shape newShape) {
    if (newShape.numElements() != shape.numElements()) {
      throw new IllegalArgumentException("alias " + newShape + " of " + shape + " changes the element count");
    }
    storage.refs++;
    return new DeviceTensor(newShape, storage);
  }

  /** One more reference with the same shape. */
  public DeviceTensor retain() {
    return alias(shape);
  }

  public void release() {
    if (--storage.refs == 0) {
      if (storage.pool != null) {
        storage.pool.give(storage.buffer);
      } else {
        storage.buffer.close();
      }
    }
  }
}
