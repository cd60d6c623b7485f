"""Settings for the Council Practice Exchange, read from the environment.

Everything that differs between a laptop and production comes from environment
variables (or a ``.env`` file beside ``manage.py``). Outside ``make run`` and the
tests, ``DEBUG`` is off and ``SECRET_KEY`` and ``ALLOWED_HOSTS`` must be given.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("PORTAL_TESTING", default=False)
# Only development and tests may fall back to a throwaway key.
if DEBUG or TESTING:
    SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-never-used-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SITE_NAME = "Council Practice Exchange"
# The public address, for canonical links, feeds and emails: production must say what it is.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000") if DEBUG or TESTING else env("SITE_URL")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",  # the admin, behind the portal sign-in and 2FA (portal/access.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "taggit",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "portal",
    "councils",
    "practices",
    "api",
]

MIDDLEWARE = [
    # Outermost, so it times and logs the answer actually sent, error pages included.
    "portal.request_log.RequestLogMiddleware",
    "portal.db_router.PrimaryPinMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.security_headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL when set, otherwise the embedded server in .pgdata/.
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from portal import devdb

    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", **devdb.ensure_running()}}
# Parallel test runs on one server each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Discovery panels read the 100 nearest items in meaning from the HNSW index. At pgvector's default
# ef_search (40) that read is approximate, and which neighbours it misses depends on the random
# levels the index was built with; a wider search list makes it (near) exact and the same every time.
# An iterative scan goes on past index entries whose rows are dead (updated, or inserted by a
# transaction that rolled back) instead of returning fewer. Without pgvector both are unused placeholders.
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = (
    f"{_db_options.get('options', '')} -c hnsw.ef_search=100 -c hnsw.iterative_scan=strict_order".strip()
)
# An optional read replica (portal/db_router.py): browse and search read there; writes, and reads
# for a few seconds after a write, go to the primary. Tests always have the alias, as a mirror of
# the test database, so the router can be tested anywhere.
if env("DATABASE_REPLICA_URL", default="") or TESTING:
    DATABASES["replica"] = {
        **(env.db_url("DATABASE_REPLICA_URL") if env("DATABASE_REPLICA_URL", default="") else DATABASES["default"]),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["portal.db_router.PrimaryReplicaRouter"] if env("DATABASE_REPLICA_URL", default="") else []
# How long a browser keeps reading from the primary after it wrote something.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Meaning-based search and discovery (sentence embeddings in pgvector). Off, or
# on a server without pgvector, search and discovery use words and tags alone.
SEMANTIC_SEARCH = env.bool("SEMANTIC_SEARCH", default=True)
# Writes leave a mark and the worker (`manage.py run_worker`) embeds the item after commit, so a publish
# does not spend ~40 ms of CPU on the model while it holds its transaction. Tests, which run no worker,
# embed inside the write unless a test turns this on (docs/decisions/0013-embeddings-after-commit.md).
EMBEDDINGS_AFTER_COMMIT = env.bool("EMBEDDINGS_AFTER_COMMIT", default=not TESTING)

# Two caches. "default" holds what every app server must agree on: rate-limit
# counts (allauth's sign-in, sign-up and reset limits) and anything else shared.
# It is Redis when REDIS_URL is set, otherwise a table in PostgreSQL: never one
# process's memory, where two workers would double every limit and a restart
# would clear it. "pages" holds visitors' whole-page copies: a stale copy is
# harmless for VISITOR_CACHE_SECONDS, so without Redis each process keeps its
# own in memory, which answers without a database round trip.
REDIS_URL = env("REDIS_URL", default="")
# Several portals (staging and production, say) can share one Redis database with different prefixes.
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="portal")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{CACHE_KEY_PREFIX}-page",
        },
    }
else:
    CACHES = {
        # The table is made by portal's migrations (portal/migrations/0001_audit_log_and_cache_table.py).
        # Room for a flood's worth of counters: when full, Django culls entries, and with them counts.
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }

# Seconds a browse page is cached for visitors who are not signed in (0 turns it off).
VISITOR_CACHE_SECONDS = env.int("VISITOR_CACHE_SECONDS", default=60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (development, tests, benchmarks) whitenoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Council Practice Exchange <noreply@practice-exchange.example>")


TAGGIT_CASE_INSENSITIVE = True
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# Accounts (django-allauth): staff sign in with a verified email address on a
# known council's domain; see councils/adapters.py for the domain rule.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "councils.adapters.CouncilAccountAdapter"
# The same forms in GOV.UK dress; sign-up and new addresses also check the council domain.
ACCOUNT_FORMS = {
    "signup": "councils.forms.CouncilSignupForm",
    "login": "councils.forms.CouncilLoginForm",
    "add_email": "councils.forms.CouncilAddEmailForm",
    "reset_password": "councils.forms.CouncilResetPasswordForm",
    "reset_password_from_key": "councils.forms.CouncilResetPasswordKeyForm",
    "change_password": "councils.forms.CouncilChangePasswordForm",
    "reauthenticate": "councils.forms.CouncilReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
# One password box with a hint, as the GOV.UK pattern asks; no username.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG or TESTING else "https"
# Two-factor authentication: an authenticator app (TOTP) with recovery codes.
# Optional for members and officers; curators must turn it on (councils/adapters.py).
# Limits, counted in the shared "default" cache per client address (TRUSTED_PROXY_COUNT)
# and per account or target email, so a flood from one address, or against unknown
# accounts, neither gets far nor locks anyone else out.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Failed sign-ins: per address, and separately per account (the key is the email typed).
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "5/m/ip,30/h/ip",
    # Sign-ups naming one address (portal-wide, councils/forms.py): confirmation or "already exists" emails.
    "signup_email": "3/h/key",
    "reset_password": "5/m/ip,20/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_FORMS = {
    "authenticate": "councils.forms.CouncilMfaAuthenticateForm",
    "reauthenticate": "councils.forms.CouncilMfaReauthenticateForm",
    "activate_totp": "councils.forms.CouncilActivateTotpForm",
}

# Production hardening; `manage.py check --deploy` passes with DEBUG off.
if not (DEBUG or TESTING):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain for years; it is the domain owner's
        # decision (SECURE_HSTS_PRELOAD=1), not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Headers for every response (the Mozilla Observatory's A+ list); tests/test_headers.py checks each page type.
# No 'unsafe-inline': the one inline script (base.html's GOV.UK "js-enabled" line) is allowed by its hash,
# not a nonce, because visitors' pages are cached whole and a cached nonce would no longer match the header.
# Changing that line changes its hash: tests/test_headers.py says so, with the new value.
JS_ENABLED_SCRIPT_HASH = "'sha256-GUQ5ad8JK5KmEWmROf3LZd9ge94daqNvd8xy9YS1iDw='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'", JS_ENABLED_SCRIPT_HASH],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the authenticator app's QR code
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
)
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The open data API (api/): read-only, token or anonymous, JSON only (no browsable pages, whose
# inline scripts a strict Content-Security-Policy would block; /api/v1/docs/ is the human view).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.PersonalTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousRateThrottle", "api.throttling.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per client, counted in the default cache (Redis when REDIS_URL is set, so all workers share counts).
API_RATES = {
    "anonymous": env("API_ANONYMOUS_RATE", default="120/minute"),
    "token": env("API_TOKEN_RATE", default="1200/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} open data API",
    "DESCRIPTION": "Published case studies, frameworks, councils, service silos, tags and adoptions, read only. "
    "Content is under the Open Government Licence v3.0 unless an item's licence says otherwise.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVERS": [{"url": SITE_URL}],
    "LICENSE": {
        "name": "Open Government Licence v3.0",
        "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "DISABLE_ERRORS_AND_WARNINGS": True,
    # The schema is generated and checked by the test suite (schemathesis); `check --deploy` runs without a database.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}
# Any site may read the API from a browser: it is public data, read only, and never uses cookies.
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["etag", "last-modified", "retry-after"]
CORS_ALLOW_CREDENTIALS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"bare": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # The request log is already one JSON object per line; nothing is added around it.
        "requests": {"class": "logging.StreamHandler", "formatter": "bare"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "portal.requests": {
            "handlers": ["requests"],
            "level": env("REQUEST_LOG_LEVEL", default="INFO"),
            "propagate": False,
        }
    },
}

if TESTING:
    # Hashing strength is not under test; speed is.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
