#!/usr/bin/env bash
# `make test`: start PostgreSQL, Redis and an S3 API server on loopback, run the
# linters, the type checker and the whole suite, and stop the services again,
# whether the tests pass or not.
#
# The static checks (ruff, import layers, mypy) run beside the suite and fail the run as a
# failing test does. The suite runs in two halves at once, one per core, each on services
# of its own (profiles `test` and `test2`), so no test shares a database, a Redis or a
# bucket with a test of the other half. pytest-split cuts the suite into two contiguous halves of
# equal time by the durations in `.test_durations` (refresh them with
# `scripts/test.sh --store-durations`). Arguments, if any, go to one pytest run instead.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
HALVES=(test test2)
# Bytecode caches are what keep a Python process from compiling every module it imports:
# without them (an environment exporting PYTHONDONTWRITEBYTECODE) each half recompiles the
# suite to collect it (35 s of CPU instead of 12 s) and every `yiwang` command and server a
# test starts recompiles the platform. `__pycache__/` is ignored by git.
unset PYTHONDONTWRITEBYTECODE

scripts/ensure-deps.sh --with-browser
mkdir -p var
# a clean clone has no bytecode yet: compiled once here, on one core while the services
# start, not by both halves at once
uv run --frozen python -m compileall -q src tests migrations >var/compile.log 2>&1 &
compiled=$!
trap 'for p in "${HALVES[@]}"; do scripts/services.sh stop "$p"; done' EXIT
for p in "${HALVES[@]}"; do
  PG_FSYNC=off scripts/services.sh start "$p"
  scripts/reset-test-db.sh "$p"   # a clean database for every run
done
eval "$(scripts/services.sh env test)"
wait "$compiled" || { cat var/compile.log; echo "compileall failed"; exit 1; }
# the static checks need no service and no result of the suite: they run beside it (a
# cold mypy is half a minute of one core, which the halves' waits on the database and
# the browser leave free), and their verdict counts like a half's
(
  echo "== ruff"; uv run --frozen ruff check src tests migrations bench scripts
  uv run --frozen ruff format --check src tests migrations bench scripts
  echo "== import layers"; uv run --frozen lint-imports --no-cache | tail -n 3
  echo "== mypy"; make -s typecheck
) >var/static-checks.log 2>&1 &
checks=$!
echo "== pytest"
status=0
if [ $# -gt 0 ] && [ "$1" != "--store-durations" ]; then
  uv run --frozen pytest -q -p no:cacheprovider "$@" || status=$?
else
  store=()
  pids=()
  rm -f var/durations.old.json
  if [ -f .test_durations ]; then cp .test_durations var/durations.old.json; fi
  for i in 1 2; do
    p=${HALVES[$((i - 1))]}
    mkdir -p "var/$p"
    if [ "${1:-}" = "--store-durations" ]; then
      # each half updates its own copy; the two are merged below
      if [ -f .test_durations ]; then cp .test_durations "var/$p/durations.json"; fi
      store=(--store-durations --durations-path "var/$p/durations.json")
    fi
    (
      eval "$(scripts/services.sh env "$p")"
      # development keys, SMS and mail logs of its own
      export YIWANG_VAR_DIR="$PWD/var/$p/work"
      # ports for the servers its tests start, apart from the other half's (tests/ports.py)
      export YIWANG_TEST_PORTS="$((20000 + 2000 * i))-$((21999 + 2000 * i))"
      exec uv run --frozen pytest -q -p no:cacheprovider --splits 2 --group "$i" \
        --durations-path .test_durations "${store[@]}"
    ) >"var/$p/pytest.log" 2>&1 &
    pids+=($!)
  done
  for i in 1 2; do
    half=0
    wait "${pids[$((i - 1))]}" || half=$?
    echo "-- half $i of 2 (exit $half): var/${HALVES[$((i - 1))]}/pytest.log"
    if [ "$half" -eq 0 ]; then tail -n 5 "var/${HALVES[$((i - 1))]}/pytest.log"; else cat "var/${HALVES[$((i - 1))]}/pytest.log"; fi
    [ "$half" -eq 0 ] || status=$half
  done
  if [ "${1:-}" = "--store-durations" ]; then
    uv run --frozen python scripts/support/merge_durations.py var/durations.old.json \
      var/test/durations.json var/test2/durations.json >var/durations.json
    mv var/durations.json .test_durations
  fi
fi
checked=0
wait "$checks" || checked=$?
echo "== static checks (exit $checked)"
cat var/static-checks.log
[ "$checked" -eq 0 ] || status=$checked
echo "make test took $(( $(date +%s) - start )) s"
exit $status
