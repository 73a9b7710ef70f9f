#!/usr/bin/env bash
# benches/run.sh: what nanoclaw-shim costs per `docker` invocation, against its floors.
#
# Builds what it needs (the shim with `cargo build --release`, the fake runtime, the exec floor),
# then measures with hyperfine, in this one run on this one machine:
#   1  the fake runtime called directly (the floor: execve + exit)
#   2  a /bin/sh wrapper shaped like podman-docker's /usr/bin/docker, exec'ing the fake runtime
#   3  a minimal Rust program that only execs the fake runtime (the floor for a compiled wrapper)
#   4  nanoclaw-shim as `docker`, policy/default.toml loaded from a file, nanoclaw v2's `run` argv
#   5  the same for a passthrough command (nanoclaw's `ps --filter ... --format ...`)
#   6  4 with the decision log on (when this build has one; else "skipped")
#   7  4 with nothing remembered: the host-path memory (resolved lists, mounted directories'
#      facts) is deleted before every run, so each run resolves and writes it again
#   8  4 with an edited policy (the default plus a comment): parsed once, then remembered
# then the target ratios (4/2, 4/3, 5/2, and for the static builds 4s/2, 4s/3s, 5s/2 and 4m/2,
# 4m/3m, 5m/2) measured
# paired; then argv scaling (10 .. 10 000 arguments), policy scaling (1, 10, 100 profiles, when
# supported) and peak RSS.
#
# Timings are medians over ROUNDS x RUNS runs per case. Each round runs every case once, in an
# order rotated per round, so load from other processes lands on all cases alike; compare the
# ratios of one run, not absolute times across runs or machines.
#
# The target ratios are judged paired (benches/paired.c): one call of each case per round, order
# shuffled, PAIRED_ROUNDS rounds, and the median of the per-round ratios. hyperfine runs a case's
# calls back to back, and on a shared virtual machine a block of them can fall in a burst of
# noise the block it is compared with misses; back to back, each call also finds its binary's
# pages warm from the call before, which nanoclaw's calls, seconds apart, do not. The ratios of
# hyperfine's pooled medians are printed for context (docs/PERFORMANCE.md shows how far they
# move between runs).
#
# Usage: benches/run.sh [--quick] [--rounds N] [--runs N] [--paired-rounds N]
#                       [--variants|--no-variants] [--no-build]
#   --quick     a few runs per case: checks the harness works (numbers are meaningless)
#   --rounds N  rounds per case (default 10)
#   --runs N    runs per case per round (default 120; rounds x runs >= 1000 for the headline)
#   --paired-rounds N  rounds of the paired measurement (default 2000)
#   --variants  also build and measure the shim and the exec floor linked statically: with
#               glibc (-C target-feature=+crt-static, rows 3s-5s) and, when the musl target is
#               installed (rustup target add x86_64-unknown-linux-musl), with musl (rows
#               3m-5m), which is what install.sh builds when it can (on by default except with
#               --quick; --no-variants turns it off)
#   --no-build  use the binaries of an earlier run as they are
# Needs: cargo, gcc, hyperfine, jq (Debian: apt-get install hyperfine jq gcc).
# Exit status: 0 when every case ran (targets missed are reported, not failed), 1 when a case
# failed, 2 on a usage or environment error.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_SRC=$REPO/benches
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
case $TARGET in /*) ;; *) TARGET=$REPO/$TARGET ;; esac
OUT=$TARGET/bench
BIN=$OUT/bin
WORK=$OUT/work
# Scratch files written while timing live apart from $WORK, which holds policies and logs: the
# shim remembers its resolved lists only while the directories they lie in are unchanged.
SCRATCH=$OUT/scratch
RES=$OUT/results

ROUNDS=10 RUNS=120 WARMUP=20
PAIRED_ROUNDS=2000
SCALE_ROUNDS=5 SCALE_RUNS=40
RSS_RUNS=20
SIZES="10 100 1000 10000"
PROFILE_COUNTS="1 10 100"
QUICK=0 VARIANTS=1 BUILD=1
ARGS_GIVEN="$*"

die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }
need_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive integer"; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 VARIANTS=0 ROUNDS=1 RUNS=5 WARMUP=1 SCALE_ROUNDS=1 SCALE_RUNS=3 RSS_RUNS=2 PAIRED_ROUNDS=5 ;;
    --paired-rounds) need_int "$1" "${2:-}"; PAIRED_ROUNDS=$2; shift ;;
    --rounds) need_int "$1" "${2:-}"; ROUNDS=$2; shift ;;
    --runs) need_int "$1" "${2:-}"; RUNS=$2; shift ;;
    --variants) VARIANTS=1 ;;
    --no-variants) VARIANTS=0 ;;
    --no-build) BUILD=0 ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
  shift
done

for tool in cargo gcc hyperfine jq; do
  command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install hyperfine jq gcc)"
done
# A shim in this environment would refuse to run (it guards against calling itself).
unset NANOCLAW_SHIM_ACTIVE NANOCLAW_SHIM_RUNTIME NANOCLAW_SHIM_POLICY

ms() { awk -v s="$1" 'BEGIN { printf "%.3f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "MISSED") }'; }
# shellcheck source=benches/lib.sh
. "$BENCH_SRC/lib.sh"

# ------------------------------------------------------------------ build ---
mkdir -p "$BIN" "$RES"
rm -rf "$WORK" "$SCRATCH" && mkdir -p "$WORK" "$SCRATCH"
SHIM=$TARGET/release/nanoclaw-shim
FLOOR=$TARGET/bench/exec-floor/release/exec-floor
HOST=$(rustc -vV | sed -n 's/^host: //p')
# Whether a binary's start-up relocations are packed (RELR): build.rs asks for it on static
# glibc builds; `readelf` comes with gcc's binutils.
relocs_packed() { LC_ALL=C readelf -SW "$1" 2>/dev/null | grep -q '\.relr\.dyn'; }
STATIC_SHIM=$TARGET/bench/static/$HOST/release/nanoclaw-shim
STATIC_FLOOR=$TARGET/bench/static-exec-floor/$HOST/release/exec-floor
# The musl build install.sh makes where the target is installed (x86_64-unknown-linux-gnu ->
# x86_64-unknown-linux-musl); MUSL=0 when it is not, and its rows are skipped.
MUSL_TARGET=${HOST%%-linux-gnu*}-linux-musl
MUSL=0
if [ "$VARIANTS" = 1 ] && [ "$MUSL_TARGET" != "$HOST" ] &&
  [ -d "$(rustc --print sysroot)/lib/rustlib/$MUSL_TARGET/lib" ]; then
  MUSL=1
fi
MUSL_SHIM=$TARGET/bench/musl/$MUSL_TARGET/release/nanoclaw-shim
MUSL_FLOOR=$TARGET/bench/musl-exec-floor/$MUSL_TARGET/release/exec-floor

if [ "$BUILD" = 1 ]; then
  echo "== build"
  (cd "$REPO" && cargo build --release --quiet)
  cargo build --release --quiet --manifest-path "$BENCH_SRC/exec-floor/Cargo.toml" \
    --target-dir "$TARGET/bench/exec-floor"
  if ! gcc -O2 -static -o "$BIN/podman" "$BENCH_SRC/fake-runtime.c" 2>/dev/null; then
    echo "note: no static libc; the fake runtime is linked dynamically"
    gcc -O2 -o "$BIN/podman" "$BENCH_SRC/fake-runtime.c"
  fi
  gcc -O2 -o "$BIN/peak-rss" "$BENCH_SRC/peak-rss.c"
  gcc -O2 -o "$BIN/paired" "$BENCH_SRC/paired.c"
  if [ "$VARIANTS" = 1 ]; then
    variant_build static
    # The floor is linked as the shim is: with packed relocations when build.rs chose them
    # (static glibc >= 2.36), so that 4s/3s compares the work done, not the link.
    floor_flags="-C target-feature=+crt-static"
    if relocs_packed "$STATIC_SHIM"; then
      floor_flags="$floor_flags -C link-arg=-Wl,-z,pack-relative-relocs"
    fi
    RUSTFLAGS="$floor_flags" cargo build --release --quiet \
      --manifest-path "$BENCH_SRC/exec-floor/Cargo.toml" --target "$HOST" \
      --target-dir "$TARGET/bench/static-exec-floor"
  fi
  if [ "$MUSL" = 1 ]; then
    # musl links statically by default; the shim and the floor are linked alike (with packed
    # relocations when build.rs found that this musl applies them).
    variant_build musl
    floor_flags=""
    if relocs_packed "$MUSL_SHIM"; then floor_flags="-C link-arg=-Wl,-z,pack-relative-relocs"; fi
    RUSTFLAGS="$floor_flags" cargo build --release --quiet --manifest-path "$BENCH_SRC/exec-floor/Cargo.toml" \
      --target "$MUSL_TARGET" --target-dir "$TARGET/bench/musl-exec-floor"
  fi
fi
for f in "$SHIM" "$FLOOR" "$BIN/podman" "$BIN/peak-rss" "$BIN/paired"; do
  [ -x "$f" ] || die "missing $f (run without --no-build)"
done
# Each binary under the name the case needs; the shim's personality comes from argv[0].
ln -sfn "$SHIM" "$BIN/docker"
ln -sfn "$FLOOR" "$BIN/exec-floor"
sed "s#@RUNTIME@#$BIN/podman#" "$BENCH_SRC/docker-sh.in" >"$BIN/docker-sh"
chmod 755 "$BIN/docker-sh"
if [ "$VARIANTS" = 1 ]; then
  for f in "$STATIC_SHIM" "$STATIC_FLOOR"; do [ -x "$f" ] || die "missing $f (run without --no-build)"; done
  mkdir -p "$BIN/static"
  ln -sfn "$STATIC_SHIM" "$BIN/static/docker"
  ln -sfn "$STATIC_FLOOR" "$BIN/static/exec-floor"
fi
if [ "$MUSL" = 1 ]; then
  for f in "$MUSL_SHIM" "$MUSL_FLOOR"; do [ -x "$f" ] || die "missing $f (run without --no-build)"; done
  mkdir -p "$BIN/musl"
  ln -sfn "$MUSL_SHIM" "$BIN/musl/docker"
  ln -sfn "$MUSL_FLOOR" "$BIN/musl/exec-floor"
fi

POLICY=$REPO/policy/default.toml
export NANOCLAW_SHIM_RUNTIME=$BIN/podman NANOCLAW_SHIM_POLICY=$POLICY
# The shim caches the runtime's `--version` under XDG_CACHE_HOME: keep it out of the user's
# cache. The first (untimed) call of every case fills it, as the first real call would.
export XDG_CACHE_HOME=$WORK/cache
load_argvs
trap 'rm -rf "$HOSTFS"' EXIT
RUN_CMD=$(cmdline "${RUN_ARGV[@]}")
PS_CMD=$(cmdline "${PS_ARGV[@]}")

# ---------------------------------------------------------------- machine ---
echo "== machine"
echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "kernel:    $(uname -srm)"
echo "cpu:       $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) online"
echo "memory:    $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (start)"
echo "tools:     $(hyperfine --version), $(rustc --version | cut -d' ' -f1-2), gcc $(gcc -dumpfullversion)"
if rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null); then
  git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock policy || rev+=", with uncommitted changes to src/, Cargo.* or policy/"
else
  rev="not a git checkout"
fi
echo "shim:      $SHIM ($rev)"
echo "           $(stat -c %s "$SHIM") bytes, $( (ldd "$SHIM" 2>/dev/null || true) | grep -c '=>') shared libraries"
echo "runtime:   fake ($(file -b "$BIN/podman" 2>/dev/null | cut -d, -f1-2 || echo binary)), NANOCLAW_SHIM_RUNTIME=$BIN/podman"
if [ "$VARIANTS" = 1 ]; then
  for f in "$STATIC_SHIM" "$STATIC_FLOOR"; do
    if relocs_packed "$f"; then how="packed (RELR)"; else how="one Elf64_Rela each"; fi
    echo "static:    $(basename "$f"): $(stat -c %s "$f") bytes, start-up relocations $how"
  done
  if [ "$MUSL" = 1 ]; then
    if relocs_packed "$MUSL_SHIM"; then how="packed (RELR)"; else how="one Elf64_Rela each"; fi
    echo "musl:      $MUSL_TARGET, $(stat -c %s "$MUSL_SHIM") bytes (the build install.sh makes), start-up relocations $how"
  else
    echo "musl:      $MUSL_TARGET not installed: rows 3m-5m skipped, install.sh builds static glibc"
  fi
fi
echo "policy:    NANOCLAW_SHIM_POLICY=$POLICY"
echo "runs:      $ROUNDS rounds x $RUNS runs per case (+$WARMUP warm-up per round)"
echo "command:   benches/run.sh${ARGS_GIVEN:+ $ARGS_GIVEN}"

# ----------------------------------------------------------------- cases ---
# A case: name, command line for hyperfine (-N: no shell), extra environment (NAME=VALUE ...).
declare -A CMD ENVS PREP
CASES=()
add_case() { CASES+=("$1"); CMD[$1]=$2; ENVS[$1]=${3:-}; }

# Runs once, outside the timing: a case that does not exit 0 fails the harness here, with the
# shim's message, rather than as a hyperfine error.
check_case() {
  local name=$1 err=$SCRATCH/check.err
  # shellcheck disable=SC2086
  if ! eval "env ${ENVS[$name]} ${CMD[$name]}" >/dev/null 2>"$err"; then
    echo "case $name failed:" >&2
    cat "$err" >&2
    exit 1
  fi
}

# bench NAME ROUNDS RUNS WARMUP CASE...: every case once per round, rotated; pooled times land in
# $RES/NAME/<case>.times (seconds, one per line).
bench() {
  local set=$1 rounds=$2 runs=$3 warmup=$4
  shift 4
  local cases=("$@") n=$# r i c json
  rm -rf "${RES:?}/$set" && mkdir -p "$RES/$set"
  for c in "${cases[@]}"; do check_case "$c"; done
  for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < n; i++)); do
      c=${cases[$(((i + r) % n))]}
      json=$SCRATCH/round.json
      # shellcheck disable=SC2086
      local prep=()
      [ -n "${PREP[$c]:-}" ] && prep=(--prepare "${PREP[$c]}")
      if ! env ${ENVS[$c]} hyperfine -N --style none --warmup "$warmup" --runs "$runs" "${prep[@]}" \
        --export-json "$json" --command-name "$c" "${CMD[$c]}" >/dev/null 2>"$SCRATCH/hyperfine.err"; then
        echo "hyperfine failed for case $c:" >&2
        cat "$SCRATCH/hyperfine.err" >&2
        exit 1
      fi
      jq -r '.results[0].times[]' "$json" >>"$RES/$set/$c.times"
    done
  done
}

# stats SET CASE -> "median mean p10 p90 n" in seconds
stats() {
  sort -g "$RES/$1/$2.times" | awk '
    { v[NR] = $1; s += $1 }
    END {
      if (NR == 0) { print "0 0 0 0 0"; exit }
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      p10 = v[int((NR - 1) * 0.1) + 1]; p90 = v[int((NR - 1) * 0.9) + 1]
      printf "%.9f %.9f %.9f %.9f %d\n", med, s / NR, p10, p90, NR
    }'
}
median() { stats "$1" "$2" | cut -d' ' -f1; }

row() { # SET CASE LABEL
  local m mean p10 p90 n
  read -r m mean p10 p90 n < <(stats "$1" "$2")
  printf '  %-44s %8s ms  (p10 %s, p90 %s, mean %s; %d runs)\n' "$3" "$(ms "$m")" \
    "$(ms "$p10")" "$(ms "$p90")" "$(ms "$mean")" "$n"
}

# Writes a policy from the first decision-log template this build accepts and that writes its
# log; prints its path, or returns 1 when no template is accepted.
LOG_FILE=$WORK/decisions.log
detect_log() {
  local t policy
  for t in "$BENCH_SRC"/policies/decision-log.*.toml.in; do
    [ -e "$t" ] || continue
    policy=$WORK/log-$(basename "$t" .toml.in).toml
    { cat "$POLICY"; sed "s#@LOG@#$LOG_FILE#g" "$t"; } >"$policy"
    "$SHIM" policy check "$policy" >/dev/null 2>&1 || continue
    rm -f "$LOG_FILE"
    NANOCLAW_SHIM_POLICY=$policy "$BIN/docker" "${RUN_ARGV[@]}" >/dev/null 2>&1 || continue
    [ -s "$LOG_FILE" ] || continue
    printf '%s\n' "$policy"
    return 0
  done
  return 1
}

# Writes a policy with N profiles from the first template this build accepts; prints its path.
PROFILE_TEMPLATE=
detect_profiles() {
  local t policy
  for t in "$BENCH_SRC"/policies/profile.*.toml.in; do
    [ -e "$t" ] || continue
    policy=$WORK/profiles-probe.toml
    { cat "$POLICY"; sed "s#@I@#1#g" "$t"; } >"$policy"
    if "$SHIM" policy check "$policy" >/dev/null 2>&1; then
      PROFILE_TEMPLATE=$t
      return 0
    fi
  done
  return 1
}
profiles_policy() {
  local n=$1 i policy=$WORK/profiles-$1.toml
  { cat "$POLICY"; for ((i = 1; i <= n; i++)); do sed "s#@I@#$i#g" "$PROFILE_TEMPLATE"; done; } >"$policy"
  printf '%s\n' "$policy"
}

# ------------------------------------------------------- 1-6: per call ---
add_case fake "$(cmdline "$BIN/podman" "${RUN_ARGV[@]}")"
add_case sh "$(cmdline "$BIN/docker-sh") $RUN_CMD"
add_case floor "$(cmdline "$BIN/exec-floor") $RUN_CMD"
add_case run "$(cmdline "$BIN/docker") $RUN_CMD"
add_case ps "$(cmdline "$BIN/docker") $PS_CMD"
MAIN=(fake sh floor run ps)
if LOG_POLICY=$(detect_log); then
  add_case log "$(cmdline "$BIN/docker") $RUN_CMD" "NANOCLAW_SHIM_POLICY=$LOG_POLICY"
  MAIN+=(log)
fi
# An edited policy: the default with one comment line added, so it is no longer recognised as
# the shipped file and its parse is what is remembered (case 8).
EDITED_POLICY=$WORK/edited.toml
{ cat "$POLICY"; echo "# edited: no longer the shipped file, byte for byte"; } >"$EDITED_POLICY"
add_case edited "$(cmdline "$BIN/docker") $RUN_CMD" "NANOCLAW_SHIM_POLICY=$EDITED_POLICY"
MAIN+=(edited)
# The memory in the cache folder: deleted before each run of case 7 (hyperfine --prepare).
COLD_CACHE=$WORK/cold-cache
mkdir -p "$COLD_CACHE"
add_case cold "$(cmdline "$BIN/docker") $RUN_CMD" "XDG_CACHE_HOME=$COLD_CACHE"
PREP[cold]="find $COLD_CACHE -name host-* -delete"
MAIN+=(cold)
if [ "$VARIANTS" = 1 ]; then
  add_case floor-static "$(cmdline "$BIN/static/exec-floor") $RUN_CMD"
  add_case run-static "$(cmdline "$BIN/static/docker") $RUN_CMD"
  add_case ps-static "$(cmdline "$BIN/static/docker") $PS_CMD"
  MAIN+=(floor-static run-static ps-static)
fi
if [ "$MUSL" = 1 ]; then
  add_case floor-musl "$(cmdline "$BIN/musl/exec-floor") $RUN_CMD"
  add_case run-musl "$(cmdline "$BIN/musl/docker") $RUN_CMD"
  add_case ps-musl "$(cmdline "$BIN/musl/docker") $PS_CMD"
  MAIN+=(floor-musl run-musl ps-musl)
fi

# The shim remembers resolved host-path lists only from directories unchanged for 2 s (see
# src/hostmemo.rs); the source tree above and the binaries were made moments ago.
sleep 2.2
echo
echo "== per invocation: median wall time (hyperfine -N, ${#RUN_ARGV[@]}-token v2 run argv)"
bench main "$ROUNDS" "$RUNS" "$WARMUP" "${MAIN[@]}"
row main fake "1 fake runtime, direct (floor)"
row main sh "2 sh wrapper (podman-docker shape)"
row main floor "3 minimal Rust exec wrapper"
row main run "4 nanoclaw-shim run (v2 argv)"
row main ps "5 nanoclaw-shim ps (passthrough)"
if [[ " ${MAIN[*]} " == *" log "* ]]; then
  row main log "6 nanoclaw-shim run, decision log on"
else
  printf '  %-44s skipped: not supported by this build\n' "6 nanoclaw-shim run, decision log on"
fi
row main cold "7 nanoclaw-shim run, nothing remembered"
row main edited "8 nanoclaw-shim run, an edited policy"
if [ "$VARIANTS" = 1 ]; then
  row main floor-static "3s minimal Rust exec wrapper, crt-static"
  row main run-static "4s nanoclaw-shim run, crt-static"
  row main ps-static "5s nanoclaw-shim ps, crt-static"
fi
if [ "$MUSL" = 1 ]; then
  row main floor-musl "3m minimal Rust exec wrapper, musl"
  row main run-musl "4m nanoclaw-shim run, musl"
  row main ps-musl "5m nanoclaw-shim ps, musl"
fi

M_FAKE=$(median main fake) M_SH=$(median main sh) M_FLOOR=$(median main floor)
M_RUN=$(median main run) M_PS=$(median main ps)
echo
echo "ratios of the pooled medians above (context; the targets are judged paired, below):"
printf '  4/2 %s   4/3 %s   5/2 %s   3/2 %s' "$(ratio "$M_RUN" "$M_SH")" "$(ratio "$M_RUN" "$M_FLOOR")" \
  "$(ratio "$M_PS" "$M_SH")" "$(ratio "$M_FLOOR" "$M_SH")"
if [ "$VARIANTS" = 1 ]; then
  M_RS=$(median main run-static) M_PSS=$(median main ps-static) M_FS=$(median main floor-static)
  printf '   4s/2 %s   4s/3s %s   5s/2 %s' "$(ratio "$M_RS" "$M_SH")" "$(ratio "$M_RS" "$M_FS")" \
    "$(ratio "$M_PSS" "$M_SH")"
fi
echo
printf 'shim work over the exec floor (4-3):        %s ms\n' "$(ms "$(awk -v a="$M_RUN" -v b="$M_FLOOR" 'BEGIN { print a - b }')")"
if [[ " ${MAIN[*]} " == *" log "* ]]; then
  printf 'ratio 6/4 (decision log on / off):          %s\n' "$(ratio "$(median main log)" "$M_RUN")"
else
  echo "ratio 6/4 (decision log on / off):          skipped: not supported by this build"
fi
printf 'ratio 7/4 (nothing remembered / remembered): %s\n' "$(ratio "$(median main cold)" "$M_RUN")"
printf 'ratio 8/4 (an edited policy / the shipped one): %s\n' "$(ratio "$(median main edited)" "$M_RUN")"

# ------------------------------------------------------ paired targets ---
PAIRED=(sh floor run ps)
if [ "$VARIANTS" = 1 ]; then
  add_case edited-static "$(cmdline "$BIN/static/docker") $RUN_CMD" "NANOCLAW_SHIM_POLICY=$EDITED_POLICY"
  PAIRED+=(floor-static run-static ps-static edited-static)
fi
if [ "$MUSL" = 1 ]; then
  add_case edited-musl "$(cmdline "$BIN/musl/docker") $RUN_CMD" "NANOCLAW_SHIM_POLICY=$EDITED_POLICY"
  PAIRED+=(floor-musl run-musl ps-musl edited-musl)
fi
paired_args=()
for c in "${PAIRED[@]}"; do
  # shellcheck disable=SC2086
  eval "set -- ${ENVS[$c]} ${CMD[$c]}"
  paired_args+=("$c" "$@" --)
done
PAIRED_OUT=$RES/paired.txt
echo
echo "== targets, paired: ${#PAIRED[@]} cases, one call each per round, order shuffled, $PAIRED_ROUNDS rounds"
"$BIN/paired" "$PAIRED_ROUNDS" 20 "${paired_args[@]}" >"$PAIRED_OUT" || { echo "the paired measurement failed" >&2; exit 1; }
# paired_ratio A B: the median over rounds of (A's time / B's time) in the same round.
paired_ratio() {
  awk -v a="$1" -v b="$2" '$2 == a { ta[$1] = $3 } $2 == b { tb[$1] = $3 }
    END { for (r in ta) if (r in tb) print ta[r] / tb[r] }' "$PAIRED_OUT" |
    sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
paired_median() {
  awk -v a="$1" '$2 == a { print $3 }' "$PAIRED_OUT" | sort -g |
    awk '{ v[NR] = $1 } END { printf "%.3f", 1000 * ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
for c in "${PAIRED[@]}"; do printf '  %-14s %s ms (median of %s calls)\n' "$c" "$(paired_median "$c")" "$PAIRED_ROUNDS"; done
target() { # LABEL A B LIMIT
  local r
  r=$(paired_ratio "$2" "$3")
  printf 'ratio %-40s %s   target <= %s  %s\n' "$1" "$r" "$4" "$(verdict "$r" "$4")"
}
context() { # LABEL A B WHY: a ratio printed for context, not judged
  printf 'ratio %-40s %s   (context: %s)\n' "$1" "$(paired_ratio "$2" "$3")" "$4"
}
target "4/2 (shim run / sh wrapper):" run sh 1.00
target "4/3 (shim run / Rust exec floor):" run floor 1.15
target "5/2 (shim ps / sh wrapper):" ps sh 1.00
if [ "$VARIANTS" = 1 ]; then
  target "4s/2 (static shim run / sh wrapper):" run-static sh 1.00
  target "4s/3s (static shim run / static floor):" run-static floor-static 1.15
  target "5s/2 (static shim ps / sh wrapper):" ps-static sh 1.00
  context "4s/3 (static shim run / exec floor):" run-static floor "a static shim against a dynamic floor"
  context "8s/2 (static run, edited policy / sh):" edited-static sh "an edited policy, remembered compiled"
fi
if [ "$MUSL" = 1 ]; then
  target "4m/2 (musl shim run / sh wrapper):" run-musl sh 1.00
  target "4m/3m (musl shim run / musl floor):" run-musl floor-musl 1.15
  target "5m/2 (musl shim ps / sh wrapper):" ps-musl sh 1.00
  context "4m/3 (musl shim run / exec floor):" run-musl floor "the musl shim against the floor built as cargo builds it"
  context "4m/3s (musl shim run / static floor):" run-musl floor-static "the musl shim against the static glibc floor"
  context "4m/4s (musl run / static glibc run):" run-musl run-static "the two static builds of the shim"
  context "8m/2 (musl run, edited policy / sh):" edited-musl sh "an edited policy, remembered compiled"
fi
if [ "$VARIANTS" = 1 ]; then
  if [ "$MUSL" = 1 ]; then
    echo "install.sh builds the musl binary here: rows 4m/2, 4m/3m and 5m/2 are the shipped build's"
  else
    echo "install.sh builds static glibc here: rows 4s/2, 4s/3s and 5s/2 are the shipped build's"
  fi
fi

# ---------------------------------------------------------- argv scaling ---
# Argv from lib.sh's scale_argv: sources that do not exist, so a lower bound per mount.
echo
echo "== argv scaling: N tokens of \`run -v /srv/I:/d/I ... img\`, added = shim - Rust exec floor (same argv)"
SCALE=()
for n in $SIZES; do
  scale_argv "$n"
  args=("${SCALE_ARGV[@]}")
  declare -a "ARGV_$n"
  eval "ARGV_$n=(\"\${args[@]}\")"
  line=$(cmdline "${args[@]}")
  [ ${#line} -lt 131000 ] || die "argv of $n tokens does not fit one hyperfine argument"
  add_case "fake-$n" "$(cmdline "$BIN/podman") $line"
  add_case "floor-$n" "$(cmdline "$BIN/exec-floor") $line"
  add_case "run-$n" "$(cmdline "$BIN/docker") $line"
  SCALE+=("fake-$n" "floor-$n" "run-$n")
done
bench scale "$SCALE_ROUNDS" "$SCALE_RUNS" "$WARMUP" "${SCALE[@]}"
printf '  %7s %12s %12s %12s %12s %14s\n' tokens fake exec-floor shim added "added/1000 args"
ADDED_MAX=0 SLOPES=()
for n in $SIZES; do
  f=$(median scale "fake-$n") fl=$(median scale "floor-$n") s=$(median scale "run-$n")
  added=$(awk -v a="$s" -v b="$fl" 'BEGIN { print a - b }')
  slope=$(awk -v d="$added" -v n="$n" 'BEGIN { printf "%.3f", d * 1e6 / n }')
  SLOPES+=("$n:$slope")
  ADDED_MAX=$added
  printf '  %7d %9s ms %9s ms %9s ms %9s ms %11s ms\n' "$n" "$(ms "$f")" "$(ms "$fl")" "$(ms "$s")" "$(ms "$added")" "$slope"
done
LAST=${SIZES##* }
printf 'argv %s tokens: added %s ms   target < 5 ms  %s\n' "$LAST" "$(ms "$ADDED_MAX")" \
  "$(awk -v v="$ADDED_MAX" 'BEGIN { print (v < 0.005 ? "met" : "MISSED") }')"
# Linear: the per-token cost at the largest size is no more than twice that at 1 000 tokens
# (below that, the fixed cost of the call dominates the quotient).
S1000=$(printf '%s\n' "${SLOPES[@]}" | sed -n 's/^1000://p')
SLAST=$(printf '%s\n' "${SLOPES[@]}" | sed -n "s/^$LAST://p")
if [ -n "$S1000" ] && [ "$LAST" != 1000 ]; then
  printf 'argv growth: %s ms per 1000 tokens at %s vs %s at 1000   target linear  %s\n' \
    "$SLAST" "$LAST" "$S1000" "$(awk -v a="$SLAST" -v b="$S1000" 'BEGIN { print (a <= 2 * b + 0.01 ? "met" : "MISSED") }')"
fi

# -------------------------------------------------------- policy scaling ---
echo
echo "== policy scaling: v2 run with N [[profile]] entries (none matching) vs the default policy"
if detect_profiles; then
  echo "  template: benches/policies/$(basename "$PROFILE_TEMPLATE")"
  PSCALE=(run)
  for n in $PROFILE_COUNTS; do
    add_case "profiles-$n" "$(cmdline "$BIN/docker") $RUN_CMD" "NANOCLAW_SHIM_POLICY=$(profiles_policy "$n")"
    PSCALE+=("profiles-$n")
  done
  sleep 2.2 # the policies were written a moment ago: let their folder settle
  bench policy "$ROUNDS" "$RUNS" "$WARMUP" "${PSCALE[@]}"
  row policy run "default policy (0 profiles)"
  base=$(median policy run)
  for n in $PROFILE_COUNTS; do
    row policy "profiles-$n" "$n profiles"
  done
  for n in $PROFILE_COUNTS; do
    printf 'profiles %s: added %s ms over the default policy\n' "$n" "$(ms "$(awk -v a="$(median policy "profiles-$n")" -v b="$base" 'BEGIN { print a - b }')")"
  done
else
  echo "  policy scaling: skipped: not supported by this build"
fi

# --------------------------------------------------------------- peak RSS ---
echo
echo "== peak RSS (wait4 ru_maxrss: max of the wrapper and the fake runtime it execs; $RSS_RUNS runs)"
rss() { # LABEL ENV... -- PROGRAM ARG...
  local label=$1 envs=() med max
  shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  read -r med max < <(env "${envs[@]}" "$BIN/peak-rss" "$RSS_RUNS" "$@") || { echo "peak-rss failed for $label" >&2; exit 1; }
  printf '  %-44s %6d KiB (max %d KiB)\n' "$label" "$med" "$max"
  RSS_MAX=$((max > RSS_MAX ? max : RSS_MAX))
}
RSS_MAX=0
rss "1 fake runtime, direct" -- "$BIN/podman" "${RUN_ARGV[@]}"
rss "2 sh wrapper" -- "$BIN/docker-sh" "${RUN_ARGV[@]}"
rss "3 minimal Rust exec wrapper" -- "$BIN/exec-floor" "${RUN_ARGV[@]}"
RSS_MAX=0
rss "4 nanoclaw-shim run (v2 argv)" -- "$BIN/docker" "${RUN_ARGV[@]}"
rss "5 nanoclaw-shim ps (passthrough)" -- "$BIN/docker" "${PS_ARGV[@]}"
if [[ " ${MAIN[*]} " == *" log "* ]]; then
  rss "6 nanoclaw-shim run, decision log on" "NANOCLAW_SHIM_POLICY=$LOG_POLICY" -- "$BIN/docker" "${RUN_ARGV[@]}"
fi
if [ -n "$PROFILE_TEMPLATE" ]; then
  last_p=${PROFILE_COUNTS##* }
  rss "nanoclaw-shim run, $last_p profiles" "NANOCLAW_SHIM_POLICY=$WORK/profiles-$last_p.toml" -- "$BIN/docker" "${RUN_ARGV[@]}"
fi
if [ "$VARIANTS" = 1 ]; then
  rss "4s nanoclaw-shim run, crt-static" -- "$BIN/static/docker" "${RUN_ARGV[@]}"
fi
if [ "$MUSL" = 1 ]; then
  rss "4m nanoclaw-shim run, musl" -- "$BIN/musl/docker" "${RUN_ARGV[@]}"
fi
RSS_CALLS=$RSS_MAX RSS_MAX=0
eval "big=(\"\${ARGV_$LAST[@]}\")"
rss "nanoclaw-shim run, $LAST tokens" -- "$BIN/docker" "${big[@]}"
printf 'peak RSS of nanoclaw-shim, nanoclaw calls: %d KiB   target < 5120 KiB  %s\n' "$RSS_CALLS" \
  "$([ "$RSS_CALLS" -lt 5120 ] && echo met || echo MISSED)"
printf 'peak RSS of nanoclaw-shim, %s tokens: %d KiB   target < 5120 KiB  %s\n' "$LAST" "$RSS_MAX" \
  "$([ "$RSS_MAX" -lt 5120 ] && echo met || echo MISSED)"
if [ "$VARIANTS" = 1 ]; then
  RSS_MAX=0
  rss "4s nanoclaw-shim run, crt-static, $LAST tokens" -- "$BIN/static/docker" "${big[@]}"
  printf 'peak RSS of the static glibc shim, %s tokens: %d KiB   target < 5120 KiB  %s\n' \
    "$LAST" "$RSS_MAX" "$([ "$RSS_MAX" -lt 5120 ] && echo met || echo MISSED)"
fi
if [ "$MUSL" = 1 ]; then
  RSS_MAX=0
  rss "4m nanoclaw-shim run, musl, $LAST tokens" -- "$BIN/musl/docker" "${big[@]}"
  printf 'peak RSS of the musl shim, %s tokens: %d KiB   target < 5120 KiB  %s\n' \
    "$LAST" "$RSS_MAX" "$([ "$RSS_MAX" -lt 5120 ] && echo met || echo MISSED)"
fi

echo
echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (end)"
echo "raw times: $RES/{main,scale,policy}/*.times (seconds)"
[ "$QUICK" = 1 ] && echo "note: --quick runs too few iterations for the numbers to mean anything"
exit 0
