# benches/lib.sh: sourced by run.sh and profile.sh. Needs REPO set; uses jq.

# POSIX single quotes, which hyperfine's shell-words splitting understands.
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
cmdline() { local out="" a; for a in "$@"; do out+="$(sq "$a") "; done; printf '%s' "${out% }"; }

# load_argvs: RUN_ARGV (nanoclaw v2's `run`, fixtures/nanoclaw/v2.json) and PS_ARGV (its orphan
# listing, pass-ps.json), and HOSTFS.
#
# The fixture's bind-mount sources (/home/alice/nanoclaw/...) exist on nanoclaw's host but not
# here, and a missing path is cheaper to check (realpath stops at the first missing component).
# So each `-v` source is re-rooted under a short temporary directory and created there (a file
# when its name has an extension, else a directory): the same argv shape, the same depth plus two
# components, and every path resolves as it would on the real host. The caller removes HOSTFS.
load_argvs() {
  local i spec src
  mapfile -t RUN_ARGV < <(jq -r '.argv[]' "$REPO/fixtures/nanoclaw/v2.json")
  mapfile -t PS_ARGV < <(jq -r '.argv[]' "$REPO/fixtures/nanoclaw/pass-ps.json")
  HOSTFS=$(mktemp -d /tmp/ncsb.XXXXXX)
  for ((i = 0; i + 1 < ${#RUN_ARGV[@]}; i++)); do
    [ "${RUN_ARGV[i]}" = -v ] || continue
    spec=${RUN_ARGV[i + 1]} src=${RUN_ARGV[i + 1]%%:*}
    [[ $src == /* ]] || continue
    case ${src##*/} in
      *.*) mkdir -p "$HOSTFS$(dirname "$src")" && : >"$HOSTFS$src" ;;
      *) mkdir -p "$HOSTFS$src" ;;
    esac
    RUN_ARGV[i + 1]=$HOSTFS$spec
  done
}

# scale_argv N: SCALE_ARGV = `run`, (N-2)/2 `-v /srv/I:/d/I` pairs (beneath a writable root), `img` (N tokens). The specs are
# short so that a 10 000-token hyperfine command line (one argument) stays under Linux's 128 KiB
# per-argument limit; their sources do not exist, so the per-mount cost is a lower bound.
scale_argv() {
  local n=$1 i
  SCALE_ARGV=(run)
  for ((i = 0; i < (n - 2) / 2; i++)); do SCALE_ARGV+=(-v "/srv/$i:/d/$i"); done
  SCALE_ARGV+=(img)
}

# variant_build static|musl: builds the shim as install.sh does, statically linked (glibc with
# +crt-static for the host triple HOST, or for MUSL_TARGET), into $TARGET/bench/KIND, with a link
# map beside it ($TARGET/bench/KIND/KIND.map). run.sh measures these builds and layout.sh profiles
# them; built with the same flags into the same folder, cargo links each once for both. (The
# map flag changes the build id and a few hashed bytes, not the code or its layout: the same
# size, 31 bytes differ in the musl build.) Needs REPO and TARGET.
variant_build() {
  local kind=$1 dir=$TARGET/bench/$1 flags triple
  case $kind in
    static) triple=$HOST flags="-C target-feature=+crt-static " ;;
    musl) triple=$MUSL_TARGET flags="" ;;
    *) echo "variant_build: unknown kind $kind" >&2; return 2 ;;
  esac
  # --target keeps the flags away from build scripts and proc-macros (clap_derive).
  (cd "$REPO" && RUSTFLAGS="${flags}-C link-arg=-Wl,-Map=$dir/$kind.map,--no-demangle" \
    cargo build --release --quiet --target "$triple" --target-dir "$dir")
}
