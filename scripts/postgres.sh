#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL 15 server for the policy store
# tests: loopback only, trust authentication, database sightline_test. Prints
# the connection URL on stdout and writes it to <dir>/url.
#
#   scripts/postgres.sh [--dir DIR] [--port PORT]    start, or print the URL if running
#   scripts/postgres.sh [--dir DIR] --stop           stop the server
#
# Example: export SIGHTLINE_TEST_POSTGRES="$(scripts/postgres.sh)"
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir=/usr/lib/postgresql/15/bin
database=sightline_test
superuser=postgres
dir="$repo_dir/.cache/postgres"
port=
stop=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --stop) stop=1; shift ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "postgres.sh: unknown option '$1' (expected --dir DIR, --port PORT or --stop)" >&2; exit 2 ;;
  esac
done
if [[ -n "$port" && ! "$port" =~ ^[0-9]+$ ]]; then
  echo "postgres.sh: invalid --port '$port': expected a number from 1024 to 65535" >&2
  exit 2
fi
if [[ ! -x "$bin_dir/pg_ctl" ]]; then
  echo "postgres.sh: $bin_dir/pg_ctl not found; install Debian's postgresql-15 package" >&2
  exit 1
fi

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data_dir="$dir/data"
url_file="$dir/url"

# The server refuses to run as root, so as root every server command runs as
# the postgres system user, which then owns the directory.
as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd "$dir" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}
if [[ $(id -u) -eq 0 ]]; then
  chown postgres:postgres "$dir"
  if ! runuser -u postgres -- test -w "$dir"; then
    echo "postgres.sh: the postgres user cannot write to $dir (a parent directory is not searchable); pass --dir" >&2
    exit 1
  fi
fi

# One caller at a time: test.sh and a developer may both start it.
exec 9>"$dir/.lock"
flock 9

is_running() { [[ -f "$data_dir/postmaster.pid" ]] && as_server_user "$bin_dir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; }

if [[ $stop -eq 1 ]]; then
  if is_running; then
    as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null
    echo "postgres.sh: stopped the server in $data_dir" >&2
  else
    echo "postgres.sh: no server running in $data_dir" >&2
  fi
  rm -f "$url_file"
  exit 0
fi

if is_running && [[ -s "$url_file" ]]; then
  cat "$url_file"
  exit 0
fi

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
if [[ -z "$port" ]]; then
  # Reuse the last port when it is still free, so that a URL saved earlier
  # keeps working; otherwise take one the kernel reports free.
  if [[ -s "$url_file" ]]; then
    port="$(sed -n 's|.*:\([0-9][0-9]*\)/.*|\1|p' "$url_file")"
  fi
  if [[ -z "$port" ]] || ! port_is_free "$port"; then
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  fi
fi

if [[ ! -f "$data_dir/PG_VERSION" ]]; then
  # C collation: text compares bytewise, as in SQLite.
  as_server_user "$bin_dir/initdb" -D "$data_dir" -U "$superuser" --encoding=UTF8 --locale=C \
    --auth-local=trust --auth-host=reject >"$dir/initdb.log" 2>&1
  cat >"$data_dir/pg_hba.conf" <<'EOF'
# Throwaway test server: trust on the unix socket and IPv4 loopback only.
local all all               trust
host  all all 127.0.0.1/32  trust
EOF
  chown --reference="$data_dir/PG_VERSION" "$data_dir/pg_hba.conf"
  echo "include_if_exists = 'sightline_test.conf'" >>"$data_dir/postgresql.conf"
fi

# Rewritten at each start, because the port may change. The data is
# throwaway, so durability is traded for speed.
cat >"$data_dir/sightline_test.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
chown --reference="$data_dir/PG_VERSION" "$data_dir/sightline_test.conf"

# 9>&-: the server must not inherit the lock, or it would hold it forever.
if ! as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -l "$dir/server.log" -w -t 60 start >/dev/null 9>&-; then
  echo "postgres.sh: the server did not start; see $dir/server.log" >&2
  tail -n 20 "$dir/server.log" >&2 || true
  exit 1
fi

exists="$(as_server_user "$bin_dir/psql" -h "$dir" -p "$port" -U "$superuser" -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$database'")"
if [[ "$exists" != "1" ]]; then
  as_server_user "$bin_dir/createdb" -h "$dir" -p "$port" -U "$superuser" "$database"
fi

url="postgresql://$superuser@127.0.0.1:$port/$database"
echo "$url" >"$url_file"
echo "$url"
