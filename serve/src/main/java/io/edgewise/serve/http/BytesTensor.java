package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor of the protocol's BYTES datatype: a shape and one byte string per element, in row-major order. The
 * runtime's tensors hold fixed-size numbers only, so BYTES travels as this, on the heap; it goes to models that take
 * BYTES (pipelines), never into a session.
 *
 * @param shape the dimensions; their product is the number of elements
 * @param elements the byte strings (each at most 2^32 - 1 bytes, the protocol's length prefix)
 */
public record BytesTensor(long[] shape, List<byte[]> elements) {
  public BytesTensor {
    shape = shape.clone();
    elements = List.copyOf(elements);
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw EdgewiseException.invalidArgument("BYTES shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw EdgewiseException.invalidArgument("BYTES shape " + Arrays.toString(shape) + " has too many elements");
      }
    }
    if (n != elements.size()) {
      throw EdgewiseException.invalidArgument("BYTES shape " + Arrays.toString(shape) + " declares " + n
          + " elements, " + elements.size() + " given");
    }
  }

  /** A rank-1 tensor of the elements. */
  public static BytesTensor of(List<byte[]> elements) {
    return new BytesTensor(new long[] {elements.size()}, elements);
  }

  /** A rank-1 tensor of strings, each as its UTF-8 bytes. */
  public static BytesTensor ofStrings(List<String> strings) {
    return of(strings.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Element i as UTF-8 text. */
  public String string(int i) {
    return new String(elements.get(i), StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BytesTensor t) || !Arrays.equals(shape, t.shape) || elements.size() != t.elements.size()) {
      return false;
    }
    for (int i = 0; i < elements.size(); i++) {
      if (!Arrays.equals(elements.get(i), t.elements.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = Arrays.hashCode(shape);
    for (byte[] e : elements) {
      h = 31 * h + Arrays.hashCode(e);
    }
    return h;
  }

  @Override
  public String toString() {
    return "BYTES" + Arrays.toString(shape) + " (" + elements.size() + " elements)";
  }
}
