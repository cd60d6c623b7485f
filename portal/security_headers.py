"""Response headers Django does not set itself: Permissions-Policy and Cross-Origin-Resource-Policy.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY);
HSTS, X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy and
X-Frame-Options from Django's own SecurityMiddleware and XFrameOptionsMiddleware.
This sits before whitenoise, so static files carry these headers too.
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Permissions-Policy": settings.PERMISSIONS_POLICY,
            "Cross-Origin-Resource-Policy": settings.CROSS_ORIGIN_RESOURCE_POLICY,
        }

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response
