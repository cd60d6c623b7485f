"""Backups restore: back up, wipe every table, restore, and every table is as it was (rows and contents)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.backups import pg_program


def tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        return [name for (name,) in cursor.fetchall()]


def fingerprint() -> dict[str, tuple[int, str]]:
    """Per table: row count and a checksum of every row's text, in a stable order."""
    result = {}
    with connection.cursor() as cursor:
        for table in tables():
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
            )
            result[table] = cursor.fetchone()
    return result


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_back_every_table_identical(tmp_path):
    from practices.services.demo import demo_seed

    demo_seed()
    before = fingerprint()
    assert before["practices_casestudy"][0] > 0
    assert sum(count for count, _ in before.values()) > 500, "a drill needs real content"

    dump = tmp_path / "portal.dump"
    call_command("backup", str(dump))
    assert dump.read_bytes()[:5] == b"PGDMP", "pg_dump's custom format"

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables()) + " RESTART IDENTITY CASCADE")
    assert all(count == 0 for count, _ in fingerprint().values())

    call_command("restore", str(dump), no_input=True)
    after = fingerprint()
    assert after == before
    # The portal works from the restored data, search index included.
    from django.test import Client

    from practices.models import CaseStudy

    case_study = CaseStudy.objects.filter(status="published").order_by("slug").first()
    assert case_study.title in Client().get(case_study.get_absolute_url()).content.decode()
    assert case_study.get_absolute_url() in Client().get("/search/", {"q": case_study.title}).content.decode()


@pytest.mark.django_db
def test_the_client_programs_match_the_server():
    import subprocess

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    for program in ("pg_dump", "pg_restore"):
        version = subprocess.run([pg_program(program), "--version"], capture_output=True, text=True).stdout
        assert f" {major}." in version, version


def test_restoring_a_missing_file_says_so(tmp_path, db):
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", str(tmp_path / "missing.dump"), no_input=True)


def test_restore_asks_before_replacing_everything(tmp_path, db, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", str(tmp_path / "portal.dump"))
