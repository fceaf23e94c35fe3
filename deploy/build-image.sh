#!/usr/bin/env bash
# Builds the OCI image of `edgewise serve` without a Docker daemon, from Debian packages and Maven artifacts only:
#   layer 1: a Debian rootfs (debootstrap --variant=minbase) with Debian's headless OpenJDK 17 JRE;
#   layer 2: /opt/edgewise: the edgewise-cli jar and its runtime jars (Maven), and the launcher deploy/image/edgewise.
# umoci writes the layers and the image config into an OCI image layout; nothing is pulled from a container registry.
#
# Usage (as root, on Debian or Ubuntu): bash deploy/build-image.sh
# Output (under $EDGEWISE_IMAGE_DIR, default build/image, ignored by git):
#   oci/                              the OCI image layout, tag $EDGEWISE_IMAGE_TAG (default 0.1.0)
#   edgewise-serve-TAG.oci.tar        the same layout as one file, for `skopeo copy oci-archive:FILE docker://REGISTRY/...`
#   rootfs-base-SUITE.tar             the Debian layer's files, reused by later builds (delete it to refresh them)
# Environment: DEBIAN_MIRROR (default: the first Debian mirror apt is configured with), DEBIAN_SUITE (default: bookworm),
# EDGEWISE_SKIP_MAVEN=1 to take the jars already in cli/target.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${EDGEWISE_IMAGE_DIR:-$root/build/image}"
tag="${EDGEWISE_IMAGE_TAG:-0.1.0}"
suite="${DEBIAN_SUITE:-bookworm}"

say() { printf 'build-image: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: debootstrap, and umoci keeping file owners, need it (e.g. sudo bash $0)"
missing=()
for tool in debootstrap umoci mvn java tar; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  # the image's tools are Debian packages too
  pkgs=()
  for tool in "${missing[@]}"; do
    case "$tool" in
      debootstrap | umoci) pkgs+=("$tool") ;;
      *) die "missing $tool: run scripts/install-deps.sh first" ;;
    esac
  done
  say "installing ${pkgs[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >/dev/null
fi

# The mirror debootstrap downloads from: the one apt already uses on this machine (deb822 .sources or sources.list),
# so the image comes from the same package registry as everything else here.
mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -v -- '-security' \
    | head -1 || true)"
fi
if [ -z "$mirror" ]; then
  mirror="$(grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' \
    | grep -v -- '-security' | head -1 || true)"
fi
[ -n "$mirror" ] || die "no Debian mirror configured for apt; set DEBIAN_MIRROR"
# apt's proxy, if it has one, is debootstrap's too
eval "$(apt-config shell apt_proxy Acquire::http::Proxy)"
if [ -n "${apt_proxy:-}" ] && [ -z "${http_proxy:-}" ]; then
  export http_proxy="$apt_proxy"
fi

mkdir -p "$out"

# --- the jars (Maven) ---------------------------------------------------------------------------------------------
if [ "${EDGEWISE_SKIP_MAVEN:-0}" != 1 ]; then
  say "building the edgewise-cli jar and its runtime jars (mvn package -pl cli -am)"
  (cd "$root" && mvn -B -ntp -q -DskipTests package -pl cli -am)
fi
cli_jar="$(ls "$root"/cli/target/edgewise-cli-*.jar 2>/dev/null | grep -v -- '-tests.jar' | head -1 || true)"
[ -n "$cli_jar" ] && [ -d "$root/cli/target/lib" ] || die "no cli/target/edgewise-cli-*.jar and cli/target/lib: build first"

# --- layer 1: Debian + the JRE (debootstrap) ----------------------------------------------------------------------
base="$out/rootfs-base-$suite.tar"
if [ ! -f "$base" ]; then
  say "debootstrap $suite (minbase + openjdk-17-jre-headless) from $mirror"
  rm -rf "$out/rootfs-base"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless "$suite" "$out/rootfs-base" "$mirror" \
    >"$out/debootstrap.log" 2>&1 || die "debootstrap failed; see $out/debootstrap.log"
  rb="$out/rootfs-base"
  # the user the server runs as (KServe's runtimes run as non-root; uid 1000 as in KServe's Triton runtime)
  chroot "$rb" groupadd --gid 1000 edgewise
  chroot "$rb" useradd --uid 1000 --gid 1000 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin edgewise
  # what a server never reads: package caches and lists, documentation
  rm -rf "$rb"/var/cache/apt/archives/*.deb "$rb"/var/lib/apt/lists/* "$rb"/usr/share/doc/* "$rb"/usr/share/man/* \
    "$rb"/usr/share/info/* "$rb"/var/log/*.log "$rb"/var/cache/debconf/*-old
  tar -C "$rb" --numeric-owner -cf "$base.partial" . && mv "$base.partial" "$base"
  rm -rf "$rb"
else
  say "reusing $base (delete it to debootstrap again)"
fi

# --- the image: umoci ---------------------------------------------------------------------------------------------
layout="$out/oci"
bundle="$out/bundle"
rm -rf "$layout" "$bundle"
umoci init --layout "$layout"
umoci new --image "$layout:$tag"

say "layer 1: Debian $suite + JRE"
umoci unpack --image "$layout:$tag" "$bundle" >/dev/null
tar -C "$bundle/rootfs" --numeric-owner -xf "$base"
umoci repack --image "$layout:$tag" --history.created_by "debootstrap --variant=minbase --include=openjdk-17-jre-headless $suite" "$bundle"
rm -rf "$bundle"

say "layer 2: /opt/edgewise ($(basename "$cli_jar") and $(ls "$root/cli/target/lib" | wc -l) runtime jars)"
umoci unpack --image "$layout:$tag" "$bundle" >/dev/null
app="$bundle/rootfs/opt/edgewise"
mkdir -p "$app/lib" "$app/bin" "$bundle/rootfs/mnt/models"
cp "$cli_jar" "$app/lib/"
cp "$root"/cli/target/lib/*.jar "$app/lib/"
install -m 0755 "$root/deploy/image/edgewise" "$app/bin/edgewise"
install -m 0644 "$root/scripts/jvm-signal-chaining.sh" "$app/bin/jvm-signal-chaining.sh"
chmod -R a+rX "$app"
umoci repack --image "$layout:$tag" --history.created_by "deploy/build-image.sh: /opt/edgewise (Maven jars)" "$bundle"
rm -rf "$bundle"

# the config: non-root, HOME in /tmp (JavaCPP unpacks its native libraries under $HOME/.javacpp), the KServe ports
umoci config --image "$layout:$tag" \
  --config.user 1000:1000 \
  --config.workingdir /tmp \
  --config.env HOME=/tmp \
  --config.env PATH=/opt/edgewise/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.entrypoint /opt/edgewise/bin/edgewise \
  --config.cmd serve --config.cmd --models=/mnt/models --config.cmd --port=8080 --config.cmd --metrics-port=8002 \
  --config.exposedports 8080/tcp --config.exposedports 8002/tcp \
  --config.label org.opencontainers.image.title=edgewise-serve \
  --config.label org.opencontainers.image.version="$tag" \
  --config.label org.opencontainers.image.description="Edgewise: the Open Inference Protocol (KServe v2) over HTTP" \
  --history.created_by "deploy/build-image.sh: config"
umoci gc --layout "$layout"

archive="$out/edgewise-serve-$tag.oci.tar"
tar -C "$layout" -cf "$archive" .
say "image: $layout:$tag ($(du -sh "$layout" | cut -f1)); archive: $archive"
say "run it: bash deploy/smoke-test.sh; push it: skopeo copy oci-archive:$archive docker://REGISTRY/edgewise-serve:$tag"
