# Sourced by every script that starts a JVM which may load an OpenCL driver (the edgewise launcher, the bench and
# Oclgrind scripts). It sets $edgewise_jvm_preload, the LD_PRELOAD to start that JVM with: the JDK's libjsig first, so
# that the JVM keeps its own signal handlers when a native library installs some. PoCL's LLVM registers handlers that
# delete the compiler's temporary files on any SIGSEGV, and HotSpot raises SIGSEGV on purpose (safepoint polls,
# implicit null checks): without libjsig a kernel build on one thread fails with "unable to rename temporary
# ...preproc.cl" when another thread reaches a safepoint, and the JVM can die (docs/devices.md, "OpenCL and the JVM's
# signals"). Use it for the java command only (`LD_PRELOAD="$edgewise_jvm_preload" java ...`), never export it:
# libjsig in a process that is not a JVM (curl, for one) prints a deprecation warning whenever it calls signal().
edgewise_jvm_preload="${LD_PRELOAD:-}"
edgewise_find_jsig() {
  local java_bin jsig
  java_bin="$(readlink -f "$(command -v java)" 2>/dev/null)" || return 0
  jsig="${java_bin%/bin/java}/lib/libjsig.so"
  [ -f "$jsig" ] || return 0
  case ":${LD_PRELOAD:-}:" in
    *":$jsig:"*) ;;
    *) edgewise_jvm_preload="$jsig${LD_PRELOAD:+:$LD_PRELOAD}" ;;
  esac
}
edgewise_find_jsig
