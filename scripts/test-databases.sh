#!/usr/bin/env bash
# Start throwaway PostgreSQL and MariaDB servers for the masking tests and bench.
#   scripts/test-databases.sh [start]   install when missing (Debian), start, write $DIR/env
#   scripts/test-databases.sh stop      stop both servers (data stays for the next start)
#   scripts/test-databases.sh env       print the env file
# Then: source "${TEST_DB_DIR:-/tmp/rcs-test-databases}/env"  (exports TEST_POSTGRES_URL, TEST_POSTGRES_SUPERUSER_URL, TEST_MYSQL_URL)
# Idempotent: a running server is reused. Servers listen on 127.0.0.1 only, on free ports,
# with data in $TEST_DB_DIR, and run as the postgres / mysql users (never as root).
set -euo pipefail

DIR="${TEST_DB_DIR:-/tmp/rcs-test-databases}"
USER_NAME=masking
USER_PASS=masking-test-pw
SUPER_PASS=superuser-test-pw
DB_NAME=masking_test
cmd="${1:-start}"

as_user() { # as_user USER command...
  local u="$1"; shift
  if [ "$(id -u)" = 0 ]; then runuser -u "$u" -- "$@"; else "$@"; fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p="$1"
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

install_missing() {
  local pkgs=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || pkgs+=(postgresql)
  command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || pkgs+=(mariadb-server)
  if [ "${#pkgs[@]}" -gt 0 ]; then
    echo "installing ${pkgs[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }
maria_bin() { for b in /usr/sbin/mariadbd /usr/sbin/mysqld "$(command -v mariadbd || true)"; do [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return; }; done; echo "mariadbd not found" >&2; exit 1; }

start_postgres() {
  local bin data="$DIR/pg" port
  bin="$(pg_bin)"
  mkdir -p "$DIR"; chmod 1777 "$DIR"
  if [ -f "$DIR/pg.port" ] && as_user postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "postgres already running on $(cat "$DIR/pg.port")" >&2; return
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"; chown postgres: "$data" 2>/dev/null || true
    as_user postgres "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # Passwords are checked over TCP (scram-sha-256), as on RDS: a test that logs in with a wrong
  # password must be refused. The local socket stays trusted for this script's own set-up.
  cat >"$data/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
HBA
  port="$(free_port 55432)"
  as_user postgres "$bin/pg_ctl" -D "$data" -l "$DIR/pg.log" -w -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  echo "$port" >"$DIR/pg.port"
  local psql=("$bin/psql" -h "$DIR" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt)
  "${psql[@]}" -d postgres -c "ALTER ROLE postgres PASSWORD '$SUPER_PASS'"
  if [ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='$USER_NAME'")" != 1 ]; then
    "${psql[@]}" -d postgres -c "CREATE ROLE $USER_NAME LOGIN PASSWORD '$USER_PASS' CREATEDB"
  else
    "${psql[@]}" -d postgres -c "ALTER ROLE $USER_NAME PASSWORD '$USER_PASS'"
  fi
  if [ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" != 1 ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE $DB_NAME OWNER $USER_NAME"
  fi
  echo "postgres started on $port" >&2
}

start_mariadb() {
  local bin data="$DIR/maria" port sock="$DIR/maria.sock"
  bin="$(maria_bin)"
  mkdir -p "$DIR"; chmod 1777 "$DIR"
  if [ -f "$DIR/maria.pid" ] && kill -0 "$(cat "$DIR/maria.pid")" 2>/dev/null; then
    echo "mariadb already running on $(cat "$DIR/maria.port")" >&2; return
  fi
  if [ ! -d "$data/mysql" ]; then
    mkdir -p "$data"; chown mysql: "$data" 2>/dev/null || true
    local installer; installer="$(command -v mariadb-install-db || command -v mysql_install_db)"
    as_user mysql "$installer" --no-defaults --datadir="$data" --auth-root-authentication-method=normal --skip-test-db >/dev/null
  fi
  port="$(free_port 53306)"
  local run=(); [ "$(id -u)" = 0 ] && run=(runuser -u mysql --)
  setsid "${run[@]}" "$bin" --no-defaults --datadir="$data" --socket="$sock" --port="$port" --bind-address=127.0.0.1 \
    --pid-file="$DIR/maria.pid" --log-error="$DIR/maria.log" --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=256M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --skip-name-resolve >/dev/null 2>&1 &
  for _ in $(seq 1 60); do [ -S "$sock" ] && break; sleep 0.5; done
  [ -S "$sock" ] || { echo "mariadb did not start; see $DIR/maria.log" >&2; tail -20 "$DIR/maria.log" >&2; exit 1; }
  echo "$port" >"$DIR/maria.port"
  local client; client="$(command -v mariadb || command -v mysql)"
  "$client" --no-defaults -S "$sock" -u root -e "CREATE DATABASE IF NOT EXISTS $DB_NAME CHARACTER SET utf8mb4;
    CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$USER_PASS';
    CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$USER_PASS';
    GRANT ALL ON \`masking\\_%\`.* TO '$USER_NAME'@'127.0.0.1'; GRANT ALL ON \`masking\\_%\`.* TO '$USER_NAME'@'localhost';
    GRANT CREATE, DROP ON *.* TO '$USER_NAME'@'127.0.0.1';"
  echo "mariadb started on $port" >&2
}

write_env() {
  cat >"$DIR/env" <<ENV
export TEST_POSTGRES_URL=postgres://$USER_NAME:$USER_PASS@127.0.0.1:$(cat "$DIR/pg.port")/$DB_NAME
export TEST_POSTGRES_SUPERUSER_URL=postgres://postgres:$SUPER_PASS@127.0.0.1:$(cat "$DIR/pg.port")/postgres
export TEST_MYSQL_URL=mysql://$USER_NAME:$USER_PASS@127.0.0.1:$(cat "$DIR/maria.port")/$DB_NAME
ENV
  cat "$DIR/env"
}

case "$cmd" in
  start)
    install_missing
    start_postgres
    start_mariadb
    write_env
    ;;
  stop)
    if [ -d "$DIR/pg" ]; then as_user postgres "$(pg_bin)/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true; fi
    if [ -f "$DIR/maria.pid" ]; then
      pid="$(cat "$DIR/maria.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      rm -f "$DIR/maria.pid"
    fi
    echo "stopped" >&2
    ;;
  env) cat "$DIR/env" ;;
  *) echo "usage: $0 [start|stop|env]" >&2; exit 2 ;;
esac
