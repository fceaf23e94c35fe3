package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The binary part of a message in the binary tensor data extension: the bytes after the JSON header, holding the
 * tensors that declared "binary_data_size" back to back, in the order they appear in the JSON.
 */
public final class BinarySection {
  private final ByteBuffer bytes;

  public BinarySection(ByteBuffer bytes) {
    this.bytes = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  public static BinarySection empty() {
    return new BinarySection(ByteBuffer.allocate(0));
  }

  /** The next n bytes, or an error naming the tensor when fewer remain. */
  public ByteBuffer take(long n, String where) {
    if (n > bytes.remaining()) {
      throw EdgewiseException.invalidArgument(where + ": binary_data_size " + n + " exceeds the "
          + bytes.remaining() + " bytes left after the JSON header (Inference-Header-Content-Length)");
    }
    ByteBuffer out = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    out.limit((int) n);
    bytes.position(bytes.position() + (int) n);
    return out;
  }

  /** Every byte must belong to a tensor: leftovers mean the sizes and the header length disagree. */
  public void requireConsumed() {
    if (bytes.hasRemaining()) {
      throw EdgewiseException.invalidArgument(bytes.remaining() + " bytes after the JSON header belong to no tensor "
          + "(the binary_data_size values and Inference-Header-Content-Length disagree with the body length)");
    }
  }
}
