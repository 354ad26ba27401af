"""All models, importable from one place (and seen by Alembic)."""
from .audit import AuditEvent
from .booking import AvailabilityException, AvailabilityHours, Booking, BookingOffer, SlotClaim  # noqa: F401
from .campaigns import (
                         AdCode,
                         Campaign,
                         Channel,
                         ChannelUtm,
                         Event,
                         EventRegistration,
                         Phase,
)
from .employers import Contact, Employer, EmployerNonDuplicate, Touchpoint
from .feedback import CheckInLink, EmployeeVoice  # noqa: F401  (seen by Alembic)
from .imports import ImportBatch, ImportMapping
from .leads import (
                         LOST,
                         OPEN_STAGES,
                         STAGE_LABELS,
                         STAGES,
                         Lead,
                         LeadAssignment,
                         LeadStageEvent,
)
from .mail import MailAttachment, NoticePreference, OutboxMessage
from .meetings import CalendarFeed, Meeting, MeetingAttendee  # noqa: F401  (seen by Alembic)
from .partners import Partner, Team
from .placements import (
                         Activity,
                         CheckIn,
                         EndHow,
                         EndWhy,
                         Instrument,
                         Intervention,
                         JobcoachOrganisation,
                         Placement,
                         RiskCase,
                         RiskSignal,
                         Vacancy,
)
from .queue_views import QueueView  # noqa: F401  (seen by Alembic)
from .reference import (
                         Interest,
                         LostReason,
                         Municipality,
                         SbiMapping,
                         Sector,
                         Setting,
                         SizeClass,
)
from .routing import ESCALATION_LEVELS, LeadDecline, LeadEscalation, RoutingRule
from .spend import SpendEntry, SpendMapping  # noqa: F401  (seen by Alembic)
from .tasks import TaskCheckpoint as TaskCheckpoint
from .tasks import TaskRun as TaskRun
from .types import utcnow
from .users import ROLES, Absence, AbsenceHandover, ApiToken, User, UserSession  # noqa: F401

__all__ = [
    "LOST", "OPEN_STAGES", "ROLES", "STAGES", "STAGE_LABELS",
    "Absence", "AdCode", "ApiToken", "AuditEvent", "Campaign", "Channel", "ChannelUtm", "Contact",
    "Employer", "EmployerNonDuplicate", "Event", "EventRegistration", "ImportBatch", "ImportMapping", "Interest",
    "Lead", "LeadAssignment", "LeadStageEvent", "LostReason",
    "Municipality", "Partner", "Phase", "SbiMapping", "Sector", "Setting", "SizeClass",
    "Team", "Touchpoint", "User", "UserSession", "utcnow",
    "ESCALATION_LEVELS", "LeadDecline", "LeadEscalation", "RoutingRule",
    "Activity", "CheckIn", "EndHow", "EndWhy", "Instrument", "Intervention", "JobcoachOrganisation", "Placement",
    "RiskCase", "RiskSignal", "Vacancy",
    "MailAttachment", "NoticePreference", "OutboxMessage",
]
