"""campaign_crm: the CRM for the regional employer campaign 'Anders kijken naar personeel'."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import BASE_DIR, Config, ConfigError


def create_app(config_class: type[Config] | Config = Config) -> Flask:
    """Build the application: config → request limits → extensions → blueprints → CLI → error pages."""
    try:
        config = config_class() if isinstance(config_class, type) else config_class
    except ConfigError as exc:
        # One line for the operator instead of a traceback.
        raise SystemExit(f"Configuratiefout: {exc}") from None

    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        # The client's address and scheme come from the proxy's headers, so rate limits count
        # per visitor and generated links use https.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    register_request_limits(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_cli(app)
    register_error_handlers(app)
    register_template_helpers(app)
    return app


def register_request_limits(app: Flask) -> None:
    from .request_limits import init_request_limits

    init_request_limits(app)


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)


def register_security(app: Flask) -> None:
    from .security import init_security

    init_security(app)


def register_blueprints(app: Flask) -> None:
    from .blueprints import (
        admin,
        api,
        auth,
        campaigns,
        employers,
        imports,
        jobcoach,
        leads,
        main,
        placements,
        public,
        reports,
        routing,
    )
    from .permissions import init_access_control

    for module in (auth, main, public, leads, placements, employers, campaigns, imports, routing, jobcoach, admin, api,
                   reports):
        app.register_blueprint(module.bp)
    init_access_control(app)


def register_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)


def register_error_handlers(app: Flask) -> None:
    from .errors import init_error_handlers

    init_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import init_templating

    init_templating(app)
