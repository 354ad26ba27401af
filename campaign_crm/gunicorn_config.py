"""gunicorn's settings for campaign_crm, in the package so that an installed wheel has them too:

    gunicorn -c python:campaign_crm.gunicorn_config 'campaign_crm:create_app()'   (installed)
    gunicorn -c gunicorn.conf.py wsgi:app                                         (checkout; the file imports this)

From the environment (read in campaign_crm/config.py): WEB_BIND (default 127.0.0.1:8000, behind the reverse
proxy), WEB_CONCURRENCY (worker processes, default 2 × cores), WEB_THREADS (threads per worker, default 4),
WEB_TIMEOUT (seconds, default 60) and LOG_FORMAT. Options on the command line win over these.
"""
from campaign_crm.config import web_server_settings

__all__ = ["access_log_format", "accesslog", "bind", "control_socket_disable", "errorlog", "graceful_timeout",
           "keepalive", "logger_class", "max_requests", "max_requests_jitter", "proc_name", "threads", "timeout",
           "worker_class", "workers"]

_settings = web_server_settings()

proc_name = "campaign_crm"
bind = _settings["bind"]
workers = _settings["workers"]
# Threaded workers: a large web import is one long request that streams its progress; a gthread worker keeps
# telling gunicorn it is alive meanwhile, where a sync worker would be killed after `timeout`.
worker_class = "gthread"
threads = _settings["threads"]
timeout = _settings["timeout"]
graceful_timeout = 30
keepalive = 5
# A fresh worker now and then keeps the memory of long-running processes (pandas, big imports) in check.
max_requests = 1000
max_requests_jitter = 100

# Masks the secret part of signal and set-up links in the access log, and writes gunicorn's lines in LOG_FORMAT
# (json: one object per line with the request id).
logger_class = "campaign_crm.security.GunicornLogger"
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms id=%({x-request-id}o)s'
# No control socket: it is not used, and its default path in $HOME would be shared by every gunicorn of the user.
control_socket_disable = True

# forwarded_allow_ips: the addresses whose X-Forwarded-* headers gunicorn believes (default 127.0.0.1 and ::1,
# or FORWARDED_ALLOW_IPS). The app itself reads the client's address and scheme through PROXY_COUNT (ProxyFix);
# with the proxy on another machine, set PROXY_COUNT=1 and FORWARDED_ALLOW_IPS to the proxy's address.
