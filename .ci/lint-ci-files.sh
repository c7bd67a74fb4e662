#!/usr/bin/env bash
# Lints the two CI pipelines with real linters, installed from PyPI into a
# private virtualenv (target/ci-venv; override with CI_LINT_VENV):
#
#   .github/workflows/*.yml  check-jsonschema (vendor.github-workflows),
#                            actionlint (+ shellcheck on every run: script),
#                            zizmor --offline (security audit)
#   .circleci/config.yml     check-jsonschema (vendor.circle-ci), and every
#                            run: command through ShellCheck
#   .ci/*.sh, .ci/run        ShellCheck
#
# Before trusting a linter's "ok", the script feeds each one a known-bad file
# and fails if it is not rejected. Needs: python3 (with venv, or pip), network
# access to PyPI on the first run. Exit status: non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CI_LINT_VENV:-target/ci-venv}"
requirements=.ci/lint-requirements.txt
stamp="$venv/.installed-requirements"

say() { printf '== %s\n' "$*"; }
die() { printf 'lint-ci-files: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is required"

# ---- install (once per requirements change) ---------------------------------
if ! [ -x "$venv/bin/check-jsonschema" ] || ! cmp -s "$requirements" "$stamp"; then
  say "installing the CI linters into $venv"
  rm -rf "$venv"
  if python3 -m venv "$venv" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  elif python3 -m pip --version >/dev/null 2>&1; then
    # Debian without python3-venv: a plain pip --target install works too.
    rm -rf "$venv"
    python3 -m pip install --quiet --disable-pip-version-check --target "$venv/lib" -r "$requirements"
    mkdir -p "$venv/bin"
    for tool in check-jsonschema actionlint zizmor shellcheck; do
      src="$venv/lib/bin/$tool"
      [ -e "$src" ] || die "pip --target did not install $tool"
      # shellcheck disable=SC2016 # $PYTHONPATH and $@ belong to the wrapper.
      printf '#!/bin/sh\nPYTHONPATH="%s${PYTHONPATH:+:$PYTHONPATH}" exec "%s" "$@"\n' \
        "$(cd "$venv/lib" && pwd)" "$(cd "$venv/lib/bin" && pwd)/$tool" > "$venv/bin/$tool"
      chmod +x "$venv/bin/$tool"
    done
  else
    die "python3 can make neither a virtualenv nor pip installs: install python3-venv (Debian: apt-get install python3-venv)"
  fi
  cp "$requirements" "$stamp"
fi
bin="$(cd "$venv/bin" && pwd)"
export PATH="$bin:$PATH"
for tool in check-jsonschema actionlint zizmor shellcheck; do
  [ -x "$bin/$tool" ] || die "$tool is missing from $venv; delete it and rerun"
done
# Python with the linters' libraries (ruamel.yaml), in either layout.
if [ -x "$venv/bin/python" ]; then
  lint_python() { "$venv/bin/python" "$@"; }
else
  lint_python() { PYTHONPATH="$(cd "$venv/lib" && pwd)${PYTHONPATH:+:$PYTHONPATH}" python3 "$@"; }
fi

# The file set is fixed: a renamed or deleted pipeline is a failure, not a skip.
workflows=(.github/workflows/*.yml)
[ -e "${workflows[0]}" ] || die "no workflow in .github/workflows"
circleci=.circleci/config.yml
[ -f "$circleci" ] || die "$circleci is missing"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# ---- the linters must be able to fail -----------------------------------------
say "self-test: each linter rejects a known-bad file"
mkdir -p "$scratch/bad/.github/workflows"
cat > "$scratch/bad/.github/workflows/bad.yml" <<'YAML'
on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo ${{ steps.nope.outputs.x }}
    stepz: []
YAML
printf 'version: 2.1\njobs:\n  j:\n    docker: 3\n' > "$scratch/bad-circleci.yml"
# shellcheck disable=SC2016 # the unquoted $1 is the point of the bad file.
printf '#!/bin/sh\necho $1\n' > "$scratch/bad.sh"
expect_failure() {
  local what="$1"; shift
  if "$@" >/dev/null 2>&1; then die "self-test: $what accepted a known-bad file; the linter is broken"; fi
}
expect_failure "check-jsonschema (workflows)" check-jsonschema --builtin-schema vendor.github-workflows "$scratch/bad/.github/workflows/bad.yml"
expect_failure "check-jsonschema (circleci)" check-jsonschema --builtin-schema vendor.circle-ci "$scratch/bad-circleci.yml"
expect_failure actionlint actionlint -no-color "$scratch/bad/.github/workflows/bad.yml"
expect_failure zizmor zizmor --offline --no-progress "$scratch/bad/.github/workflows/bad.yml"
expect_failure shellcheck shellcheck "$scratch/bad.sh"

# ---- the real files -------------------------------------------------------------
status=0
run() {
  local what="$1"; shift
  say "$what"
  if ! "$@"; then
    status=1
    printf 'lint-ci-files: FAILED: %s\n' "$what" >&2
  fi
}

run "check-jsonschema: GitHub workflows" check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
run "actionlint (with shellcheck on run: scripts)" actionlint -no-color -shellcheck "$bin/shellcheck" "${workflows[@]}"
run "zizmor --offline --persona auditor" zizmor --offline --no-progress --persona auditor "${workflows[@]}"
run "check-jsonschema: CircleCI" check-jsonschema --builtin-schema vendor.circle-ci "$circleci"

# CircleCI runs each `run:` command with `/bin/bash -eo pipefail`; extract them
# (check-jsonschema ships ruamel.yaml) and shellcheck them as such.
say "shellcheck: CircleCI run: commands"
lint_python - "$circleci" "$scratch/circleci" <<'PY' || status=1
import os, re, sys
try:
    from ruamel.yaml import YAML
except ImportError:
    sys.exit("ruamel.yaml (a check-jsonschema dependency) is not importable from the linter environment")
config, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
doc = YAML(typ="safe").load(open(config))
n = 0
for job, spec in (doc.get("jobs") or {}).items():
    for step in spec.get("steps") or []:
        run = step.get("run") if isinstance(step, dict) else None
        if run is None:
            continue
        command = run if isinstance(run, str) else run.get("command", "")
        name = run.get("name", "") if isinstance(run, dict) else ""
        n += 1
        # Pipeline parameters are substituted by CircleCI before bash sees them.
        body = re.sub(r"<<\s*pipeline\.parameters\.(\w+)\s*>>", r"PIPELINE_PARAMETER_\1", command)
        with open(os.path.join(out, f"{job}-{n:02d}.sh"), "w") as f:
            f.write(f"#!/bin/bash\n# {job}: {name}\nset -eo pipefail\n{body}\n")
if n == 0:
    sys.exit(f"{config}: no run: commands found")
print(f"extracted {n} run: commands")
PY
run "shellcheck: CircleCI commands" shellcheck --shell=bash "$scratch"/circleci/*.sh
run "shellcheck: .ci/*.sh, .ci/run" shellcheck .ci/*.sh .ci/run

if [ "$status" -ne 0 ]; then
  die "lint errors above"
fi
say "CI files: all linters passed"
