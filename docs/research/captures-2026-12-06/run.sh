#!/usr/bin/env bash
# run.sh NAME [ENV=VALUE ...] -- [claude args]: one hermetic CLI run against
# the recorder. Private HOME/CLAUDE_CONFIG_DIR/TMPDIR, nonessential traffic
# off, HTTPS_PROXY/HTTP_PROXY at a refusing local port (guard: nothing may
# leave the machine), every base URL on 127.0.0.1. Writes NAME.log (the
# recorder's JSON lines) and NAME.out (the CLI's stdout+stderr).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=$1; shift
ENVS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do ENVS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
CLAUDE=${CLAUDE:-$HOME/.cache/claude-compat-matrix/claude-code-2.1.331/node_modules/@anthropic-ai/claude-code-linux-x64/claude}
PORT=${PORT:-18431}
OUT=${OUT:-/tmp/modes/out}; mkdir -p "$OUT"
rm -f "$OUT/$NAME.log"
# NOREC=1: no recorder of our own (the CLI talks to a gateway started by litellm.sh).
RPID=
if [ -z "${NOREC:-}" ]; then python3 "$HERE/recorder.py" "$PORT" "$OUT/$NAME.log" & RPID=$!; sleep 0.5; fi
T=$(mktemp -d)
mkdir -p "$T/home" "$T/cfg" "$T/tmp" "$T/proj"
# CFG_SEED: start from a kept config dir (a second run over a warm cache).
[ -n "${CFG_SEED:-}" ] && cp -r "$CFG_SEED"/. "$T/cfg"/
( cd "$T/proj" && env -i PATH=/usr/bin:/bin HOME="$T/home" CLAUDE_CONFIG_DIR="$T/cfg" TMPDIR="$T/tmp" \
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
    HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
    "${ENVS[@]}" timeout 60 "$CLAUDE" "$@" < "${STDIN:-/dev/null}" ) > "$OUT/$NAME.out" 2>&1
echo "rc=$?" >> "$OUT/$NAME.out"
[ -n "$RPID" ] && { kill $RPID 2>/dev/null; wait $RPID 2>/dev/null; }
# Keep the config dir (discovery cache, etc.) and the home for inspection.
rm -rf "$OUT/$NAME.cfg"; cp -r "$T/cfg" "$OUT/$NAME.cfg" 2>/dev/null
rm -rf "$T"
