"""Checks of a running configuration: `flask doctor` (every production setting) and /readyz (can this process
serve: the database and the task queue).

Each check is a plain function that returns a `Check`; nothing here prints. Reasons are in Dutch and never
contain a secret (no URL, password or driver message is repeated, only what kind of failure it was).
"""
from __future__ import annotations

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .config import DEV_SECRET_KEY
from .extensions import db, limiter

MIN_SECRET_KEY_LENGTH = 32
NETWORK_TIMEOUT = 3  # seconds for each connection a check opens
REDIS_SCHEMES = ("redis", "rediss", "unix")
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'

# Words in a driver's message → what the failure was, in Dutch (the message itself may name hosts or users).
FAILURE_KINDS = (
    (("refused",), "verbinding geweigerd"),
    (("timed out", "timeout"), "geen antwoord binnen de tijd"),
    (("password", "authentication", "auth failed", "noauth", "wrongpass"), "aanmelden geweigerd"),
    (("name or service not known", "could not translate host name", "nodename nor servname", "getaddrinfo"),
     "onbekende hostnaam"),
    (("unable to open database file",), "databasebestand niet te openen"),
    (("does not exist",), "gebruiker of database bestaat niet"),
    (("certificate", "ssl", "tls"), "TLS-fout"),
)


@dataclass(frozen=True)
class Check:
    """One checked setting: what, whether it is right, and in Dutch what was found or what to set."""

    name: str
    ok: bool
    detail: str


def describe_failure(exc: BaseException) -> str:
    """What kind of failure `exc` is, in Dutch, with its class name; never its message (it may hold secrets)."""
    message = str(exc).lower()
    kind = next((label for words, label in FAILURE_KINDS if any(word in message for word in words)), "fout")
    return f"{kind} ({type(exc).__name__})"


# --- readiness (also /readyz) -------------------------------------------------------------------------------

def database_problem() -> str | None:
    """None when the database answers `SELECT 1`, else the reason."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"database onbereikbaar: {describe_failure(exc)}"
    return None


@lru_cache(maxsize=8)
def _redis_client(url: str) -> redis.Redis:
    """One client (and connection pool) per URL, without retries: a probe wants the answer, not patience."""
    return redis.Redis.from_url(url, socket_connect_timeout=NETWORK_TIMEOUT, socket_timeout=NETWORK_TIMEOUT,
                                retry=Retry(NoBackoff(), 0))


def redis_problem(url: str) -> str | None:
    """None when the Redis server at `url` answers PING, else the reason."""
    try:
        _redis_client(url).ping()
    except (RedisError, OSError, ValueError) as exc:
        return describe_failure(exc)
    return None


def task_queue_problem(broker_url: str | None) -> str | None:
    """None when the task queue can take tasks: the embedded one (no TASK_BROKER_URL) always can."""
    if not broker_url:
        return None
    if urlsplit(broker_url).scheme not in REDIS_SCHEMES:
        return "takenwachtrij: TASK_BROKER_URL is geen redis://-adres"
    problem = redis_problem(broker_url)
    return f"takenwachtrij onbereikbaar: {problem}" if problem else None


def readiness(config: Mapping[str, Any]) -> dict[str, str]:
    """Per check ('database', 'task_queue'): 'ok' or the reason it failed."""
    problems = {"database": database_problem(), "task_queue": task_queue_problem(config.get("TASK_BROKER_URL"))}
    return {name: problem or "ok" for name, problem in problems.items()}


# --- the production checks (flask doctor) -------------------------------------------------------------------

def check_environment(config: Mapping[str, Any]) -> Check:
    if config.get("ENV_NAME") == "production":
        return Check("CRM_ENV", True, "production")
    return Check("CRM_ENV", False, f"staat op {config.get('ENV_NAME')!r}; zet CRM_ENV=production "
                                   "(veilige cookies, HSTS, tweestapsverificatie, JSON-logs)")


def check_secret_key(config: Mapping[str, Any]) -> Check:
    key = config.get("SECRET_KEY") or ""
    fix = f"zet SECRET_KEY op een lange willekeurige waarde, bijv. uit {NEW_SECRET}"
    if not key or key == DEV_SECRET_KEY:
        return Check("SECRET_KEY", False, f"niet gezet (de ontwikkelwaarde wordt gebruikt); {fix}")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return Check("SECRET_KEY", False, f"te kort ({len(key)} tekens, minstens {MIN_SECRET_KEY_LENGTH}); {fix}")
    return Check("SECRET_KEY", True, f"gezet ({len(key)} tekens)")


def check_two_factor(config: Mapping[str, Any]) -> Check:
    if config.get("REQUIRE_TWO_FACTOR"):
        return Check("REQUIRE_TWO_FACTOR", True, "aan: iedereen logt in met een code uit een authenticator-app")
    return Check("REQUIRE_TWO_FACTOR", False, "uit; zet REQUIRE_TWO_FACTOR=true (de BIO eist een tweede factor)")


def check_secure_cookie(config: Mapping[str, Any]) -> Check:
    if config.get("SESSION_COOKIE_SECURE"):
        return Check("SESSION_COOKIE_SECURE", True, "aan: het sessiecookie gaat alleen over HTTPS")
    return Check("SESSION_COOKIE_SECURE", False, "uit; zet SESSION_COOKIE_SECURE=true (of CRM_ENV=production)")


def check_public_base_url(config: Mapping[str, Any]) -> Check:
    url = config.get("PUBLIC_BASE_URL") or ""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return Check("PUBLIC_BASE_URL", True, url)
    found = f"staat op {url!r}" if url else "niet gezet"
    return Check("PUBLIC_BASE_URL", False, f"{found}; zet het openbare https-adres, "
                                           "bijv. PUBLIC_BASE_URL=https://werkgevers.example.nl (QR-codes, links)")


def migration_state(app: Flask) -> tuple[set[str], set[str]]:
    """(the database's current revisions, the newest revisions of the migrations folder)."""
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, set(script.get_heads())


def check_database(app: Flask) -> Check:
    problem = database_problem()
    if problem:
        return Check("DATABASE_URL", False, f"{problem}; controleer DATABASE_URL en of de database draait")
    try:
        current, heads = migration_state(app)
    except SQLAlchemyError as exc:
        return Check("DATABASE_URL", False, f"migratiestand onleesbaar: {describe_failure(exc)}")
    upgrade = "voer `flask --app campaign_crm db upgrade` uit"
    if current == heads:
        return Check("DATABASE_URL", True, f"bereikbaar, migraties bij ({', '.join(sorted(heads))})")
    if not current:
        return Check("DATABASE_URL", False, f"bereikbaar maar leeg (geen migraties); {upgrade}")
    return Check("DATABASE_URL", False, f"bereikbaar maar op migratie {', '.join(sorted(current))}, de nieuwste is "
                                        f"{', '.join(sorted(heads))}; {upgrade}")


def check_task_queue(config: Mapping[str, Any]) -> Check:
    url = config.get("TASK_BROKER_URL") or ""
    if not url:
        if config.get("ENV_NAME") == "production":
            return Check("TASK_BROKER_URL", False, "niet gezet: taken draaien dan in het webproces; zet "
                                                   "TASK_BROKER_URL=redis://127.0.0.1:6379/0 en start `flask worker`")
        return Check("TASK_BROKER_URL", True, "niet gezet: de ingebouwde takenwachtrij (alleen voor ontwikkeling)")
    problem = task_queue_problem(url)
    if problem:
        return Check("TASK_BROKER_URL", False, f"{problem}; controleer TASK_BROKER_URL en of Redis draait")
    return Check("TASK_BROKER_URL", True, "Redis bereikbaar")


def smtp_problem(config: Mapping[str, Any]) -> str | None:
    """None when the SMTP server greets us (and takes STARTTLS and the login, when set), else the reason."""
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=NETWORK_TIMEOUT) as smtp:
            smtp.ehlo()
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
                smtp.ehlo()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return describe_failure(exc)
    return None


def check_mail(config: Mapping[str, Any], *, connect: bool = True) -> Check:
    missing = [name for name in ("MAIL_SERVER", "MAIL_FROM") if not config.get(name)]
    if missing:
        return Check("MAIL", False, f"{' en '.join(missing)} niet gezet; zet de SMTP-server (MAIL_SERVER, MAIL_PORT) "
                                    "en het afzenderadres (MAIL_FROM)")
    if not connect:
        return Check("MAIL", True, f"{config['MAIL_SERVER']}:{config.get('MAIL_PORT')} (niet verbonden)")
    problem = smtp_problem(config)
    if problem:
        return Check("MAIL", False, f"mailserver onbereikbaar: {problem}; controleer MAIL_SERVER, MAIL_PORT, "
                                    "MAIL_USE_TLS en MAIL_USERNAME/MAIL_PASSWORD")
    return Check("MAIL", True, f"{config['MAIL_SERVER']}:{config.get('MAIL_PORT')} bereikbaar")


def check_rate_limit_storage(config: Mapping[str, Any]) -> Check:
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        return Check("RATELIMIT_STORAGE_URI", False, "memory://: elk gunicorn-proces telt dan apart; zet "
                                                     "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/1")
    if not limiter.storage.check():
        return Check("RATELIMIT_STORAGE_URI", False, "de opslag voor de limieten antwoordt niet; controleer "
                                                     "RATELIMIT_STORAGE_URI en of Redis draait")
    return Check("RATELIMIT_STORAGE_URI", True, f"gedeelde opslag ({urlsplit(uri).scheme}) bereikbaar")


def run_checks(app: Flask, *, connect_mail: bool = True) -> list[Check]:
    """Every production check, in the order `flask doctor` prints them (call inside an app context)."""
    config = app.config
    return [
        check_environment(config),
        check_secret_key(config),
        check_two_factor(config),
        check_secure_cookie(config),
        check_public_base_url(config),
        check_database(app),
        check_task_queue(config),
        check_mail(config, connect=connect_mail),
        check_rate_limit_storage(config),
    ]
