#!/usr/bin/env bash
# `make bench`: start the test services, run every benchmark, print the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'scripts/services.sh stop test' EXIT
scripts/services.sh start test
eval "$(scripts/services.sh env test)"
scripts/reset-test-db.sh
uv run --frozen yiwang db upgrade >/dev/null
for script in bench/*.py; do
  case "$(basename "$script")" in _*) continue ;; esac  # shared helpers, not benchmarks
  echo "== $script"
  uv run --frozen python "$script"
done
