#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs what the tests use (QEMU, the Docker engine,
# Chromium), starts the engine, builds the test desktop guest and the test Docker image, runs the Maven build with
# every module's tests, and stops what it started. Extra arguments go to Maven (e.g. -pl core).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test

engine_started=no
stop_engine() {
  if [ "$engine_started" = yes ]; then
    scripts/docker-engine.sh stop || true
  fi
}
trap stop_engine EXIT
if ! docker info >/dev/null 2>&1; then
  scripts/docker-engine.sh start
  engine_started=yes
fi

guest="$(scripts/build-test-guest.sh | tail -n 1)"
echo "test: test guest $guest" >&2
export TEST_GUEST_QCOW2="$guest"
# The same guest with a 1920x1080 screen, for the tests that map model output to screen points on both sizes.
TEST_GUEST_QCOW2_1080P="$(DESKPOOL_TEST_GUEST_SCREEN=1920x1080 scripts/build-test-guest.sh | tail -n 1)"
export TEST_GUEST_QCOW2_1080P
scripts/build-test-image.sh "$guest" | tail -n 1

# The tests talk to loopback only: the AWS SDK must never ask the link-local metadata address here.
export AWS_EC2_METADATA_DISABLED=true

# moto and the AWS CLI are preinstalled in the machine's pyenv Python; a non-login shell may not have its shims on PATH.
if ! command -v moto_server >/dev/null && [ -x "$HOME/.pyenv/shims/moto_server" ]; then
  export PATH="$PATH:$HOME/.pyenv/shims"
fi
command -v moto_server >/dev/null || { echo "test: moto_server (Python moto) is required for the EC2 tests" >&2; exit 1; }
# The AWS doctor tests paste the checks' printed fixes into the AWS CLI (preinstalled beside moto).
command -v aws >/dev/null || { echo "test: aws (the AWS CLI) is required for the AWS doctor tests" >&2; exit 1; }

mvn -B verify "$@"

# A chaos soak on QEMU (README "Chaos soak"): faults at random times under load; any violation, or no fault
# injected at all, fails the run.
# Only after a full build (extra Maven arguments may have skipped the jar); CHAOS_MINUTES=0 skips it.
chaos_minutes="${CHAOS_MINUTES:-3}"
if [ "$#" -eq 0 ] && [ "$chaos_minutes" != 0 ]; then
  echo "test: chaos soak, $chaos_minutes minutes on QEMU" >&2
  java -jar server/target/deskpool.jar chaos --minutes "$chaos_minutes" --clients 4 --vms 4 --fault-every 8 --json \
    --work-dir server/target/chaos \
    | tee server/target/chaos-report.json
fi
