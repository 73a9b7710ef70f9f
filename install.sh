#!/bin/sh
# Install nanoclaw-shim and make it the `docker` nanoclaw finds first on its PATH.
#
# Per-user install (the default, no root needed):
#   ~/.local/bin/nanoclaw-shim                      the binary (--prefix DIR: DIR/bin)
#   ~/.local/lib/nanoclaw-shim/bin/docker           symlink to it; this folder holds nothing else,
#                                                   so putting it first on PATH changes only `docker`
#   ${XDG_CONFIG_HOME:-~/.config}/nanoclaw-shim/policy.toml   the default policy, if none exists
#   ~/.config/systemd/user/NAME.service.d/nanoclaw-shim.conf  with --systemd-unit NAME
#   ~/.local/lib/nanoclaw-shim/installed.txt        the manifest --uninstall works from
#   ~/.local/share/{bash-completion/completions,zsh/site-functions,fish/vendor_completions.d}
#                                                   shell completions (DIR/share with --prefix)
#   ~/.local/share/man/man1/nanoclaw-shim*.1        man pages
#
# System-wide install (--system, as root):
#   /usr/local/bin/nanoclaw-shim, /usr/local/bin/docker -> nanoclaw-shim,
#   /etc/nanoclaw-shim/policy.toml (if absent), /usr/local/lib/nanoclaw-shim/installed.txt,
#   completions and man pages under /usr/local/share
#
# Running it again changes nothing that is already right. --uninstall removes exactly what the
# manifest lists and nothing else; a file edited since it was installed is kept.

set -eu
umask 022

PROG=install.sh
TAB=$(printf '\t')
NL='
'

die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
say() { printf '%s\n' "$*"; }
# report VERB PATH [NOTE]: one aligned line per file touched (or not); under --dry-run a verb
# that would change something reads "would ..."
report() {
    if [ "$DRY_RUN" = 1 ]; then
        case $1 in
        installed) set -- "would install" "$2" "${3:-}" ;;
        updated) set -- "would update" "$2" "${3:-}" ;;
        created) set -- "would create" "$2" "${3:-}" ;;
        linked) set -- "would link" "$2" "${3:-}" ;;
        removed) set -- "would remove" "$2" "${3:-}" ;;
        *) set -- "$1" "$2" "${3:-}" ;;
        esac
    fi
    printf '%-13s %s%s\n' "$1" "$2" "${3:+ ($3)}"
}

# on_path DIR: whether DIR is one of the folders of $PATH
on_path() {
    case ":${PATH:-}:" in
    *":$1:"* | *":$1/:"*) return 0 ;;
    esac
    return 1
}

usage() {
    cat <<'EOF'
Usage: install.sh [OPTIONS]

Install nanoclaw-shim and a `docker` symlink to it that nanoclaw finds first on its PATH.

Options:
  --binary PATH         install this nanoclaw-shim binary instead of building one
                        (default: build it with cargo in this script's folder, statically
                        linked: with musl when its Rust target is installed, else glibc)
  --prefix DIR          per-user install root (default: ~/.local): DIR/bin/nanoclaw-shim and
                        DIR/lib/nanoclaw-shim/bin/docker
  --systemd-unit NAME   also write ~/.config/systemd/user/NAME.service.d/nanoclaw-shim.conf,
                        which puts the shim folder first on the PATH of nanoclaw's user unit
  --system              install for all users (root only): /usr/local/bin/nanoclaw-shim,
                        /usr/local/bin/docker -> nanoclaw-shim, /etc/nanoclaw-shim/policy.toml;
                        DESTDIR=DIR stages the same files under DIR (no root needed)
  --uninstall           remove what an install with the same options installed, keeping any
                        file edited since; safe to run twice
  --dry-run             print what would be done and change nothing
  -h, --help            print this help

Per-user install:   sh install.sh [--systemd-unit nanoclaw]
System install:     sudo sh install.sh --system   (or build first and pass --binary PATH)
Uninstall:          sh install.sh --uninstall   (add --system for a system install)
EOF
}

# ---------------------------------------------------------------- arguments ---

BINARY=
PREFIX=
UNIT=
SYSTEM=0
UNINSTALL=0
DRY_RUN=0

need_value() { [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ "$#" -gt 0 ]; do
    case $1 in
    --binary) need_value "$1" "$#"; BINARY=$2; shift 2 ;;
    --binary=*) BINARY=${1#*=}; shift ;;
    --prefix) need_value "$1" "$#"; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#*=}; shift ;;
    --systemd-unit) need_value "$1" "$#"; UNIT=$2; shift 2 ;;
    --systemd-unit=*) UNIT=${1#*=}; shift ;;
    --system) SYSTEM=1; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

# A path that ends up in the manifest or a unit file must fit on one line.
check_path() { # check_path WHAT VALUE
    case $2 in
    *"$NL"* | *"$TAB"*) die "$1 contains a tab or newline: not supported" ;;
    esac
}

# absolute PATH relative to the current directory, without touching the file system
absolute() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

[ -n "${HOME:-}" ] || die "HOME is not set"
case $HOME in /*) ;; *) die "HOME is not an absolute path: $HOME" ;; esac
HOME=${HOME%/}
check_path HOME "$HOME"

if [ -n "$UNIT" ]; then
    UNIT=${UNIT%.service}
    case $UNIT in
    '' | *[!A-Za-z0-9:_.@-]*) die "--systemd-unit: '$UNIT' is not a unit name (e.g. nanoclaw)" ;;
    esac
fi

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)

if [ "$SYSTEM" = 1 ]; then
    [ -z "$PREFIX" ] || die "--prefix and --system do not combine (--system installs into /usr/local)"
    [ -z "$UNIT" ] || die "--systemd-unit is for per-user installs; with --system, /usr/local/bin/docker already comes first on nanoclaw's PATH"
    ROOT=${DESTDIR:-}
    ROOT=${ROOT%/}
    if [ -n "$ROOT" ]; then
        ROOT=$(absolute "$ROOT")
        check_path DESTDIR "$ROOT"
    elif [ "$(id -u)" != 0 ]; then
        die "--system writes to /usr/local and /etc and must run as root (sudo sh install.sh --system ...)"
    fi
    BIN_DIR=$ROOT/usr/local/bin
    LIB_DIR=$ROOT/usr/local/lib/nanoclaw-shim
    SHIM_DIR=$BIN_DIR
    LINK_TARGET=nanoclaw-shim # relative: right both under DESTDIR and once installed
    POLICY_DIR=$ROOT/etc/nanoclaw-shim
    DATA_DIR=$ROOT/usr/local/share
else
    PREFIX=${PREFIX:-$HOME/.local}
    PREFIX=$(absolute "$PREFIX")
    PREFIX=${PREFIX%/}
    check_path --prefix "$PREFIX"
    BIN_DIR=$PREFIX/bin
    DATA_DIR=$PREFIX/share
    LIB_DIR=$PREFIX/lib/nanoclaw-shim
    SHIM_DIR=$LIB_DIR/bin
    LINK_TARGET=$BIN_DIR/nanoclaw-shim
    # the shim honours XDG_CONFIG_HOME only when it is absolute
    case ${XDG_CONFIG_HOME:-} in
    /*) CONFIG_HOME=${XDG_CONFIG_HOME%/} ;;
    *) CONFIG_HOME=$HOME/.config ;;
    esac
    check_path XDG_CONFIG_HOME "$CONFIG_HOME"
    POLICY_DIR=$CONFIG_HOME/nanoclaw-shim
fi
BIN=$BIN_DIR/nanoclaw-shim
LINK=$SHIM_DIR/docker
POLICY=$POLICY_DIR/policy.toml
MANIFEST=$LIB_DIR/installed.txt
if [ -n "$UNIT" ]; then
    # systemd's user manager reads ~/.config/systemd/user (its own XDG_CONFIG_HOME is rarely set)
    UNIT_DIR=$HOME/.config/systemd/user
    DROPIN_DIR=$UNIT_DIR/$UNIT.service.d
    DROPIN=$DROPIN_DIR/nanoclaw-shim.conf
fi

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/nanoclaw-shim-install.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$STAGE"' EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------------ helpers ---

checksum() { # checksum FILE -> hex digest
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum <"$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 <"$1" | cut -d' ' -f1
    else
        cksum <"$1" | tr ' ' -
    fi
}

# The manifest: one `KIND<TAB>INFO<TAB>PATH` line per thing installed.
#   file    SHA256  PATH   the binary (removed only while unchanged)
#   config  SHA256  PATH   policy or systemd drop-in (kept once edited)
#   link    TARGET  PATH   the docker symlink (removed only while it still points at TARGET)
#   dir     -       PATH   a directory this install created (removed only when empty)
OLD_MANIFEST=$STAGE/old-manifest
NEW_MANIFEST=$STAGE/new-manifest
if [ -f "$MANIFEST" ]; then
    cp "$MANIFEST" "$OLD_MANIFEST" || die "cannot read $MANIFEST"
else
    : >"$OLD_MANIFEST"
fi
: >"$NEW_MANIFEST"

old_entry() { # old_entry PATH -> "KIND<TAB>INFO" recorded by an earlier install, or nothing
    P=$1 awk -F"$TAB" '!/^#/ && $3 == ENVIRON["P"] { print $1 FS $2; exit }' "$OLD_MANIFEST"
}
record() { # record KIND INFO PATH
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$NEW_MANIFEST"
}

make_dir() { # make_dir DIR [ours]: create DIR and its parents; record DIR itself when "ours"
    if [ -d "$1" ]; then
        if [ "${2:-}" = ours ] && [ -n "$(old_entry "$1")" ]; then record dir - "$1"; fi
        return 0
    fi
    [ -e "$1" ] || [ -L "$1" ] && die "$1 exists and is not a directory"
    if [ "$DRY_RUN" = 0 ]; then
        mkdir -p "$1" || die "cannot create $1"
    fi
    report created "$1/"
    if [ "${2:-}" = ours ]; then record dir - "$1"; fi
}

# put_file SRC DEST MODE: copy SRC over DEST atomically unless DEST already has the same bytes
put_file() {
    if [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2"; then
        report unchanged "$2"
        return 0
    fi
    [ -d "$2" ] && die "$2 is a directory"
    VERB=installed
    [ -e "$2" ] && VERB=updated
    if [ "$DRY_RUN" = 0 ]; then
        if ! { cp "$1" "$2.new.$$" && chmod "$3" "$2.new.$$" && mv -f "$2.new.$$" "$2"; }; then
            rm -f "$2.new.$$"
            die "cannot write $2"
        fi
    fi
    report "$VERB" "$2"
}

# make_tree DIR: create DIR and whichever of its parents are missing, recording each one this
# or an earlier install created, so that --uninstall removes them again once they are empty
DRY_MADE=$NL # folders a --dry-run has reported as created
make_tree() {
    mt_dir=$1
    mt_todo=
    while [ "$mt_dir" != / ] && [ -n "$mt_dir" ]; do
        case $DRY_MADE in *"$NL$mt_dir$NL"*) break ;; esac
        if [ -d "$mt_dir" ]; then
            [ -n "$(old_entry "$mt_dir")" ] || break
            record dir - "$mt_dir"
        else
            if [ -e "$mt_dir" ] || [ -L "$mt_dir" ]; then die "$mt_dir exists and is not a directory"; fi
            mt_todo="$mt_dir$NL$mt_todo"
        fi
        mt_dir=$(dirname "$mt_dir")
    done
    while IFS= read -r mt_one; do
        [ -n "$mt_one" ] || continue
        if [ "$DRY_RUN" = 0 ]; then
            mkdir "$mt_one" || die "cannot create $mt_one"
        else
            DRY_MADE="$DRY_MADE$mt_one$NL"
        fi
        report created "$mt_one/"
        record dir - "$mt_one"
    done <<EOF
$mt_todo
EOF
}

is_our_link() { # is_our_link PATH TARGET
    [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]
}

# ---------------------------------------------------------------- uninstall ---

if [ "$UNINSTALL" = 1 ]; then
    if [ ! -f "$MANIFEST" ]; then
        say "nothing to uninstall: no manifest at $MANIFEST"
        exit 0
    fi
    kept=0
    dropin_removed=
    # What --uninstall leaves: the decision log (wherever the policy in force puts it) and the
    # runtime version cache. Asked before the binary and the policy go away.
    LOG_PATH=
    BIN_NOW=$BIN_DIR/nanoclaw-shim
    if [ -x "$BIN_NOW" ]; then
        LOG_PATH=$("$BIN_NOW" policy show 2>/dev/null |
            sed -n '/^\[log\]/,/^\[/ s/^path = "\(.*\)"$/\1/p' | head -n 1) || LOG_PATH=
    fi
    case ${XDG_CACHE_HOME:-} in
    /*) CACHE_DIR=${XDG_CACHE_HOME%/}/nanoclaw-shim ;;
    *) CACHE_DIR=$HOME/.cache/nanoclaw-shim ;;
    esac
    while IFS="$TAB" read -r kind info path; do
        case $kind in '' | '#'*) continue ;; esac
        case $kind in
        file | config)
            if [ ! -e "$path" ] && [ ! -L "$path" ]; then
                continue
            elif [ -f "$path" ] && [ ! -L "$path" ] && [ "$(checksum "$path")" = "$info" ]; then
                [ "$DRY_RUN" = 1 ] || rm -f "$path" || die "cannot remove $path"
                report removed "$path"
                case $path in
                *.service.d/nanoclaw-shim.conf)
                    dropin_removed=${path%.service.d/nanoclaw-shim.conf}
                    dropin_removed=${dropin_removed##*/}
                    ;;
                esac
            else
                report kept "$path" "changed since it was installed"
                kept=1
            fi
            ;;
        link)
            if is_our_link "$path" "$info"; then
                [ "$DRY_RUN" = 1 ] || rm -f "$path" || die "cannot remove $path"
                report removed "$path"
            elif [ -e "$path" ] || [ -L "$path" ]; then
                report kept "$path" "no longer the symlink to $info"
                kept=1
            fi
            ;;
        dir) ;;
        *) warn "ignoring unknown manifest line for $path" ;;
        esac
    done <"$OLD_MANIFEST"
    [ "$DRY_RUN" = 1 ] || rm -f "$MANIFEST" || die "cannot remove $MANIFEST"
    report removed "$MANIFEST"
    # directories deepest first, and only when empty
    awk -F"$TAB" '$1 == "dir" { print length($3) "\t" $3 }' "$OLD_MANIFEST" | sort -rn | cut -f2- |
        while IFS= read -r dir; do
            [ -d "$dir" ] || continue
            if [ "$DRY_RUN" = 1 ]; then
                report remove "$dir/" "if empty"
            elif rmdir "$dir" 2>/dev/null; then
                report removed "$dir/"
            else
                report kept "$dir/" "not empty"
            fi
        done
    if [ -n "$dropin_removed" ]; then
        say ""
        say "Reload systemd and restart nanoclaw to drop the shim from its PATH:"
        say "  systemctl --user daemon-reload && systemctl --user restart $dropin_removed"
    fi
    if [ "$kept" = 1 ]; then
        say ""
        say "Files changed since they were installed were kept; remove them yourself if unwanted."
    fi
    say ""
    say "Left in place (not installed by install.sh; remove them yourself if unwanted):"
    if [ -n "$LOG_PATH" ]; then
        say "  the decision log:           $LOG_PATH"
    else
        say "  the decision log, if a policy set [log] path (e.g. ~/.local/state/nanoclaw-shim/)"
    fi
    say "  the cache (runtime version, host-path memory): $CACHE_DIR/"
    exit 0
fi

# ------------------------------------------------------------------- binary ---

if [ -n "$BINARY" ]; then
    SRC_BIN=$(absolute "$BINARY")
    [ -f "$SRC_BIN" ] || die "--binary $BINARY: no such file"
    [ -x "$SRC_BIN" ] || die "--binary $BINARY: not executable"
else
    [ -f "$SCRIPT_DIR/Cargo.toml" ] ||
        die "no Cargo.toml next to install.sh: pass --binary PATH to install a built nanoclaw-shim"
    command -v cargo >/dev/null 2>&1 ||
        die "cargo not found: install Rust from https://rustup.rs or pass --binary PATH"
    # A statically linked build starts faster (no dynamic loader on every `docker` call; see
    # docs/PERFORMANCE.md), and a static musl one faster still (none of static glibc's start-up
    # work: CPU and cache probing, tunables, its dynamic-loader set-up): musl when its target is
    # installed (rustup target add x86_64-unknown-linux-musl), else static glibc. `--target`
    # keeps glibc's flag away from build scripts and proc-macros.
    # cargo_build [CARGO ARGS...]: builds in this script's folder; prints the nanoclaw-shim
    # binary cargo reports, or nothing when the build fails.
    cargo_build() {
        (cd "$SCRIPT_DIR" &&
            cargo build --release --locked "$@" --message-format=json-render-diagnostics |
            sed -n 's/.*"executable":"\([^"]*\/nanoclaw-shim\)".*/\1/p' | tail -n 1) || true
    }
    HOST=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')
    SRC_BIN=
    case $HOST in
    *-linux-gnu*)
        MUSL=${HOST%%-linux-gnu*}-linux-musl
        if [ -d "$(rustc --print sysroot 2>/dev/null)/lib/rustlib/$MUSL/lib" ]; then
            say "building nanoclaw-shim (cargo build --release --locked --target $MUSL, static musl) ..."
            SRC_BIN=$(cargo_build --target "$MUSL")
            [ -n "$SRC_BIN" ] || say "musl build failed; building a static glibc one"
        else
            say "note: the $MUSL target is not installed; a static musl build starts faster (rustup target add $MUSL)"
        fi
        if [ -z "$SRC_BIN" ]; then
            say "building nanoclaw-shim (cargo build --release --locked --target $HOST, static) ..."
            SRC_BIN=$(RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" cargo_build --target "$HOST")
            [ -n "$SRC_BIN" ] || say "static build failed; building a dynamically linked one"
        fi
        ;;
    esac
    if [ -z "$SRC_BIN" ]; then
        say "building nanoclaw-shim (cargo build --release --locked) ..."
        SRC_BIN=$(cargo_build)
    fi
    [ -n "$SRC_BIN" ] && [ -x "$SRC_BIN" ] || die "cargo build failed or built no nanoclaw-shim binary (see above)"
fi
check_path "binary path" "$SRC_BIN"

# Run the candidate as `nanoclaw-shim` (its argv[0] picks the personality: never as `docker`).
case $SRC_BIN in
*/nanoclaw-shim) RUN_BIN=$SRC_BIN ;;
*) RUN_BIN=$STAGE/nanoclaw-shim && ln -s "$SRC_BIN" "$RUN_BIN" ;;
esac
VERSION=$("$RUN_BIN" --version 2>/dev/null | head -n 1) || VERSION=
case $VERSION in
"nanoclaw-shim "*) ;;
*) die "$SRC_BIN is not a nanoclaw-shim binary (\`--version\` printed '$VERSION')" ;;
esac

# ------------------------------------------------------------------- policy ---

# The default policy: policy/default.toml next to this script, else the one compiled into the
# binary, printed by `nanoclaw-shim policy show` when no other policy is in force.
POLICY_SRC=$STAGE/policy.toml
if [ -f "$SCRIPT_DIR/policy/default.toml" ]; then
    cp "$SCRIPT_DIR/policy/default.toml" "$POLICY_SRC"
elif "$RUN_BIN" policy show --help >/dev/null 2>&1; then
    mkdir "$STAGE/empty"
    if (unset NANOCLAW_SHIM_POLICY; HOME=$STAGE/empty XDG_CONFIG_HOME=$STAGE/empty \
        "$RUN_BIN" policy show) >"$STAGE/shown" 2>/dev/null &&
        [ "$(head -n 1 "$STAGE/shown")" = "# policy in force: <embedded default>" ]; then
        {
            say "# nanoclaw-shim policy (the built-in default, written by install.sh)."
            say "# Every key is optional; \`nanoclaw-shim policy check\` validates this file."
            say ""
            tail -n +2 "$STAGE/shown"
        } >"$POLICY_SRC"
    else
        POLICY_SRC= # a system policy shadows the built-in one: write none
    fi
else
    POLICY_SRC=
fi
if [ -n "$POLICY_SRC" ] && "$RUN_BIN" policy check --help >/dev/null 2>&1; then
    "$RUN_BIN" policy check "$POLICY_SRC" >/dev/null 2>&1 ||
        die "the default policy does not pass '$SRC_BIN policy check'; is the binary from this checkout?"
fi

# ------------------------------------------------------------------ install ---

if [ "$SYSTEM" = 1 ] && { [ -e "$LINK" ] || [ -L "$LINK" ]; } && ! is_our_link "$LINK" "$LINK_TARGET"; then
    die "$LINK exists and is not nanoclaw-shim's symlink; move it away first (or use a per-user install)"
fi
if [ "$SYSTEM" = 0 ] && { [ -e "$LINK" ] || [ -L "$LINK" ]; } && [ ! -L "$LINK" ]; then
    die "$LINK exists and is not a symlink; move it away first"
fi

make_dir "$BIN_DIR"
make_dir "$LIB_DIR" ours
[ "$SYSTEM" = 1 ] || make_dir "$SHIM_DIR" ours

cp "$SRC_BIN" "$STAGE/binary"
put_file "$STAGE/binary" "$BIN" 755
record file "$(checksum "$STAGE/binary")" "$BIN"

if is_our_link "$LINK" "$LINK_TARGET"; then
    report unchanged "$LINK" "-> $LINK_TARGET"
else
    if [ "$DRY_RUN" = 0 ]; then
        if ! { rm -f "$LINK" && ln -s "$LINK_TARGET" "$LINK"; }; then
            die "cannot create the symlink $LINK"
        fi
    fi
    report linked "$LINK" "-> $LINK_TARGET"
fi
record link "$LINK_TARGET" "$LINK"

if [ -e "$POLICY" ] || [ -L "$POLICY" ]; then
    prev=$(old_entry "$POLICY")
    if [ -n "$prev" ]; then
        record config "${prev#*"$TAB"}" "$POLICY" # still ours, with the checksum it was written with
        [ -d "$POLICY_DIR" ] && [ -n "$(old_entry "$POLICY_DIR")" ] && record dir - "$POLICY_DIR"
    fi
    report kept "$POLICY" "existing policy, not overwritten"
elif [ -z "$POLICY_SRC" ]; then
    report skipped "$POLICY" "no default policy to write; the one the shim finds applies"
else
    make_dir "$POLICY_DIR" ours
    put_file "$POLICY_SRC" "$POLICY" 644
    record config "$(checksum "$POLICY_SRC")" "$POLICY"
fi

# Shell completions and man pages, generated by the binary from its own option definitions
# (skipped for a binary too old to generate them).
put_generated() { # put_generated SRC DEST: install a generated file, recorded like the binary
    make_tree "$(dirname "$2")"
    put_file "$1" "$2" 644
    record file "$(checksum "$1")" "$2"
}
if "$RUN_BIN" completions bash >"$STAGE/completion.bash" 2>/dev/null &&
    "$RUN_BIN" completions zsh >"$STAGE/completion.zsh" 2>/dev/null &&
    "$RUN_BIN" completions fish >"$STAGE/completion.fish" 2>/dev/null; then
    put_generated "$STAGE/completion.bash" "$DATA_DIR/bash-completion/completions/nanoclaw-shim"
    put_generated "$STAGE/completion.zsh" "$DATA_DIR/zsh/site-functions/_nanoclaw-shim"
    put_generated "$STAGE/completion.fish" "$DATA_DIR/fish/vendor_completions.d/nanoclaw-shim.fish"
else
    report skipped "shell completions" "this nanoclaw-shim cannot generate them"
fi
if "$RUN_BIN" man --dir "$STAGE/man1" >/dev/null 2>&1; then
    for page in "$STAGE"/man1/*.1; do
        [ -f "$page" ] || continue
        put_generated "$page" "$DATA_DIR/man/man1/${page##*/}"
    done
else
    report skipped "man pages" "this nanoclaw-shim cannot generate them"
fi

# systemd drop-in: the unit's own PATH with the shim folder in front
systemd_escape() { printf '%s' "$1" | sed -e 's/%/%%/g'; }
if [ -n "$UNIT" ]; then
    unit_path=
    if [ -f "$UNIT_DIR/$UNIT.service" ]; then
        # the last PATH= assignment on an Environment= line, quoted or not
        unit_path=$(sed -n \
            -e 's/^[[:space:]]*Environment=.*"PATH=\([^"]*\)".*$/\1/p' \
            -e 's/^[[:space:]]*Environment=\(.*[[:space:]]\)\{0,1\}PATH=\([^"[:space:]]*\).*$/\2/p' \
            "$UNIT_DIR/$UNIT.service" | tail -n 1)
    fi
    if [ -z "$unit_path" ]; then
        # what nanoclaw's setup writes into its unit
        unit_path=/usr/local/bin:/usr/bin:/bin:$(systemd_escape "$HOME/.local/bin")
    fi
    shim_escaped=$(systemd_escape "$SHIM_DIR")
    # drop an earlier copy of the shim folder from the unit's PATH
    unit_path=$(S=$shim_escaped U=$unit_path awk 'BEGIN {
        n = split(ENVIRON["U"], dirs, ":"); out = ""; first = 1
        for (i = 1; i <= n; i++) if (dirs[i] != ENVIRON["S"]) { out = out (first ? "" : ":") dirs[i]; first = 0 }
        print out }')
    value="PATH=$shim_escaped${unit_path:+:$unit_path}"
    case $value in
    *[[:space:]\"\\]*) value="\"$(printf '%s' "$value" | sed 's/[\\"]/\\&/g')\"" ;;
    esac
    {
        say "# Written by nanoclaw-shim's install.sh: nanoclaw's \`docker\` is nanoclaw-shim."
        say "# Remove with: install.sh --uninstall --systemd-unit $UNIT"
        say "[Service]"
        say "Environment=$value"
    } >"$STAGE/dropin.conf"
    if [ -e "$DROPIN" ] && ! cmp -s "$STAGE/dropin.conf" "$DROPIN"; then
        prev=$(old_entry "$DROPIN")
        if [ -z "$prev" ] || [ "$(checksum "$DROPIN")" != "${prev#*"$TAB"}" ]; then
            warn "$DROPIN was changed after install.sh wrote it; left as it is"
            [ -z "$prev" ] || record config "${prev#*"$TAB"}" "$DROPIN"
            [ -z "$(old_entry "$DROPIN_DIR")" ] || record dir - "$DROPIN_DIR"
            UNIT_KEPT=1
        fi
    fi
    if [ -z "${UNIT_KEPT:-}" ]; then
        make_dir "$DROPIN_DIR" ours
        put_file "$STAGE/dropin.conf" "$DROPIN" 644
        record config "$(checksum "$STAGE/dropin.conf")" "$DROPIN"
    fi
fi

# Entries of earlier installs this run did not touch (e.g. a drop-in for another unit) stay.
P_NEW=$NEW_MANIFEST awk -F"$TAB" '
    BEGIN { while ((getline l < ENVIRON["P_NEW"]) > 0) { split(l, f, FS); seen[f[3]] = 1 } }
    !/^#/ && NF >= 3 && !($3 in seen)' "$OLD_MANIFEST" >"$STAGE/carried"
{
    say "# nanoclaw-shim install manifest: KIND<TAB>SHA256-or-TARGET<TAB>PATH; read by install.sh --uninstall"
    cat "$NEW_MANIFEST" "$STAGE/carried" | LC_ALL=C sort -u
} >"$STAGE/manifest"
put_file "$STAGE/manifest" "$MANIFEST" 644

# ------------------------------------------------------------------- advice ---

say ""
if [ "$SYSTEM" = 1 ]; then
    say "$VERSION is $LINK (rootless podman still runs as the calling user)."
    say "/usr/local/bin comes before /usr/bin on nanoclaw's PATH, so its \`docker\` is now the shim;"
    say "restart nanoclaw so it picks it up."
else
    case $SHIM_DIR in
    "$HOME"/*) shown_dir="\$HOME/${SHIM_DIR#"$HOME"/}" ;;
    *) shown_dir=$SHIM_DIR ;;
    esac
    if [ "$DRY_RUN" = 1 ]; then
        say "Dry run: nothing was changed. Without --dry-run, this would install $VERSION."
    elif [ -n "$UNIT" ] && [ -z "${UNIT_KEPT:-}" ]; then
        say "$VERSION installed. For the systemd user unit $UNIT.service, $DROPIN"
        say "now puts the shim first on its PATH. Apply it with:"
        say "  systemctl --user daemon-reload && systemctl --user restart $UNIT"
    else
        say "$VERSION installed. Make it nanoclaw's \`docker\`: add this line to nanoclaw's run script,"
        say "before it starts nanoclaw:"
        say ""
        say "export PATH=\"$shown_dir:\$PATH\""
    fi
    if [ "$CONFIG_HOME" != "$HOME/.config" ]; then
        warn "the policy went to $POLICY_DIR (XDG_CONFIG_HOME); a nanoclaw started without that variable reads $HOME/.config/nanoclaw-shim/policy.toml"
    fi
fi
say ""
say "Preview what the shim does to a command:  $BIN explain -- run --rm -it alpine sh"
if [ "$SYSTEM" = 0 ] && ! on_path "$BIN_DIR"; then
    warn "$BIN_DIR is not on your PATH, so \`nanoclaw-shim\` alone is not found; run it as $BIN, or add export PATH=\"$BIN_DIR:\$PATH\" to your shell's profile"
fi
if ! command -v podman >/dev/null 2>&1; then
    warn "podman is not on PATH: the shim execs podman (set [runtime] binary in $POLICY, or NANOCLAW_SHIM_RUNTIME)"
fi
