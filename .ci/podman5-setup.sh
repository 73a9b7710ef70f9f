#!/usr/bin/env bash
# Podman 5 (Debian 13 "trixie") beside the host's podman 4.3, for nanoclaw-shim's e2e suite.
# Idempotent; run as root on a Debian 12 machine (CI VM or dev box):
#
#   sudo .ci/podman5-setup.sh            # build/refresh and start the environment
#   sudo .ci/podman5-setup.sh --stop     # tear the namespaces down (the root stays cached)
#   .ci/podman5-exec [--bind DIR]... -- CMD...   # run CMD in it (see that script)
#
# What it does (facts: shared/reference/podman5-on-ci-machines.md)
#   1. A trixie minbase root with podman 5 and its helpers in $P5_STATE/root, made by
#      mmdebstrap; cached by the sha256 of the suite, the package list and this recipe, so a
#      warm machine skips it (cold: ~25 s with a fast mirror, ~2.5 min slow).
#   2. Configures it: /etc/containers/containers.conf (runc, cgroupfs, file events; NO
#      network_backend = "cni", fatal on podman 5), a /usr/local/bin/podman wrapper that sets
#      PODMAN_IGNORE_CGROUPSV1_WARNING=1 (the tests clear the environment), the rootless user
#      (default shimtest5, uid 2001) with its own sub-id range (trixie's useradd would hand
#      out 100000:65536, which the host's first user already has).
#   3. A persistent network namespace (/run/netns/nanoclaw-shim-podman5) holding a veth pair
#      whose BOTH ends stay inside it (eth0 192.0.2.2/24, documentation range, default route
#      to an address nothing answers): pasta needs a routable interface, netavark's 10.88/16
#      then never meets the host's cni-podman0, and nothing can leave the namespace.
#   4. A persistent mount namespace ($P5_NS/mnt) in which proc, a fresh sysfs, the host's
#      cgroup v1 hierarchies (not the cgroup2 "unified" one: crun refuses hybrid mode), a
#      private /dev (null, zero, full, random, urandom, tty, net/tun, fuse, devpts, shm) and a
#      tmpfs /run are mounted, then pivot_root into the trixie root. The host's root stays
#      reachable at /run/host inside, so podman5-exec can bind host folders (the checkout,
#      the cargo target dir) at the same paths. A plain chroot would not do: the kernel
#      refuses user namespaces to a chrooted process, which breaks rootless podman.
#   5. Builds localhost/nanoclaw-shim-fixture:latest with fixtures/image/build.sh in podman
#      5's rootful and rootless stores (content-hash cached like on the host) and runs it once
#      in each; imports localhost/nanoclaw-shim-browser:latest (fixtures/browser-image) into
#      both from the host's cached root filesystem tar.
#   6. Writes /etc/nanoclaw-shim-ci/env5 INSIDE the root (same keys as the host's env file;
#      the e2e suite reads it when NANOCLAW_SHIM_E2E_ENV points at it, which podman5-exec
#      sets) and prints a one-line summary.
#
# Environment: P5_STATE (default /var/lib/nanoclaw-shim-ci/podman5), P5_MIRROR (default
# http://deb.debian.org/debian), SHIMTEST5_USER (shimtest5), SHIMTEST5_UID (2001).
# Nothing here belongs in a user's setup.
set -euo pipefail

P5_STATE=${P5_STATE:-/var/lib/nanoclaw-shim-ci/podman5}
P5_NS=/run/nanoclaw-shim-podman5
NETNS=nanoclaw-shim-podman5
ROOT=$P5_STATE/root
SUITE=trixie
MIRROR=${P5_MIRROR:-http://deb.debian.org/debian}
USER_NAME=${SHIMTEST5_USER:-shimtest5}
USER_UID=${SHIMTEST5_UID:-2001}
IMAGE=${FIXTURE_IMAGE:-localhost/nanoclaw-shim-fixture:latest}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKAGES=(podman crun runc passt netavark aardvark-dns conmon catatonit slirp4netns uidmap
          fuse-overlayfs busybox-static iptables nftables util-linux iproute2)
# bump when the recipe of the root (not its configuration) changes
RECIPE=1

log() { printf 'podman5-setup: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"

in_ns() { nsenter --mount="$P5_NS/mnt" --net="/run/netns/$NETNS" -- "$@"; }

stop_ns() {
    # what runs in the environment (rootless podman's pause process, conmon, pasta) shares its
    # network namespace: end it, or it keeps the old mount namespace (and root) alive
    if [ -e "/run/netns/$NETNS" ]; then
        pids=$(ip netns pids "$NETNS" 2>/dev/null || true)
        if [ -n "$pids" ]; then
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
        fi
    fi
    if [ -e "$P5_NS/mnt" ]; then umount "$P5_NS/mnt" 2>/dev/null || true; fi
    rm -f "$P5_NS/mnt"
    if [ -e "/run/netns/$NETNS" ]; then ip netns delete "$NETNS" 2>/dev/null || true; fi
}

if [ "${1:-}" = --stop ]; then
    stop_ns
    log "stopped (root kept in $ROOT)"
    exit 0
fi

T0=$(date +%s)
# ------------------------------------------------------------- 1. the root ---
KEY=$(printf '%s\n' "$SUITE" "$MIRROR" "$RECIPE" "${PACKAGES[@]}" | sha256sum | cut -c1-64)
if [ "$(cat "$ROOT/.nanoclaw-shim-root-key" 2>/dev/null)" = "$KEY" ] && [ -x "$ROOT/usr/bin/podman" ]; then
    log "trixie root up to date ($ROOT, key ${KEY:0:12})"
else
    if ! command -v mmdebstrap >/dev/null; then
        log "installing mmdebstrap"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
    fi
    # the root is rebuilt, so the namespaces that use it go
    stop_ns
    install -d -m 0755 "$P5_STATE"
    rm -rf "$ROOT.new"
    log "building the trixie root (mmdebstrap minbase: ${PACKAGES[*]})"
    inc=$(IFS=,; echo "${PACKAGES[*]}")
    if ! mmdebstrap --quiet --variant=minbase --include="$inc" --aptopt='Acquire::Retries "3"' "$SUITE" "$ROOT.new" "$MIRROR" >"$P5_STATE/mmdebstrap.log" 2>&1; then
        tail -n 30 "$P5_STATE/mmdebstrap.log" >&2
        die "mmdebstrap failed (log: $P5_STATE/mmdebstrap.log)"
    fi
    printf '%s\n' "$KEY" > "$ROOT.new/.nanoclaw-shim-root-key"
    rm -rf "$ROOT.old"
    [ -d "$ROOT" ] && mv "$ROOT" "$ROOT.old"
    mv "$ROOT.new" "$ROOT"
    rm -rf "$ROOT.old"
fi
T_ROOT=$(date +%s)

# ------------------------------------------------------- 2. configuration ---
# Written every time (cheap): the files are the configuration, not a cache.
install -d -m 0755 "$ROOT/etc/containers" "$ROOT/etc/nanoclaw-shim-ci" "$ROOT/run/host"
cat > "$ROOT/etc/containers/containers.conf" <<'EOF'
# nanoclaw-shim CI only (podman 5 in its own namespaces on a Debian 12 VM, cgroup v1 hybrid).
# No network_backend: podman 5 has netavark only ("cni support is not enabled in this build").
[engine]
# crun refuses cgroup v1 hybrid; runc works
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat > "$ROOT/usr/local/bin/podman" <<'EOF'
#!/bin/sh
# nanoclaw-shim CI: podman 5 warns about cgroup v1 on every command; the e2e tests clear the
# environment, so the switch lives here (PATH puts /usr/local/bin before /usr/bin).
PODMAN_IGNORE_CGROUPSV1_WARNING=1
export PODMAN_IGNORE_CGROUPSV1_WARNING
exec /usr/bin/podman "$@"
EOF
chmod 0755 "$ROOT/usr/local/bin/podman"
# nothing inside resolves names through the network; keep the host's resolver out
printf 'nameserver 127.0.0.1\n' > "$ROOT/etc/resolv.conf"
chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"

if ! chroot "$ROOT" id -u "$USER_NAME" >/dev/null 2>&1; then
    log "creating user $USER_NAME (uid $USER_UID) in the root"
    chroot "$ROOT" useradd -m -u "$USER_UID" -U -s /bin/sh "$USER_NAME"
fi
USER_UID=$(chroot "$ROOT" id -u "$USER_NAME")
USER_GID=$(chroot "$ROOT" id -g "$USER_NAME")
USER_HOME=$(chroot "$ROOT" getent passwd "$USER_NAME" | cut -d: -f6)
# its own 65536 ids after every range handed out on the host or in the root
range_start=$(cat /etc/subuid /etc/subgid | awk -F: 'BEGIN { m = 200000 } NF >= 3 { e = $2 + $3; if (e > m) m = e } END { print m }')
want_line=$(grep -h "^${USER_NAME}:" "$ROOT/etc/subuid" 2>/dev/null | head -n1 || true)
if [ -z "$want_line" ] || [ "$(grep -c "^${USER_NAME}:" "$ROOT/etc/subuid")" != 1 ] \
    || [ "${want_line#*:}" = "100000:65536" ]; then
    want_line="$USER_NAME:$range_start:65536"
fi
subids_changed=0
for f in subuid subgid; do
    # the user's single line, nobody else's (useradd's default 100000 range is removed)
    new=$(printf '%s\n' "$want_line")
    if [ "$(cat "$ROOT/etc/$f" 2>/dev/null)" != "$new" ]; then
        printf '%s\n' "$new" > "$ROOT/etc/$f"
        subids_changed=1
    fi
done
SUBIDS=${want_line#*:}

# ------------------------------------------------------ 3./4. namespaces ---
ns_alive() {
    [ -e "$P5_NS/mnt" ] && [ -e "/run/netns/$NETNS" ] \
        && [ "$(in_ns cat /run/nanoclaw-shim-podman5.key 2>/dev/null)" = "$KEY $ROOT" ]
}

start_ns() {
    stop_ns
    install -d -m 0755 "$P5_NS"
    if ! mountpoint -q "$P5_NS"; then
        mount --bind "$P5_NS" "$P5_NS"
    fi
    mount --make-private "$P5_NS"
    touch "$P5_NS/mnt"
    ip netns add "$NETNS"
    # a veth pair with both ends inside: eth0 has the only address and the default route
    ip -n "$NETNS" link add eth0 type veth peer name eth0-peer
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" addr add 192.0.2.2/24 dev eth0
    ip -n "$NETNS" link set eth0-peer up
    ip -n "$NETNS" link set eth0 up
    ip -n "$NETNS" route add default via 192.0.2.1 dev eth0
    # shellcheck disable=SC2016
    nsenter --net="/run/netns/$NETNS" -- unshare --mount="$P5_NS/mnt" --propagation private -- \
        /bin/bash -euc '
        R=$1 KEY=$2 UID5=$3 GID5=$4
        mount --bind "$R" "$R"
        mount -t proc proc "$R/proc"
        mount -t sysfs sysfs "$R/sys"
        mount -t tmpfs -o mode=0755,nosuid,nodev,noexec cgroup "$R/sys/fs/cgroup"
        # the host'"'"'s cgroup v1 hierarchies, not the unified cgroup2 one
        findmnt -rn -t cgroup -o TARGET | while read -r t; do
            case "$t" in /sys/fs/cgroup/*) ;; *) continue ;; esac
            mkdir -p "$R$t"
            mount --bind "$t" "$R$t"
        done
        mount -t tmpfs -o mode=0755,nosuid devtmpfs5 "$R/dev"
        d=$R/dev
        mknod -m 0666 "$d/null" c 1 3; mknod -m 0666 "$d/zero" c 1 5
        mknod -m 0666 "$d/full" c 1 7; mknod -m 0666 "$d/random" c 1 8
        mknod -m 0666 "$d/urandom" c 1 9; mknod -m 0666 "$d/tty" c 5 0
        mkdir -m 0755 "$d/net"; mknod -m 0666 "$d/net/tun" c 10 200
        mknod -m 0666 "$d/fuse" c 10 229
        mkdir -m 0755 "$d/pts"
        mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$d/pts"
        ln -s pts/ptmx "$d/ptmx"
        mkdir -m 1777 "$d/shm"; mount -t tmpfs -o mode=1777,nosuid,nodev shm "$d/shm"
        mkdir -m 1777 "$d/mqueue"; mount -t mqueue mqueue "$d/mqueue" || true
        ln -s /proc/self/fd "$d/fd"; ln -s /proc/self/fd/0 "$d/stdin"
        ln -s /proc/self/fd/1 "$d/stdout"; ln -s /proc/self/fd/2 "$d/stderr"
        mount -t tmpfs -o mode=0755,nosuid,nodev run "$R/run"
        mkdir -p "$R/run/host" "$R/run/user" "$R/run/lock"
        install -d -o "$UID5" -g "$GID5" -m 0700 "$R/run/user/$UID5"
        printf "%s\n" "$KEY" > "$R/run/nanoclaw-shim-podman5.key"
        cd "$R"
        pivot_root . run/host
        cd /
    ' _ "$ROOT" "$KEY $ROOT" "$USER_UID" "$USER_GID"
}

if ns_alive; then
    log "namespaces up ($P5_NS/mnt, /run/netns/$NETNS)"
else
    log "starting the namespaces"
    start_ns
    ns_alive || die "the namespaces did not come up"
fi
# the runtime dir lives on the namespace's /run: recreate it if it was removed
in_ns install -d -o "$USER_UID" -g "$USER_GID" -m 0700 "/run/user/$USER_UID"
T_NS=$(date +%s)

as_user() {
    local u=$USER_NAME h=$USER_HOME x=/run/user/$USER_UID
    in_ns /bin/sh -c 'u=$1 h=$2 x=$3; shift 3; cd / && exec runuser -u "$u" -- env -i HOME="$h" \
        USER="$u" LOGNAME="$u" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$x" "$@"' \
        _ "$u" "$h" "$x" "$@"
}

PODMAN_VERSION=$(in_ns podman --version | awk '{print $3}')
map_lines=$(as_user podman unshare cat /proc/self/uid_map 2>/dev/null | wc -l || true)
if [ "$subids_changed" = 1 ] || [ "${map_lines:-0}" -lt 2 ]; then
    log "podman system migrate for $USER_NAME (sub-id mapping changed)"
    as_user podman system migrate >/dev/null 2>&1 || true
fi

TUN_USABLE=no
if as_user sh -c ': <> /dev/net/tun' 2>/dev/null; then TUN_USABLE=yes; fi

# ------------------------------------------------------------ 5. images ---
# build.sh and agent.sh, staged where root and the rootless user inside can read them
STAGE=$ROOT/tmp/nanoclaw-shim-fixture-src
rm -rf "$STAGE"
install -d -m 0755 "$STAGE"
cp "$REPO/fixtures/image/build.sh" "$REPO/fixtures/image/agent.sh" "$STAGE/"
chmod 0755 "$STAGE/build.sh" "$STAGE/agent.sh"
S=/tmp/nanoclaw-shim-fixture-src
log "building $IMAGE (podman 5 rootful)"
in_ns "$S/build.sh" --tag "$IMAGE" >&2
log "building $IMAGE (podman 5 rootless, $USER_NAME)"
as_user "$S/build.sh" --tag "$IMAGE" >&2
# the browser image: its root filesystem tar is made (or found) on the host, cached by content
# hash, and imported from the host's copy, visible inside under /run/host
BROWSER_IMAGE=localhost/nanoclaw-shim-browser:latest
BROWSER_CACHE=${BROWSER_IMAGE_CACHE:-/var/lib/nanoclaw-shim-ci/browser-image}
"$REPO/fixtures/browser-image/build.sh" --rootfs-only >&2
install -d -m 0755 "$STAGE/browser"
cp "$REPO/fixtures/browser-image/build.sh" "$REPO/fixtures/browser-image/browser-agent.sh" "$STAGE/browser/"
chmod 0755 "$STAGE/browser/build.sh" "$STAGE/browser/browser-agent.sh"
log "building $BROWSER_IMAGE (podman 5 rootful)"
in_ns env BROWSER_IMAGE_CACHE="/run/host$BROWSER_CACHE" "$S/browser/build.sh" --tag "$BROWSER_IMAGE" >&2
log "building $BROWSER_IMAGE (podman 5 rootless, $USER_NAME)"
as_user env BROWSER_IMAGE_CACHE="/run/host$BROWSER_CACHE" "$S/browser/build.sh" --tag "$BROWSER_IMAGE" >&2
rm -rf "$STAGE"
T_IMG=$(date +%s)

smoke() { # smoke LABEL CMD... -> "ok" or "FAILED"
    local label=$1 out
    shift
    if out=$("$@" 2>&1 </dev/null) && printf '%s' "$out" | grep -q '"fixture":"nanoclaw-shim-fixture"'; then
        echo ok
    else
        log "smoke test ($label) failed:"; printf '%s\n' "$out" | tail -n 8 >&2
        echo FAILED
    fi
}
ROOTFUL_SMOKE=$(smoke rootful in_ns podman run --rm --network=none "$IMAGE")
ROOTFUL_NET_SMOKE=$(smoke rootful-netavark in_ns podman run --rm "$IMAGE")
ROOTLESS_SMOKE=$(smoke rootless as_user podman run --rm --network=none "$IMAGE")
if [ "$TUN_USABLE" = yes ]; then
    ROOTLESS_NET_SMOKE=$(smoke rootless-pasta as_user podman run --rm "$IMAGE")
else
    ROOTLESS_NET_SMOKE=skipped
fi
T_END=$(date +%s)

# ------------------------------------------------------------ 6. record ---
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then CGROUP_VERSION=2; else CGROUP_VERSION=1; fi
if [ "$CGROUP_VERSION" = 2 ]; then ROOTLESS_LIMITS=yes; else ROOTLESS_LIMITS=no; fi
cat > "$ROOT/etc/nanoclaw-shim-ci/env5.tmp" <<EOF
# written by .ci/podman5-setup.sh; read inside the podman 5 namespace (.ci/podman5-exec)
PODMAN_VERSION=$PODMAN_VERSION
PODMAN_MAJOR=${PODMAN_VERSION%%.*}
FIXTURE_IMAGE=$IMAGE
BROWSER_IMAGE=$BROWSER_IMAGE
CGROUP_VERSION=$CGROUP_VERSION
ROOTLESS_USER=$USER_NAME
ROOTLESS_UID=$USER_UID
ROOTLESS_GID=$USER_GID
ROOTLESS_HOME=$USER_HOME
ROOTLESS_XDG_RUNTIME_DIR=/run/user/$USER_UID
ROOTLESS_SUBIDS=$SUBIDS
ROOTLESS_LIMITS=$ROOTLESS_LIMITS
ROOTLESS_NETWORK=pasta
TUN_USABLE=$TUN_USABLE
ROOTFUL_SMOKE=$ROOTFUL_SMOKE
ROOTFUL_NET_SMOKE=$ROOTFUL_NET_SMOKE
ROOTLESS_SMOKE=$ROOTLESS_SMOKE
ROOTLESS_NET_SMOKE=$ROOTLESS_NET_SMOKE
EOF
chmod 0644 "$ROOT/etc/nanoclaw-shim-ci/env5.tmp"
mv -f "$ROOT/etc/nanoclaw-shim-ci/env5.tmp" "$ROOT/etc/nanoclaw-shim-ci/env5"

echo "podman5-setup: podman $PODMAN_VERSION (trixie root $ROOT), runc, cgroup v$CGROUP_VERSION;" \
     "rootful $ROOTFUL_SMOKE (netavark $ROOTFUL_NET_SMOKE); rootless $USER_NAME (uid $USER_UID," \
     "sub-ids $SUBIDS) $ROOTLESS_SMOKE (pasta $ROOTLESS_NET_SMOKE, tun usable: $TUN_USABLE);" \
     "took $((T_END - T0))s (root $((T_ROOT - T0))s, namespaces $((T_NS - T_ROOT))s," \
     "images $((T_IMG - T_NS))s, smoke $((T_END - T_IMG))s)"

[ "$ROOTFUL_SMOKE" = ok ] && [ "$ROOTLESS_SMOKE" = ok ] || exit 1
