#!/bin/sh
# Entry point of deskpool/test-desktop. It keeps the contract of happysixd/osworld-docker (qemus/qemu-docker
# underneath) that Deskpool's docker provider relies on:
#  - the qcow2 bind-mounted read-only at /System.qcow2 is the backing file of /boot.qcow2, created afresh at
#    every start, so each (re)start boots a pristine disk;
#  - RAM_SIZE, CPU_CORES, DISK_SIZE (a sparse raw data disk in the /storage volume) and KVM are honoured;
#    KVM=Y without a usable /dev/kvm exits with code 88, as qemus' proc.sh does;
#  - ARGUMENTS is appended verbatim, last, to QEMU's command line;
#  - guest ports 5000 (in-VM server) and 9222 (DevTools) answer on the same container ports;
#  - 8006 is nginx with the VM's screen at /websockify: QEMU's VNC WebSocket (5700 inside), as in qemus' image.
# Unlike the real image it boots with SeaBIOS instead of OVMF and uses QEMU user-mode networking instead of a
# tap with NAT; like the real image's, the guest reaches whatever the container reaches (the provider's guest
# firewall in the container's network namespace is what keeps it off the host and the other containers);
# / on 8006 is a plain page instead of the noVNC app, and 8080 serves a VLC status placeholder.
set -eu

RAM_SIZE="${RAM_SIZE:-1G}"
CPU_CORES="${CPU_CORES:-1}"
DISK_SIZE="${DISK_SIZE:-16G}"
KVM="${KVM:-Y}"
ARGUMENTS="${ARGUMENTS:-}"
CPU_FLAGS="${CPU_FLAGS:-}"

info() { echo "test-desktop: $*"; }
fail() { echo "test-desktop: ERROR: $*" >&2; exit "${2:-1}"; }

[ -f /System.qcow2 ] || fail "no disk at /System.qcow2: bind-mount the VM's qcow2 there (read-only)"
qemu-img create -q -f qcow2 -b /System.qcow2 -F qcow2 /boot.qcow2

mkdir -p /storage
[ -f /storage/data.img ] || truncate -s "$DISK_SIZE" /storage/data.img

case "$KVM" in
  [Nn]*)
    accel="-accel tcg,thread=multi -cpu max${CPU_FLAGS:+,$CPU_FLAGS}"
    info "software emulation (KVM=$KVM), will be slower" ;;
  *)
    [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] \
      || fail "KVM acceleration not available (/dev/kvm is missing or not usable); set KVM=N to run without it" 88
    accel="-accel kvm -cpu host${CPU_FLAGS:+,$CPU_FLAGS}"
    info "KVM acceleration" ;;
esac

# 8006: the VNC WebSocket behind nginx as in the real image; 8080: a VLC placeholder.
nginx -c /etc/deskpool/nginx.conf
busybox httpd -p 8080 -h /srv/vlc

info "booting /boot.qcow2 (backing /System.qcow2) with RAM_SIZE=$RAM_SIZE CPU_CORES=$CPU_CORES DISK_SIZE=$DISK_SIZE"
# shellcheck disable=SC2086 # accel and ARGUMENTS are word lists, as in qemus' entry.sh
exec qemu-system-x86_64 -name test-desktop -nodefaults -machine q35 $accel -m "$RAM_SIZE" -smp "$CPU_CORES" \
  -vga std -display none -vnc 127.0.0.1:0,websocket=127.0.0.1:5700 -serial stdio -monitor none \
  -drive file=/boot.qcow2,format=qcow2,if=none,id=boot -device virtio-blk-pci,drive=boot,bootindex=1 \
  -drive file=/storage/data.img,format=raw,if=none,id=data -device virtio-blk-pci,drive=data \
  -netdev user,id=net0,hostfwd=tcp::5000-:5000,hostfwd=tcp::9222-:9222 \
  -device virtio-net-pci,netdev=net0 \
  $ARGUMENTS
