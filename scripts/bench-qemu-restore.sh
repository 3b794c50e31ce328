#!/usr/bin/env bash
# What a fork's saved state costs to save and load with each way QEMU offers (anonymous RAM streamed, streamed with
# compression, multifd, RAM as a file mapped copy-on-write), for a 1 GB test guest holding 0, 300 and 600 MB of
# random data (see QemuRestoreBenchmark).
#   scripts/bench-qemu-restore.sh [BALLAST_MB_LIST]     (default 0,300,600)
# Settings come from the environment and .env like the server's (PATH_TO_VM empty = the test guest, which has the
# ballast route). Never part of the tests: timings on a shared machine vary.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl provider-qemu -am -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/provider-qemu/target/bench-classpath.txt" >&2
exec java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel="${BENCH_LOG_LEVEL:-warn}" \
  -cp "provider-qemu/target/classes:provider-qemu/target/test-classes:$(cat provider-qemu/target/bench-classpath.txt)" \
  io.deskpool.provider.qemu.QemuRestoreBenchmark "$@"
