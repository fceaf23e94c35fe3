package io.edgewise;

/**
 * The one exception type the runtime throws for anything that goes wrong: bad models, bad inputs, unsupported
 * operators, native failures. Like ONNX Runtime's OrtException it carries a stable {@link ErrorCode}; its message
 * names what is wrong and where (file, node, field, byte offset) so a user can act on it without a debugger.
 */
public class EdgewiseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Stable error categories; callers may switch on them, so existing values never change meaning. */
  public enum ErrorCode {
    /** The model file is malformed, truncated, or violates the ONNX spec. */
    INVALID_MODEL,
    /** A caller-supplied argument (input name, shape, dtype, option) is wrong. */
    INVALID_ARGUMENT,
    /** Valid ONNX the runtime does not implement (operator, attribute value). */
    NOT_IMPLEMENTED,
    /** A data type or value type the runtime does not compute with (bfloat16, float8, int4, sequence, ...). */
    UNSUPPORTED_TYPE,
    /** A file or directory does not exist or cannot be read. */
    NOT_FOUND,
    /** An I/O error other than a missing file. */
    IO,
    /** A device or native-core call failed. */
    DEVICE,
    /** A resource limit was hit (memory, element count, declared length). */
    RESOURCE_EXHAUSTED,
    /** A bug in the runtime: an invariant did not hold. */
    INTERNAL
  }

  private final ErrorCode code;

  public EdgewiseException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public EdgewiseException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  @Override
  public String getMessage() {
    return "[" + code + "] " + super.getMessage();
  }

  public static EdgewiseException invalidModel(String message) {
    return new EdgewiseException(ErrorCode.INVALID_MODEL, message);
  }

  public static EdgewiseException invalidArgument(String message) {
    return new EdgewiseException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static EdgewiseException notImplemented(String message) {
    return new EdgewiseException(ErrorCode.NOT_IMPLEMENTED, message);
  }
}
