#!/usr/bin/env bash
# benches/profile.sh: where nanoclaw-shim's time goes, for the cases benches/run.sh times.
#
# Run benches/run.sh first (it builds the binaries this script uses). For each wrapper, on the
# argv run.sh uses (nanoclaw v2's `run`, `ps`, and a 1 000-token `run`), prints:
#   - user-space instructions up to the execve of the runtime, from
#     `valgrind --tool=callgrind --dump-before='execve*'` (deterministic; the process never
#     exits, so the dump is taken at the exec), with the top inclusive functions;
#   - the system calls made, from `strace -f -c` (kernel time is what callgrind cannot see).
# Callgrind output files stay in target/bench/profile/ for callgrind_annotate / kcachegrind.
# The v2 `run` is profiled again with NANOCLAW_SHIM_LOG=off and =debug (its lines to /dev/null),
# and with --baseline, a second shim binary (an earlier build) too, so that the cost of the
# diagnostics switch when off is one number: the difference in instructions.
#
# Usage: benches/profile.sh [--top N] [--baseline NANOCLAW-SHIM-BINARY]
# Needs: valgrind, strace, jq.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
case $TARGET in /*) ;; *) TARGET=$REPO/$TARGET ;; esac
BIN=$TARGET/bench/bin
OUT=$TARGET/bench/profile
TOP=25
BASELINE=
while [ $# -gt 0 ]; do
  case $1 in
    --top) TOP=${2:?--top needs a number}; shift ;;
    --baseline) BASELINE=${2:?--baseline needs a binary}; shift ;;
    *) echo "profile.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

for tool in valgrind callgrind_annotate strace jq; do
  command -v "$tool" >/dev/null || { echo "profile.sh: $tool is not installed" >&2; exit 2; }
done
[ -x "$BIN/docker" ] || { echo "profile.sh: run benches/run.sh first" >&2; exit 2; }
unset NANOCLAW_SHIM_ACTIVE NANOCLAW_SHIM_LOG
export NANOCLAW_SHIM_RUNTIME=$BIN/podman NANOCLAW_SHIM_POLICY=$REPO/policy/default.toml
# The shim's cache lives apart from $OUT: every profile writes files into $OUT, and the shim
# trusts what it remembered only while the directories above its cache folder are unchanged.
export XDG_CACHE_HOME=$TARGET/bench/profile-cache
rm -rf "$OUT" "$XDG_CACHE_HOME" && mkdir -p "$OUT" "$XDG_CACHE_HOME"

# shellcheck source=benches/lib.sh
. "$REPO/benches/lib.sh"
load_argvs
trap 'rm -rf "$HOSTFS"' EXIT
scale_argv 1000

# With COLD=1, the shim's host-path memory is deleted before each measurement.
forget() {
  if [ "${COLD:-}" = 1 ]; then find "$XDG_CACHE_HOME" -name 'host-*' -delete 2>/dev/null || true; fi
}

# profile NAME PROGRAM ARG...
profile() {
  local name=$1 file=$OUT/$1.callgrind
  shift
  "$@" >/dev/null 2>&1 || { echo "profile.sh: $name does not run" >&2; exit 1; } # fills caches
  forget
  valgrind --tool=callgrind --dump-before='execve*' --callgrind-out-file="$file" "$@" >/dev/null 2>&1 || true
  # The dump before execve is part 1 (a wrapper that fails before exec dumps at exit instead).
  [ -s "$file.1" ] && file=$file.1
  TOTAL[$name]=$(sed -n 's/^totals: //p' "$file")
  echo "== $name: ${TOTAL[$name]} instructions (user space, to the exec)"
  # (head closes the pipe early: not an error)
  { callgrind_annotate --inclusive=yes "$file" 2>/dev/null |
    sed -n '/^Ir .*file:function/,$p' | sed '1,2d' | grep -v '^$' | head -n "$TOP" | cut -c1-160; } || true
  echo "-- system calls (strace -f -c, the runtime's included)"
  forget
  strace -f -c -o "$OUT/$name.strace" "$@" >/dev/null 2>&1 || true
  { awk 'NR > 2 && $1 !~ /^-/ { n = $4 ~ /^[0-9]+$/ ? $4 : $3; printf "   %-18s %s\n", $NF, n }' \
    "$OUT/$name.strace" | sort -k2 -n -r | head -12; } || true
  echo
}

declare -A TOTAL
# The shim remembers what it resolved only from directories unchanged for 2 s (src/hostmemo.rs):
# the profiles show the steady state, and shim-run-cold a run with nothing remembered.
"$BIN/docker" "${RUN_ARGV[@]}" >/dev/null 2>&1 || true # creates the cache folder
sleep 2.2
COLD=1 profile shim-run-cold "$BIN/docker" "${RUN_ARGV[@]}"
profile sh-wrapper "$BIN/docker-sh" "${RUN_ARGV[@]}"
profile exec-floor "$BIN/exec-floor" "${RUN_ARGV[@]}"
profile shim-run "$BIN/docker" "${RUN_ARGV[@]}"
profile shim-ps "$BIN/docker" "${PS_ARGV[@]}"
profile shim-run-1000 "$BIN/docker" "${SCALE_ARGV[@]}"
NANOCLAW_SHIM_LOG=off profile shim-run-log-off "$BIN/docker" "${RUN_ARGV[@]}"
NANOCLAW_SHIM_LOG=debug profile shim-run-log-debug "$BIN/docker" "${RUN_ARGV[@]}"
if [ -n "$BASELINE" ]; then
  # The personality comes from argv[0]: the baseline runs as `docker` too.
  mkdir -p "$OUT/baseline" && ln -sfn "$(realpath "$BASELINE")" "$OUT/baseline/docker"
  profile baseline-run "$OUT/baseline/docker" "${RUN_ARGV[@]}"
fi
echo "== NANOCLAW_SHIM_LOG on the v2 run (instructions to the exec)"
printf '   %-34s %12s\n' "unset" "${TOTAL[shim-run]}" "off" "${TOTAL[shim-run-log-off]}" \
  "debug (lines to /dev/null)" "${TOTAL[shim-run-log-debug]}"
if [ -n "$BASELINE" ]; then
  printf '   %-34s %12s\n' "unset, the --baseline binary" "${TOTAL[baseline-run]}"
fi
echo
echo "callgrind files: $OUT/*.callgrind* (callgrind_annotate --inclusive=yes FILE)"
