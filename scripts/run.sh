#!/usr/bin/env bash
# `make run`: start the embedded services unless settings point elsewhere, migrate,
# onboard the default province if the database is empty, start the background-job
# worker (SAQ on the same Redis) and serve on 127.0.0.1:8000.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

started=0
worker=""
cleanup() {
  if [ -n "$worker" ] && kill -0 "$worker" 2>/dev/null; then
    echo "stopping the worker"
    kill -TERM "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
  fi
  if [ "$started" = "1" ]; then
    echo "stopping embedded services"
    scripts/services.sh stop run || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  echo "no DATABASE_URL: starting embedded PostgreSQL and Redis under var/run"
  scripts/services.sh start run
  started=1
  eval "$(scripts/services.sh env run)"
fi
export STORAGE_BACKEND=${STORAGE_BACKEND:-$([ -n "${S3_ENDPOINT_URL:-}" ] && echo s3 || echo local)}

uv run --frozen yiwang db upgrade
uv run --frozen yiwang bootstrap
# Uploads are verified, exports written, sweeps run by the worker; the server only enqueues.
uv run --frozen yiwang worker &
worker=$!
echo "serving on http://${YIWANG_HOST:-127.0.0.1}:${YIWANG_PORT:-8000}  (例如 http://127.0.0.1:8000/r/620102/)"
uv run --frozen yiwang serve
