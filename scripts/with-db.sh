#!/usr/bin/env bash
# Run a command with a database: DATABASE_URL when set, otherwise the embedded
# PostgreSQL in .pgdata/. An embedded server started here is stopped when the
# command ends, Ctrl-C included, so no server is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
if [ -z "${DATABASE_URL:-}" ]; then
  if ! "$PY" -m portal.devdb status >/dev/null 2>&1; then
    trap '"$PY" -m portal.devdb stop' EXIT
    trap 'exit 130' INT TERM
  fi
  "$PY" -m portal.devdb start
fi
"$@"
