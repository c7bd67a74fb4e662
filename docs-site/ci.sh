#!/usr/bin/env bash
# CI for the docs page (docs-site/): installs what it needs on a fresh Debian
# machine, then runs
#   1. the unit tests (node:test: matrixModel.js + the server render),
#   2. the end-to-end tests in headless Debian Chromium (desktop + phone),
#   3. the Docusaurus 3 smoke build of the page, checked in Chromium.
# Exits non-zero on any failure. Called by the project's .ci/run.
#
# Environment:
#   CHROMIUM_PATH=/path     use another Chromium binary (default /usr/bin/chromium)
#   SKIP_DOCUSAURUS=1       skip step 3 (and its ~250 MB npm install)
#
# `ci.sh --install-only` installs (Chromium, both npm trees) and runs nothing:
# .ci/run starts it in the background while the Rust suite builds and runs,
# so the downloads overlap the CPU-bound work; the later full run finds
# everything installed.
set -euo pipefail
INSTALL_ONLY=0
[ "${1:-}" = "--install-only" ] && INSTALL_ONLY=1

cd "$(dirname "${BASH_SOURCE[0]}")"
DOCS_SITE="$(pwd)"
START=$SECONDS

log() { printf '\n== docs-site: %s (%ss)\n' "$*" "$((SECONDS - START))"; }
die() { printf 'docs-site/ci.sh: %s\n' "$*" >&2; exit 1; }

# --- tools ------------------------------------------------------------------
command -v node >/dev/null || die "node is required (Node.js 20 or newer)"
command -v npm >/dev/null || die "npm is required"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" -ge 20 ] || die "Node.js 20 or newer is required, found $(node --version)"

export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  log "installing Debian's chromium"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "$CHROMIUM_PATH is missing and this is not root: apt-get install chromium"
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  [ -x "$CHROMIUM_PATH" ] || die "apt-get installed chromium but $CHROMIUM_PATH is still missing"
fi
"$CHROMIUM_PATH" --version 2>/dev/null | head -n1 || true

# --- npm dependencies ---------------------------------------------------------
# `npm ci` from the committed lockfile; skipped when node_modules was
# installed from this very lockfile (a stamp of its hash), so warm runs stay fast.
npm_ci() {
  local dir="$1" stamp hash
  stamp="$dir/node_modules/.docs-site-ci-stamp"
  hash="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    echo "$dir: node_modules up to date with package-lock.json"
    return
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$hash" >"$stamp"
}

log "npm ci"
npm_ci "$DOCS_SITE"
if [ "$INSTALL_ONLY" = "1" ]; then
  if [ "${SKIP_DOCUSAURUS:-}" != "1" ]; then
    log "npm ci (Docusaurus smoke site)"
    npm_ci "$DOCS_SITE/docusaurus-smoke"
  fi
  log "installed (--install-only)"
  exit 0
fi

# --- tests --------------------------------------------------------------------
# `timeout` bounds each step; SIGTERM lets Playwright close Chromium.
log "unit tests"
timeout -k 10 120 node --test --test-timeout=60000 test/unit/*.test.mjs

log "end-to-end tests (Chromium: desktop 1280x800, phone 390x844)"
timeout -k 10 240 node --test --test-timeout=120000 test/e2e/*.test.mjs
echo "screenshots: $DOCS_SITE/test-results/screenshots/"

if [ "${SKIP_DOCUSAURUS:-}" = "1" ]; then
  log "Docusaurus smoke build skipped (SKIP_DOCUSAURUS=1)"
else
  log "npm ci (Docusaurus smoke site)"
  npm_ci "$DOCS_SITE/docusaurus-smoke"
  log "Docusaurus smoke build + browser check"
  timeout -k 10 420 node --test --test-timeout=400000 test/docusaurus/*.test.mjs
fi

log "all docs-site checks passed"
