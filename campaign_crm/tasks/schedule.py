"""When the periodic jobs run: cron lines in Amsterdam time, the time slot a run belongs to, the next run.

A periodic run's idempotency key is `<task>:<slot>`, the slot being the scheduled time it is for (the latest time
the cron line fires at or before the moment of enqueueing). Two schedulers, a scheduler restarted within a slot or
a job that fires late all name the same slot, so the job runs once per slot.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from ..services.calendar import AMSTERDAM

# Weekdays by name: APScheduler 3 counts them from Monday = 0, cron from Sunday = 0, names mean the same in both.
DEFAULT_SCHEDULE: dict[str, str] = {
    "sla-sweep": "*/15 7-18 * * mon-fri",  # every 15 minutes in working hours
    "hand-back-leads": "45 6 * * *",  # every morning at 06:45: leads back after an absence, before route-waiting
    "route-waiting": "0 7 * * *",  # every morning at 07:00
    "checkin-reminders": "30 7 * * *",  # every morning at 07:30
    "checkin-links": "0 9 * * mon-fri",  # weekdays at 09:00: check-in questions by link and their reminders
    "purge-personal-data": "0 2 * * *",  # every night at 02:00
    "send-mail": "* * * * *",  # every minute: the outbox
    "daily-digest": "0 7 * * mon-fri",  # working days at 07:00 (the job skips public holidays)
}
LOOK_BACK = timedelta(days=8)  # far enough back for any of these schedules to have fired


def schedule(config: Mapping[str, Any]) -> dict[str, str]:
    """The cron line per periodic task: the defaults, with TASK_SCHEDULE's lines instead where it has one (an
    empty line switches a job off)."""
    lines = {**DEFAULT_SCHEDULE, **(config.get("TASK_SCHEDULE") or {})}
    return {task: line for task, line in lines.items() if line}


def trigger(line: str) -> CronTrigger:
    return CronTrigger.from_crontab(line, timezone=AMSTERDAM)


def triggers(config: Mapping[str, Any]) -> dict[str, CronTrigger]:
    return {task: trigger(line) for task, line in schedule(config).items()}


def slot_at(when: CronTrigger, moment: datetime) -> datetime | None:
    """The latest time `when` fires at or before `moment` (within LOOK_BACK), in UTC."""
    fire = when.get_next_fire_time(None, moment - LOOK_BACK)
    slot = None
    while fire is not None and fire <= moment:
        slot = fire
        fire = when.get_next_fire_time(fire, fire)
    return slot.astimezone(UTC) if slot is not None else None


def next_run(when: CronTrigger, moment: datetime) -> datetime | None:
    """The first time `when` fires after `moment`."""
    fire = when.get_next_fire_time(None, moment + timedelta(seconds=1))
    return fire.astimezone(UTC) if fire is not None else None


def slot_key(task: str, slot: datetime) -> str:
    return f"{task}:{slot.astimezone(UTC):%Y-%m-%dT%H:%MZ}"
