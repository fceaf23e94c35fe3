package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import org.jocl.CL;

/**
 * Turns OpenCL status codes into {@link EdgewiseException}s with code DEVICE, naming the call, what it was for,
 * and the symbolic status (CL_OUT_OF_RESOURCES, ...). Every JOCL call of this package goes through here: a failed
 * call never passes silently.
 */
public final class ClErrors {
  private ClErrors() {}

  /** Throws when {@code status} is not CL_SUCCESS; {@code what} names the call and its object. */
  public static void check(int status, String what) {
    if (status != CL.CL_SUCCESS) {
      throw failure(status, what);
    }
  }

  /** The exception for a failed call, for callers that add context (a build log) themselves. */
  public static EdgewiseException failure(int status, String what) {
    EdgewiseException.ErrorCode code = switch (status) {
      case CL.CL_MEM_OBJECT_ALLOCATION_FAILURE, CL.CL_OUT_OF_HOST_MEMORY, CL.CL_OUT_OF_RESOURCES ->
          EdgewiseException.ErrorCode.RESOURCE_EXHAUSTED;
      case CL.CL_INVALID_BUFFER_SIZE, CL.CL_INVALID_WORK_GROUP_SIZE, CL.CL_INVALID_WORK_ITEM_SIZE,
          CL.CL_INVALID_GLOBAL_WORK_SIZE -> EdgewiseException.ErrorCode.INVALID_ARGUMENT;
      default -> EdgewiseException.ErrorCode.DEVICE;
    };
    return new EdgewiseException(code, "OpenCL " + what + " failed: " + name(status) + " (" + status + ")");
  }

  /** The symbolic name of an OpenCL status code, or "CL_UNKNOWN_ERROR_n". */
  public static String name(int status) {
    String s = CL.stringFor_errorCode(status);
    return s == null || s.startsWith("INVALID") ? "CL_UNKNOWN_ERROR_" + status : s;
  }
}
