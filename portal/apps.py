"""The portal app, and the Django admin configured to use the portal's two-factor admin site."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import audit_signals  # noqa: F401 - connects allauth's sign-in and 2FA signals to the audit log


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "portal.access.TwoFactorAdminSite"
