#!/usr/bin/env bash
# Start and stop private PostgreSQL, Redis and S3 API (moto) servers under var/.
#   scripts/services.sh start PROFILE    # PROFILE: run | test | test2
#   scripts/services.sh stop  PROFILE|all
#   scripts/services.sh env   PROFILE    # prints the settings as export lines
# YIWANG_PG_PORT, YIWANG_REDIS_PORT and YIWANG_S3_PORT move a profile's ports, so two
# checkouts can run their suites side by side (YIWANG_PG2_PORT, YIWANG_REDIS2_PORT and
# YIWANG_S32_PORT for `test2`, which are otherwise one above `test`'s). `test2` serves the second half of the suite,
# which `make test` runs beside the first on services of its own.
# Everything binds to 127.0.0.1. As root, PostgreSQL runs as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

profile_ports() {
  case "$1" in
    run)  PG_PORT=${YIWANG_PG_PORT:-54329}; REDIS_PORT=${YIWANG_REDIS_PORT:-63799}; S3_PORT=${YIWANG_S3_PORT:-55099} ;;
    test) PG_PORT=${YIWANG_PG_PORT:-54339}; REDIS_PORT=${YIWANG_REDIS_PORT:-63809}; S3_PORT=${YIWANG_S3_PORT:-55009} ;;
    # one above `test`'s, so a checkout that moved `test` moves its second half too
    test2) PG_PORT=${YIWANG_PG2_PORT:-$((${YIWANG_PG_PORT:-54348} + 1))}
      REDIS_PORT=${YIWANG_REDIS2_PORT:-$((${YIWANG_REDIS_PORT:-63818} + 1))}
      S3_PORT=${YIWANG_S32_PORT:-$((${YIWANG_S3_PORT:-55018} + 1))} ;;
    *) echo "unknown profile $1" >&2; exit 2 ;;
  esac
  DIR="$ROOT/var/$1"
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
  echo "$d"
}

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_pg() {
  local bin data
  bin=$(pg_bin); data="$DIR/pg"
  mkdir -p "$DIR"
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$data"; fi
    chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if [ "$(id -u)" = "0" ]; then chown -R postgres:postgres "$data"; fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -w -l "$data/server.log" \
      -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-on} -c max_connections=200" \
      start >/dev/null
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
  "${psql[@]}" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'yiwang_owner') THEN
    CREATE ROLE yiwang_owner LOGIN PASSWORD 'yiwang_owner' NOSUPERUSER CREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'yiwang_app') THEN
    CREATE ROLE yiwang_app LOGIN PASSWORD 'yiwang_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;
SQL
  "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='yiwang'" | grep -q 1 \
    || "${psql[@]}" -c "CREATE DATABASE yiwang OWNER yiwang_owner"
}

stop_pg() {
  local data="$DIR/pg"
  [ -s "$data/PG_VERSION" ] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
}

start_redis() {
  mkdir -p "$DIR/redis"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
      --dir "$DIR/redis" --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log"
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

# Stop only what this checkout started (its pid files under var/), never whatever else
# listens on the profile's ports: another checkout's suite may be running there.
# (a pid file left behind by a crash may name a process that is no server of ours by now)
stop_pid() {
  local pid=$1 name=$2
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  kill -9 "$pid" 2>/dev/null || true
}

stop_redis() {
  local pidfile="$DIR/redis/redis.pid"
  [ -s "$pidfile" ] || return 0
  stop_pid "$(cat "$pidfile")" redis-server
  rm -f "$pidfile"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_s3() {
  mkdir -p "$DIR"
  if ! port_open "$S3_PORT"; then
    nohup uv run --frozen moto_server -H 127.0.0.1 -p "$S3_PORT" >"$DIR/moto.log" 2>&1 &
    echo $! >"$DIR/moto.pid"
    for _ in $(seq 150); do port_open "$S3_PORT" && break; sleep 0.1; done
  fi
}

stop_s3() {
  [ -s "$DIR/moto.pid" ] || return 0
  local pid
  pid=$(cat "$DIR/moto.pid")
  # `uv run` is the recorded process; the server is its child
  for child in $(pgrep -P "$pid" 2>/dev/null); do stop_pid "$child" moto_server; done
  stop_pid "$pid" moto_server
  rm -f "$DIR/moto.pid"
}

print_env() {
  cat <<ENV
export DATABASE_URL=postgresql+psycopg://yiwang_app:yiwang_app@127.0.0.1:$PG_PORT/yiwang
export MIGRATION_DATABASE_URL=postgresql+psycopg://yiwang_owner:yiwang_owner@127.0.0.1:$PG_PORT/yiwang
export YIWANG_PG_ADMIN_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
ENV
  if [ "$PROFILE" != "run" ]; then
    cat <<ENV
export S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT
export S3_ACCESS_KEY_ID=testing
export S3_SECRET_ACCESS_KEY=testing
export STORAGE_BACKEND=s3
ENV
  fi
}

cmd=${1:-}; PROFILE=${2:-run}
case "$cmd" in
  start)
    profile_ports "$PROFILE"
    start_pg; start_redis
    if [ "$PROFILE" != "run" ]; then start_s3; fi
    ;;
  stop)
    if [ "$PROFILE" = "all" ]; then
      for p in run test test2; do "$0" stop "$p"; done
      exit 0
    fi
    profile_ports "$PROFILE"
    stop_s3; stop_redis; stop_pg
    ;;
  env) profile_ports "$PROFILE"; print_env ;;
  *) echo "usage: $0 start|stop|env run|test|test2|all" >&2; exit 2 ;;
esac
