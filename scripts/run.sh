#!/usr/bin/env bash
# One command on a fresh machine: installs what it needs, builds, and starts the server on the embedded default
# (the QEMU provider booting the test desktop guest; no Docker or AWS needed) with a small warm pool.
# Any setting can be given in the environment or in .env (see .env.example), e.g. PROVIDER=docker scripts/run.sh.
#
#   scripts/run.sh              start the server
#   scripts/run.sh COMMAND ...  run a jar command (doctor, providers, settings, bench, chaos, image pull) with the
#                               settings this script gives the server, so `scripts/run.sh doctor` checks what it runs
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh run
# Rebuild when any module's sources, resources or POMs are newer than the jar.
jar=server/target/deskpool.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml */pom.xml */src -newer "$jar" -type f 2>/dev/null | head -1)" ]; then
  echo "run: building server/target/deskpool.jar" >&2
  mvn -B -q -DskipTests package
fi

export PROVIDER=${PROVIDER:-qemu}
export POOL_SIZE=${POOL_SIZE:-2}
export POOL_WARM=${POOL_WARM:-1}
export PORT=${PORT:-50003}
export STATE_DIR=${STATE_DIR:-state}
if [ -z "${TOKENS:-}" ] && ! grep -qs '^TOKENS=' .env; then
  export TOKENS="demo:2"
  echo "run: no TOKENS set; using the demo token 'demo' (limit 2). Set TOKENS=name:limit for real use." >&2
  # ARPO's and ENVS's env clients send no token: let them in as the demo token, from this host only
  # (ENV_ALLOW_FROM defaults to loopback), so a trainer's unmodified config works against :15001.
  if [ -z "${ENV_ANONYMOUS_TOKEN:-}" ] && ! grep -qs '^ENV_ANONYMOUS_TOKEN=' .env; then
    export ENV_ANONYMOUS_TOKEN=demo
    echo "run: callers without a token on /env/* from this host act as 'demo' (ENV_ANONYMOUS_TOKEN, ENV_ALLOW_FROM)" >&2
  fi
fi
if [ -z "${ADMIN_TOKEN:-}" ] && ! grep -qs '^ADMIN_TOKEN=' .env; then
  mkdir -p "$STATE_DIR"
  # Owner-only: the admin token opens every VM.
  [ -s "$STATE_DIR/admin-token" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$STATE_DIR/admin-token")
  chmod 600 "$STATE_DIR/admin-token"
  export ADMIN_TOKEN="$(cat "$STATE_DIR/admin-token")"
  echo "run: admin token kept in $STATE_DIR/admin-token (the dashboard asks for it to show VMs and for admin actions)" >&2
fi
if [ $# -gt 0 ]; then
  exec java -jar "$jar" "$@"
fi
echo "run: dashboard at http://127.0.0.1:${PORT}/dashboard once the server is up" >&2
exec java -jar "$jar"
