"""Settings shared by every environment; dev/test/prod only override.

All configuration comes from the environment (django-environ). A `.env` file at the
project root is read when present (it never overrides real environment variables).
"""

import os
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from apps.core.durations import parse_duration
from apps.core.link_templates import checked_link_template
from apps.core.logging import logging_config
from config import database_env
from config.storage import media_storage

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="django-insecure-havre-development-only-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First, so that its commands (migrate, flush, createsuperuser) replace Django's.
    "apps.core",
    "apps.accounts.apps.HavreAdminConfig",  # django.contrib.admin, login limited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "dbbackup",
    "csp",
    # The job queue's tables and SQL functions (procrastinate's migrations); apps.jobs wraps it.
    "procrastinate.contrib.django",
    "apps.jobs",
    "apps.notifications",
    "apps.accounts",
    "apps.listings",
    "apps.bookings",
    "apps.reviews",
    "apps.messaging",
    "apps.wishlists",
    # Seeding (demo and --scale) and reset_db: above every domain app, imported by none.
    "apps.demo",
]

MIDDLEWARE = [
    "apps.core.monitoring.RequestMetricsMiddleware",
    # Above everything that may answer (input checks, the request's transaction): a preflight is
    # answered here, unauthenticated; an error answered below still carries the CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, so that static files carry the (non-HTML) policy too.
    "apps.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.UnstorableInputMiddleware",  # input: NUL in query, form, headers
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.RequestContextMiddleware",
    "apps.core.middleware.TimeZoneMiddleware",  # UTC but in the admin
    # After the user is known (above): the signed-in user's preferences.language, else
    # Accept-Language, else LANGUAGE_CODE; sets Content-Language and Vary: Accept-Language.
    # The API's token users are known later, in the view: their authentication activates
    # their language (apps/core/api/authentication.py).
    "apps.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# PostgreSQL only. Our backend (apps.core.db) is Django's PostgreSQL backend plus the
# slow-query log, so every connection — request, command, shell — is observed the same way.
# Each role's connection is a URL (DATABASE_URL) or its parts (DATABASE_USER, …): see
# config/database_env.py.
DATABASES = {
    "default": database_env.connection(os.environ, "DATABASE")
    or env.db_url_config("postgres://postgres@127.0.0.1:5432/havre"),
}
DATABASES["default"]["ENGINE"] = "apps.core.db"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Each request runs in one transaction, committed whole or not at all, that carries the
# request context PostgreSQL's policies and triggers read: RequestContextMiddleware opens it
# (it replaces ATOMIC_REQUESTS, which starts too late to carry the authenticated user).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
CONTEXT_EXEMPT_PATHS = ("/health/", "/metrics")
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("application_name", "havre")
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", 5))
# --- Database: nothing hangs (apps/core/db/timeouts.py, docs/database.md#database-faults) ---
# TCP keepalives and tcp_user_timeout: a dead server or a partition breaks the connection in
# seconds, even while a statement waits for its answer (libpq options).
for _option, _default in (
    ("keepalives", 1),
    ("keepalives_idle", env.int("DB_KEEPALIVES_IDLE", 5)),
    ("keepalives_interval", env.int("DB_KEEPALIVES_INTERVAL", 2)),
    ("keepalives_count", env.int("DB_KEEPALIVES_COUNT", 3)),
    ("tcp_user_timeout", env.int("DB_TCP_USER_TIMEOUT_MS", 10_000)),
):
    DATABASES["default"]["OPTIONS"].setdefault(_option, _default)
# Milliseconds, 0 for none; "web" when the process serves requests (config/wsgi.py), else
# "command". Set per connection, never on the role or database.
DATABASES["default"]["TIMEOUTS"] = {
    "web": {
        "statement_ms": env.int("DB_STATEMENT_TIMEOUT_MS", 5_000),
        "idle_in_transaction_ms": env.int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000),
    },
    "command": {
        "statement_ms": env.int("DB_COMMAND_STATEMENT_TIMEOUT_MS", 0),
        "idle_in_transaction_ms": env.int("DB_COMMAND_IDLE_IN_TRANSACTION_TIMEOUT_MS", 0),
    },
    "probe_ms": env.int("DB_PROBE_TIMEOUT_MS", 2_000),
}
# Seconds a client is told to wait (Retry-After) when the database is unavailable.
DB_RETRY_AFTER_SECONDS = env.int("DB_RETRY_AFTER_SECONDS", 5)
# --- end: nothing hangs ---
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}
# The application acts as this role: not a superuser, not BYPASSRLS, owns no table, so row-level
# security applies to it. Migrations create it when missing and grant it what it needs.
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="app_user")
if DATABASES["default"].get("USER") != DATABASE_APP_ROLE:
    # Logged in as another user (the owner, in development): SET ROLE on every connection.
    DATABASES["default"]["OPTIONS"]["assume_role"] = DATABASE_APP_ROLE
# --- Database: through a pooler in transaction mode (PgBouncer) ----------------------------
# Each transaction switches to the runtime role and sets its timeouts itself; nothing is set for
# the session, no server-side cursor outlives a transaction; the login role must bypass nothing
# (apps/core/db/per_transaction.py, docs/security.md#transaction-pooling). Web servers only:
# commands, the worker and migrations connect directly to PostgreSQL.
DATABASES["default"]["TRANSACTION_POOLING"] = env.bool("DATABASE_TRANSACTION_POOLING", False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"]["TRANSACTION_POOLING"]
# Django's psycopg pool (OPTIONS["pool"]) for a web server's connections, DB_POOL_SIZE per
# process (0: none, a persistent connection per thread for CONN_MAX_AGE instead).
if _pool_size := env.int("DB_POOL_SIZE", default=0):
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": _pool_size,
        "max_size": _pool_size,
        # Seconds a request waits for a free connection before it fails (503).
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Migrations, flush and other schema work connect as the owner. In production, give the owner
# its own credentials (MIGRATION_DATABASE_URL or _USER/_PASSWORD); by default they are
# DATABASE_URL's.
if _owner := database_env.connection(os.environ, "MIGRATION_DATABASE"):
    DATABASES["default"]["OWNER"] = {k: _owner.get(k) for k in ("USER", "PASSWORD", "HOST", "PORT")}
# --- Read replica (apps/core/db/replica.py; docs/database.md, "Read replica") -------------
# A streaming standby of the primary: anonymous public reads (search, a listing, availability,
# reference data) go there while it answers and keeps up; everything else, and every read when
# it is unset, goes to the primary. Given as DATABASE_REPLICA_URL, or (compose's parts form)
# as DATABASE_REPLICA_HOST and _PORT: the primary's database and login on the standby's host.
_replica = None
if _replica_url := env("DATABASE_REPLICA_URL", default=""):
    if env("DATABASE_REPLICA_HOST", default=""):
        raise ImproperlyConfigured(
            "Both DATABASE_REPLICA_URL and DATABASE_REPLICA_HOST are set: give the replica one way."
        )
    _replica = env.db_url_config(_replica_url)
elif _replica_host := env("DATABASE_REPLICA_HOST", default=""):
    _replica = {
        **{k: DATABASES["default"].get(k) for k in ("NAME", "USER", "PASSWORD")},
        "HOST": _replica_host,
        "PORT": env("DATABASE_REPLICA_PORT", default="5432"),
    }
if _replica is not None:
    DATABASES["replica"] = {
        **{k: v for k, v in DATABASES["default"].items() if k not in ("OWNER", "TEST")},
        **{k: _replica.get(k) for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], **_replica.get("OPTIONS", {})},
        # Tests have one database: the alias is the test database's (which is no standby, so
        # it never serves).
        "TEST": {"MIRROR": "default"},
    }
    # A standby that does not answer is given up on quickly: reads go to the primary.
    DATABASES["replica"]["OPTIONS"]["connect_timeout"] = 2
    DATABASES["replica"]["OPTIONS"].pop("assume_role", None)
    if DATABASES["replica"].get("USER") != DATABASE_APP_ROLE:
        DATABASES["replica"]["OPTIONS"]["assume_role"] = DATABASE_APP_ROLE
# Seconds a user's reads stay on the primary after they changed something (read-your-writes).
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=5)
# Replay lag (seconds) beyond which the standby serves nothing.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5)
# A process checks the standby (answers? in recovery? lag?) at most this often (seconds)...
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=1)
# ...and leaves a failing one alone this long (seconds).
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=5)
# Responses say which server answered (X-Db-Server: replica|primary); always on with DEBUG.
REPLICA_DEBUG_HEADER = env.bool("REPLICA_DEBUG_HEADER", default=False)
# --- end read replica ---
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SLOW_QUERY_MS = env.int("SLOW_QUERY_MS", default=1000)

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# auth.E003/W004 want a plain UNIQUE on users.email; ours is stronger and lives in PostgreSQL:
# a unique index on UPPER(email) (users_email_ci_unique), which also serves the login look-up.
SILENCED_SYSTEM_CHECKS = ["auth.E003", "auth.W004"]
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18N (docs/setup.md, "Languages") ----------------------------------------------------
# French first: a French product. Every string of ours is translated (locale/fr/); reference
# data (categories, amenities, tags) carries a name per language.
LANGUAGES = [("fr", "Français"), ("en", "English")]
LANGUAGE_CODE = env("LANGUAGE_CODE", default="fr")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
# The zone the back-office shows times in ("6 Dec 2026, 09:15 CET"). Only there: PostgreSQL
# sessions, the API (ISO 8601, "Z"), "today" (apps.core.dates.today), backup names and log
# lines stay UTC (apps.core.middleware.TimeZoneMiddleware, apps.core.logging.UtcFormatter).
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True
# How the admin writes dates and times (config/formats/en/formats.py): with the zone.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    # Uploads (listing photos): the filesystem, or S3-compatible storage when
    # AWS_STORAGE_BUCKET_NAME is set (config/storage.py; docs/setup.md, "Photo storage").
    "default": media_storage(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

# --- Sessions (docs/security.md, "Sessions") ----------------------------------------------
# In PostgreSQL as SHA-256 digests of their keys, behind forced row-level security.
SESSION_ENGINE = "apps.core.sessions"
# --- end of Sessions ----------------------------------------------------------------------

# --- Product ------------------------------------------------------------------------------
ADMIN_URL = env("ADMIN_URL", default="admin/")
DEFAULT_TENANT_SLUG = env("DEFAULT_TENANT_SLUG", default="default")

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.HavreAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.HavrePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's throttles, counted atomically in Redis (see "Cache and throttling" below).
        "apps.core.api.throttling.AnonRateThrottle",
        "apps.core.api.throttling.UserRateThrottle",
        "apps.core.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "auth": env("THROTTLE_AUTH", default="10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # --- input: bodies nested too deep or holding text PostgreSQL cannot store are 400s ---
    # JSON only: every request body is application/json in the schema, so a generated client
    # sends each body one way (offered form and multipart too, openapi-python-client sent all
    # three at once). A form or multipart body is a 415.
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.JSONParser"],
    # --- end input ---
    # Decimals (coordinates, rating_avg, area) are JSON numbers, which clients compute with;
    # money is integer cents everywhere, so no amount goes through a binary float.
    "COERCE_DECIMAL_TO_STRING": False,
    # The throttles count per client address as apps/core/client_ip.py sees it
    # (TRUSTED_PROXIES below), not by DRF's NUM_PROXIES.
}
# --- API tokens (apps.accounts.models.ApiToken; docs/security.md, "API tokens") -----------
# A token expires this long after its last use (sliding); uses are recorded at most once per
# API_TOKEN_TOUCH_INTERVAL per token, so a busy client does not write on every request.
API_TOKEN_TTL = parse_duration(env("API_TOKEN_TTL", default="30d"))
API_TOKEN_TOUCH_INTERVAL = parse_duration(env("API_TOKEN_TOUCH_INTERVAL", default="1m"))
# Tokens a user may hold; a login beyond retires the least recently used one.
API_TOKEN_MAX_PER_USER = env.int("API_TOKEN_MAX_PER_USER", default=50)
# --- end API tokens ---
# --- E-mail verification (apps.accounts; docs/security.md, "E-mail verification") ---------
# A verification link is valid this long (it also stops working once used or when the address
# changes); the link points to the front end, which posts uid and token to
# POST /api/v1/auth/email/verify/.
EMAIL_VERIFICATION_TIMEOUT = parse_duration(env("EMAIL_VERIFICATION_TIMEOUT", default="3d"))
EMAIL_VERIFY_URL = env(
    "EMAIL_VERIFY_URL", default="http://localhost:8000/verify-email?uid={uid}&token={token}"
)
# Publishing a listing and requesting a booking need a verified e-mail address (403
# email_not_verified); off, only the e-mails are sent.
REQUIRE_VERIFIED_EMAIL = env.bool("REQUIRE_VERIFIED_EMAIL", default=True)
# --- end e-mail verification ---
# --- Account recovery (apps.accounts: password reset, e-mail change; docs/security.md,
# "Account recovery") ----------------------------------------------------------------------
# The front-end page a password-reset e-mail links to; {uid} and {token} are filled in when the
# e-mail is built (the token is never stored). The page POSTs them, with the new password, to
# /api/v1/auth/password/reset/confirm/.
PASSWORD_RESET_URL = checked_link_template(
    "PASSWORD_RESET_URL",
    env(
        "PASSWORD_RESET_URL", default="http://localhost:8000/reset-password?uid={uid}&token={token}"
    ),
    fields={"uid", "token"},
)
# Seconds a reset link stays valid after its e-mail was built (Django's setting; a link also
# dies once used: the token depends on the password and the last login).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
# The front-end page an e-mail change's confirmation links to ({token}); the page POSTs the
# token to /api/v1/auth/email/change/confirm/. Valid EMAIL_CHANGE_TIMEOUT seconds, once.
EMAIL_CHANGE_URL = checked_link_template(
    "EMAIL_CHANGE_URL",
    env("EMAIL_CHANGE_URL", default="http://localhost:8000/confirm-email?token={token}"),
    fields={"token"},
)
EMAIL_CHANGE_TIMEOUT = env.int("EMAIL_CHANGE_TIMEOUT", default=24 * 60 * 60)
SPECTACULAR_SETTINGS = {
    "TITLE": "Havre API",
    "DESCRIPTION": "Short-term rental marketplace API. Request bodies are JSON "
    "(`application/json`); prices are integer cents of the listing's `currency`; coordinates, "
    '`area` (m²) and `rating_avg` are JSON numbers; errors are `{"error": {"code", '
    '"message", "fields"}}`, `fields` keyed by the request field at fault. Authenticate '
    "with `Authorization: Bearer <key>` (`POST /api/v1/auth/token/`). `GET /api/v1/` lists the "
    "resources.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Paths start /api/v1/: operation ids and tags come from what follows (`listings_list`,
    # tag `listings`), not from the version (apps.core.api.schema.HavreAutoSchema).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Enum members are listed by the enum (with x-enum-varnames); a description repeating
    # them (250 country codes) is noise in every generated docstring.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    # One group per resource in Swagger UI and in generated clients (api/listings/...).
    "TAGS": [
        {"name": "auth", "description": "Registration, log in (API tokens) and log out."},
        {"name": "users", "description": "The caller's own account."},
        {"name": "listings", "description": "Search, read and manage listings."},
        {"name": "bookings", "description": "Book a listing; hosts confirm or decline."},
        {"name": "reviews", "description": "Reviews of completed stays."},
        {"name": "messages", "description": "Private messages between users."},
        {"name": "wishlists", "description": "The caller's private lists of saved listings."},
        {
            "name": "notifications",
            "description": "The caller's notification inbox, and the kinds of notification.",
        },
        {"name": "reference", "description": "Categories, amenities, tags; the API's index."},
    ],
    # --- strict: links between operations (apps.core.api.schema.add_links)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.name_page_schemas",
        "apps.core.api.schema.name_enum_values",
        "apps.core.api.schema.describe_parameters",
        "apps.core.api.schema.add_links",
    ],
    # --- input: the <id:...> path converter (apps/core/api/routers.py) is a positive bigint ---
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1},
    },
    # --- end input ---
}

# --- CORS (django-cors-headers; docs/security.md, "Cross-origin front ends") ------------------
# Front ends on other origins may call /api/ (only /api/) from a browser when their origin is
# listed, e.g. https://app.example.com,http://localhost:5173. None by default: browsers then
# refuse every cross-origin read. Credentials (cookies) stay off unless enabled: the API's
# clients send `Authorization: Bearer`, which needs none.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = env.bool("CORS_ALLOW_CREDENTIALS", default=False)
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-requested-with",
)
# Read by clients on errors: how long to wait after a 429 or 503.
CORS_EXPOSE_HEADERS = ("Retry-After",)
CORS_PREFLIGHT_MAX_AGE = env.int("CORS_PREFLIGHT_MAX_AGE", default=3600)

# --- Content-Security-Policy (django-csp, apps/core/csp.py; docs/security.md) ---------------
# HTML pages: nothing unless listed. Scripts and <style> come from our static files or carry the
# response's nonce (Swagger UI's and the browsable API's inline blocks, templates/); never
# 'unsafe-inline' or 'unsafe-eval'. Only the report address depends on the deployment.
_csp_report_uri = env("CSP_REPORT_URI", default="")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Swagger UI's and the admin's icons are data: URIs in their stylesheets.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        # The admin's autocomplete, Swagger UI's schema and "Try it out", the browsable API's
        # forms: all same-origin.
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "report-uri": [_csp_report_uri] if _csp_report_uri else None,
    },
}
# JSON, the schema, static files: a document that may load nothing and be framed by no one.
CONTENT_SECURITY_POLICY_NON_HTML = {
    "DIRECTIVES": {"default-src": [NONE], "frame-ancestors": [NONE]},
}
# Added to the HTML policy on the browsable API only: DRF's templates use style attributes.
CONTENT_SECURITY_POLICY_BROWSABLE_API = {
    "DIRECTIVES": {"style-src-attr": [UNSAFE_INLINE]},
}
# --- end Content-Security-Policy ------------------------------------------------------------
# --- Cache and throttling ------------------------------------------------------------------
# One Redis shared by every worker and machine: throttle counters, the failed-login limiter
# and cached look-ups. Plain cache calls (cache.get/set) fail open when Redis is away
# (IGNORE_EXCEPTIONS, logged); the throttles and the login limiter talk to Redis themselves and
# decide (docs/security.md, "Throttles and the failed-login limiter").
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Several deployments (or checkouts) may share one Redis: each counts under its own.
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="havre"),
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
            "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=0.5),
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "havre.cache"
# Failed logins (API and admin) before the account, or the client address, is locked; the lock
# lasts LOGIN_FAILURE_WINDOW seconds after the last failure counted.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_IP_LIMIT = env.int("LOGIN_FAILURE_IP_LIMIT", default=20)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
# --- end of cache and throttling ----------------------------------------------------------

# --- Trusted proxies (apps/core/client_ip.py; docs/security.md, "Trusted proxies") ----------
# Networks of the reverse proxies in front of the app. X-Forwarded-For is read only from these
# peers, walked from the right past every one of them; from anyone else the client is the
# peer (REMOTE_ADDR). Empty: no proxy is trusted.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if env("NUM_PROXIES", default=""):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "NUM_PROXIES is gone: list the proxies' networks in TRUSTED_PROXIES (docs/security.md)."
    )

# --- Monitoring (docs/database.md, "17. Metrics, logs and errors") -------------------------
# /metrics (Prometheus) answers clients in these networks — the client address above, which a
# trusted proxy may forward — or anyone presenting METRICS_TOKEN as a bearer token.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Logging (apps/core/logging.py) -------------------------------------------------------
# json: one JSON object per line (production, log collectors); plain: a line of text
# (development's default, config/settings/dev.py). gunicorn's own lines follow the same
# LOG_FORMAT (config/gunicorn.conf.py).
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
LOGGING_CONFIG = "apps.core.logging.configure"  # dictConfig, and warnings as records

# --- Error tracking (apps/core/error_tracking.py): Sentry, off unless SENTRY_DSN is set ------
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
# Share of requests traced for performance monitoring (0: errors only).
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# Audit rows older than this keep who did what when, but lose the values and the IP address and
# user agent (scrub_audit_pii, daily from ops/crontab; docs/security.md, "Erasure").
AUDIT_PII_RETENTION_DAYS = env.int("AUDIT_PII_RETENTION_DAYS", default=365)
# GET /api/v1/users/me/export/: at most this many rows per section in one response; a longer
# section carries the URL of its next page (docs/security.md, "Your data").
PERSONAL_DATA_EXPORT_PAGE_SIZE = env.int("PERSONAL_DATA_EXPORT_PAGE_SIZE", default=500)

# --- Backups (django-dbbackup) ------------------------------------------------------------
# Backups must see every row: pg_dump connects as a superuser or BYPASSRLS role
# (BACKUP_DATABASE_URL or _USER/_PASSWORD; by default the owner's credentials) and fails loudly
# otherwise.
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
BACKUP_RETENTION_DAYS = env.int("BACKUP_RETENTION_DAYS", default=30)
_backup_db = database_env.connection(os.environ, "BACKUP_DATABASE") or {}
_backup_owner = DATABASES["default"].get("OWNER") or {}
DBBACKUP_CONNECTORS = {
    "default": {
        "CONNECTOR": "apps.core.backups.connector.PostgresBackupConnector",
        **{
            key: value
            for key in ("USER", "PASSWORD", "HOST", "PORT")
            if (value := _backup_db.get(key) or _backup_owner.get(key))
        },
    }
}
DBBACKUP_CONNECTOR_MAPPING = {"apps.core.db": "apps.core.backups.connector.PostgresBackupConnector"}
DBBACKUP_DATABASES = ["default"]
DBBACKUP_FILENAME_TEMPLATE = "{databasename}-{datetime}.{extension}"
# Formats timezone.now(), which is UTC whatever TIME_ZONE says (apps/core/backups/connector.py).
DBBACKUP_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
DBBACKUP_SEND_EMAIL = False
# Retention is by age, not by count: dbbackup keeps the newest file and asks this filter
# about every other one (apps/core/backups/retention.py).
DBBACKUP_CLEANUP_KEEP = 1


def DBBACKUP_CLEANUP_KEEP_FILTER(filename):  # noqa: N802 (a setting)
    from apps.core.backups.retention import keep_backup

    return keep_backup(filename)


if env("BACKUP_S3_BUCKET", default=""):
    # S3-compatible storage (django-storages, boto3: a dependency since listing photos).
    STORAGES["dbbackup"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("BACKUP_S3_BUCKET"),
            "location": env("BACKUP_S3_PREFIX", default="backups"),
            "endpoint_url": env("BACKUP_S3_ENDPOINT_URL", default=None),
            "access_key": env("BACKUP_S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("BACKUP_S3_SECRET_ACCESS_KEY", default=None),
            "region_name": env("BACKUP_S3_REGION", default=None),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
else:
    STORAGES["dbbackup"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BACKUP_DIR)},
    }

# Bodies above this answer 413 (JSON API requests are small). Multipart bodies (photo
# uploads) count their files against UPLOAD_MAX_BODY_SIZE instead, refused from their declared
# length before they are read (apps/core/uploads.py): an image of at most 10 MB
# (apps/listings/images.py) and the form around it.
UPLOAD_MAX_BODY_SIZE = 10 * 1024 * 1024 + 64 * 1024
FILE_UPLOAD_HANDLERS = [
    "apps.core.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

CSRF_FAILURE_VIEW = "apps.core.api.views.csrf_failure"

# --- E-mail (apps/notifications; docs/setup.md, "E-mail") ----------------------------------
# EMAIL_URL: smtp://user:password@host:25, smtp+tls://…:587 (STARTTLS), smtp+ssl://…:465
# (implicit TLS; django-environ reads smtps:// as STARTTLS), consolemail:// (the default:
# e-mails are printed by the process that sends them, the worker). Passwords percent-encoded.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
    if _email.get(_key) is not None:
        globals()[_key] = _email[_key]
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
# Seconds an SMTP connection or answer may take: a hung server fails the job, which retries.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Havre <no-reply@havre.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default="havre@havre.localhost")
# The right-hand side of our Message-IDs (<notification.<id>@…>); by default DEFAULT_FROM_EMAIL's
# domain.
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="")

# --- Job queue (apps/jobs, procrastinate; docs/database.md, "The job queue") ------------------
# Tasks live in each app's tasks.py (autodiscovered). A failed job is tried again after
# JOBS_RETRY_BASE_SECONDS, then twice as long at each failure (at most JOBS_RETRY_MAX_SECONDS),
# JOBS_RETRY_MAX_ATTEMPTS attempts in all; then it stays failed (the admin can retry it).
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"
JOBS_RETRY_BASE_SECONDS = env.float("JOBS_RETRY_BASE_SECONDS", default=30)
JOBS_RETRY_MAX_SECONDS = env.float("JOBS_RETRY_MAX_SECONDS", default=6 * 60 * 60)
JOBS_RETRY_MAX_ATTEMPTS = env.int("JOBS_RETRY_MAX_ATTEMPTS", default=10)
# The daily purge_jobs deletes succeeded, cancelled and aborted jobs (and their events) whose last
# event is older than JOBS_RETENTION_DAYS; failed ones, which someone may still retry from the
# admin, after JOBS_FAILED_RETENTION_DAYS.
JOBS_RETENTION_DAYS = env.int("JOBS_RETENTION_DAYS", default=14)
JOBS_FAILED_RETENTION_DAYS = env.int("JOBS_FAILED_RETENTION_DAYS", default=90)
# Jobs a worker process runs at once (threads); `manage.py worker --concurrency` overrides.
JOBS_WORKER_CONCURRENCY = env.int("JOBS_WORKER_CONCURRENCY", default=4)
# A worker is woken by NOTIFY when a job is deferred; it also looks for due jobs (retries,
# jobs scheduled for later) this often, in seconds.
JOBS_WORKER_POLL_SECONDS = env.float("JOBS_WORKER_POLL_SECONDS", default=5)

# --- Bookings ---
BOOKING_MAX_NIGHTS = env.int("BOOKING_MAX_NIGHTS", default=90)
# Cancellations and refunds (apps/bookings/refunds.py, docs/design.md): a stay's instants are
# read in the listings' time zone (one for every listing, the site's market), check-in at
# CHECK_IN_HOUR on the check-in date, check-out at CHECK_OUT_HOUR on the check-out date.
LISTING_TIME_ZONE = env("LISTING_TIME_ZONE", default="Europe/Paris")
CHECK_IN_HOUR = env.int("CHECK_IN_HOUR", default=15)
CHECK_OUT_HOUR = env.int("CHECK_OUT_HOUR", default=11)
# A pending request the host has not answered within this many hours expires (status
# `expired`), freeing its nights: a job scheduled at its creation, and the
# expire_booking_requests sweep (ops/crontab) for any the job missed.
BOOKING_REQUEST_TTL_HOURS = env.int("BOOKING_REQUEST_TTL_HOURS", default=24)
# A guest's pending requests at once. PostgreSQL enforces it (trigger
# bookings_limit_pending_per_guest) with the value of its function bookings_max_pending_requests(),
# written by a migration: changing this setting takes a migration restating that function, and
# the bookings.E002 check (migrate, `check --database default`) fails while they differ.
MAX_PENDING_REQUESTS_PER_GUEST = env.int("MAX_PENDING_REQUESTS_PER_GUEST", default=3)
# Days after check-out during which both sides of a stay review it; a review is public once both
# have written or the window has closed (double-blind). PostgreSQL enforces it with the value of
# reviews_window_days(), written by a migration: changing this setting takes a migration
# restating that function, and the reviews.E001 check fails while they differ.
REVIEW_WINDOW_DAYS = env.int("REVIEW_WINDOW_DAYS", default=14)

# Calendar feeds a host imports from other platforms (apps/bookings/calendar_fetch.py): each
# fetch is cut off after this many seconds and this many bytes; addresses that resolve to a
# private, loopback or reserved network are refused unless CALENDAR_FEEDS_ALLOW_PRIVATE (the
# tests' local servers; never in production: it would let a host probe our network).
CALENDAR_FEEDS_TIMEOUT_SECONDS = env.float("CALENDAR_FEEDS_TIMEOUT_SECONDS", default=10)
CALENDAR_FEEDS_MAX_BYTES = env.int("CALENDAR_FEEDS_MAX_BYTES", default=2_000_000)
CALENDAR_FEEDS_ALLOW_PRIVATE = env.bool("CALENDAR_FEEDS_ALLOW_PRIVATE", default=False)

# --- strict: how far ahead a stay may start (PostgreSQL refuses beyond 3660 days whatever
# this says; the bookings.E001 check keeps it below, see docs/database.md "Date bounds").
BOOKING_MAX_ADVANCE_DAYS = env.int("BOOKING_MAX_ADVANCE_DAYS", default=730)
# --- strict: end
