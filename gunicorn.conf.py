"""gunicorn reads this file when started from the checkout (`gunicorn wsgi:app`, or `-c gunicorn.conf.py`).
The settings live in the package (campaign_crm/gunicorn_config.py) so that an installed wheel has them too."""
from campaign_crm.gunicorn_config import *  # noqa: F403
