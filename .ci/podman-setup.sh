#!/usr/bin/env bash
# Prepare a Debian 12 machine (CI VM or dev box) for nanoclaw-shim's
# end-to-end tests against real podman, rootful and rootless. Idempotent; run
# as root:
#
#   sudo .ci/podman-setup.sh
#
# What it does
#   1. apt-get installs podman, runc, uidmap, busybox-static, slirp4netns and
#      friends, and btrfs-progs (skipped when they are all installed already).
#   2. Writes /etc/nanoclaw-shim-ci/containers.conf (runc, cgroupfs, explicit
#      nofile/nproc ulimits, events_logger=file, network_backend=cni). Nothing
#      in /etc/containers is touched: tests point podman at it with
#        CONTAINERS_CONF=/etc/nanoclaw-shim-ci/containers.conf
#      (CONTAINERS_CONF replaces podman's whole containers.conf chain).
#   3. Creates the rootless test user (default shimtest; override with
#      SHIMTEST_USER) with /etc/subuid and /etc/subgid ranges, its
#      ~/.config/containers/containers.conf (same settings), and its
#      XDG_RUNTIME_DIR /run/user/<uid> (0700). Rootless podman is then run as
#        runuser -u shimtest -- env -i HOME=/home/shimtest USER=shimtest \
#          LOGNAME=shimtest PATH=/usr/local/bin:/usr/bin:/bin \
#          XDG_RUNTIME_DIR=/run/user/<uid> podman ...
#      from a working directory that user can read (e.g. cd /).
#   4. Makes /dev/net/tun usable by that user (slirp4netns, podman's rootless
#      default network, needs it) or records that it is not.
#   5. Builds localhost/nanoclaw-shim-fixture:latest (fixtures/image/build.sh)
#      in root's store and in the rootless user's store, and runs it once in
#      each as a smoke test; imports localhost/nanoclaw-shim-browser:latest
#      (fixtures/browser-image/build.sh: Chromium, sqlite3, tini; its root
#      filesystem is made once with mmdebstrap and cached by content hash).
#   6. Writes /etc/nanoclaw-shim-ci/env (KEY=value lines the tests can source)
#      and prints a one-line summary.
#
# Nothing here belongs in a user's setup: real machines (cgroup v2, crun,
# podman 4.9) need none of it.
set -euo pipefail

CI_DIR=/etc/nanoclaw-shim-ci
CONF=$CI_DIR/containers.conf
ENV_FILE=$CI_DIR/env
USER_NAME=${SHIMTEST_USER:-shimtest}
IMAGE=${FIXTURE_IMAGE:-localhost/nanoclaw-shim-fixture:latest}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/fixtures/image/build.sh
# btrfs-progs and fuse2fs: the host-path e2e makes btrfs file systems over disk images and
# mounts an image by FUSE (a credential store read through its image); strace holds a FUSE
# share's answer (a share whose server is gone); e2fsprogs and util-linux (mke2fs, losetup,
# addpart) come with Debian.
PACKAGES=(podman runc uidmap busybox-static slirp4netns catatonit conmon
          containernetworking-plugins fuse-overlayfs iptables btrfs-progs fuse2fs strace)

log() { printf 'podman-setup: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$BUILD" ] || die "missing $BUILD"

# ------------------------------------------------------------ 1. packages ---
missing=()
for p in "${PACKAGES[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # runc is listed explicitly so podman's "crun | runc" dependency is met by runc
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi
PODMAN_VERSION=$(podman --version | awk '{print $3}')

# ------------------------------------------------------ 2. containers.conf ---
CONF_TEXT='# nanoclaw-shim CI only: podman settings for Debian 12 VMs (cgroup v1 hybrid).
# Used through CONTAINERS_CONF (rootful) and ~/.config/containers (rootless).
[containers]
# podman'"'"'s default ulimits fail here: "setrlimit RLIMIT_NOFILE: Operation not permitted"
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
# crun fails on cgroup v1 hybrid: "cgroups in hybrid mode not supported"
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
# CONTAINERS_CONF replaces the whole chain; Debian'"'"'s podman 4.3 uses CNI
network_backend = "cni"
'
install -d -m 0755 "$CI_DIR"
printf '%s' "$CONF_TEXT" > "$CONF.tmp"
chmod 0644 "$CONF.tmp"
mv -f "$CONF.tmp" "$CONF"

# ------------------------------------------------------ 3. rootless user ---
if ! id -u "$USER_NAME" >/dev/null 2>&1; then
    log "creating user $USER_NAME"
    useradd -m -s /bin/bash "$USER_NAME"
fi
USER_UID=$(id -u "$USER_NAME")
USER_GID=$(id -g "$USER_NAME")
USER_HOME=$(getent passwd "$USER_NAME" | cut -d: -f6)

# a free 65536-wide range after every range already handed out
next_free_range() {
    awk -F: 'BEGIN { m = 100000 } NF >= 3 { e = $2 + $3; if (e > m) m = e } END { print m }' \
        /etc/subuid /etc/subgid 2>/dev/null
}
subids_changed=0
touch /etc/subuid /etc/subgid
if ! grep -q "^${USER_NAME}:" /etc/subuid || ! grep -q "^${USER_NAME}:" /etc/subgid; then
    start=$(next_free_range)
    end=$((start + 65535))
    grep -q "^${USER_NAME}:" /etc/subuid || usermod --add-subuids "$start-$end" "$USER_NAME"
    grep -q "^${USER_NAME}:" /etc/subgid || usermod --add-subgids "$start-$end" "$USER_NAME"
    subids_changed=1
fi

install -d -o "$USER_NAME" -g "$USER_GID" -m 0755 "$USER_HOME/.config" "$USER_HOME/.config/containers"
printf '%s' "$CONF_TEXT" > "$USER_HOME/.config/containers/containers.conf"
chown "$USER_NAME:$USER_GID" "$USER_HOME/.config/containers/containers.conf"

# XDG_RUNTIME_DIR: with systemd as PID 1, lingering makes logind create and
# keep /run/user/<uid>; without it (containers, microVMs) create it by hand.
# It lives on /run (tmpfs): rerun this script after a reboot.
RUNTIME_DIR=/run/user/$USER_UID
if [ -d /run/systemd/system ] && command -v loginctl >/dev/null 2>&1; then
    loginctl enable-linger "$USER_NAME" 2>/dev/null || log "loginctl enable-linger failed (ignored)"
    for _ in 1 2 3 4 5; do [ -d "$RUNTIME_DIR" ] && break; sleep 1; done
fi
install -d -m 0755 /run/user
install -d -o "$USER_NAME" -g "$USER_GID" -m 0700 "$RUNTIME_DIR"

# run a command as the rootless user with a clean, complete environment
as_user() {
    (cd / && runuser -u "$USER_NAME" -- env -i \
        HOME="$USER_HOME" USER="$USER_NAME" LOGNAME="$USER_NAME" \
        PATH=/usr/local/bin:/usr/bin:/bin \
        XDG_RUNTIME_DIR="$RUNTIME_DIR" \
        "$@")
}

# podman reads the ranges when it starts the user's pause process; after
# they change (or were missing then) it keeps a one-uid mapping until
# `podman system migrate`. A full mapping has at least two lines.
map_lines=$(as_user podman unshare cat /proc/self/uid_map 2>/dev/null | wc -l || true)
if [ "$subids_changed" = 1 ] || [ "${map_lines:-0}" -lt 2 ]; then
    log "podman system migrate for $USER_NAME (sub-id mapping changed)"
    as_user podman system migrate >/dev/null 2>&1 || true
fi

# ------------------------------------------------------------ 4. /dev/net/tun ---
TUN_USABLE=no
if [ ! -e /dev/net/tun ]; then
    modprobe tun 2>/dev/null || true
    if [ ! -e /dev/net/tun ]; then
        install -d -m 0755 /dev/net
        mknod -m 0666 /dev/net/tun c 10 200 2>/dev/null || true
    fi
fi
if [ -c /dev/net/tun ]; then
    # most distributions' udev rules make it 0666; without udev it can be 0600
    chmod 0666 /dev/net/tun 2>/dev/null || true
    if as_user sh -c ': <> /dev/net/tun' 2>/dev/null; then TUN_USABLE=yes; fi
fi
[ "$TUN_USABLE" = yes ] || log "/dev/net/tun is not usable by $USER_NAME: rootless tests must use --network=none"

# ------------------------------------------------------------- cgroups ---
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    CGROUP_VERSION=2
else
    CGROUP_VERSION=1
fi
if [ "$CGROUP_VERSION" = 2 ]; then ROOTLESS_LIMITS=yes; else ROOTLESS_LIMITS=no; fi

# ------------------------------------------------------------ 5. images ---
log "building $IMAGE (rootful)"
CONTAINERS_CONF=$CONF "$BUILD" --tag "$IMAGE" >&2

# the rootless user may not be able to read the checkout: build from a copy
STAGE=$(mktemp -d /tmp/nanoclaw-shim-fixture-src.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
cp "$REPO/fixtures/image/build.sh" "$REPO/fixtures/image/agent.sh" "$STAGE/"
chmod 0755 "$STAGE" "$STAGE/build.sh" "$STAGE/agent.sh"
log "building $IMAGE (rootless, $USER_NAME)"
as_user "$STAGE/build.sh" --tag "$IMAGE" >&2

# the browser image (fixtures/browser-image): its root filesystem tar is made once (as root,
# cached by content hash in /var/lib/nanoclaw-shim-ci/browser-image), then imported per store
BROWSER_BUILD=$REPO/fixtures/browser-image/build.sh
BROWSER_IMAGE=localhost/nanoclaw-shim-browser:latest
log "building $BROWSER_IMAGE (rootful)"
CONTAINERS_CONF=$CONF "$BROWSER_BUILD" --tag "$BROWSER_IMAGE" >&2
mkdir -p "$STAGE/browser"
cp "$REPO/fixtures/browser-image/build.sh" "$REPO/fixtures/browser-image/browser-agent.sh" "$STAGE/browser/"
chmod 0755 "$STAGE/browser" "$STAGE/browser/build.sh" "$STAGE/browser/browser-agent.sh"
log "building $BROWSER_IMAGE (rootless, $USER_NAME)"
as_user "$STAGE/browser/build.sh" --tag "$BROWSER_IMAGE" >&2

smoke() { # smoke LABEL CMD... -> "ok" or "FAILED"
    local label=$1 out
    shift
    if out=$("$@" 2>&1) && printf '%s' "$out" | grep -q '"fixture":"nanoclaw-shim-fixture"'; then
        echo ok
    else
        log "smoke test ($label) failed:"; printf '%s\n' "$out" | tail -n 5 >&2
        echo FAILED
    fi
}
ROOTFUL_SMOKE=$(smoke rootful env CONTAINERS_CONF="$CONF" podman run --rm --network=none "$IMAGE" </dev/null)
ROOTLESS_SMOKE=$(smoke rootless as_user podman run --rm --network=none "$IMAGE" </dev/null)
if [ "$TUN_USABLE" = yes ]; then
    ROOTLESS_NET_SMOKE=$(smoke rootless-slirp4netns as_user podman run --rm "$IMAGE" </dev/null)
else
    ROOTLESS_NET_SMOKE=skipped
fi

# ------------------------------------------------------------ 6. record ---
cat > "$ENV_FILE.tmp" <<EOF
# written by .ci/podman-setup.sh; KEY=value, safe to source from sh
CONTAINERS_CONF=$CONF
PODMAN_VERSION=$PODMAN_VERSION
FIXTURE_IMAGE=$IMAGE
BROWSER_IMAGE=$BROWSER_IMAGE
CGROUP_VERSION=$CGROUP_VERSION
ROOTLESS_USER=$USER_NAME
ROOTLESS_UID=$USER_UID
ROOTLESS_GID=$USER_GID
ROOTLESS_HOME=$USER_HOME
ROOTLESS_XDG_RUNTIME_DIR=$RUNTIME_DIR
ROOTLESS_LIMITS=$ROOTLESS_LIMITS
TUN_USABLE=$TUN_USABLE
ROOTFUL_SMOKE=$ROOTFUL_SMOKE
ROOTLESS_SMOKE=$ROOTLESS_SMOKE
ROOTLESS_NET_SMOKE=$ROOTLESS_NET_SMOKE
EOF
chmod 0644 "$ENV_FILE.tmp"
mv -f "$ENV_FILE.tmp" "$ENV_FILE"

echo "podman-setup: podman $PODMAN_VERSION, runc, cgroup v$CGROUP_VERSION; rootful image $ROOTFUL_SMOKE;" \
     "rootless $USER_NAME (uid $USER_UID, XDG_RUNTIME_DIR=$RUNTIME_DIR) image $ROOTLESS_SMOKE," \
     "slirp4netns $ROOTLESS_NET_SMOKE (tun usable: $TUN_USABLE), limits applied rootless: $ROOTLESS_LIMITS;" \
     "CONTAINERS_CONF=$CONF; details in $ENV_FILE"

[ "$ROOTFUL_SMOKE" = ok ] && [ "$ROOTLESS_SMOKE" = ok ] || exit 1
