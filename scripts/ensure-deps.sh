#!/usr/bin/env bash
# Install what the project needs on a fresh Debian machine: uv, the Python
# environment from the lock file, and the Debian packages of the services.
#   --with-browser   chromium and a CJK font, for the browser tests
#   --with-bench     wrk, for bench/http_load.py
set -euo pipefail
cd "$(dirname "$0")/.."

with_browser=0 with_bench=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) with_browser=1 ;;
    --with-bench) with_bench=1 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# The CJK font e-licence PDFs embed (run and test alike; see src/runtime/certificates/fonts.py).
# It also gives chromium its CJK glyphs for screenshots.
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need_apt+=(fonts-wqy-zenhei)
if [ "$with_bench" = "1" ]; then
  command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
fi
if [ "${YIWANG_BROWSER_TESTS:-1}" = "1" ] && [ "$with_browser" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts the packaged services; ours run privately under var/.
  for svc in postgresql redis-server; do
    (command -v systemctl >/dev/null && systemctl stop "$svc" 2>/dev/null) || service "$svc" stop 2>/dev/null || true
  done
fi

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi
uv sync --frozen --quiet
