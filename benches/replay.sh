#!/usr/bin/env bash
# benches/replay.sh: what the system calls of a nanoclaw `run` cost on their own, as a floor
# beneath any wrapper that has to make them.
#
# Run benches/run.sh first (it builds the binaries, the replaying floor among them). For the
# build install.sh makes (musl when its target is installed, else static glibc, else the
# dynamic build), this script:
#   1. lets the shim settle on nanoclaw v2's `run` argv (the memory filled, two calls 2.5 s apart)
#      and records one settled call's system calls with `strace`;
#   2. turns them into a script for `replay-floor` (benches/exec-floor/src/bin/replay-floor.rs):
#      the exec floor, linked as the shim is, that makes the same calls on the same paths
#      through the same std functions and then execs the runtime, and nothing else;
#   3. times, paired (benches/paired.c) with the floor: the full replay, each group of calls
#      alone, the full replay with the fresh pages the shim writes beyond the floor's, and the
#      shim.
# Every case gets the same environment (the replay script included), so the floors differ from
# one another only in the calls they make.
#
# Usage: benches/replay.sh [--rounds N] [--pages N]
#   --rounds  paired rounds (default 1500)
#   --pages   fresh pages the "+ pages" case writes (default 25: a settled musl `run` takes 42
#             page faults in its own process, the musl floor 17; `perf stat -e page-faults`)
# Needs: strace, python3 (for the medians), and what run.sh needs.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
case $TARGET in /*) ;; *) TARGET=$REPO/$TARGET ;; esac
BIN=$TARGET/bench/bin
OUT=$TARGET/bench/replay
ROUNDS=1500
PAGES=25
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
    --pages) PAGES=${2:?--pages needs a number}; shift ;;
    *) echo "replay.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in strace python3; do
  command -v "$tool" >/dev/null || { echo "replay.sh: $tool is not installed" >&2; exit 2; }
done

# The build install.sh makes, and the floor linked as it is.
for dir in "$BIN/musl" "$BIN/static" "$BIN"; do
  [ -x "$dir/docker" ] && [ -x "$dir/exec-floor" ] && break
done
[ -x "$dir/docker" ] || { echo "replay.sh: run benches/run.sh first" >&2; exit 2; }
SHIM=$dir/docker
FLOOR=$(readlink -f "$dir/exec-floor")
REPLAY_FLOOR=$(dirname "$FLOOR")/replay-floor
[ -x "$REPLAY_FLOOR" ] || { echo "replay.sh: $REPLAY_FLOOR missing (rerun benches/run.sh)" >&2; exit 2; }

unset NANOCLAW_SHIM_ACTIVE NANOCLAW_SHIM_LOG
export NANOCLAW_SHIM_RUNTIME=$BIN/podman NANOCLAW_SHIM_POLICY=$REPO/policy/default.toml
# The cache folder and the directories above it are witnesses of the shim's memory: everything
# this script writes goes to $OUT, made before the shim settles.
export XDG_CACHE_HOME=$TARGET/bench/replay-cache
rm -rf "$OUT" "$XDG_CACHE_HOME" && mkdir -p "$OUT" "$XDG_CACHE_HOME"
# shellcheck source=benches/lib.sh
. "$REPO/benches/lib.sh"
load_argvs
trap 'rm -rf "$HOSTFS"' EXIT

echo "== settling $SHIM"
for _ in 1 2 3; do
  "$SHIM" "${RUN_ARGV[@]}" >/dev/null
  sleep 2.5
done
strace -o "$OUT/run.strace" "$SHIM" "${RUN_ARGV[@]}" >/dev/null

# One op per system call of the shim's own process (up to the runtime's execve), by group:
#   start    the working directory, the binary's path, the ids, the policy's trust walk and read
#            (everything up to and including the policy's read);
#   memory   the remembered files read (under XDG_CACHE_HOME);
#   sources  the bind sources' components, resolved (under HOSTFS);
#   checks   the rest: the memory's witnesses and keys (`lstat`s and `stat`s).
# Calls std makes for any program (the floor makes them too) and the allocator's are left out.
awk -v policy="$NANOCLAW_SHIM_POLICY" -v cache="$XDG_CACHE_HOME/" -v hostfs="$HOSTFS/" '
  /^execve\(/ { if (++n == 2) exit; next }
  { match($0, /"[^"]*"/); path = substr($0, RSTART + 1, RLENGTH - 2) }
  /^lstat\(/ { op = "l:" path }
  /^(stat|statx|newfstatat)\(/ { op = "s:" path }
  /^(open|openat)\(/ { op = "r:" path }
  /^getcwd\(/ { op = "c" }
  /^readlink\("\/proc\/self\/exe"/ { op = "e" }
  /^(getpid|geteuid|getuid|getegid|getgid)\(/ { op = "p" }
  op == "" { next }
  {
    group = !started ? "start" : index(path, cache) == 1 ? "memory" : index(path, hostfs) == 1 ? "sources" : "checks"
    if (op == "r:" policy) started = 1
    print group, op
    op = ""
  }
' "$OUT/run.strace" >"$OUT/ops"
# Every case carries the same-sized environment: the kernel copies it at both execs, and a few
# KiB more or less moves a call by several per cent (the argv alone does; ninth pass). A group's
# script is padded with spaces to the length of the full one plus the pages op.
ALL=$(awk '{ printf "%s ", $2 }' "$OUT/ops")
WIDTH=$((${#ALL} + ${#PAGES} + 3))
ops() { awk -v g="$1" -v w="$WIDTH" '$1 == g || g == "all" { s = s $2 " " } END { printf "%-*s", w, s }' "$OUT/ops"; }
echo "== the shim's calls, by group"
awk '{ n[$1]++ } END { for (g in n) printf "   %-8s %d\n", g, n[g] }' "$OUT/ops" | sort

export REPLAY="$(ops all)"
cases=(floor "$FLOOR" "${RUN_ARGV[@]}" -- replay "$REPLAY_FLOOR" "${RUN_ARGV[@]}" --)
for g in start checks memory sources; do
  cases+=("replay-$g" "REPLAY=$(ops "$g")" "$REPLAY_FLOOR" "${RUN_ARGV[@]}" --)
done
cases+=(replay+pages "REPLAY=$ALL a:$PAGES" "$REPLAY_FLOOR" "${RUN_ARGV[@]}" --)
cases+=(shim "$SHIM" "${RUN_ARGV[@]}")
echo "== paired, $ROUNDS rounds"
"$BIN/paired" "$ROUNDS" 20 "${cases[@]}" >"$OUT/paired.txt"
python3 - "$OUT/paired.txt" <<'EOF'
import collections, statistics, sys
t = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3 and f[0].isdigit():
        t[f[1]][int(f[0])] = float(f[2])
def ratio(a, b):
    return statistics.median(t[a][r] / t[b][r] for r in t[a].keys() & t[b].keys())
print(f"   {'case':16s} {'median':>9s} {'/ floor':>8s}")
for name in t:
    print(f"   {name:16s} {statistics.median(t[name].values()) * 1e3:7.3f} ms {ratio(name, 'floor'):8.3f}")
EOF
