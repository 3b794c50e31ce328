#!/usr/bin/env bash
# Unpacks noVNC, the npm package @novnc/novnc at a pinned version, into DEST for the server jar: its ES modules
# (core/, vendor/) and licence files, served by Deskpool's live view under /novnc/. Run by the server module's
# build (generate-resources). The tarball is checked against the pinned SHA-256; npm's cache keeps it, so later
# builds need no network.
#
#   scripts/fetch-novnc.sh DEST
set -euo pipefail

readonly VERSION="1.7.0"
readonly SHA256="32689f18d6abe96bc6530828a6bd0b9ae33bda07c083a6575ed255b5a8f2e903"
dest="${1:?usage: fetch-novnc.sh DEST}"

say() { echo "fetch-novnc: $*" >&2; }

if [[ -f "$dest/.version" && "$(cat "$dest/.version")" == "$VERSION" ]]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { say "npm is needed to bundle noVNC (apt-get install npm)"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent --prefer-offline "@novnc/novnc@$VERSION" >/dev/null) \
  || { say "npm pack @novnc/novnc@$VERSION failed"; exit 1; }
tarball="$work/novnc-novnc-$VERSION.tgz"
actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
[[ "$actual" == "$SHA256" ]] || { say "@novnc/novnc@$VERSION has SHA-256 $actual, expected $SHA256"; exit 1; }
tar -xzf "$tarball" -C "$work"
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$work/package/core" "$work/package/vendor" "$work/package/LICENSE.txt" "$work/package/AUTHORS" "$dest/"
echo "$VERSION" > "$dest/.version"
say "noVNC $VERSION unpacked into $dest"
