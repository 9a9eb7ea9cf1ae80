#!/usr/bin/env bash
# Drop and recreate the test database and empty its Redis (the test services must be running).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/services.sh env test)"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
"$pgbin/psql" "$YIWANG_PG_ADMIN_URL" -qAt -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS yiwang WITH (FORCE)" -c "CREATE DATABASE yiwang OWNER yiwang_owner"
# Caches keyed by database ids would outlive the database they describe.
redis-cli -u "$REDIS_URL" flushdb >/dev/null
