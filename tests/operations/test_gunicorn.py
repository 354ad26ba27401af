"""gunicorn: its settings from the environment (gunicorn.conf.py → campaign_crm/gunicorn_config.py), its access
log with the request id (JSON with LOG_FORMAT=json, secrets masked), and `gunicorn wsgi:app` from the checkout."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config as GunicornConfig

from campaign_crm import gunicorn_config
from campaign_crm.config import ConfigError, web_server_settings
from campaign_crm.security import GunicornLogger

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def test_the_web_server_settings_come_from_the_environment(monkeypatch):
    for name, value in {"WEB_CONCURRENCY": "3", "WEB_THREADS": "8", "WEB_TIMEOUT": "90",
                        "WEB_BIND": "0.0.0.0:9000"}.items():
        monkeypatch.setenv(name, value)

    assert web_server_settings() == {"bind": "0.0.0.0:9000", "workers": 3, "threads": 8, "timeout": 90}


def test_by_default_two_workers_per_core_with_threads_behind_the_proxy(monkeypatch):
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "WEB_TIMEOUT", "WEB_BIND"):
        monkeypatch.delenv(name, raising=False)

    assert web_server_settings() == {"bind": "127.0.0.1:8000", "workers": 2 * (os.cpu_count() or 1), "threads": 4,
                                     "timeout": 60}


def test_a_worker_count_that_is_not_a_number_is_explained(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "veel")

    with pytest.raises(ConfigError, match="WEB_CONCURRENCY"):
        web_server_settings()


def test_the_config_module_uses_threads_and_the_masking_logger():
    config = GunicornConfig()
    for name in gunicorn_config.__all__:
        config.set(name, getattr(gunicorn_config, name))

    assert config.worker_class_str == "gthread"
    assert config.logger_class is GunicornLogger
    assert "%({x-request-id}o)s" in config.access_log_format


@pytest.fixture
def gunicorn_logger(monkeypatch):
    """make() -> a GunicornLogger set up as gunicorn.conf.py does, with LOG_FORMAT=json; its handlers are removed
    afterwards."""
    made = []

    def make() -> GunicornLogger:
        monkeypatch.setenv("LOG_FORMAT", "json")
        config = GunicornConfig()
        for name in ("accesslog", "errorlog", "access_log_format"):
            config.set(name, getattr(gunicorn_config, name))
        made.append(GunicornLogger(config))
        return made[-1]

    yield make
    for logger in made:
        for log in (logger.error_log, logger.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)


def test_the_json_access_log_carries_the_request_id_and_masks_secret_links(gunicorn_logger, capsys):
    logger = gunicorn_logger()
    path = "/signaal/Zk3-geheim_TOKEN"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1"}
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("X-Request-ID", "toegang-1")])

    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))

    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["logger"] == "gunicorn.access"
    assert line["request_id"] == "toegang-1"
    assert "id=toegang-1" in line["message"] and "/signaal/***" in line["message"]
    assert "geheim" not in json.dumps(line)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_the_app_from_the_checkout_with_its_config_file(database_url, tmp_path):
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": database_url, "WEB_CONCURRENCY": "1", "WEB_THREADS": "2",
           "LOG_FORMAT": "text"}
    with log.open("w") as output:
        server = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                                  cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "uit-de-repo"})
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    status, request_id = response.status, response.headers["X-Request-ID"]
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert (status, request_id) == (200, "uit-de-repo")
    output = log.read_text()
    assert "Using worker: gthread" in output
    assert '"GET /healthz HTTP/1.1" 200' in output and "id=uit-de-repo" in output
