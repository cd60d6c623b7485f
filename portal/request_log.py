"""One JSON line per request (id, method, path, status, duration, user), and the request id sent back.

The id comes from the proxy's X-Request-ID when it sends a sensible one, so a request can be
followed from the proxy's log to ours; otherwise one is made here. The user is logged only if
the request already looked them up: logging must never cost a session query (or fail when the
database is down).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from django.utils import timezone

logger = logging.getLogger("portal.requests")

REQUEST_ID_HEADER = "X-Request-ID"
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Keys in these paths let someone set a password or confirm an address: never write them down.
_SECRET_PATHS = re.compile(r"^(/accounts/(?:password/reset/key|confirm-email)/)[^/]+")


def request_id_for(request) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _GOOD_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _user_id(request) -> int | None:
    user = getattr(request, "_cached_user", None)  # set only once something asked who this is
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request_id_for(request)
        response = self.get_response(request)
        response.headers[REQUEST_ID_HEADER] = request.request_id
        logger.info(
            json.dumps(
                {
                    "time": timezone.now().isoformat(timespec="milliseconds"),
                    "request_id": request.request_id,
                    "method": request.method,
                    "path": _SECRET_PATHS.sub(r"\1…", request.path),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id(request),
                },
                ensure_ascii=False,
            )
        )
        return response
