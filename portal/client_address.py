"""The client's address behind a known number of trusted proxies, for rate limits and the audit log.

Behind a TLS proxy or load balancer every request arrives from the proxy's own
address, so limits keyed on REMOTE_ADDR would put every user in one bucket.
Each trusted proxy appends the address it received the request from to
X-Forwarded-For, so with TRUSTED_PROXY_COUNT = N the client is the N-th entry
from the right; anything further left was written by the client and is not
believed. With no proxy (N = 0), or a header shorter than N (the request did
not come through every proxy), REMOTE_ADDR is used.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104 - a bucket name, not a bind address
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    return _valid(hops[-count]) or remote
