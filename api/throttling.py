"""Rate limits for the API, counted in the shared cache (Redis in production) so every worker agrees."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """Clients without a token, by address."""

    def get_rate(self):
        return settings.API_RATES["anonymous"]


class TokenRateThrottle(UserRateThrottle):
    """Clients with a personal token, by the token's owner."""

    scope = "token"

    def get_rate(self):
        return settings.API_RATES["token"]

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
