#!/usr/bin/env bash
# Drop and recreate the test database, empty its Redis and its object store (the test
# services must be running). `scripts/reset-test-db.sh test2` resets the second half's.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/services.sh env "${1:-test}")"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
"$pgbin/psql" "$YIWANG_PG_ADMIN_URL" -qAt -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS yiwang WITH (FORCE)" -c "CREATE DATABASE yiwang OWNER yiwang_owner"
# Caches keyed by database ids would outlive the database they describe.
redis-cli -u "$REDIS_URL" flushdb >/dev/null
# So would stored objects: certificates, revocations and attachments named by ids and
# numbers the new database hands out again (moto's own reset empties every bucket).
if [ -n "${S3_ENDPOINT_URL:-}" ]; then
  python3 -c "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/moto-api/reset', method='POST'), timeout=10)" "$S3_ENDPOINT_URL"
fi
