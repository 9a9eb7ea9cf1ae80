#!/usr/bin/env bash
# `make test`: start PostgreSQL, Redis and an S3 API server on loopback, run the
# linters, the type checker and the whole suite, and stop the services again,
# whether the tests pass or not.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

scripts/ensure-deps.sh --with-browser
trap 'scripts/services.sh stop test' EXIT
PG_FSYNC=off scripts/services.sh start test
eval "$(scripts/services.sh env test)"

scripts/reset-test-db.sh   # a clean database for every run

echo "== ruff"; uv run --frozen ruff check src tests migrations bench
uv run --frozen ruff format --check src tests migrations bench
echo "== import layers"; uv run --frozen lint-imports --no-cache | tail -n 3
echo "== mypy"; make -s typecheck
echo "== pytest"
status=0
uv run --frozen pytest -q -p no:cacheprovider "$@" || status=$?
echo "make test took $(( $(date +%s) - start )) s"
exit $status
