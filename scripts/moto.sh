#!/usr/bin/env bash
# moto's server (PyPI moto[server]) speaks KMS and STS; the KMS/STS tests run
# against it on a loopback port.
#   scripts/moto.sh fetch   installs it in a virtualenv under
#                           ~/.cache/dynamorm (Debian's python is PEP 668
#                           managed, so never into the system)
#   scripts/moto.sh start   starts it on a free 127.0.0.1 port, prints its URL
#   scripts/moto.sh stop    stops the server this worktree started
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.2.5
cache=${DYNAMORM_CACHE:-$HOME/.cache/dynamorm}
venv=$cache/moto-$version
state=${MOTO_STATE_DIR:-$PWD/_build/moto}
python=${PYTHON:-/usr/bin/python3}

fetch () {
  if [ -f "$venv/.complete" ]; then
    return 0
  fi
  mkdir -p "$cache"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version"
  touch "$venv/.complete"
}

free_port () {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start () {
  fetch >&2
  stop >/dev/null 2>&1 || true
  mkdir -p "$state"
  local port
  port=$(free_port)
  # The server logs every request; keep that out of the test output.
  setsid "$venv/bin/python" -m moto.server -H 127.0.0.1 -p "$port" >"$state/moto.log" 2>&1 &
  echo $! >"$state/moto.pid"
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
      echo "http://127.0.0.1:$port"
      return 0
    fi
    sleep 0.2
  done
  echo "error: moto did not start; see $state/moto.log" >&2
  stop
  return 1
}

stop () {
  if [ -f "$state/moto.pid" ]; then
    kill "$(cat "$state/moto.pid")" 2>/dev/null || true
    rm -f "$state/moto.pid"
  fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 fetch|start|stop" >&2; exit 2 ;;
esac
