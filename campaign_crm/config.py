"""Application settings: the only module that reads environment variables."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent  # the checkout; site-packages when installed from a wheel
# A checkout (also `pip install -e .`) has pyproject.toml beside the package; an installed wheel has not.
IN_CHECKOUT = (BASE_DIR / "pyproject.toml").is_file()


def bundled(name: str) -> Path:
    """The folder `name` (templates, migrations) that the wheel puts inside the package, else the checkout's."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else BASE_DIR / name


TEMPLATES_DIR = bundled("templates")
MIGRATIONS_DIR = bundled("migrations")
LOG_FORMATS = ("json", "text")
DEV_SECRET_KEY = "dev-only-not-secret"  # outside production only, when SECRET_KEY is empty


class ConfigError(ValueError):
    """A setting has a value the application cannot work with."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} moet een geheel getal zijn, niet {raw!r}.") from None


def _env_positive_int(name: str, default: int) -> int:
    value = _env_int(name, default)
    if value < 1:
        raise ConfigError(f"{name} moet een positief geheel getal zijn, niet {value}.")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on", "ja"}:
        return True
    if raw.lower() in {"0", "false", "no", "off", "nee"}:
        return False
    raise ConfigError(f"{name} moet true of false zijn, niet {raw!r}.")


def instance_dir() -> Path:
    """Where the SQLite default and other local files live: INSTANCE_PATH, else `instance/` in the checkout,
    else (an installed wheel, never inside site-packages) `instance/` in the working directory."""
    raw = _env("INSTANCE_PATH")
    if raw is not None:
        return Path(raw).expanduser().resolve()
    return BASE_DIR / "instance" if IN_CHECKOUT else Path.cwd() / "instance"


def log_format() -> str:
    """LOG_FORMAT: json in production, text otherwise (read by the app and by gunicorn's logger class)."""
    default = "json" if _env("CRM_ENV", "development") == "production" else "text"
    value = (_env("LOG_FORMAT", default) or default).lower()
    if value not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT moet json of text zijn, niet {value!r}.")
    return value


def web_server_settings() -> dict[str, object]:
    """The gunicorn settings that come from the environment (gunicorn.conf.py)."""
    return {
        "bind": _env("WEB_BIND", "127.0.0.1:8000"),
        "workers": _env_positive_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)),
        "threads": _env_positive_int("WEB_THREADS", 4),
        "timeout": _env_positive_int("WEB_TIMEOUT", 60),
    }


def database_url(raw: str | None, instance: Path | None = None) -> str:
    """Return a usable SQLAlchemy URL for DATABASE_URL, or explain in one line why not."""
    if raw is None:
        return f"sqlite:///{(instance or instance_dir()) / 'campaign_crm.db'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {raw!r} is geen geldige database-URL; verwacht bijvoorbeeld "
            "'postgresql+psycopg://gebruiker@host:5432/naam' of 'sqlite:///pad/naar/bestand.db'."
        ) from None
    backend = url.get_backend_name()
    if backend == "postgres" or (backend == "postgresql" and url.drivername != "postgresql+psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"DATABASE_URL gebruikt database {backend!r}; ondersteund zijn sqlite en postgresql."
        )
    if url.get_backend_name() == "postgresql" and not url.database:
        raise ConfigError("DATABASE_URL voor PostgreSQL mist de databasenaam (…/naam aan het eind).")
    return url.render_as_string(hide_password=False)


class Config:
    """Settings for running the application; every one is documented in .env.example."""

    def __init__(self) -> None:
        self.ENV_NAME = _env("CRM_ENV", "development")
        self.SECRET_KEY = _env("SECRET_KEY")
        if self.SECRET_KEY is None:
            if self.ENV_NAME == "production":
                raise ConfigError("SECRET_KEY is verplicht in productie (CRM_ENV=production).")
            self.SECRET_KEY = DEV_SECRET_KEY
        self.INSTANCE_PATH = str(instance_dir())
        self.SQLALCHEMY_DATABASE_URI = database_url(_env("DATABASE_URL"), Path(self.INSTANCE_PATH))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", self.ENV_NAME == "production")
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        # When the shared store (Redis) is down, each process counts in its own memory until it is back: logins
        # stay limited and no request fails because of the limiter (`flask doctor` checks that the store answers).
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")
        self.API_RATE_LIMIT = _env("API_RATE_LIMIT", "300 per minute")
        self.PASSWORD_HASH_METHOD = _env("PASSWORD_HASH_METHOD", "scrypt")
        self.PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 12)
        self.DEMO_PASSWORD = _env("DEMO_PASSWORD", "Welkom-bij-AKNP-2026")
        self.FORM_RATE_LIMIT = _env("FORM_RATE_LIMIT", "20 per hour")
        self.SIGNAL_RATE_LIMIT = _env("SIGNAL_RATE_LIMIT", "10 per hour")
        # The public https address printed in QR codes and short links (e.g. https://werkgevers.example.nl).
        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL")
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0 = not behind one).
        self.PROXY_COUNT = _env_int("PROXY_COUNT", 0)
        # BIO: internet-facing accounts need a second factor; on by default in production.
        self.REQUIRE_TWO_FACTOR = _env_bool("REQUIRE_TWO_FACTOR", self.ENV_NAME == "production")
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        # Request bodies: an import file may be large; the API and every other form far less. A body over
        # its limit is refused (413) before it is read.
        # A 100,000-row Meta download in UTF-16 is about 75 MB.
        self.MAX_UPLOAD_MB = _env_positive_int("MAX_UPLOAD_MB", 20)
        self.MAX_REQUEST_KB = _env_positive_int("MAX_REQUEST_KB", 1024)
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_MB * 1024 * 1024  # the ceiling; lowered per request
        # Sessions, logins and audit. A login session (a UserSession row) ends after
        # SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after the login, whatever happens.
        self.SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
        self.SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
        self.PERMANENT_SESSION_LIFETIME = self.SESSION_MAX_HOURS * 3600
        if self.ENV_NAME == "production":
            # The __Host- prefix makes the browser refuse the cookie unless it is Secure, for Path=/
            # and without Domain, so no sibling subdomain can set or overwrite it.
            self.SESSION_COOKIE_NAME = "__Host-session"
            self.SESSION_COOKIE_SECURE = True
            self.SESSION_COOKIE_PATH = "/"
            self.SESSION_COOKIE_DOMAIN = None
        # Strict-Transport-Security max-age in seconds, sent in production only (0 = not sent).
        self.HSTS_MAX_AGE = _env_int("HSTS_MAX_AGE", 31536000)
        # Failed logins per account (whatever the address they come from) before the account's
        # logins are refused for the rest of the window, in Flask-Limiter notation.
        self.LOGIN_ACCOUNT_LIMIT = _env("LOGIN_ACCOUNT_LIMIT", "10 per 15 minutes")
        # How long the one-time set-up link of a new account works.
        self.SETUP_LINK_HOURS = _env_int("SETUP_LINK_HOURS", 72)
        # Background work (periodic jobs, large imports): with a redis:// URL tasks go to Redis and run in
        # `flask worker` processes; empty, they run in a worker thread inside the app process (`make run`).
        self.TASK_BROKER_URL = _env("TASK_BROKER_URL", "")
        # Finished task runs are deleted after this many days by the nightly purge (the latest of each task stays).
        self.TASK_RUN_KEEP_DAYS = _env_int("TASK_RUN_KEEP_DAYS", 30)
        # Outgoing mail (notices, set-up links): an SMTP server; empty MAIL_SERVER sends nothing.
        self.MAIL_SERVER = _env("MAIL_SERVER", "")
        self.MAIL_PORT = _env_int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_FROM = _env("MAIL_FROM", "")
        # The outbox: a message that fails is tried again after MAIL_RETRY_SECONDS, then twice as long each time (at
        # most MAIL_MAX_RETRY_SECONDS); after MAIL_MAX_ATTEMPTS attempts it is given up ("dead", on the admin page).
        self.MAIL_MAX_ATTEMPTS = _env_positive_int("MAIL_MAX_ATTEMPTS", 8)
        self.MAIL_RETRY_SECONDS = _env_positive_int("MAIL_RETRY_SECONDS", 60)
        self.MAIL_MAX_RETRY_SECONDS = _env_positive_int("MAIL_MAX_RETRY_SECONDS", 3600)
        # A message a sender took and did not finish within this many seconds (the sender died) is sent again.
        self.MAIL_SENDING_TIMEOUT_SECONDS = _env_positive_int("MAIL_SENDING_TIMEOUT_SECONDS", 600)
        # Seconds the SMTP connection may take per step; messages per sending run; days sent mail is kept.
        self.MAIL_SMTP_TIMEOUT = _env_positive_int("MAIL_SMTP_TIMEOUT", 10)
        self.MAIL_BATCH_SIZE = _env_positive_int("MAIL_BATCH_SIZE", 200)
        self.MAIL_KEEP_DAYS = _env_positive_int("MAIL_KEEP_DAYS", 30)
        # Log lines as JSON objects (one per line, with the request id) or as plain text.
        self.LOG_FORMAT = log_format()
        # Error logs name the failing SQL but never the values in it (personal data, tokens).
        self.SQLALCHEMY_ENGINE_OPTIONS["hide_parameters"] = True
        self.TESTING = False


class TestingConfig(Config):
    """Settings for the test suite: a throwaway database and a fast password hash."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_uri: str | None = None) -> None:
        super().__init__()
        self.TESTING = True
        if database_uri:
            self.SQLALCHEMY_DATABASE_URI = database_url(database_uri)
        self.WTF_CSRF_ENABLED = False
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
        self.SESSION_COOKIE_SECURE = False
        self.REQUIRE_TWO_FACTOR = False
