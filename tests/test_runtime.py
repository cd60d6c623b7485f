"""The server's start-up step: a gunicorn worker tunes the garbage collector and freezes what start-up made."""

import gc
import runpy
from pathlib import Path

import pytest

from portal.runtime import GC_THRESHOLDS

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


@pytest.fixture
def collector_restored():
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_gunicorn_worker_settles_the_collector_once_the_portal_is_loaded(collector_restored):
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["wsgi_app"] == "portal.wsgi:application"
    assert gc.get_freeze_count() == 0
    conf["post_worker_init"](worker=None)
    assert gc.get_threshold() == GC_THRESHOLDS
    frozen = gc.get_freeze_count()
    assert frozen > 10_000, "Django's settings, URL patterns and models are among what is frozen"
    # What is frozen is left alone by every later collection, however full.
    gc.collect()
    assert gc.get_freeze_count() == frozen
