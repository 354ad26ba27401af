"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
from campaign_crm import create_app

app = create_app()
