#!/usr/bin/env bash
# Bring up what `make run` / `make test` need on a Debian machine, installing Debian
# packages when something is absent. Idempotent: a running service is left alone.
#
#   deploy/dev/services.sh run    Redis, PostgreSQL (SQLite fallback), nginx
#   deploy/dev/services.sh test   the same, PostgreSQL required, plus Chromium
#
# The S3 endpoint (moto) is started by the local cluster (deploy/dev/localcluster, behind
# `make run`) and by the test fixtures.
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/../.."

say() { printf '==> %s\n' "$*"; }
apt_updated=
apt_install() {
  command -v apt-get >/dev/null || { echo "cannot install $* (no apt-get)" >&2; return 1; }
  [ -n "$apt_updated" ] || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Redis ------------------------------------------------------------------------------
redis_host=127.0.0.1 redis_port=6379
if [ -z "${REDIS_URL:-}" ]; then
  if ! (exec 3<>/dev/tcp/$redis_host/$redis_port) 2>/dev/null; then
    command -v redis-server >/dev/null || { say "installing redis-server"; apt_install redis-server; }
    say "starting Redis on $redis_host:$redis_port"
    # noeviction: carts are data, not cache; Redis must refuse writes rather than drop them.
    redis-server --daemonize yes --bind $redis_host --port $redis_port --save "" \
      --appendonly no --maxmemory-policy noeviction
    for _ in $(seq 50); do (exec 3<>/dev/tcp/$redis_host/$redis_port) 2>/dev/null && break; sleep 0.1; done
  fi
fi

# --- PostgreSQL -------------------------------------------------------------------------
postgres_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null; then
    say "installing postgresql"; apt_install postgresql || return 1
  fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  [ -n "$version" ] || return 1
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 100); do postgres_up && return 0; sleep 0.1; done
  return 1
}
as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtAX "$@"; }

if [ -z "${DATABASE_URL:-}" ]; then
  if postgres_up || start_postgres; then
    rm -f var/fallback.env
    # The default DATABASE_URL: role "shop" (password "shop", may create the test database).
    if [ "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'shop'")" != 1 ]; then
      say "creating PostgreSQL role shop"
      as_postgres -c "CREATE ROLE shop LOGIN CREATEDB PASSWORD 'shop'"
    fi
    if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = 'stateless_shop'")" != 1 ]; then
      say "creating database stateless_shop"
      as_postgres -c "CREATE DATABASE stateless_shop OWNER shop"
    fi
  elif [ "$mode" = run ]; then
    say "PostgreSQL cannot be had here; falling back to SQLite (var/shop.sqlite3)"
    mkdir -p var
    # Read by `make run` only, and removed as soon as PostgreSQL is back.
    echo "DATABASE_URL=sqlite:///$PWD/var/shop.sqlite3" > var/fallback.env
  else
    echo "PostgreSQL is needed by the tests and could not be started" >&2
    exit 1
  fi
fi

# --- nginx --------------------------------------------------------------------------------
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  say "installing nginx"; apt_install nginx-light || apt_install nginx
fi

# --- Chromium, for the browser tests -------------------------------------------------------
if [ "$mode" = test ] && [ ! -x /usr/bin/chromium ]; then
  say "installing chromium"; apt_install chromium
fi
exit 0
