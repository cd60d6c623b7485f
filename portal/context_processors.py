"""Values every template needs."""

from django.conf import settings

NAVIGATION = [
    ("Case studies", "/case-studies/"),
    ("Frameworks", "/frameworks/"),
    ("Silos", "/silos/"),
    ("Councils", "/councils/"),
    ("Submit", "/submit/"),
    ("Insights", "/insights/"),
]


def site(request):
    path = request.path
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "demo_notice": settings.DEBUG,
        "nav_items": [{"label": label, "href": href, "active": path.startswith(href)} for label, href in NAVIGATION],
    }
