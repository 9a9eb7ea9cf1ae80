#!/usr/bin/env bash
# What the platform's connections wait on while a load runs: samples pg_stat_activity
# (state, wait event) and pg_locks (ungranted) every 0.1 s while a `wrk` process runs,
# up to N samples, and counts them. Used with `bench/records_create.py`:
#   uv run python bench/records_create.py & bench/support/pg_waits.sh 60
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(scripts/services.sh env "${SERVICES:-test}")"
psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
url="${YIWANG_PG_ADMIN_URL%/*}/yiwang"
until pgrep -x wrk >/dev/null; do sleep 0.2; done
for _ in $(seq "${1:-60}"); do
  pgrep -x wrk >/dev/null || break
  "$psql" "$url" -qAtX -c "SELECT 'state ' || coalesce(wait_event_type, 'CPU') || ':'
    || coalesce(wait_event, '-') || ':' || state FROM pg_stat_activity
    WHERE datname = 'yiwang' AND usename = 'yiwang_app' AND pid <> pg_backend_pid()
    UNION ALL SELECT 'not granted ' || locktype || ':' || mode FROM pg_locks WHERE NOT granted"
  sleep 0.1
done | sort | uniq -c | sort -rn
