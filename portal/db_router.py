"""Reads from a read replica when DATABASE_REPLICA_URL is set; writes, and reads that follow a write, from the primary.

A replica lags the primary by a moment. So once a request writes (or is a POST), it reads from
the primary for the rest of the request, and the browser gets a short-lived cookie that keeps its
next requests on the primary too: an officer who saves a case study sees it on the next page.
Reads inside a transaction stay on the primary, with the transaction.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

_pinned: ContextVar[bool] = ContextVar("portal_primary_pinned", default=False)


def pin_to_primary() -> None:
    _pinned.set(True)


def pinned_to_primary() -> bool:
    return _pinned.get()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if _pinned.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # related rows come from where their object came from
        return REPLICA

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class PrimaryPinMiddleware:
    """Starts each request pinned (or not), and after a write keeps the browser on the primary for a few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pinned.set(request.method in UNSAFE_METHODS or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
            if _pinned.get() and request.method in UNSAFE_METHODS:
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                )
            return response
        finally:
            _pinned.reset(token)
