"""Comensal settings, read from environment variables (see .env.example).

A missing or malformed variable stops the process with one line naming it.
"""

import datetime as dt
import os
import sys
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    DEBUG = env.boolean("DJANGO_DEBUG", False)
    SECRET_KEY = env.string("DJANGO_SECRET_KEY")
    _database = env.database_url("DATABASE_URL")
    REDIS_URL = env.redis_url("REDIS_URL")
    # Restaurants live at <slug>.<base domain>; the platform operator at the base domain.
    TENANT_BASE_DOMAIN = env.string("COMENSAL_BASE_DOMAIN", "localhost").lower()
    # Hosts that serve the platform operator's site (public schema), not a restaurant.
    PUBLIC_HOSTS = env.string_list("COMENSAL_PUBLIC_HOSTS", [TENANT_BASE_DOMAIN])
    ALLOWED_HOSTS = env.string_list(
        "DJANGO_ALLOWED_HOSTS", [TENANT_BASE_DOMAIN, f".{TENANT_BASE_DOMAIN}"]
    )
    CSRF_TRUSTED_ORIGINS = env.string_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
    _secure = env.boolean("DJANGO_SECURE", not DEBUG)
    SECURE_SSL_REDIRECT = env.boolean("DJANGO_SECURE_SSL_REDIRECT", _secure)
    SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 31_536_000 if _secure else 0)
    _behind_proxy = env.boolean("DJANGO_BEHIND_PROXY", False)
    CACHE_KEY_PREFIX = env.string("COMENSAL_CACHE_PREFIX", "comensal")
    CELERY_TASK_DEFAULT_QUEUE = env.string("CELERY_QUEUE", "comensal")
    # Connections per process: a psycopg pool of at most this many (0: no pool, one
    # connection per thread kept DATABASE_CONN_MAX_AGE seconds).
    _db_pool_max_size = env.integer("DATABASE_POOL_MAX_SIZE", 4)
    # Threads of a web process serving HTTP requests (Django's views are synchronous; see
    # config/web.py for why two).
    WEB_THREADS = env.integer("COMENSAL_WEB_THREADS", 2)
    _db_pool_min_size = env.integer("DATABASE_POOL_MIN_SIZE", 1)
    _db_pool_timeout = env.integer("DATABASE_POOL_TIMEOUT", 10)
    _db_conn_max_age = env.integer("DATABASE_CONN_MAX_AGE", 0)
    _server_timing = env.boolean("COMENSAL_SERVER_TIMING", False)
    # How this process's connections are named in pg_stat_activity (web, worker …).
    _db_application_name = env.string("DATABASE_APPLICATION_NAME", "comensal")
    _log_level = env.string("LOG_LEVEL", "INFO").upper()
    _manifest_static = env.boolean("DJANGO_MANIFEST_STATIC", not DEBUG)
    _public_rate_availability = env.integer("COMENSAL_RATE_AVAILABILITY_PER_MINUTE", 30)
    _public_rate_booking = env.integer("COMENSAL_RATE_BOOKING_PER_MINUTE", 5)
    # The API's requests per 15 minutes for each plan (SPEC, Tenancy), raised or lowered
    # all at once by a factor (an operator's bigger box; the API fuzzer's many requests).
    _api_rate_scale = env.integer("COMENSAL_API_RATE_SCALE", 1, minimum=1)
    # Proxies in front of the web processes whose X-Forwarded-For is trusted.
    TRUSTED_PROXY_HOPS = env.integer("COMENSAL_TRUSTED_PROXY_HOPS", 1 if _behind_proxy else 0)
    # A staff screen whose socket takes longer than this to take one event gets the whole
    # state again instead of its backlog, and is disconnected if the state takes longer too.
    LIVE_SEND_TIMEOUT_SECONDS = env.integer("COMENSAL_LIVE_SEND_TIMEOUT", 10)
    # Restaurants' public address as customers and Twilio see it (behind a TLS proxy:
    # https, no port); links in messages and Twilio's signatures are built on it.
    PUBLIC_SCHEME = env.string("COMENSAL_PUBLIC_SCHEME", "http" if DEBUG else "https")
    PUBLIC_PORT = env.string("COMENSAL_PUBLIC_PORT", "")
    # The platform's Twilio account; a restaurant may set its own in admin. Without one,
    # WhatsApp and SMS messages go to the outbox (the message log) only.
    TWILIO_ACCOUNT_SID = env.string("TWILIO_ACCOUNT_SID", "")
    TWILIO_AUTH_TOKEN = env.string("TWILIO_AUTH_TOKEN", "")
    TWILIO_WHATSAPP_FROM = env.string("TWILIO_WHATSAPP_FROM", "")
    TWILIO_SMS_FROM = env.string("TWILIO_SMS_FROM", "")
    TWILIO_TIMEOUT_SECONDS = env.integer("TWILIO_TIMEOUT_SECONDS", 10)
    # Twilio's REST API; another address only for a stand-in (tests, a mock server).
    TWILIO_API_URL = env.string("TWILIO_API_URL", "https://api.twilio.com")
    # The platform's Meta app (WhatsApp Cloud API): webhooks it signs, the word typed in its
    # webhook settings, and the token replies are sent with; a restaurant may set its own.
    META_APP_SECRET = env.string("META_APP_SECRET", "")
    META_VERIFY_TOKEN = env.string("META_VERIFY_TOKEN", "")
    META_ACCESS_TOKEN = env.string("META_ACCESS_TOKEN", "")
    META_GRAPH_URL = env.string("META_GRAPH_URL", "https://graph.facebook.com/v21.0")
    META_TIMEOUT_SECONDS = env.integer("META_TIMEOUT_SECONDS", 10)
    # The platform's Retell API key: it signs the voice agent's webhooks of every restaurant
    # without a key of its own.
    RETELL_API_KEY = env.string("RETELL_API_KEY", "")
    # The platform's OpenAI key: the assistant's model answers for every restaurant without a
    # key of its own (none: the built-in rules answer). Another address only for a stand-in.
    OPENAI_API_KEY = env.string("OPENAI_API_KEY", "")
    OPENAI_BASE_URL = env.string("OPENAI_BASE_URL", "")
    # Without an email server, email messages go to the outbox only.
    EMAIL_HOST = env.string("EMAIL_HOST", "")
    EMAIL_PORT = env.integer("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT_SECONDS", 10)
    DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", f"reservas@{TENANT_BASE_DOMAIN}")
    # A message the provider failed to take is tried again after 30 s, 60 s, 120 s …
    MESSAGE_MAX_RETRIES = env.integer("COMENSAL_MESSAGE_RETRIES", 5)
    MESSAGE_RETRY_BACKOFF_SECONDS = env.integer("COMENSAL_MESSAGE_BACKOFF_SECONDS", 30)
    MESSAGE_RETRY_BACKOFF_MAX_SECONDS = 3600
    # Observability (README, "Observability"): /metrics on the platform's host to a bearer
    # of this token (unset: no /metrics at all); a restaurant label on the metrics (one
    # series per restaurant); how often the bookings and messages are counted again.
    METRICS_TOKEN = env.string("COMENSAL_METRICS_TOKEN", "")
    METRICS_RESTAURANT_LABEL = env.boolean("COMENSAL_METRICS_RESTAURANT_LABEL", False)
    METRICS_REFRESH_SECONDS = env.integer("COMENSAL_METRICS_REFRESH_SECONDS", 60)
    # plain: today's lines (time level= schema= logger= message); json: one object a line.
    _log_format = env.string("COMENSAL_LOG_FORMAT", "plain").lower()
    # The error tracker: errors go to Sentry (or a compatible service) only when set.
    _sentry_dsn = env.string("SENTRY_DSN", "")
    _sentry_environment = env.string("SENTRY_ENVIRONMENT", "production")
    _sentry_release = env.string("SENTRY_RELEASE", "")
except env.ConfigError as error:
    sys.exit(f"Configuration error: {error}")

if len(SECRET_KEY) < 32 and not DEBUG:
    sys.exit("Configuration error: DJANGO_SECRET_KEY must be at least 32 characters long")
if _log_format not in {"plain", "json"}:
    sys.exit("Configuration error: COMENSAL_LOG_FORMAT must be plain or json")

# --- Applications -------------------------------------------------------------------
# The public schema holds the platform's own tables; every restaurant schema holds its
# own users, sessions and business data (django-tenants' security guide).
SHARED_APPS = [
    "django_tenants",
    "restaurants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Failed logins and lock-outs: kept per schema, so per restaurant (and the platform's own).
    "axes",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "axes",
    "reservations",
    "menu",
    "billing",
    "notifications",
    "analytics",
    "booking",
    "floor",
    "assistant",
    "api",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "restaurants.Restaurant"
TENANT_DOMAIN_MODEL = "restaurants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenants"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# The search path is set once per request instead of before every query.
TENANT_LIMIT_SET_CALLS = True
# migrate_schemas: only the schemas that lack a migration, a recording replayed into each group
# in the same state, a process per core for data migrations (restaurants/schemas.py).
GET_EXECUTOR_FUNCTION = "restaurants.schemas.get_executor"
TENANT_MULTIPROCESSING_MAX_PROCESSES = os.cpu_count() or 2

MIDDLEWARE = [
    # First: every line logged while answering, and the answer, carry the request's id.
    "restaurants.log.RequestIdMiddleware",
    *(["config.timing.ServerTimingMiddleware"] if _server_timing else []),
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the restaurant lookup: no database behind them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Requests by route (config/metrics.py), the restaurant lookup's time included.
    "config.metrics.MetricsMiddleware",
    "restaurants.middleware.RestaurantMiddleware",
    "restaurants.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "restaurants.middleware.RestaurantLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, inside the language middleware: a locked-out login is answered in the user's language.
    "axes.middleware.AxesMiddleware",
    # The API's writes under an Idempotency-Key run once; its answers carry the plan's limits.
    "restaurants.idempotency.IdempotencyMiddleware",
    "restaurants.throttling.RateLimitHeadersMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Data stores --------------------------------------------------------------------
# A pool per process (psycopg's, as Django supports it): a request takes a connection at its
# first query and gives it back when it ends, so connections are bounded by
# processes × DATABASE_POOL_MAX_SIZE and none is left idle by threads that are gone (under
# ASGI every request runs in a thread of its own). A request that waits longer than
# DATABASE_POOL_TIMEOUT for one is answered 503. Not PgBouncer in transaction mode:
# django-tenants selects the restaurant with a session-level `SET search_path`, which such
# a pooler would hand to another client; django-tenants sets it again on every checkout.
# DATABASE_ENGINE=citus: DATABASE_URL is a Citus coordinator (`dev.py cluster`); the backend
# rewrites the DDL Citus refuses (restaurants/citus_backend).
_db_engines = {
    "postgresql": "django_tenants.postgresql_backend",
    "citus": "restaurants.citus_backend",
}
try:
    _db_engine = _db_engines[env.string("DATABASE_ENGINE", "postgresql")]
except KeyError:
    sys.exit(f"Configuration error: DATABASE_ENGINE must be one of: {', '.join(_db_engines)}")
DATABASES = {
    "default": {
        **_database,
        "ENGINE": _db_engine,
        "CONN_MAX_AGE": 0 if _db_pool_max_size else _db_conn_max_age,
        "CONN_HEALTH_CHECKS": not _db_pool_max_size,
        "OPTIONS": {"application_name": _db_application_name}
        | (
            {
                "pool": {
                    "min_size": min(_db_pool_min_size, _db_pool_max_size),
                    "max_size": _db_pool_max_size,
                    "timeout": _db_pool_timeout,
                    # After a rush, the pool closes one idle connection above min_size every
                    # max_idle seconds: back to min_size within half a minute.
                    "max_idle": 10,
                }
            }
            if _db_pool_max_size
            else {}
        ),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        # Fails open when Redis is down or slow (config/cache.py).
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        # Every key carries the schema name of the restaurant it belongs to.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        # Redis answers in a millisecond; a request does not wait long for one that is stuck.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# Channels' layer, for consumers that talk to each other. The live floor does not use it: each
# web process reads a restaurant's events from Redis pub/sub once (``<prefix>:live:<schema>``)
# and fans them out to its own screens (floor/consumers.py).
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{CACHE_KEY_PREFIX}:channels"},
    }
}

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "visibility_timeout": 3600}
# A task sent from a request (a message after a booking) is tried once, quickly: with Redis
# down the message stays pending in the log and the "outbox" job sends it once Redis is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# tenant-schemas-celery looks up the tenant a task was sent from (always public here: each
# restaurant task finds its own restaurant) once a minute per process, not once per task.
CELERY_TASK_TENANT_CACHE_SECONDS = 60
# Celery's Django fixup closes a prefork worker's whole connection pool before and after every
# task unless told to reuse connections: each task would open a new PostgreSQL session (a new
# backend, its catalog caches cold), which halved the scheduled jobs' pace. Reused here for
# this many tasks; after each one the connection goes back to the pool, which drops it if
# broken (config/celery.py).
CELERY_DB_REUSE_MAX = 500
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Security -----------------------------------------------------------------------
# Session and CSRF cookies stay on the host that set them: a restaurant's cookie is
# never sent to another restaurant's host.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _behind_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# /health is probed by load balancers over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health$"]

# A locked-out account and address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "restaurants.lockout.LockoutBackend",
    "restaurants.backends.StaffBackend",
]
# Admin logins (a restaurant's staff, the platform's operators): 5 failures of one account from
# one address within 15 minutes lock that pair out for 15 minutes (tries meanwhile are refused
# and do not make it longer); a successful login forgets the failures. Attempts are kept in the
# schema of the host tried, so a lock-out at one restaurant leaves the same email at another
# alone; they are logged without the password, the email or the address (restaurants/lockout.py).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "restaurants.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "restaurants.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "restaurants.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Successful logins are not stored (personal data kept for nothing); no admin pages for them.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# Log lines name the masked account and address, not the browser; no banner at start-up.
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "/static/"
# collectstatic fills STATIC_ROOT in production; in development files come from the apps.
STATIC_ROOT = BASE_DIR / "staticfiles" if _manifest_static else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _manifest_static
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = not _manifest_static
# Files answered at the root of every host by WhiteNoise, before any restaurant lookup: the
# favicon browsers ask for on every page.
WHITENOISE_ROOT = BASE_DIR / "config" / "root"

# --- API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a bad token is answered 401 with WWW-Authenticate.
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["restaurants.permissions.StaffModelPermissions"],
    "DEFAULT_THROTTLE_CLASSES": ["restaurants.throttling.PlanRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "restaurants.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bodies refused at the edge: too deep, control characters, too large (a 400 or 413).
    "DEFAULT_PARSER_CLASSES": [
        "restaurants.parsers.JSONParser",
        "restaurants.parsers.FormParser",
        "restaurants.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "restaurants.parsers.exception_handler",
}
# No form or API body of Comensal comes near 1 MiB (a table is a few hundred bytes); a larger
# one is refused before it is read (uploaded files are not counted).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Requests per 15 minutes for each plan (SPEC, Tenancy).
PLAN_API_RATE_LIMITS = {
    plan: limit * _api_rate_scale
    for plan, limit in {"basic": 100, "premium": 500, "enterprise": 2000}.items()
}
PLAN_API_RATE_WINDOW_SECONDS = 15 * 60
# The API's OpenAPI 3 schema (/api/v1/schema/) and docs (/api/v1/docs/, from our own static
# files: drf-spectacular-sidecar, no CDN); committed as api/openapi.yaml and checked for drift.
SPECTACULAR_SETTINGS = {
    "TITLE": "Comensal API",
    "DESCRIPTION": (
        "A restaurant's book, menu, notes and figures, on the restaurant's own host. "
        "Authenticate with `Authorization: Token <key>` (tokens are created per user in the "
        "admin); every endpoint needs the same permission as in the admin. Limits per "
        "restaurant by plan (basic 100, premium 500, enterprise 2000 requests per 15 minutes) "
        "with `RateLimit-*` headers; `Idempotency-Key` on every POST."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NoteStatusEnum": "billing.models.NoteStatus",
        "ReservationStatusEnum": "reservations.models.ReservationStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.error_responses",
    ],
}
# Public booking pages: requests per minute and client IP, per restaurant.
PUBLIC_RATE_LIMITS = {
    "availability": _public_rate_availability,
    "booking": _public_rate_booking,
}

# --- Logging ------------------------------------------------------------------------
# One line per event, tagged with the restaurant's schema; personal data is never logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"restaurant": {"()": "restaurants.log.RestaurantLogFilter"}},
    "formatters": {
        "structured": {
            "format": "%(asctime)s level=%(levelname)s schema=%(schema_name)s "
            "logger=%(name)s %(message)s"
        },
        "json": {"()": "restaurants.log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["restaurant"],
            "formatter": "json" if _log_format == "json" else "structured",
        }
    },
    "root": {"handlers": ["console"], "level": _log_level},
    # Twilio's client logs every request at INFO (no secrets, but noise in the worker's log).
    # Axes logs every failed login at INFO on the way to its WARNING lines (failure, lock-out).
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "twilio": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Observability ------------------------------------------------------------------
# Read at scrape time from the apps, named here as middleware is (config/metrics.py).
METRICS_COLLECTORS = ["booking.observability.BookingsAndMessagesCollector"]

if _sentry_dsn:
    from config.sentry import sentry_init

    sentry_init(_sentry_dsn, environment=_sentry_environment, release=_sentry_release)
