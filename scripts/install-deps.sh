#!/usr/bin/env bash
# Installs the Debian packages Deskpool needs on this host, only those missing. Idempotent.
#   scripts/install-deps.sh run    what running the server on the embedded default needs (QEMU + test guest, and
#                                  slirp4netns + iptables for the guests' isolated network)
#   scripts/install-deps.sh test   everything the test suite uses (QEMU, Docker engine, Chromium, debootstrap)
# Java 17 and Maven are expected on the machine already; npm is installed when there is none.
set -euo pipefail
what=${1:-test}

run_pkgs=(qemu-system-x86 qemu-utils slirp4netns iptables)
# The test guest build (scripts/build-test-guest.sh) installs its own packages when missing.
test_pkgs=("${run_pkgs[@]}" docker.io debootstrap chromium chromium-driver curl)

case "$what" in
  run) wanted=("${run_pkgs[@]}") ;;
  test) wanted=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# The server build bundles noVNC from the npm registry (scripts/fetch-novnc.sh): any npm will do.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} packages present" >&2
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "install-deps: $tool is required (Java 17 and Maven 3.8+)" >&2; exit 1; }
done
