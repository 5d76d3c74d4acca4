#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with trust auth for user postgres (the routing
# service's multi-instance tests need it; they fail rather than skip when CI=true).
# 1. already answering -> done; 2. installed but stopped -> start a throwaway cluster;
# 3. not installed -> apt-get install postgresql (Debian packages), then 2.
set -euo pipefail

port="${PGPORT_CI:-5432}"
answers() { (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; }

if answers; then
  echo "postgres: already answering on 127.0.0.1:$port"
  exit 0
fi

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$bindir" ]; then
  echo "postgres: installing from Debian packages"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi

data="${PGDATA_CI:-/tmp/handoff-ci-pgdata}"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  run_as=(runuser -u postgres --)
fi
if [ ! -s "$data/PG_VERSION" ]; then
  mkdir -p "$data" && [ "$(id -u)" -eq 0 ] && chown postgres "$data"
  "${run_as[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust >/dev/null
fi
"${run_as[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=/tmp -c max_connections=200" start

for _ in $(seq 1 30); do answers && break; sleep 1; done
answers || { echo "postgres: did not come up" >&2; exit 1; }
"$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE test" >/dev/null
echo "postgres: started on 127.0.0.1:$port (data in $data)"
