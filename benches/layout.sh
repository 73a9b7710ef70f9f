#!/usr/bin/env bash
# benches/layout.sh: regenerates link/hot-text.ld, the list of functions a `docker` call runs,
# which the linker places side by side at the start of the program's code (build.rs passes the
# file to the linker).
#
# Why: the shim lives for under a millisecond, and the kernel maps a program's code on first
# touch, 64 KiB around the page touched. The functions one `run` executes (about 330, 360 KB) lie
# scattered over 2.7 MB of code, one page fault (about 2 us) for every 64 KiB they touch; placed
# side by side, they take a handful. docs/PERFORMANCE.md has the measurement.
#
# How: builds the shim statically (as install.sh does) with a link map, runs it under callgrind
# on the argv benches/run.sh times (nanoclaw v2's `run` and its `ps`, and the `run` under an edited
# policy, which takes the remembered-policy path), with the host-path memory
# settled as it is on every call but the first, and writes one input-section pattern per function
# that ran, sorted. A Rust symbol's hash and crate disambiguators become a
# glob, so the file stays valid as the code changes: a function it no longer names is linked in
# the ordinary order, which costs speed and never correctness.
#
# Usage: benches/layout.sh           rewrite link/hot-text.ld
#        benches/layout.sh --check   only report how many of the functions that ran lie in the
#                                    hot section of a build with today's file (exit 1 below 90%)
# Needs: cargo, gcc, valgrind, jq, perl.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
case $TARGET in /*) ;; *) TARGET=$REPO/$TARGET ;; esac
OUT=$TARGET/bench/layout
LAYOUT=$REPO/link/hot-text.ld
CHECK=0
case ${1:-} in
  --check) CHECK=1 ;;
  "") ;;
  *) echo "layout.sh: unknown argument $1 (usage: benches/layout.sh [--check])" >&2; exit 2 ;;
esac
for tool in cargo gcc valgrind jq perl; do
  command -v "$tool" >/dev/null || { echo "layout.sh: $tool is not installed" >&2; exit 2; }
done
unset NANOCLAW_SHIM_ACTIVE NANOCLAW_SHIM_LOG

mkdir -p "$OUT/bin"
HOST=$(rustc -vV | sed -n 's/^host: //p')
MUSL_TARGET=x86_64-unknown-linux-musl
# shellcheck source=benches/lib.sh
. "$REPO/benches/lib.sh"
# The static build benches/run.sh measures (--variants), the same one: after run.sh, cargo finds
# it up to date and this builds nothing.
MAP=$TARGET/bench/static/static.map
echo "== build (static, with a link map)"
variant_build static
ln -sfn "$TARGET/bench/static/$HOST/release/nanoclaw-shim" "$OUT/bin/docker"
gcc -O2 -static -o "$OUT/bin/podman" "$REPO/benches/fake-runtime.c" 2>/dev/null ||
  gcc -O2 -o "$OUT/bin/podman" "$REPO/benches/fake-runtime.c"

export NANOCLAW_SHIM_RUNTIME=$OUT/bin/podman NANOCLAW_SHIM_POLICY=$REPO/policy/default.toml
export XDG_CACHE_HOME=$OUT/cache
load_argvs
trap 'rm -rf "$HOSTFS"' EXIT

echo "== run under callgrind (v2 run, ps, v2 run under an edited policy; steady state)"
rm -rf "$XDG_CACHE_HOME" "$OUT"/*.callgrind* "$OUT/musl"
# An edited policy (the default plus a comment) takes the remembered-policy path.
EDITED=$OUT/edited.toml
{ cat "$NANOCLAW_SHIM_POLICY"; echo "# edited"; } >"$EDITED"
# profile DIR: the three calls of DIR/bin/docker under callgrind, to DIR/{run,ps,edited}.callgrind.1,
# with the host-path memory settled first, as it is on every call but the first.
profile() {
  local dir=$1 c policy argv
  "$dir/bin/docker" "${RUN_ARGV[@]}" >/dev/null
  NANOCLAW_SHIM_POLICY=$EDITED "$dir/bin/docker" "${RUN_ARGV[@]}" >/dev/null
  # The memory keeps only what lies in directories unchanged for 2 s (src/hostmemo.rs), its own
  # folder included: the call after the first pause writes it, and the second pause lets that
  # write settle, so that the profiled calls recall it rather than resolve and write again.
  sleep 2.2
  "$dir/bin/docker" "${RUN_ARGV[@]}" >/dev/null
  sleep 2.2
  for c in run ps edited; do
    if [ "$c" = ps ]; then argv=("${PS_ARGV[@]}"); else argv=("${RUN_ARGV[@]}"); fi
    policy=$NANOCLAW_SHIM_POLICY
    [ "$c" = edited ] && policy=$EDITED
    NANOCLAW_SHIM_POLICY=$policy valgrind --tool=callgrind --demangle=no --dump-instr=yes --dump-before='execve*' \
      --callgrind-out-file="$dir/$c.callgrind" "$dir/bin/docker" "${argv[@]}" >/dev/null 2>&1 || true
    [ -s "$dir/$c.callgrind.1" ] || { echo "layout.sh: the $c call of $dir/bin/docker did not reach the exec" >&2; exit 1; }
  done
}
profile "$OUT"

# The functions that ran, in the order callgrind first saw them, by name, each with the number
# of the first profile it ran in (1 the `run`, 2 the `ps`, 3 the edited policy's `run`).
# Callgrind compresses names: "fn=(N) name" or "cfn=(N) name" defines N once; "fn=(N)" is a
# function that ran.
ran() { # DIR: the three profiles in DIR, to stdout
  # Callgrind names code it has no symbol for (the C library's assembly: memset, _start) by its
  # address in the process, where valgrind loaded the binary. The address in the binary is that
  # less the load bias, which the named functions give: the first address a function's costs
  # are listed at (profiled with --dump-instr=yes) is its entry, against its symbol's value.
  local syms=$1/symbols.txt
  LC_ALL=C nm --defined-only "$(readlink -f "$1/bin/docker")" >"$syms"
  perl -ne '
    BEGIN {
      $file = 1;
      open my $s, "<", shift @ARGV or die;
      while (<$s>) {
        next unless /^([0-9a-f]+) ([tTwW]) (\S+)$/;
        $at{$3} = hex $1;
      }
    }
    if (/^(c?fn)=\((\d+)\)(?: (.*))?$/) {
      $name{$2} = $3 if defined $3;
      push @fns, [$1, $name{$2}];
      $first = $1 eq "fn" ? $name{$2} : undef;
    } elsif (defined $first && /^0x([0-9a-f]+) /) {
      $votes{hex($1) - $at{$first}}++ if exists $at{$first};
      undef $first;
    }
    if (eof) {
      my ($bias) = sort { $votes{$b} <=> $votes{$a} } keys %votes;
      for (@fns) {
        my ($kind, $n) = @$_;
        $n = sprintf "0x%x", hex($n) - ($bias // 0) if $n =~ /^0x/;
        print "$file\t$n\n" if $kind eq "fn" && !$seen{$n}++;
      }
      close ARGV; %name = (); @fns = (); %votes = (); undef $first; $file++; # ids are per file
    }
  ' "$syms" "$1/run.callgrind.1" "$1/ps.callgrind.1" "$1/edited.callgrind.1"
  # What callgrind cannot see: the exec itself (the dump is taken just before it).
  printf '1\t%s\n' _start execve __execve
}
ran "$OUT" >"$OUT/ran.txt"

# The musl build (what install.sh prefers) links its own C library, whose functions the glibc
# profile cannot name: where that target is installed, the same three calls are profiled on a
# musl build too, for the C functions alone. Without it, all of musl's C library that is linked
# (~60 KiB) is placed in the hot section whole.
MUSL_MAP=
if [ "$CHECK" = 0 ] && rustup target list --installed 2>/dev/null | grep -qx "$MUSL_TARGET"; then
  echo "== musl build (with a link map) and its profile"
  # run.sh's musl build, the same one (see variant_build in lib.sh).
  MUSL_MAP=$TARGET/bench/musl/musl.map
  variant_build musl
  mkdir -p "$OUT/musl/bin"
  ln -sfn "$TARGET/bench/musl/$MUSL_TARGET/release/nanoclaw-shim" "$OUT/musl/bin/docker"
  profile "$OUT/musl"
  ran "$OUT/musl" >"$OUT/musl/ran.txt"
fi

if [ "$CHECK" = 1 ]; then
  # Which of them lie inside the output section .text.hot of this build?
  perl -e '
    my ($lo, $hi, %addr);
    open my $m, "<", $ARGV[0] or die;
    while (<$m>) {
      my @f = split;
      next unless @f >= 5;
      if ($f[4] eq ".text.hot") { $lo = hex $f[0]; $hi = $lo + hex $f[2] }
      elsif ($f[4] !~ /:\(/ && !exists $addr{$f[4]}) { $addr{$f[4]} = hex $f[0] }
    }
    die "layout.sh: the build has no .text.hot section\n" unless defined $lo;
    open my $r, "<", $ARGV[1] or die;
    my ($in, $all, @out) = (0, 0);
    while (<$r>) {
      chomp; s/^\d+\t//; next unless exists $addr{$_};
      $all++;
      if ($addr{$_} >= $lo && $addr{$_} < $hi) { $in++ } else { push @out, $_ }
    }
    printf "hot section: %d of the %d functions that ran (%.0f%%), %d KiB\n", $in, $all, 100 * $in / $all, ($hi - $lo) / 1024;
    print "  outside: $_\n" for @out[0 .. ($#out < 9 ? $#out : 9)];
    exit($in >= 0.9 * $all ? 0 : 1);
  ' "$MAP" "$OUT/ran.txt"
  exit
fi

# One input-section pattern per function. The map names each symbol under the input section
# that holds it: Rust functions sit in their own section (.text.SYMBOL, or .text.unlikely.SYMBOL
# for cold ones) of the one LTO object; C library functions in their archive member's section.
# MUSL_PROFILED: the musl build's C functions are named by its own profile.
export MUSL_PROFILED=${MUSL_MAP:+1}
perl -e '
  my (%done, %group, $n, $missed, $pair);
  # Each pair of arguments is a link map and the functions that ran in that build; the second
  # pair, the musl build, adds its C functions and the Rust functions only it has (generic
  # copies and outlined parts differ between the builds; a Rust pattern names no build).
  while (my ($map, $ran) = splice @ARGV, 0, 2) {
    my $musl = $pair++ > 0;
    my (%sec, $cur, @ranges, $gnu, $in_map, $pending);
    open my $m, "<", $map or die;
    while (<$m>) {
      # GNU ld writes its own format (the musl target links with it): after "Linker script
      # and memory map", " .text.NAME 0xADDR 0xSIZE FILE" (the name alone on a line when
      # long), then "0xADDR SYMBOL" for each symbol in it.
      $gnu = 1 if $. == 1 && /^Archive member included/;
      if ($gnu) {
        $in_map = 1 if /^Linker script and memory map/;
        next unless $in_map;
        if (/^ (\.\S+)\s*$/) { $pending = $1; next }
        if (/^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)\s*$/) {
          my ($section, $at, $size) = ($1 // $pending, hex($2), hex($3));
          $cur = defined $section ? [$4, $section] : undef;
          # Assembly members of the C library (memset, __set_thread_area) have no symbol size,
          # and callgrind names them by address.
          push @ranges, [$at, $at + $size, $cur] if $cur && $section =~ /^\.text/;
          # GNU ld lists global symbols only; a local function is named by its section.
          $sec{$1} //= $cur if $cur && $section =~ /^\.text\.(?:unlikely\.|hot\.)?(.+)$/;
          undef $pending;
          next;
        }
        if ($cur && /^\s+0x[0-9a-f]+\s+(\S+)\s*$/ && !exists $sec{$1}) { $sec{$1} = $cur }
        next;
      }
      my @f = split;
      next unless @f >= 5;
      if ($f[4] =~ /^(.*):\((.*)\)$/) {
        $cur = [$1, $2];
        push @ranges, [hex($f[0]), hex($f[0]) + hex($f[2]), $cur] if $2 =~ /^\.text/;
      }
      elsif ($cur && !exists $sec{$f[4]}) { $sec{$f[4]} = $cur }
    }
    # Callgrind names a function without a symbol by its address: the section that holds it.
    my $by_address = sub {
      my $a = shift;
      for (@ranges) { return $_->[2] if $a >= $_->[0] && $a < $_->[1] }
      return undef;
    };
    open my $r, "<", $ran or die;
    while (my $line = <$r>) {
      chomp $line;
      my ($first, $sym) = split /\t/, $line, 2;
      my $s = $sec{$sym} // ($sym =~ /^0x([0-9a-f]+)$/ ? $by_address->(hex $1) : undef) or do { $missed++; next };
      my ($file, $section) = @$s;
      next unless $section =~ /^\.text/;
      # A Rust function is placed by its name only: an address callgrind names is code it saw
      # no symbol for, and inside a Rust section that is part of another function.
      next if $file =~ /\.rcgu\.o$/ && $sym =~ /^0x/;
      my $pat;
      if ($file =~ /\.rcgu\.o$/) {
        (my $g = $section) =~ s/^\.text\.(?:unlikely\.|hot\.)?//;
        $g =~ s/17h[0-9a-f]{16}E$/17h*/;   # legacy mangling: the hash
        $g =~ s/Cs[0-9A-Za-z]+_/Cs*_/g;     # v0 mangling: crate disambiguators
        $g =~ s/\.[0-9]+$/.*/;              # the number a local symbol gets, per build
        $pat = "*(.text.$g .text.unlikely.$g)";
      } else {
        (my $member = $file) =~ s{^.*/}{};
        $member =~ s/^(.*)\((.*)\)$/$1:$2/;
        # A musl member is one small function with its static helpers, which the map does not
        # name: all of its code.
        $pat = $musl ? "*$member(.text .text.*)" : "*$member($section)";
      }
      next if $done{$pat}++;
      $group{$pat} = $first;
      $order{$pat} = $n;
      $n++;
    }
  }
  print "/* Generated by benches/layout.sh: the functions a `docker` call runs, placed side by\n",
        "   side so that the kernel maps them with few page faults. Regenerate after changes to\n",
        "   the hot path; a stale entry costs speed, never correctness. */\n",
        "SECTIONS {\n  .text.hot : {\n";
  # What a `run` runs first, then what only a `ps` or an edited policy adds: the kernel maps
  # code 64 KiB at a time, and a `run` then touches only the chunks its own functions span,
  # not ones it shares with code it never calls. Inside each group, in the order the profile
  # lists them, which keeps functions that run together side by side: against alphabetical
  # order, a `run` 1.9 % faster (docs/PERFORMANCE.md, eighth pass).
  my @run = sort { $order{$a} <=> $order{$b} } grep { $group{$_} == 1 } keys %group;
  my @rest = sort { $group{$a} <=> $group{$b} || $order{$a} <=> $order{$b} } grep { $group{$_} != 1 } keys %group;
  print "    $_\n" for @run;
  # The musl build: without its own profile, all of its C library that is linked, whose
  # archive members end in .lo; and in any case the code of its start-up files (`__do_init` of
  # crtbegin runs on every call) and the `memcmp`, `bcmp`, `memcpy` and `memmove` main.rs gives
  # that build.
  print "    *libc.a:*.lo(.text .text.*)\n" unless $ENV{MUSL_PROFILED};
  print "    *rcrt1.o(.text.*) *crtbegin*.o(.text .text.*)\n";
  # musl finds clock_gettime in the vDSO by name (strcmp); under valgrind, which has no vDSO,
  # that never runs, so no profile names it.
  print "    *libc.a:strcmp.lo(.text .text.*)\n" if $ENV{MUSL_PROFILED};
  print "    *(.text.nanoclaw_shim_start .text.memcmp .text.bcmp .text.memcpy .text.memmove)\n";
  print "    $_\n" for @rest;
  print "  }\n} INSERT BEFORE .text;\n";
  printf STDERR "%d patterns; %d names had no section (callgrind pseudo-names, inlined copies)\n", $n, $missed;
' "$MAP" "$OUT/ran.txt" ${MUSL_MAP:+"$MUSL_MAP" "$OUT/musl/ran.txt"} >"$LAYOUT.new"
mv "$LAYOUT.new" "$LAYOUT"
echo "wrote $LAYOUT; rebuild and run benches/layout.sh --check"
