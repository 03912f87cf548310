"""Settings shared by every environment. Everything a deployment changes comes from the
environment; README.md lists the variables and their defaults."""

import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from kombu import Exchange, Queue

from config.env import env_bool, env_float, env_int, env_list, env_str
from config.observability.logging import logging_config
from config.observability.sentry import sentry_init
from config.queues import queue_names, task_routes

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LOCAL_DIR = BASE_DIR / ".local"

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_prometheus",
    "django_structlog",
    # Customer accounts (sign-up, e-mail verification, login, password reset) through
    # django-allauth's headless API: browser (session + CSRF) and app (X-Session-Token) clients.
    "allauth",
    "allauth.account",
    "allauth.headless",
    "config",
    "platforms",
    "inventory",
    "sessions_app",
    "discounts",
    "orders",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # /healthz and /readyz answer before the host check, the HTTPS redirect and the request log:
    # a load balancer probes by IP over plain HTTP, every few seconds.
    "config.observability.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The back office, e-mails and problem documents speak the user's language (en, fr, it).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, the signed-in user's row from the "sessions" cache when there is one
    # (config/user_cache.py: no SELECT of auth_user per request).
    "config.user_cache.CachedUserAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # One JSON line per request, with a request id that the tasks it queues carry on.
    "django_structlog.middlewares.RequestMiddleware",
    # Last but for the metrics, as django-axes asks: turns a locked-out login into its 429
    # response (which the request log above then records).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
# Error reports (the DEBUG page, error e-mails) hide connection URLs as well as keys.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reporting.SecretsHiddenReporterFilter"
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


def _database_url() -> str:
    url = env_str("DATABASE_URL")
    if url:
        return url
    from config.embedded_db import embedded_database_url

    return embedded_database_url(env_str("EMBEDDED_DATABASE_NAME", "larder"))


DATABASES = {
    "default": dj_database_url.parse(
        _database_url(),
        # Persistent connections, checked before reuse (a restarted server or a PgBouncer that
        # closed the link costs one reconnect, not an error).
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
        # Behind PgBouncer in transaction pooling mode (docs/deployment.md): no server-side
        # cursors, which would outlive the transaction that opened them.
        disable_server_side_cursors=env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False),
    )
}
# Django's backend with the health check made only on a connection idle for
# CONN_HEALTH_CHECK_IDLE seconds or more (config/postgresql/base.py): not a SELECT 1 before
# every request.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"]["HEALTH_CHECK_IDLE_SECONDS"] = env_float("CONN_HEALTH_CHECK_IDLE", 1.0)
# Parameters bound by the server, and a statement prepared on its DATABASE_PREPARE_THRESHOLD-th
# run on a connection (psycopg): PostgreSQL then plans a hot statement once per connection
# instead of on every run — planning was most of PostgreSQL's time on the storefront checkout
# (docs/performance.md, "Storefront checkout"). A prepared statement is state of the server
# connection: behind PgBouncer in transaction mode, set DATABASE_PREPARED_STATEMENTS=false
# unless it is PgBouncer 1.21 or later with max_prepared_statements (docs/deployment.md).
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 5),
    }
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise RuntimeError("Larder runs on PostgreSQL only: DATABASE_URL must be postgres://...")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Customers log in with their e-mail address (django-allauth, /api/auth/).
    "allauth.account.auth_backends.AuthenticationBackend",
]
# --- Admin login protection (django-axes) -----------------------------------------------------
# AXES_FAILURE_LIMIT wrong passwords lock the login out (429) for AXES_COOLOFF_MINUTES (0: until
# a superuser deletes the attempt in the admin, under Axes › Access attempts). What is locked:
# AXES_LOCKOUT_PARAMETERS, comma-separated, each entry on its own, `+` for a combination; the
# default locks a user name at one address (REMOTE_ADDR), so an attacker cannot lock the real
# user out from elsewhere. A successful login clears the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
_axes_cooloff_minutes = env_int("AXES_COOLOFF_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=_axes_cooloff_minutes) if _axes_cooloff_minutes else None
AXES_LOCKOUT_PARAMETERS = [
    entry.split("+") if "+" in entry else entry
    for entry in env_list("AXES_LOCKOUT_PARAMETERS", ["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("fr", "Français"), ("it", "Italiano")]
# Compiled catalogues (.mo) are committed: running Larder needs no gettext.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- E-mail (orders/services/notifications.py, account e-mails) ------------------------------
# The console in development; SMTP in production: set EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST* variables (README.md).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Larder <orders@larder.invalid>")

STATIC_URL = "static/"
STATIC_ROOT = env_str("STATIC_ROOT") or BASE_DIR / "staticfiles"
# Static files are served by WhiteNoise from the web process. Development and tests read them
# from the apps (finders, no collectstatic); production (config/settings/production.py) serves
# the compressed, hashed copies `collectstatic` wrote, with a year-long cache header.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Without collectstatic (development, tests) STATIC_ROOT does not exist, and need not.
warnings.filterwarnings("ignore", message="No directory at: ")
# /favicon.ico and friends, served at the site root.
WHITENOISE_ROOT = BASE_DIR / "config" / "public"

# --- Larder ---------------------------------------------------------------------------------
# The currency orders default to; one currency per order.
LARDER_DEFAULT_CURRENCY = env_str("LARDER_DEFAULT_CURRENCY", "EUR")
# The slug of this instance's Platform row.
LARDER_PLATFORM_SLUG = env_str("LARDER_PLATFORM_SLUG", "larder")
# The public root URL of this instance: the base of every DFC @id Larder writes.
LARDER_PUBLIC_URL = env_str("LARDER_PUBLIC_URL", "http://127.0.0.1:8000")
# Outbox delivery to partner platforms: request timeout, how long a failing message is retried
# before it becomes a dead letter, backoff bounds, and how long delivered messages are kept.
OUTBOX_REQUEST_TIMEOUT_SECONDS = env_int("OUTBOX_REQUEST_TIMEOUT_SECONDS", 10)
OUTBOX_RETRY_WINDOW_SECONDS = env_int("OUTBOX_RETRY_WINDOW_SECONDS", 24 * 3600)
OUTBOX_BACKOFF_BASE_SECONDS = env_int("OUTBOX_BACKOFF_BASE_SECONDS", 5)
OUTBOX_BACKOFF_MAX_SECONDS = env_int("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)
# How long a worker holds a message it is sending (a look-up and a send, each up to the
# timeout); a worker that dies lets it go when this passes and another sends it.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", max(60, 4 * OUTBOX_REQUEST_TIMEOUT_SECONDS))
# Minutes an unsubmitted cart may hold stock before a task releases it.
LARDER_CART_RESERVATION_MINUTES = env_int("LARDER_CART_RESERVATION_MINUTES", 30)
# Payment providers the storefront offers (orders/services/payments.py): pickup, invoice,
# test_card.
LARDER_PAYMENT_PROVIDERS = env_list("LARDER_PAYMENT_PROVIDERS", ["pickup", "invoice", "test_card"])
# Dotted path of the function that e-mails a customer about their order (called after commit
# with order_id, notice, message); empty: the customer_notice event is the only record.
LARDER_CUSTOMER_NOTIFIER = env_str(
    "LARDER_CUSTOMER_NOTIFIER", "orders.services.notifications.customer_notice_send"
)
# Minutes between two refreshes of the stock mirrored from producers on other platforms.
LARDER_STOCK_MIRROR_MINUTES = env_int("LARDER_STOCK_MIRROR_MINUTES", 10)

# Secrets stored encrypted (platforms/encryption.py): Fernet keys, comma-separated; the first
# encrypts, all decrypt (rotation: put the new key first, run `manage.py secrets_reencrypt`,
# then drop the old one). The development key below is public: production refuses it.
DEVELOPMENT_FIELD_ENCRYPTION_KEY = "2phOeuTlmM0usVLZRR__9IsdG4-Q8-8zq6RGNwXCifQ="
LARDER_FIELD_ENCRYPTION_KEYS = env_list(
    "LARDER_FIELD_ENCRYPTION_KEYS", [DEVELOPMENT_FIELD_ENCRYPTION_KEY]
)
# --- Customer accounts (django-allauth headless, mounted at /api/auth/) -------------------------
HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("browser", "app")
# The shop front's pages the account e-mails link to; {key} is the verification or reset key.
LARDER_SHOP_FRONT_URL = env_str("LARDER_SHOP_FRONT_URL", "http://127.0.0.1:3000")
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{LARDER_SHOP_FRONT_URL}/account/verify-email/{{key}}",
    "account_reset_password_from_key": f"{LARDER_SHOP_FRONT_URL}/account/password/reset/{{key}}",
    "account_signup": f"{LARDER_SHOP_FRONT_URL}/account/signup",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Larder] "
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Login throttling: failed logins per IP and per e-mail address; sign-ups and reset e-mails too.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LARDER_LOGIN_FAILED_RATE", "10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# Account e-mails (verification, password reset) go through the e-mail settings above.

# --- GDPR ---------------------------------------------------------------------------------------
# Days after an order is closed (delivered, deposited or cancelled) before its customer note and
# IP address are purged (orders.tasks.orders_personal_data_purge_task, daily on beat).
LARDER_PERSONAL_DATA_RETENTION_DAYS = env_int("LARDER_PERSONAL_DATA_RETENTION_DAYS", 365)

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # A separate shop front (the allauth "app" client) sends its session token.
        "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies nested deeper than LARDER_JSON_MAX_DEPTH are a 400, never a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.problems.problem_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Larder API",
    "DESCRIPTION": "Order back office for food hubs: DFC JSON-LD and plain JSON endpoints.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The interactive page works offline: Swagger UI's files are served from the sidecar app.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "orders.schema.storefront_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.statuses.OrderStatus",
        "ProducerOrderStatusEnum": "orders.models.ProducerOrder.Status",
    },
}

# --- Partner API (platforms/partner_api) --------------------------------------------------------
# Requests per platform (all its tokens together), e.g. "600/min"; counted in the "api" cache,
# a database table, so every process of the instance shares one count.
LARDER_API_THROTTLE_RATE = env_str("LARDER_API_THROTTLE_RATE", "600/min")
# Largest request body accepted (bytes) and largest page a list returns.
LARDER_API_MAX_BODY_BYTES = env_int("LARDER_API_MAX_BODY_BYTES", 1024 * 1024)
# How deeply a JSON request body may nest arrays and objects (config/parsers.py); a DFC
# order graph needs about 8.
LARDER_JSON_MAX_DEPTH = env_int("LARDER_JSON_MAX_DEPTH", 32)
LARDER_API_MAX_PAGE_SIZE = env_int("LARDER_API_MAX_PAGE_SIZE", 200)
LARDER_API_DEFAULT_PAGE_SIZE = env_int("LARDER_API_DEFAULT_PAGE_SIZE", 50)
# Days an Idempotency-Key's first response is kept (platforms.partner_api.idempotency); longer
# than any partner's retry window (a Larder partner retries for OUTBOX_RETRY_WINDOW_SECONDS,
# one day).
LARDER_IDEMPOTENCY_RETENTION_DAYS = env_int("LARDER_IDEMPOTENCY_RETENTION_DAYS", 7)

# The "api" cache holds the partner throttle's counts and the Idempotency-Keys already answered
# (platforms/partner_api/throttling.py, platforms/partner_api/idempotency.py); every process must
# share it. On Redis (LARDER_CACHE_URL, else the broker's Redis when CELERY_BROKER_URL is one) these
# lookups cost no database round trip. Without Redis (`make run` on the folder broker) it falls back
# to the database cache table (platforms/migrations/0003): still shared by every process, but each
# partner request then pays 3 to 5 statements for it. Losing Redis loses only counts and markers:
# the idempotency record in PostgreSQL still refuses a second change.
_broker_url = env_str("CELERY_BROKER_URL", "")
LARDER_CACHE_URL = env_str("LARDER_CACHE_URL") or (
    _broker_url if _broker_url.startswith(("redis://", "rediss://")) else ""
)
API_CACHE_REDIS = {
    "BACKEND": "config.redis_cache.SharedClientRedisCache",
    "LOCATION": LARDER_CACHE_URL,
    "KEY_PREFIX": "larder-api",
}
API_CACHE_DATABASE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "platforms_api_cache",
    "OPTIONS": {"MAX_ENTRIES": 10000},
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": API_CACHE_REDIS if LARDER_CACHE_URL else API_CACHE_DATABASE,
}

# --- Sessions -----------------------------------------------------------------------------------
# With Redis, a signed-in request reads its session from the "sessions" cache, not from the
# django_session table (config/session_store.py): the table stays the record (every save and
# delete writes it first), and while Redis is down or unreachable the table serves alone, with a
# warning logged. An entry lives at most SESSION_CACHE_SECONDS (so a copy the cache kept through
# an outage is gone by then). Short socket timeouts: an unreachable Redis costs a request at most
# that much, once. Without Redis sessions are read from the table.
SESSION_CACHE_SECONDS = env_int("SESSION_CACHE_SECONDS", 300)
SESSION_CACHE_REDIS = {
    "BACKEND": "config.redis_cache.SharedClientRedisCache",
    "LOCATION": LARDER_CACHE_URL,
    # Keyed by database too: two Larders (or two databases in turn, as `make bench` makes one
    # per run) sharing a Redis never read each other's users, whose ids they may share.
    "KEY_PREFIX": f"larder-sessions:{DATABASES['default']['NAME']}",
    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}
if LARDER_CACHE_URL:
    CACHES["sessions"] = SESSION_CACHE_REDIS
    SESSION_ENGINE = "config.session_store"
    SESSION_CACHE_ALIAS = "sessions"
# The signed-in user's row is read from the same cache (config/user_cache.py), not from auth_user
# on every request: every save or delete of a user invalidates it, and the session's hash and the
# user's `is_active` are still checked each request. An entry lives at most USER_CACHE_SECONDS,
# which bounds how long a change saved while Redis was down may go unseen once it is back.
USER_CACHE = bool(LARDER_CACHE_URL)
USER_CACHE_SECONDS = env_int("USER_CACHE_SECONDS", 60)

# --- Celery -------------------------------------------------------------------------------------
# With CELERY_BROKER_URL set (Redis in production and CI) Celery uses it; without it, a
# filesystem broker under .local/ that needs no server, so a newcomer's `make run` just works.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
# No task runs longer than this (a worker kills it), and the broker gives an unacknowledged
# message to another worker only after the visibility timeout, far above it: a long task is
# never run twice at once because the broker thought its worker gone.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * CELERY_TASK_TIME_LIMIT}
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = LOCAL_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (LOCAL_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        # Where kombu keeps exchange bindings (its default is ./control, in the work tree).
        "control_folder": str(LOCAL_DIR / "celery" / "control"),
        "store_processed": False,
        # The folder broker polls; 0.1 s keeps an outbox send well under a second.
        "polling_interval": 0.1,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_ALWAYS_EAGER = False
# Idempotent tasks are acknowledged after they run, and given back if their worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Queues (docs/architecture.md "Celery queues"): run a worker per queue to scale each kind of
# work apart; `make run`'s worker consumes all three. LARDER_QUEUE_PREFIX lets a test worker
# keep queues of its own on a shared broker.
LARDER_QUEUE_PREFIX = env_str("LARDER_QUEUE_PREFIX", "")
LARDER_CELERY_QUEUES = queue_names(LARDER_QUEUE_PREFIX)
CELERY_TASK_DEFAULT_QUEUE = LARDER_CELERY_QUEUES[0]
CELERY_TASK_ROUTES = task_routes(LARDER_QUEUE_PREFIX)
# Declared, so a worker started without --queues (bin/worker without WORKER_QUEUES: `make run`,
# a Procfile) consumes all of them.
# Each queue on its own direct exchange and routing key (what Celery makes for a queue it was not
# told of): with Queue(name) alone all three would bind the default key and get every task.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in LARDER_CELERY_QUEUES
]
# Beat keeps no schedule file: one beat process holds a lease in the database and sends the
# periodic tasks; a second beat started by mistake stands by (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat:SingletonScheduler"
LARDER_BEAT_LEASE_SECONDS = env_int("LARDER_BEAT_LEASE_SECONDS", 30)
# Seconds between two sweeps of due outbox messages and work requests.
LARDER_SWEEP_SECONDS = env_int("LARDER_SWEEP_SECONDS", 10)
# Work requests (config/work.py): the sweep queues a request again this long after it was
# written or last queued, if it is still not done. A worker holds one for the lease: short, so
# the work of a worker that died is soon done again; a run that outlasts it may meet a second
# run of the same idempotent service, which the service's row locks serialise.
LARDER_WORK_REQUEUE_SECONDS = env_int("LARDER_WORK_REQUEUE_SECONDS", 30)
LARDER_WORK_LEASE_SECONDS = env_int("LARDER_WORK_LEASE_SECONDS", 120)
CELERY_BEAT_SCHEDULE: dict = {
    # Retries are scheduled in the database (OutboxMessage.next_attempt_at); this sweep sends
    # whatever is due, so no retry ever waits in a Celery countdown.
    "outbox-deliver-due": {
        "task": "platforms.tasks.outbox_deliver_due_task",
        "schedule": float(LARDER_SWEEP_SECONDS),
    },
    "work-requests-sweep": {
        "task": "config.tasks.work_requests_sweep_task",
        "schedule": float(LARDER_SWEEP_SECONDS),
    },
    "outbox-purge": {"task": "platforms.tasks.outbox_purge_task", "schedule": 6 * 3600.0},
    "idempotency-records-purge": {
        "task": "platforms.tasks.idempotency_records_purge_task",
        "schedule": 6 * 3600.0,
    },
    "sessions-close-due": {"task": "orders.tasks.sessions_close_due_task", "schedule": 60.0},
    # The session totals' rows (orders/models/session_totals.py), one per key again.
    "session-totals-compact": {
        "task": "orders.tasks.session_totals_compact_task",
        "schedule": 60.0,
    },
    "carts-expired-release": {"task": "orders.tasks.carts_expired_release_task", "schedule": 60.0},
    "customer-notifications-sweep": {
        "task": "orders.tasks.customer_notifications_sweep_task",
        "schedule": 300.0,
    },
    "backorders-allocate": {"task": "orders.tasks.backorders_allocate_task", "schedule": 300.0},
    "stock-mirrors-refresh": {
        "task": "inventory.tasks.stock_mirrors_refresh_task",
        "schedule": 60.0 * LARDER_STOCK_MIRROR_MINUTES,
    },
    # GDPR: notes and IP addresses of orders closed long enough ago (orders/services/gdpr.py).
    "orders-personal-data-purge": {
        "task": "orders.tasks.orders_personal_data_purge_task",
        "schedule": 24 * 3600.0,
    },
}

# --- Observability (config/observability/) --------------------------------------------------
# LOG_FORMAT json: one JSON object per line (production); console: aligned, coloured lines.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# LOG_BEAT_TICKS: beat logs each task it sends (off: only its start and its problems).
LOG_BEAT_TICKS = env_bool("LOG_BEAT_TICKS", False)
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT, beat_ticks=LOG_BEAT_TICKS)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# One line per request (request_finished) and per task (task_succeeded / task_failed): the
# start lines go to DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10
DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = 10
# Client addresses are personal data: not logged.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# A request id from the load balancer (X-Request-ID) is kept, so one id follows the request.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env_bool("LOG_TRUST_REQUEST_ID_HEADER", False)

# Bearer token Prometheus sends to /metrics (unset: /metrics is 404, except under DEBUG).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# Error tracking: set SENTRY_DSN to send errors of web and workers to Sentry (or GlitchTip).
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0"))
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
