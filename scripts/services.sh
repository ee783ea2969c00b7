#!/usr/bin/env bash
# Starts the real services the intake server's tests run against, on
# 127.0.0.1 only, in a temporary folder, and exports where they are:
#   TESTIGO_TEST_POSTGRES  a PostgreSQL connection string (a private cluster,
#                          Debian's postgresql, trust auth on loopback)
# Source it (`source scripts/services.sh`); `stop_services` (run on exit by
# the caller's trap) stops them and removes the folder.
# Needs root or the postgres user to run initdb (Debian's packages).

services_dir="$(mktemp -d /tmp/testigo-services.XXXXXX)"
chmod 755 "$services_dir"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is missing: scripts/test.sh installs Debian's postgresql" >&2
  return 1 2>/dev/null || exit 1
fi
as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$services_dir/pg"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$services_dir/pg"; else sudo chown postgres "$services_dir/pg"; fi
as_postgres "$pg_bin/initdb" -D "$services_dir/pg" -A trust -U postgres >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$services_dir/pg" -l "$services_dir/pg/log" -w \
  -o "-p $pg_port -k $services_dir/pg -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
export TESTIGO_TEST_POSTGRES="host=127.0.0.1 port=$pg_port user=postgres dbname=postgres"
echo "PostgreSQL on 127.0.0.1:$pg_port"

stop_services() {
  as_postgres "$pg_bin/pg_ctl" -D "$services_dir/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$services_dir"
}
