package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovers every OpenCL device of every platform once per process, in a stable order (platform order, then the
 * platform's device order) that gives {@code opencl:i} its index. A machine without an OpenCL loader or ICD simply
 * has no devices; {@link #unavailableReason()} says why.
 */
public final class ClPlatforms {
  private static final Logger LOG = LoggerFactory.getLogger(ClPlatforms.class);
  private static volatile List<ClDevice> devices;
  private static volatile String unavailable;

  private ClPlatforms() {}

  /** Every device found (empty when OpenCL is absent). */
  public static List<ClDevice> devices() {
    List<ClDevice> d = devices;
    if (d == null) {
      synchronized (ClPlatforms.class) {
        if (devices == null) {
          devices = discover();
        }
        d = devices;
      }
    }
    return d;
  }

  /** Why no device was found, or null when some were. */
  public static String unavailableReason() {
    devices();
    return unavailable;
  }

  /** The device {@code opencl:index}; throws NOT_FOUND naming what exists. */
  public static ClDevice device(int index) {
    List<ClDevice> all = devices();
    if (index < 0 || index >= all.size()) {
      String have = all.isEmpty() ? "no OpenCL device here (" + unavailableReason() + ")"
          : "devices are opencl:0 to opencl:" + (all.size() - 1);
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, "no device opencl:" + index + "; " + have);
    }
    return all.get(index);
  }

  private static List<ClDevice> discover() {
    try {
      CL.setExceptionsEnabled(false);
      int[] count = new int[1];
      int status = CL.clGetPlatformIDs(0, null, count);
      if (status == CL.CL_PLATFORM_NOT_FOUND_KHR || count[0] == 0) {
        unavailable = "the OpenCL loader found no platform (is an ICD such as pocl-opencl-icd installed, and for "
            + "PoCL is POCL_CACHE_DIR writable?)";
        return List.of();
      }
      ClErrors.check(status, "clGetPlatformIDs");
      cl_platform_id[] platforms = new cl_platform_id[count[0]];
      ClErrors.check(CL.clGetPlatformIDs(platforms.length, platforms, null), "clGetPlatformIDs");
      List<ClDevice> out = new ArrayList<>();
      for (cl_platform_id p : platforms) {
        int[] n = new int[1];
        int s = CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, n);
        if (s == CL.CL_DEVICE_NOT_FOUND || n[0] == 0) {
          continue;
        }
        ClErrors.check(s, "clGetDeviceIDs");
        cl_device_id[] ids = new cl_device_id[n[0]];
        ClErrors.check(CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null), "clGetDeviceIDs");
        for (cl_device_id id : ids) {
          out.add(describe(out.size(), p, id));
        }
      }
      if (out.isEmpty()) {
        unavailable = "OpenCL platforms report no device (for PoCL: is POCL_CACHE_DIR writable?)";
      } else {
        SignalChaining.warnIfMissing();
      }
      return List.copyOf(out);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      unavailable = "the OpenCL library could not be loaded: " + e.getMessage();
      LOG.debug("OpenCL unavailable", e);
      return List.of();
    }
  }

  private static ClDevice describe(int index, cl_platform_id p, cl_device_id d) {
    long type = deviceLong(d, CL.CL_DEVICE_TYPE);
    String typeName = (type & CL.CL_DEVICE_TYPE_GPU) != 0 ? "GPU" : (type & CL.CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
        : (type & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "ACCELERATOR" : "CUSTOM";
    int dims = deviceInt(d, CL.CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS);
    long[] itemSizes = new long[dims];
    ClErrors.check(CL.clGetDeviceInfo(d, CL.CL_DEVICE_MAX_WORK_ITEM_SIZES, (long) Sizeof.size_t * dims,
        Pointer.to(itemSizes), null), "clGetDeviceInfo(CL_DEVICE_MAX_WORK_ITEM_SIZES)");
    Set<String> ext = new HashSet<>(Arrays.asList(deviceString(d, CL.CL_DEVICE_EXTENSIONS).trim().split("\\s+")));
    ext.remove("");
    // CL_DEVICE_HOST_UNIFIED_MEMORY is deprecated in 2.0 but every driver still answers it; a CPU device shares
    // host memory by construction
    boolean unified = deviceInt(d, CL.CL_DEVICE_HOST_UNIFIED_MEMORY) != 0 || typeName.equals("CPU");
    return new ClDevice(index, p, d, platformString(p, CL.CL_PLATFORM_NAME), platformString(p, CL.CL_PLATFORM_VERSION),
        deviceString(d, CL.CL_DEVICE_NAME), deviceString(d, CL.CL_DEVICE_VENDOR), deviceString(d, CL.CL_DRIVER_VERSION),
        deviceString(d, CL.CL_DEVICE_VERSION), typeName, deviceInt(d, CL.CL_DEVICE_MAX_COMPUTE_UNITS),
        deviceInt(d, CL.CL_DEVICE_MAX_CLOCK_FREQUENCY), deviceLong(d, CL.CL_DEVICE_GLOBAL_MEM_SIZE),
        deviceLong(d, CL.CL_DEVICE_LOCAL_MEM_SIZE), deviceLong(d, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
        deviceSize(d, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE), itemSizes,
        deviceInt(d, CL.CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT), unified, ext);
  }

  static String deviceString(cl_device_id d, int param) {
    long[] size = new long[1];
    ClErrors.check(CL.clGetDeviceInfo(d, param, 0, null, size), "clGetDeviceInfo(" + param + ")");
    byte[] bytes = new byte[(int) size[0]];
    ClErrors.check(CL.clGetDeviceInfo(d, param, bytes.length, Pointer.to(bytes), null), "clGetDeviceInfo(" + param
        + ")");
    return cString(bytes);
  }

  private static String platformString(cl_platform_id p, int param) {
    long[] size = new long[1];
    ClErrors.check(CL.clGetPlatformInfo(p, param, 0, null, size), "clGetPlatformInfo(" + param + ")");
    byte[] bytes = new byte[(int) size[0]];
    ClErrors.check(CL.clGetPlatformInfo(p, param, bytes.length, Pointer.to(bytes), null), "clGetPlatformInfo(" + param
        + ")");
    return cString(bytes);
  }

  private static String cString(byte[] bytes) {
    int n = 0;
    while (n < bytes.length && bytes[n] != 0) {
      n++;
    }
    return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
  }

  private static int deviceInt(cl_device_id d, int param) {
    int[] v = new int[1];
    ClErrors.check(CL.clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null), "clGetDeviceInfo(" + param
        + ")");
    return v[0];
  }

  private static long deviceLong(cl_device_id d, int param) {
    long[] v = new long[1];
    ClErrors.check(CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null), "clGetDeviceInfo(" + param
        + ")");
    return v[0];
  }

  private static long deviceSize(cl_device_id d, int param) {
    ByteBuffer b = ByteBuffer.allocateDirect(Sizeof.size_t).order(ByteOrder.nativeOrder());
    ClErrors.check(CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(b), null), "clGetDeviceInfo(" + param
        + ")");
    return Sizeof.size_t == 8 ? b.getLong(0) : b.getInt(0) & 0xffffffffL;
  }
}
