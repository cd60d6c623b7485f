"""gunicorn settings for serving the portal in production: `gunicorn -c gunicorn.conf.py`.

Every value can be changed from the environment, so one file serves a laptop and a fleet of app servers.
"""

import os

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two sync workers per core is plenty for a server-rendered site whose slow part is PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "sync"
# A request that takes this long is stuck; the worker is replaced rather than left hanging.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Replace each worker after a while, so slow memory growth never adds up (the jitter stops them all recycling at once).
max_requests = 2000
max_requests_jitter = 200
# The TLS proxy in front: only it may say which scheme the browser used (see docs/deploy.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django writes one JSON line per request (portal/request_log.py), so gunicorn's own access log stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Once the worker has loaded the portal: collector thresholds for a web worker, start-up objects frozen."""
    from portal.runtime import settle_after_start_up

    settle_after_start_up()
