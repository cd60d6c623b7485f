"""The read-only open data API under /api/v1/."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Open data API"
    default_auto_field = "django.db.models.BigAutoField"
