#!/usr/bin/env bash
# `make bench`: start the test services, recreate and bootstrap the test database
# (the Gansu tree, the base model and the example overlays), run every benchmark,
# print the tables. Runs from nothing: no database, no wrk installed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh --with-bench
trap 'scripts/services.sh stop test' EXIT
scripts/services.sh start test
eval "$(scripts/services.sh env test)"
scripts/reset-test-db.sh
uv run --frozen yiwang db upgrade >/dev/null
uv run --frozen yiwang bootstrap >/dev/null
for script in bench/*.py; do
  case "$(basename "$script")" in _*) continue ;; esac  # shared helpers, not benchmarks
  echo "== $script"
  uv run --frozen python "$script"
done
