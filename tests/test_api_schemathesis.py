"""Schemathesis against the API's own OpenAPI schema: generated requests, no 500s, answers match the schema.

`make test` runs a modest number of examples per endpoint; `make fuzz` sets
API_FUZZ_EXAMPLES=500 (or more) for the full run.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from portal.wsgi import application

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))

pytestmark = [pytest.mark.django_db, pytest.mark.api_fuzz]


def _load_schema():
    """The schema /api/v1/schema/ serves, made without a request (that one is rate-limited, so it reads the cache)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application  # requests go straight to the WSGI application
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def published_content(db, settings):
    """Enough published content that lists, filters and search return real items."""
    from django.core.management import call_command

    settings.API_RATES = {"anonymous": "1000000/minute", "token": "1000000/minute"}
    call_command("seed_demo", verbosity=0)
    # Requests go through the WSGI handler, which would close the test's connection
    # (and its transaction) after each one; Django's own test client turns this off too.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_match_the_schema_and_never_fail(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
