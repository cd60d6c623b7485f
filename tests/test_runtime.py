"""The server's start-up step: a gunicorn worker tunes the garbage collector and freezes what start-up made."""

import json
import os
import subprocess
import sys
from pathlib import Path

from portal.runtime import GC_THRESHOLDS

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"

# A fresh interpreter that loads the portal as a gunicorn worker does, then runs
# the worker hook. In the test process itself, objects left by earlier tests
# (and their finalisers) can free a frozen object in the middle of the check.
_WORKER = """
import gc, json, runpy, sys
conf = runpy.run_path(sys.argv[1])
from django.core.wsgi import get_wsgi_application
get_wsgi_application()
before = gc.get_freeze_count()
conf["post_worker_init"](worker=None)
frozen = gc.get_freeze_count()
thresholds = gc.get_threshold()
gc.collect()
print(json.dumps({"wsgi_app": conf["wsgi_app"], "before": before, "thresholds": thresholds,
                  "frozen": frozen, "after": gc.get_freeze_count()}))
"""


def test_a_gunicorn_worker_settles_the_collector_once_the_portal_is_loaded():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    run = subprocess.run(
        [sys.executable, "-c", _WORKER, str(GUNICORN_CONF)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    worker = json.loads(run.stdout.strip().splitlines()[-1])
    assert worker["wsgi_app"] == "portal.wsgi:application"
    assert worker["before"] == 0
    assert tuple(worker["thresholds"]) == GC_THRESHOLDS
    assert worker["frozen"] > 10_000, "Django's settings, URL patterns and models are among what is frozen"
    # What is frozen is left alone by every later collection, however full.
    assert worker["after"] == worker["frozen"]
