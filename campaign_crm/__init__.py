"""campaign_crm: the CRM for the regional employer campaign 'Anders kijken naar personeel'."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import MIGRATIONS_DIR, TEMPLATES_DIR, Config, ConfigError, instance_dir


def create_app(config_class: type[Config] | Config = Config) -> Flask:
    """Build the application: config → logs and request ids → request limits → extensions → blueprints → CLI →
    tasks → error pages."""
    try:
        config = config_class() if isinstance(config_class, type) else config_class
    except ConfigError as exc:
        # One line for the operator instead of a traceback.
        raise SystemExit(f"Configuratiefout: {exc}") from None

    app = Flask(
        __name__,
        # The wheel carries templates and migrations inside the package; a checkout keeps them at its root.
        template_folder=str(TEMPLATES_DIR),
        instance_path=getattr(config, "INSTANCE_PATH", None) or str(instance_dir()),
    )
    app.config.from_object(config)
    app.config["INSTANCE_PATH"] = app.instance_path
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{app.instance_path}/"):
        # The default SQLite file lives in the instance folder; made only then (an installed app run from a
        # read-only working directory with PostgreSQL needs none).
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        # The client's address and scheme come from the proxy's headers, so rate limits count
        # per visitor and generated links use https.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    register_observability(app)
    register_request_limits(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_cli(app)
    register_tasks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    return app


def register_observability(app: Flask) -> None:
    from .observability import init_observability

    init_observability(app)


def register_request_limits(app: Flask) -> None:
    from .request_limits import init_request_limits

    init_request_limits(app)


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)


def register_security(app: Flask) -> None:
    from .security import init_security

    init_security(app)


def register_blueprints(app: Flask) -> None:
    from .blueprints import (
        account,
        admin,
        api,
        auth,
        campaigns,
        employers,
        imports,
        jobcoach,
        leads,
        main,
        meetings,
        pipeline,
        placements,
        public,
        reports,
        routing,
        search,
    )
    from .permissions import init_access_control

    for module in (auth, main, public, leads, placements, employers, campaigns, imports, routing, jobcoach, admin, api,
                   reports, search, account, meetings, pipeline):
        app.register_blueprint(module.bp)
    from .blueprints import feedback  # check-ins answered by link

    app.register_blueprint(feedback.bp)
    init_access_control(app)


def register_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)


def register_tasks(app: Flask) -> None:
    from .tasks import init_tasks

    init_tasks(app)


def register_error_handlers(app: Flask) -> None:
    from .errors import init_error_handlers

    init_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import init_templating

    init_templating(app)
