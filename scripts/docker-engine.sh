#!/usr/bin/env bash
# Starts, stops or reports a local Docker engine (Debian's docker.io) for tests and CI.
# There is no systemd on the CI machines, so dockerd runs in the background with a log and a pid file.
#
#   scripts/docker-engine.sh start    install docker.io when missing, start dockerd, wait until `docker info` works
#   scripts/docker-engine.sh stop     TERM dockerd (it takes its containerd with it) and wait for it to exit
#   scripts/docker-engine.sh restart  stop, then start (the chaos run's engine restart fault)
#   scripts/docker-engine.sh status   exit 0 when the engine answers
#
# DESKPOOL_DOCKER_DIR (default /tmp/deskpool-dockerd) holds dockerd.log and dockerd.pid.
# DOCKER_START_TIMEOUT (default 60) bounds the wait for the engine, in seconds.
#
# A private engine: with DOCKER_HOST=unix://<path> other than /var/run/docker.sock, the dockerd started is a second
# engine beside the machine's own, with its socket at that path and its images, containers, run state and pid file
# under DESKPOOL_DOCKER_DIR, its containers on a bridge of its own (DESKPOOL_DOCKER_BRIDGE, default dp-private,
# address DESKPOOL_DOCKER_BRIDGE_CIDR, default 10.223.77.1/24) and no iptables rules (ports are published by
# docker-proxy on loopback). Restarting it disturbs nobody else's containers.
set -euo pipefail

dir="${DESKPOOL_DOCKER_DIR:-/tmp/deskpool-dockerd}"
pid_file="$dir/dockerd.pid"
log_file="$dir/dockerd.log"
timeout="${DOCKER_START_TIMEOUT:-60}"

say() { echo "docker-engine: $*" >&2; }

engine_answers() { docker info >/dev/null 2>&1; }

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

install_if_missing() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  say "installing ${missing[*]} (apt-get)"
  # apt-get update once, unless the package lists are already there and the install works without it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
  }
}

private_socket() {
  local host="${DOCKER_HOST:-}"
  [[ "$host" == unix://* && "${host#unix://}" != /var/run/docker.sock && "${host#unix://}" != /run/docker.sock ]] || return 1
  echo "${host#unix://}"
}

dockerd_args() {
  local socket
  if socket="$(private_socket)"; then
    local bridge="${DESKPOOL_DOCKER_BRIDGE:-dp-private}" cidr="${DESKPOOL_DOCKER_BRIDGE_CIDR:-10.223.77.1/24}"
    if ! ip link show "$bridge" >/dev/null 2>&1; then
      ip link add name "$bridge" type bridge
      ip addr add "$cidr" dev "$bridge"
    fi
    ip link set "$bridge" up
    mkdir -p "$(dirname "$socket")" "$dir/data" "$dir/exec"
    echo "--host unix://$socket --data-root $dir/data --exec-root $dir/exec --pidfile $dir/dockerd.engine.pid"
    echo "--bridge $bridge --iptables=false --ip6tables=false"
  fi
}

start() {
  if engine_answers; then
    say "engine already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return 0
  fi
  install_if_missing
  mkdir -p "$dir"
  if pid="$(running_pid)"; then
    say "dockerd (pid $pid) is running but not answering yet; waiting"
  else
    say "starting dockerd, log $log_file"
    # setsid: dockerd must not die with the shell that started it, nor take signals meant for it.
    # shellcheck disable=SC2046 # the private engine's arguments are words
    setsid nohup dockerd $(dockerd_args) >"$log_file" 2>&1 < /dev/null &
    echo $! > "$pid_file"
  fi
  local waited=0
  until engine_answers; do
    if ! running_pid >/dev/null; then
      say "dockerd exited during start; last log lines:"
      tail -n 20 "$log_file" >&2 || true
      return 1
    fi
    if ((waited >= timeout * 2)); then
      say "dockerd did not answer within ${timeout}s; last log lines:"
      tail -n 20 "$log_file" >&2 || true
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  say "engine ready ($(docker version --format '{{.Server.Version}}'))"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "no dockerd started by this script is running"
    rm -f "$pid_file"
    return 0
  fi
  say "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pid_file"; say "stopped"; return 0; }
    sleep 0.5
  done
  say "dockerd (pid $pid) still running after 30 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if engine_answers; then say "engine answers"; else say "engine not reachable"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
