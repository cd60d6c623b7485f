"""Tests use the development fallbacks for secrets and the fast test settings."""

import os

os.environ.setdefault("PORTAL_TESTING", "1")
