#!/usr/bin/env bash
# The whole suite on SQLite and, side by side, on PostgreSQL when SHANGJI_TEST_DATABASE_URL is set or the local
# server (127.0.0.1:5432, user postgres) answers. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export SHANGJI_TESTING=true
export SHANGJI_DATA_DIR="${SHANGJI_TEST_DATA_DIR:-$(mktemp -d)}"
unset SHANGJI_DATABASE_URL SHANGJI_REDIS_URL

$BIN/ruff check --quiet .
$BIN/shangji makemigrations --check --dry-run -v0 || { echo "Models changed without a migration: run 'shangji makemigrations'."; exit 1; }

if command -v xgettext >/dev/null; then
  # The English catalog must know every string in the code (source locations and dates aside).
  po=shangji/locale/en/LC_MESSAGES/django.po
  kept=$(mktemp)
  cp "$po" "$kept"
  (cd shangji && ../$BIN/shangji makemessages -l en --no-obsolete -i "demo/*" -i "*/tests/*" -i "customers/dedup/*" -v0)
  if ! git diff --no-index --quiet -I'^#:' -I'POT-Creation-Date' "$kept" "$po"; then
    git diff --no-index -I'^#:' -I'POT-Creation-Date' "$kept" "$po" | head -40 || true
    echo "The English catalog is missing strings: translate the new entries in $po (make messages compiles it)."
    exit 1
  fi
  cp "$kept" "$po"
fi

pg_url="${SHANGJI_TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && $BIN/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  pg_url="postgres://postgres@127.0.0.1:5432/shangji"
fi

# The two passes run side by side (one core each), each with its own data dir (queue file, rate counters).
data="$SHANGJI_DATA_DIR"
logs=$(mktemp -d)
echo "== tests on SQLite${pg_url:+ and, side by side, on PostgreSQL ($pg_url)}"
SHANGJI_DATA_DIR="$data/sqlite" $BIN/python -m pytest -q "$@" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
if [ -n "$pg_url" ]; then
  SHANGJI_DATA_DIR="$data/postgres" SHANGJI_DATABASE_URL="$pg_url" $BIN/python -m pytest -q "$@" >"$logs/postgres.log" 2>&1 &
  pg_pid=$!
fi
sqlite_rc=0
pg_rc=0
wait "$sqlite_pid" || sqlite_rc=$?
echo "== SQLite"
cat "$logs/sqlite.log"
if [ -n "$pg_url" ]; then
  wait "$pg_pid" || pg_rc=$?
  echo "== PostgreSQL ($pg_url)"
  cat "$logs/postgres.log"
else
  echo "== PostgreSQL not reachable: skipped the PostgreSQL run"
fi
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
