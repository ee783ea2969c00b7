#!/usr/bin/env bash
# Starts the real services the intake server's tests run against, on
# 127.0.0.1 only, in a temporary folder, and exports where they are:
#   TESTIGO_TEST_POSTGRES  a PostgreSQL connection string (a private cluster,
#                          Debian's postgresql, trust auth on loopback)
#   TESTIGO_TEST_S3_*      a single-node Garage, an S3-compatible server
#                          (see below)
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

# Garage, a real S3-compatible server (one node, replication 1, SQLite for
# its metadata, every write synced), built by scripts/test.sh into
# $HOME/.cache/garage. Tests make a bucket of their own each with the
# `garage` command (TESTIGO_TEST_GARAGE, with its configuration in
# TESTIGO_TEST_GARAGE_CONFIG) and reach it through the S3 API:
#   TESTIGO_TEST_S3_ENDPOINT, TESTIGO_TEST_S3_REGION, TESTIGO_TEST_S3_KEY_ID,
#   TESTIGO_TEST_S3_SECRET
garage_bin="${TESTIGO_TEST_GARAGE:-$HOME/.cache/garage/bin/garage}"
[ -x "$garage_bin" ] || garage_bin="$(command -v garage || true)"
if [ -z "$garage_bin" ]; then
  echo "Garage is missing: scripts/test.sh builds it into \$HOME/.cache/garage" >&2
  return 1 2>/dev/null || exit 1
fi
garage_started="$(date +%s.%N)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
garage_rpc="$(free_port)"; garage_s3="$(free_port)"; garage_admin="$(free_port)"
mkdir -p "$services_dir/garage/meta" "$services_dir/garage/data"
cat > "$services_dir/garage/garage.toml" <<TOML
metadata_dir = "$services_dir/garage/meta"
data_dir = "$services_dir/garage/data"
db_engine = "sqlite"
metadata_fsync = true
data_fsync = true
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$garage_rpc"
rpc_public_addr = "127.0.0.1:$garage_rpc"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$garage_s3"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$garage_admin"
TOML
chmod 600 "$services_dir/garage/garage.toml"
export GARAGE_CONFIG_FILE="$services_dir/garage/garage.toml"
RUST_LOG="${RUST_LOG:-garage=warn}" "$garage_bin" server >"$services_dir/garage/log" 2>&1 &
garage_pid=$!
# Up once `garage status` answers over RPC (a few hundred ms; 30 s at most).
for _ in $(seq 300); do
  "$garage_bin" status >/dev/null 2>&1 && break
  kill -0 "$garage_pid" 2>/dev/null || break
  sleep 0.1
done
if ! "$garage_bin" status >/dev/null 2>&1; then
  echo "Garage did not start; its log:" >&2
  cat "$services_dir/garage/log" >&2
  return 1 2>/dev/null || exit 1
fi
garage_node="$("$garage_bin" node id -q 2>/dev/null | cut -d@ -f1)"
"$garage_bin" layout assign -z dc1 -c 1G "$garage_node" >/dev/null
"$garage_bin" layout apply --version 1 >/dev/null
garage_key="$("$garage_bin" key create testigo-tests)"
TESTIGO_TEST_S3_KEY_ID="$(printf '%s\n' "$garage_key" | awk '/Key ID:/ {print $NF}')"
TESTIGO_TEST_S3_SECRET="$(printf '%s\n' "$garage_key" | awk '/Secret key:/ {print $NF}')"
# The layout is in use once a bucket can be made and listed.
for _ in $(seq 300); do
  "$garage_bin" bucket create testigo-probe >/dev/null 2>&1 && break
  sleep 0.1
done
"$garage_bin" bucket info testigo-probe >/dev/null
export TESTIGO_TEST_GARAGE="$garage_bin" TESTIGO_TEST_GARAGE_CONFIG="$GARAGE_CONFIG_FILE"
export TESTIGO_TEST_S3_ENDPOINT="http://127.0.0.1:$garage_s3" TESTIGO_TEST_S3_REGION=garage
export TESTIGO_TEST_S3_KEY_ID TESTIGO_TEST_S3_SECRET
unset GARAGE_CONFIG_FILE
echo "Garage on 127.0.0.1:$garage_s3 (S3), up in $(python3 -c "import time; print(f'{time.time() - $garage_started:.1f}')") s"

stop_services() {
  if [ -n "${garage_pid:-}" ]; then
    kill "$garage_pid" 2>/dev/null || true
    wait "$garage_pid" 2>/dev/null || true
  fi
  as_postgres "$pg_bin/pg_ctl" -D "$services_dir/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$services_dir"
}
