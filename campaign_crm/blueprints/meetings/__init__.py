"""Meetings: plan one from a lead, the meeting's page (its .ics, moving, cancelling, recording it as held), Mijn
agenda with the calendar-feed link, the feed itself, and Mijn beschikbaarheid (the hours employers can book)."""
from . import availability, routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
