#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server on 127.0.0.1 and removes the server after.
#
#   scripts/with-postgres.sh npm test
#   scripts/with-postgres.sh npx vitest run test/adapters/postgres.test.ts
#
# The server gets a fresh data directory (mktemp), a free port, trust authentication for local
# connections and one database, `seriatim`; the command sees
#   SERIATIM_PG_URL=postgres://postgres@127.0.0.1:<port>/seriatim
# and the script exits with the command's status. The server is stopped on any exit (trap).
# Binaries come from `$(pg_config --bindir)` or /usr/lib/postgresql/15/bin; when neither has
# `initdb` and we are root, `apt-get install postgresql` runs first. As root, the server runs as the
# `postgres` user through `runuser` (initdb refuses root). Extra server settings may be passed in
# SERIATIM_PG_SETTINGS (e.g. "-c fsync=on"); the defaults favour a disposable test server.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args…]" >&2
  exit 2
fi

find_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  fi
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

if ! BINDIR="$(find_bindir)"; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[with-postgres] PostgreSQL not found: installing it with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)" || { echo "[with-postgres] initdb still not found" >&2; exit 1; }
  else
    echo "[with-postgres] PostgreSQL binaries (initdb) not found; install PostgreSQL 15" >&2
    exit 1
  fi
fi

# As root, run the server tools as `postgres`; otherwise as the current user.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

DIR="$(mktemp -d "${TMPDIR:-/tmp}/seriatim-pg.XXXXXX")"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR"; fi
chmod 700 "$DIR"
DATA="$DIR/data"

cleanup() {
  local status=$?
  if [ -f "$DATA/postmaster.pid" ]; then
    as_server_user "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: bind port 0 and read what the kernel chose.
PORT="${SERIATIM_PG_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})")}"

as_server_user "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C --no-sync \
  >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }

SETTINGS="-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300"
SETTINGS="$SETTINGS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
SETTINGS="$SETTINGS ${SERIATIM_PG_SETTINGS:-}"
if ! as_server_user "$BINDIR/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
  -o "$SETTINGS" start >/dev/null; then
  cat "$DIR/server.log" >&2
  exit 1
fi

"$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres seriatim
export SERIATIM_PG_URL="postgres://postgres@127.0.0.1:$PORT/seriatim"
echo "[with-postgres] PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (SERIATIM_PG_URL=$SERIATIM_PG_URL)" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
