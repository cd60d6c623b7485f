"""Pages for people about the API: the reference at /api/v1/docs/ and personal tokens on the account pages."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api.models import ApiToken
from api.services import ApiTokenError, api_token_create, api_token_revoke
from practices.selectors.open_data import council_writing_for

_SESSION_NEW_TOKEN = "api_new_token"  # noqa: S105 - a session key name


@functools.cache
def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _type_label(schema: dict, node: dict) -> str:
    node = _resolve(schema, node)
    if "allOf" in node:
        return _type_label(schema, node["allOf"][0])
    if "oneOf" in node:
        return " or ".join(_type_label(schema, option) for option in node["oneOf"])
    kind = node.get("type", "object")
    if kind == "array":
        return f"list of {_type_label(schema, node.get('items', {}))}"
    if "enum" in node:
        values = [v for v in node["enum"] if v not in ("", None)]
        return "one of " + ", ".join(str(v) for v in values)
    label = {"string": "text", "integer": "whole number", "boolean": "true or false"}.get(kind, kind)
    if node.get("format") == "date-time":
        label = "date and time (ISO 8601)"
    elif node.get("format") == "date":
        label = "date (ISO 8601)"
    elif node.get("format") == "uri":
        label = "web address"
    return label + (" or null" if node.get("nullable") else "")


def _fields(schema: dict, node: dict) -> list[dict]:
    node = _resolve(schema, node)
    if node.get("type") == "array":
        node = _resolve(schema, node.get("items", {}))
    if "results" in node.get("properties", {}):  # a paginated list: describe the items
        node = _resolve(schema, node["properties"]["results"].get("items", {}))
    return [
        {"name": name, "type": _type_label(schema, prop), "description": _resolve(schema, prop).get("description", "")}
        for name, prop in node.get("properties", {}).items()
    ]


def _endpoints() -> list[dict]:
    schema = _schema()
    endpoints = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ok = operation.get("responses", {}).get("200", {})
            body = ok.get("content", {}).get("application/json", {}).get("schema", {})
            endpoints.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": {"query": "query string", "path": "path"}.get(p["in"], p["in"]),
                            "type": _type_label(schema, p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "fields": _fields(schema, body),
                }
            )
    return endpoints


def api_docs(request):
    return render(
        request,
        "api/docs.html",
        {
            "endpoints": _endpoints(),
            "api_base": settings.SITE_URL.rstrip("/") + "/api/v1/",
            "rates": settings.API_RATES,
        },
    )


@login_required
def token_list(request):
    tokens = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at")
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": tokens,
            "new_token": request.session.pop(_SESSION_NEW_TOKEN, None),
            "reads_unpublished": council_writing_for(request.user) is not None,
        },
    )


@login_required
@require_POST
def token_create(request):
    try:
        token, raw = api_token_create(user=request.user, name=request.POST.get("name", ""))
    except ApiTokenError as error:
        messages.error(request, str(error))
        return redirect("api_tokens")
    # Shown once, on the next page, then gone: only its hash is kept.
    request.session[_SESSION_NEW_TOKEN] = {"name": token.name, "token": raw}
    return redirect("api_tokens")


@login_required
@require_POST
def token_revoke(request, token_id: int):
    try:
        token = api_token_revoke(user=request.user, token_id=token_id)
    except ApiTokenError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"The token ‘{token.name}’ has been revoked. Programs using it can no longer sign in."
        )
    return redirect("api_tokens")
