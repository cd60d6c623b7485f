"""Two gunicorn instances on two ports, one PostgreSQL and one shared cache: a lockout on one holds on the other.

Run once with the PostgreSQL cache table (no Redis) and once with Redis
(TEST_REDIS_URL, default redis://127.0.0.1:6379/0; skipped when no Redis
answers). Every key the Redis run writes carries a prefix of its own, so it
leaves other users of that Redis alone.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db import connection

from councils.factories import MemberProfileFactory

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means no Redis to test against
        return False


def _database_url() -> str:
    """The test database as a DATABASE_URL, over TCP or the embedded server's unix socket."""
    db = connection.settings_dict
    password = f":{urllib.parse.quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = db["PORT"] or 5432
    if (db["HOST"] or "").startswith("/"):
        return f"postgres://{db['USER']}{password}@/{db['NAME']}?host={db['HOST']}&port={port}"
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"


class AppServer:
    """One gunicorn on its own port, with its own cookie jar for a browser-like client."""

    def __init__(self, env: dict):
        self.port = _free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(self.process.stderr.read().decode()[-2000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # A worker still importing the app on a busy machine can accept and then answer late.
                time.sleep(0.3)
        raise AssertionError(f"gunicorn on port {self.port} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()

    def sign_in(self, email: str, password: str) -> tuple[bool, str]:
        """Post the sign-in form as a browser would; (signed in?, page text)."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        url = f"http://127.0.0.1:{self.port}/accounts/login/"
        with opener.open(url, timeout=10) as response:
            html = response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password}).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310
        try:
            with opener.open(request, timeout=10) as response:
                body = response.read().decode()
        except urllib.error.HTTPError as error:
            body = error.read().decode()
        return any(cookie.name == "sessionid" for cookie in jar), body


@pytest.fixture
def accounts(transactional_db, council):
    made = {}
    for name in ("target", "control"):
        user = MemberProfileFactory(council=council, user__email=f"{name}@bristol-city-council.gov.uk").user
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        made[name] = user
    return made


@pytest.mark.parametrize("cache", ["database", "redis"])
def test_a_lockout_on_one_app_server_holds_on_the_other(cache, accounts):
    if cache == "redis" and not _redis_answers():
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}},
        "PORTAL_TESTING": "1",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "VISITOR_CACHE_SECONDS": "0",
    }
    if cache == "redis":
        env |= {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    first, second = AppServer(env), AppServer(env)
    try:
        first.wait_until_up()
        second.wait_until_up()
        target = accounts["target"].email
        for _ in range(5):
            signed_in, _page = first.sign_in(target, "wrong password")
            assert not signed_in
        signed_in, page = second.sign_in(target, PASSWORD)
        assert not signed_in, "the right password on the other server is refused while the account is locked"
        assert "Too many failed" in page
        # The other server works: another account signs in there.
        signed_in, _page = second.sign_in(accounts["control"].email, PASSWORD)
        assert signed_in
    finally:
        first.stop()
        second.stop()
