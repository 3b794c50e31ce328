#!/usr/bin/env bash
# Smoke test of the Deskpool test guest: boots the qcow2 built by
# scripts/build-test-guest.sh in QEMU (TCG, from disk, through a throw-away
# overlay), exercises every endpoint, checks savevm/loadvm through QMP, reports
# the boot-to-serving and loadvm-to-serving times and stops QEMU.
#
# Usage: guest/smoke-test.sh [BASE.qcow2]   (default: build or reuse the guest)
# Exits non-zero on the first failed check. Only loopback addresses are used.
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly BOOT_TIMEOUT=${DESKPOOL_SMOKE_BOOT_TIMEOUT:-120}

log() {
    echo "smoke-test: $*" >&2
}

fail() {
    log "FAIL: $*"
    if [[ -n ${work:-} && -f $work/serial.log ]]; then
        log "last serial console lines:"
        tail -n 20 "$work/serial.log" >&2 || true
    fi
    exit 1
}

pass() {
    log "ok: $*"
}

ensure_qemu() {
    command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null && return 0
    log "installing qemu-system-x86 qemu-utils"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils >&2 || {
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils >&2
    }
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

now() {
    date +%s.%N
}

elapsed_since() {
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"
}

# Sends one human monitor command through QMP; prints its output.
qmp_hmp() {
    python3 - "$work/qmp.sock" "$1" <<'PY'
import json, socket, sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(300)
sock.connect(sys.argv[1])
stream = sock.makefile("rw")

def command(payload):
    stream.write(json.dumps(payload) + "\n")
    stream.flush()
    while True:
        message = json.loads(stream.readline())
        if "return" in message:
            return message["return"]
        if "error" in message:
            raise SystemExit(f"QMP error: {message['error']}")

json.loads(stream.readline())  # greeting
command({"execute": "qmp_capabilities"})
output = command({"execute": "human-monitor-command", "arguments": {"command-line": sys.argv[2]}})
print(output, end="")
PY
}

qmp_quit() {
    python3 - "$work/qmp.sock" <<'PY' 2>/dev/null || true
import json, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(10)
sock.connect(sys.argv[1])
stream = sock.makefile("rw")
stream.readline()
for payload in ({"execute": "qmp_capabilities"}, {"execute": "quit"}):
    stream.write(json.dumps(payload) + "\n")
    stream.flush()
    stream.readline()
PY
}

cleanup() {
    if [[ -n ${qemu_pid:-} ]] && kill -0 "$qemu_pid" 2>/dev/null; then
        qmp_quit
        for _ in $(seq 1 50); do
            kill -0 "$qemu_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
    fi
    [[ -n ${work:-} ]] && rm -rf "$work"
}

# POST JSON to the OSWorld port; prints the body, fails on a non-200 status.
post_json() {
    local path=$1 body=$2 out status
    out=$(mktemp "$work/response.XXXXXX")
    status=$(curl -sS -m 60 -o "$out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "$body" "$osworld$path") || fail "POST $path: curl failed"
    [[ $status == 200 ]] || fail "POST $path answered $status: $(head -c 300 "$out")"
    cat "$out"
}

json_field() {
    python3 -c 'import json, sys; value = json.load(sys.stdin)[sys.argv[1]]; print(value if isinstance(value, str) else json.dumps(value))' "$1"
}

check_png() {
    python3 - "$1" <<'PY' || fail "$1 is not a valid PNG"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
pos, chunks, idat = 8, [], b""
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    kind = data[pos + 4:pos + 8]
    body = data[pos + 8:pos + 8 + length]
    (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
    assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind}"
    chunks.append(kind)
    if kind == b"IDAT":
        idat += body
    pos += 12 + length
assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", chunks
width, height = struct.unpack(">II", data[16:24])
raw = zlib.decompress(idat)
assert len(raw) == height * (1 + 3 * width), "bad image data size"
print(f"{width}x{height}")
PY
}

wait_for_screenshot() {
    local deadline=$((SECONDS + BOOT_TIMEOUT))
    # Short timeouts: before the guest listens, slirp may hold a connection open.
    until curl -sf --connect-timeout 1 -m 2 -o "$work/screenshot.png" "$osworld/screenshot" 2>/dev/null; do
        kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited"
        ((SECONDS < deadline)) || fail "no /screenshot answer within ${BOOT_TIMEOUT}s"
        sleep 0.2
    done
}

main() {
    local base=${1:-}
    if [[ -z $base ]]; then
        base=$("$REPO_ROOT/scripts/build-test-guest.sh" | tail -n 1)
    fi
    [[ -f $base ]] || fail "no such qcow2: $base"
    ensure_qemu
    command -v curl >/dev/null || fail "curl is required"

    work=$(mktemp -d)
    trap cleanup EXIT
    qemu-img create -q -f qcow2 -b "$base" -F qcow2 "$work/overlay.qcow2"
    local port_osworld port_cdp
    port_osworld=$(free_port)
    port_cdp=$(free_port)
    osworld="http://127.0.0.1:$port_osworld"
    cdp="http://127.0.0.1:$port_cdp"

    qemu_cmd=(qemu-system-x86_64 -accel tcg -m 256 -smp 1 -nographic
        -drive "file=$work/overlay.qcow2,if=virtio"
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port_osworld-:5000,hostfwd=tcp:127.0.0.1:$port_cdp-:9222"
        -device virtio-net-pci,netdev=n0
        -qmp "unix:$work/qmp.sock,server=on,wait=off")
    log "booting: ${qemu_cmd[*]}"
    local boot_start
    boot_start=$(now)
    "${qemu_cmd[@]}" </dev/null >"$work/serial.log" 2>&1 &
    qemu_pid=$!

    wait_for_screenshot
    local boot_seconds
    boot_seconds=$(elapsed_since "$boot_start")
    pass "/screenshot answered ${boot_seconds}s after QEMU started (TCG, booted from disk)"
    grep -q 'deskpool-guest: agent listening on :5000, :9222 and :8080' "$work/serial.log" ||
        fail "agent ready line missing from the serial console"
    pass "serial console shows the agent ready line"

    local size
    size=$(check_png "$work/screenshot.png")
    pass "/screenshot is a valid ${size} PNG"

    local response
    response=$(post_json /execute '{"command": ["echo", "hi"], "shell": false}')
    [[ $(json_field output <<<"$response") == hi && $(json_field returncode <<<"$response") == 0 ]] ||
        fail "/execute echo: $response"
    pass "/execute echo hi"
    response=$(post_json /setup/execute '{"command": "echo out; echo err >&2; exit 3", "shell": true}')
    [[ $(json_field output <<<"$response") == out && $(json_field error <<<"$response") == err &&
        $(json_field returncode <<<"$response") == 3 ]] || fail "/setup/execute shell: $response"
    pass "/setup/execute with shell, stderr and exit status"
    local status
    status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data-binary '{not json' "$osworld/execute")
    [[ $status == 400 ]] || fail "bad JSON answered $status"
    pass "bad JSON -> 400"

    response=$(post_json /execute "{\"command\": \"date -s @1700000000 >/dev/null && date +%s\", \"shell\": true}")
    local guest_time
    guest_time=$(json_field output <<<"$response")
    ((guest_time >= 1700000000 && guest_time < 1700000100)) || fail "date -s did not set the clock: $response"
    pass "guest clock settable with date -s @EPOCH"

    cp "$work/screenshot.png" "$work/before.png"
    response=$(post_json /execute '{"command": ["python", "-c", "import pyautogui; import time; pyautogui.FAILSAFE = False; pyautogui.click(100, 200); pyautogui.write(\"hello from smoke\"); pyautogui.press(\"enter\")"]}')
    [[ $(json_field returncode <<<"$response") == 0 ]] || fail "pyautogui click/write: $response"
    curl -sf -m 30 -o "$work/after.png" "$osworld/screenshot" || fail "/screenshot after input"
    check_png "$work/after.png" >/dev/null
    ! cmp -s "$work/before.png" "$work/after.png" || fail "screenshot did not change after click + write"
    pass "pyautogui click + write changed the screenshot"
    [[ $(curl -sf "$osworld/cursor_position") == "[100, 200]" ]] || fail "/cursor_position"
    pass "/cursor_position follows the click"
    response=$(post_json /execute '{"command": ["python3", "-c", "import pyautogui; pyautogui.notAThing()"]}')
    [[ $(json_field returncode <<<"$response") == 1 && $(json_field error <<<"$response") == *notAThing* ]] ||
        fail "unknown pyautogui call: $response"
    pass "unknown pyautogui call -> returncode 1 naming it"

    [[ $(curl -sf "$osworld/platform") == Linux ]] || fail "/platform"
    pass "/platform"
    response=$(curl -sf "$osworld/terminal")
    [[ $(json_field output <<<"$response") == *"click 100 200"*"write hello from smoke"* ]] || fail "/terminal: $response"
    pass "/terminal lists the input events"
    response=$(post_json /screen_size '{}')
    [[ $response == *'"width": 1280'* ]] || fail "/screen_size: $response"
    response=$(curl -sf "$osworld/accessibility")
    [[ $(json_field AT <<<"$response") == *"hello from smoke"* ]] || fail "/accessibility: $response"
    pass "/screen_size and /accessibility"

    response=$(post_json /setup/launch '{"command": ["sleep", "600"]}')
    [[ $response == *"launched successfully"* ]] || fail "/setup/launch: $response"
    status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary '{"command": ["no-such-program"]}' "$osworld/setup/launch")
    [[ $status == 500 ]] || fail "/setup/launch of a missing program answered $status"
    response=$(post_json /setup/activate_window '{"window_name": "sleep", "strict": false}')
    pass "/setup/launch and /setup/activate_window"

    head -c 70000 /dev/urandom >"$work/upload.bin"
    response=$(curl -sS -m 60 -X POST -F file_path=/home/user/Documents/upload.bin -F "file_data=@$work/upload.bin" \
        "$osworld/setup/upload")
    [[ $response == "File Uploaded: 70000 bytes" ]] || fail "/setup/upload: $response"
    curl -sf -m 60 -X POST --data-urlencode file_path=/home/user/Documents/upload.bin -o "$work/download.bin" \
        "$osworld/file" || fail "/file"
    cmp -s "$work/upload.bin" "$work/download.bin" || fail "/file returned different bytes"
    status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d file_path=/no/such/file "$osworld/file")
    [[ $status == 404 ]] || fail "/file of a missing file answered $status"
    pass "/setup/upload + /file round trip (70000 random bytes), missing file -> 404"

    response=$(curl -sf "$cdp/json/version")
    [[ $(json_field Browser <<<"$response") == DeskpoolTestGuest/1.0 ]] || fail "/json/version: $response"
    response=$(curl -sf -X PUT "$cdp/json/new?https://example.org/")
    local tab_id
    tab_id=$(json_field id <<<"$response")
    [[ $(json_field url <<<"$response") == https://example.org/ ]] || fail "/json/new: $response"
    [[ $(curl -sf "$cdp/json/list") == *"$tab_id"* ]] || fail "/json/list misses the new tab"
    pass "9222 /json/version, /json/new, /json/list"

    # Snapshot: savevm, change the guest, loadvm, the change must be gone.
    post_json /execute '{"command": "echo dirty > /tmp/marker", "shell": true}' >/dev/null
    post_json /execute '{"command": "rm -f /tmp/marker", "shell": true}' >/dev/null
    local t0
    t0=$(now)
    qmp_hmp "savevm clean" >/dev/null
    log "savevm took $(elapsed_since "$t0")s"
    response=$(post_json /execute '{"command": "echo dirty > /tmp/marker && cat /tmp/marker", "shell": true}')
    [[ $(json_field output <<<"$response") == dirty ]] || fail "could not write the marker: $response"
    t0=$(now)
    qmp_hmp "loadvm clean" >/dev/null
    wait_for_screenshot
    local loadvm_seconds
    loadvm_seconds=$(elapsed_since "$t0")
    check_png "$work/screenshot.png" >/dev/null
    response=$(post_json /execute '{"command": "test -e /tmp/marker", "shell": true}')
    [[ $(json_field returncode <<<"$response") == 1 ]] || fail "marker survived loadvm: $response"
    pass "loadvm restored the snapshot (marker gone); /screenshot answered ${loadvm_seconds}s after loadvm started"

    log "SUMMARY boot_to_screenshot_seconds=$boot_seconds loadvm_to_screenshot_seconds=$loadvm_seconds"
    echo "boot_to_screenshot_seconds=$boot_seconds"
    echo "loadvm_to_screenshot_seconds=$loadvm_seconds"
    log "all checks passed"
}

main "$@"
