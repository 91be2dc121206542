#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL when SHANGJI_TEST_DATABASE_URL is set or the local
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

echo "== tests on SQLite"
$BIN/python -m pytest -q "$@"

pg_url="${SHANGJI_TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && $BIN/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  pg_url="postgres://postgres@127.0.0.1:5432/shangji"
fi
if [ -n "$pg_url" ]; then
  echo "== tests on PostgreSQL ($pg_url)"
  SHANGJI_DATABASE_URL="$pg_url" $BIN/python -m pytest -q "$@"
else
  echo "== PostgreSQL not reachable: skipped the PostgreSQL run"
fi
