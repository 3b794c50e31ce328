#!/usr/bin/env bash
# Builds deskpool/test-desktop:latest: a local stand-in for happysixd/osworld-docker that keeps its contract
# (qcow2 bind-mounted read-only at /System.qcow2 and booted through a fresh overlay /boot.qcow2; RAM_SIZE,
# CPU_CORES, DISK_SIZE, KVM and ARGUMENTS honoured; VOLUME /storage; ports 5000/9222/8006/8080), built
# without any registry: a Debian bookworm minbase rootfs with QEMU made by debootstrap and `docker import`ed,
# then images/test-desktop/Dockerfile on top of it.
#
#   scripts/build-test-image.sh [GUEST_QCOW2]
#
# GUEST_QCOW2 (or $TEST_GUEST_QCOW2; else the last line of scripts/build-test-guest.sh, when present) only
# feeds the cache key: the qcow2 is never baked in, it is bind-mounted at run time like the real image's.
# Cached: the rootfs tarball under $DESKPOOL_CACHE_DIR (default ~/.cache/deskpool)/test-desktop, and the image
# itself, which is rebuilt only when the label io.deskpool.inputs-hash differs from the hash of the inputs.
# Needs a running Docker engine (scripts/docker-engine.sh start) and root for debootstrap.
# The last line of stdout is the image tag.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag="${TEST_IMAGE_TAG:-deskpool/test-desktop:latest}"
context="$root/images/test-desktop"
cache="${DESKPOOL_CACHE_DIR:-$HOME/.cache/deskpool}/test-desktop"
suite=bookworm
# tini is the real image's init; nginx puts the VNC WebSocket on 8006 as the real image does; busybox serves 8080 (VLC).
packages="qemu-system-x86,qemu-utils,tini,busybox,nginx"

say() { echo "build-test-image: $*" >&2; }

docker info >/dev/null 2>&1 || { say "the Docker engine is not reachable (run scripts/docker-engine.sh start)"; exit 1; }

guest="${1:-${TEST_GUEST_QCOW2:-}}"
if [[ -z "$guest" && -x "$root/scripts/build-test-guest.sh" ]]; then
  say "building (or finding the cached) test guest"
  guest="$("$root/scripts/build-test-guest.sh" | tail -n 1)"
fi
guest_hash="none"
if [[ -n "$guest" ]]; then
  [[ -f "$guest" ]] || { say "guest qcow2 '$guest' does not exist"; exit 1; }
  guest_hash="$(sha256sum "$guest" | cut -d' ' -f1)"
fi

rootfs_key="$(echo "$suite $packages" | sha256sum | cut -c1-16)"
base="deskpool/test-desktop-base:$rootfs_key"
inputs_hash="$( { cat "${BASH_SOURCE[0]}"; find "$context" -type f | LC_ALL=C sort | xargs cat; echo "$guest_hash"; } \
  | sha256sum | cut -c1-32)"

existing="$(docker image inspect --format '{{ index .Config.Labels "io.deskpool.inputs-hash" }}' "$tag" 2>/dev/null || true)"
if [[ "$existing" == "$inputs_hash" ]]; then
  say "$tag is up to date (inputs $inputs_hash)"
  echo "$tag"
  exit 0
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
  tarball="$cache/rootfs-$rootfs_key.tar"
  if [[ ! -s "$tarball" ]]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
      say "installing debootstrap"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 || {
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
      }
    fi
    # The mirror apt already uses on this machine (deb822 or one-line sources).
    mirror="$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' \
      | grep -v -- '-security' | head -n 1 || true)"
    if [[ -z "$mirror" ]]; then
      mirror="$(grep -hoE '^deb +(\[[^]]*\] +)?[a-z]+://[^ ]+ +bookworm ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        2>/dev/null | awk '{print $(NF-1)}' | head -n 1 || true)"
    fi
    mirror="${mirror:-http://deb.debian.org/debian}"
    mkdir -p "$cache"
    work="$(mktemp -d "$cache/rootfs.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    say "debootstrap $suite minbase with $packages from $mirror (about a minute)"
    debootstrap --variant=minbase --include="$packages" "$suite" "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
      || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
    # Trim what a VM container never needs.
    rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
      "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/locale/*
    tar -C "$work/rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$work"
    trap - EXIT
  fi
  say "importing the rootfs as $base"
  docker import "$tarball" "$base" >/dev/null
fi

say "building $tag from $base (inputs $inputs_hash)"
previous="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
docker build -q --build-arg "BASE=$base" --label "io.deskpool.inputs-hash=$inputs_hash" -t "$tag" "$context" >&2
# The image the tag pointed at before is now dangling; drop it unless a container still uses it.
if [[ -n "$previous" && "$previous" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]]; then
  docker rmi "$previous" >/dev/null 2>&1 || true
fi
echo "$tag"
