# Sourced by every script that starts a JVM which may load an OpenCL driver (the edgewise launcher, the bench and
# Oclgrind scripts). It preloads the JDK's libjsig so that the JVM keeps its own signal handlers when a native
# library installs some: PoCL's LLVM registers handlers that delete the compiler's temporary files on any SIGSEGV,
# and HotSpot raises SIGSEGV on purpose (safepoint polls, implicit null checks). Without libjsig a kernel build on
# one thread fails with "unable to rename temporary ...preproc.cl" when another thread reaches a safepoint, and the
# JVM can die outright (docs/devices.md, "OpenCL and the JVM's signals"). The JDK's documented remedy: LD_PRELOAD=$JAVA_HOME/lib/libjsig.so.
edgewise_preload_jsig() {
  local java_bin jsig
  java_bin="$(readlink -f "$(command -v java)" 2>/dev/null)" || return 0
  jsig="${java_bin%/bin/java}/lib/libjsig.so"
  [ -f "$jsig" ] || return 0
  case ":${LD_PRELOAD:-}:" in
    *":$jsig:"*) ;;
    *) export LD_PRELOAD="$jsig${LD_PRELOAD:+:$LD_PRELOAD}" ;;
  esac
}
edgewise_preload_jsig
