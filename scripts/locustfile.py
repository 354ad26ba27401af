"""Load test: advisors working their queues at the same time, and a monitor polling the health check.

    locust -f scripts/locustfile.py --host http://127.0.0.1:8000 --headless --run-time 60s --csv out/load

`scripts/load_test.sh` runs it against gunicorn on a scratch PostgreSQL database with 100 advisors made for
the test (LOAD_ADVISORS, LOAD_PASSWORD). Each advisor logs in once, then loops: open the queue ("Mijn leads"),
open one of its leads, log an activity with the CSRF token of the page, and move the lead one stage on where
the page offers that (Toegewezen → Contact gehad → Adviesgesprek → Vacature; never to Vervallen). A separate
user polls /healthz (or /health where the application has no /healthz) once a second, so the summary shows
what the server's own overhead costs while it is busy. Any answer other than the expected one is a failure.
The statistics restart when the last advisor has logged in: the figures are of the work, not of the logins
(a password hash costs tens of milliseconds of CPU on purpose).

Settings (environment): LOAD_ADVISORS (100), LOAD_PASSWORD, LOAD_EMAIL (`load-{n:03d}@load.example`),
LOAD_THINK ("5-15": seconds an advisor reads and types between two rounds of the loop, drawn evenly; a person
working fast. "0.5-2" offers more than two cores can serve and measures the server at saturation instead).
"""
from __future__ import annotations

import logging
import os
import random
import re
from itertools import count

import gevent
from locust import HttpUser, between, constant, task

ADVISORS = int(os.environ.get("LOAD_ADVISORS", "100"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "Last-test-wachtwoord-2026")
EMAIL = os.environ.get("LOAD_EMAIL", "load-{n:03d}@load.example")
THINK_MIN, THINK_MAX = (float(part) for part in os.environ.get("LOAD_THINK", "5-15").split("-"))

LEAD_LINK = re.compile(r'<th scope="row"><a href="/leads/(\d+)">')
CSRF = re.compile(r'name="{prefix}csrf_token" type="hidden" value="([^"]+)"')
STAGE_SELECT = re.compile(r'<select[^>]*name="stage-to_stage"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*value="([^"]*)"')
_numbers = count(1)
_logged_in: list[str] = []


def csrf(page: str, prefix: str = "") -> str | None:
    match = re.search(CSRF.pattern.format(prefix=re.escape(prefix)), page)
    return match.group(1) if match else None


class Advisor(HttpUser):
    """One of the advisors made for the test, working its own queue."""

    fixed_count = ADVISORS
    wait_time = between(THINK_MIN, THINK_MAX)  # reading and typing before the next round

    def on_start(self) -> None:
        self.email = EMAIL.format(n=next(_numbers))
        form = self.client.get("/login", name="/login").text
        with self.client.post("/login", name="/login (POST)", allow_redirects=False, catch_response=True,
                              data={"email": self.email, "password": PASSWORD, "csrf_token": csrf(form)}) as answer:
            if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
                answer.failure(f"login of {self.email} refused ({answer.status_code})")
        _logged_in.append(self.email)
        if len(_logged_in) == ADVISORS:  # every advisor is in: from here on the figures are of the work alone
            logging.info("All %d advisors logged in: statistics reset", ADVISORS)
            self.environment.stats.reset_all()
        # People do not start their rounds in step: without this, 100 advisors would send their first requests in
        # the same second after the last login, a burst no office makes.
        gevent.sleep(random.uniform(0, THINK_MAX))

    @task
    def work_a_lead(self) -> None:
        with self.client.get("/leads/mijn", name="queue /leads/mijn", catch_response=True) as queue:
            own = queue.text.split('id="mijn-caption"')[-1].split("</table>")[0]  # not the team's waiting leads
            lead_ids = LEAD_LINK.findall(own)
            if queue.status_code != 200 or not lead_ids:
                queue.failure(f"queue of {self.email}: {queue.status_code}, {len(lead_ids)} leads")
                return
        lead_id = random.choice(lead_ids)
        with self.client.get(f"/leads/{lead_id}", name="lead page /leads/[id]", catch_response=True) as lead:
            page = lead.text
            if lead.status_code != 200 or 'id="activiteit-kop"' not in page:
                lead.failure(f"lead {lead_id} of {self.email}: {lead.status_code}, no activity form")
                return
        self.log_activity(lead_id, page)
        self.next_stage(lead_id, page)

    def log_activity(self, lead_id: str, page: str) -> None:
        data = {"activity-csrf_token": csrf(page, "activity-"), "activity-kind": random.choice(["call", "email"]),
                "activity-outcome": "Gebeld met de werkgever; interesse in een adviesgesprek."}
        self._post(f"/leads/{lead_id}/activiteit", "log activity POST /leads/[id]/activiteit", data)

    def next_stage(self, lead_id: str, page: str) -> None:
        select = STAGE_SELECT.search(page)
        forward = [value for value in OPTION.findall(select.group(1)) if value and value != "lost"] if select else []
        if forward:  # at Vacature only Vervallen is left: the lead stays where it is
            data = {"stage-csrf_token": csrf(page, "stage-"), "stage-to_stage": forward[0]}
            self._post(f"/leads/{lead_id}/fase", "change stage POST /leads/[id]/fase", data)

    def _post(self, path: str, name: str, data: dict) -> None:
        """A form post: the application answers a stored change with a redirect to the lead page."""
        with self.client.post(path, name=name, data=data, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302 or not answer.headers.get("Location", "").startswith("/leads/"):
                answer.failure(f"{path}: {answer.status_code} (refused or not stored)")


class Monitor(HttpUser):
    """A health check polled once a second, as a load balancer would."""

    fixed_count = 1
    wait_time = constant(1)
    path = "/healthz"

    def on_start(self) -> None:
        with self.client.get("/healthz", name="health probe", catch_response=True) as probe:
            if probe.status_code == 404:  # an application from before /healthz
                probe.success()
                self.path = "/health"

    @task
    def health(self) -> None:
        self.client.get(self.path, name=f"health {self.path}")
