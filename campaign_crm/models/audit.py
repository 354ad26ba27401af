"""The audit trail: changes and reads of personal data, written in the same transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow
from .users import User

ACTION_LABELS = {
    "read": "Ingezien",
    "search": "Gezocht",
    "login": "Ingelogd",
    "password_changed": "Wachtwoord gewijzigd",
    "password_reset": "Wachtwoord opnieuw ingesteld",
    "two_factor_enabled": "Tweede stap aangezet",
    "two_factor_disabled": "Tweede stap uitgezet",
    "user_created": "Gebruiker aangemaakt",
    "user_updated": "Gebruiker gewijzigd",
    "user_activated": "Gebruiker geactiveerd",
    "user_deactivated": "Gebruiker gedeactiveerd",
    "absence_added": "Afwezigheid toegevoegd",
    "absence_removed": "Afwezigheid verwijderd",
    "partner_created": "Partner aangemaakt",
    "partner_updated": "Partner gewijzigd",
    "team_created": "Team aangemaakt",
    "team_updated": "Team gewijzigd",
    "api_token_created": "API-token aangemaakt",
    "campaign_created": "Campagne aangemaakt",
    "campaign_updated": "Campagne gewijzigd",
    "channel_created": "Kanaal aangemaakt",
    "channel_activated": "Kanaal aangezet",
    "channel_deactivated": "Kanaal uitgezet",
    "utm_mapping_added": "UTM-koppeling toegevoegd",
    "utm_mapping_removed": "UTM-koppeling verwijderd",
    "ad_code_activated": "Advertentiecode aangezet",
    "ad_code_deactivated": "Advertentiecode uitgezet",
    "event_created": "Evenement aangemaakt",
    "event_updated": "Evenement gewijzigd",
    "setting_changed": "Instelling gewijzigd",
    "employer_not_duplicate": "Werkgevers gemarkeerd als verschillend",
    "phase_added": "Fase toegevoegd",
    "ad_code_created": "Advertentiecode aangemaakt",
    "employer_updated": "Werkgever gewijzigd",
    "employer_merged": "Werkgevers samengevoegd",
    "contact_updated": "Contactpersoon gewijzigd",
    "import_applied": "Import ingelezen",
    "placement_created": "Plaatsing geregistreerd",
    "placement_updated": "Plaatsing gewijzigd",
    "placement_ended": "Plaatsing beëindigd",
    "checkin_recorded": "Check-in vastgelegd",
    "risk_case_opened": "Risicodossier geopend",
    "risk_case_raised": "Risicodossier verhoogd",
    "risk_case_closed": "Risicodossier gesloten",
    "intervention_added": "Interventie toegevoegd",
    "intervention_finished": "Interventie afgerond",
    "activity_logged": "Activiteit vastgelegd",
    "next_action_done": "Volgende actie afgerond",
    "next_action_dropped": "Volgende actie vervallen",
    "vacancy_registered": "Vacature geregistreerd",
    "jobcoach_org_created": "Jobcoachorganisatie aangemaakt",
    "jobcoach_org_updated": "Jobcoachorganisatie gewijzigd",
    "jobcoach_link_rotated": "Jobcoachlink vernieuwd",
    "risk_signal_received": "Signaal risico op uitval ontvangen",
    "risk_signal_handled": "Signaal afgehandeld",
    "import_errors_downloaded": "Foutenbestand van import gedownload",
    "routing_rule_created": "Routeringsregel aangemaakt",
    "routing_rule_updated": "Routeringsregel gewijzigd",
    "settings_updated": "Instellingen gewijzigd",
    "personal_data_purged": "Persoonsgegevens na bewaartermijn gewist",
    "login_failed": "Inloggen mislukt",
    "login_refused": "Inloggen geweigerd (te veel pogingen)",
    "access_refused": "Toegang geweigerd",
    "setup_link_created": "Instellink aangemaakt",
    "account_set_up": "Account ingesteld",
    "contact_exported": "Gegevens contactpersoon uitgegeven (inzage)",
    "contact_erased": "Contactpersoon gewist (AVG)",
}

OUTCOME_LABELS = {"ok": "Gelukt", "refused": "Geweigerd", "failed": "Mislukt"}

OBJECT_LABELS = {
    "users": "Gebruiker", "partners": "Partner", "teams": "Team", "api_tokens": "API-token",
    "campaigns": "Campagne", "ad_codes": "Advertentiecode", "events": "Evenement", "employers": "Werkgever",
    "contacts": "Contactpersoon", "leads": "Lead", "import_batches": "Import", "absences": "Afwezigheid",
    "routing_rules": "Routeringsregel", "channels": "Kanaal", "settings": "Instelling",
    "activities": "Activiteit", "vacancies": "Vacature", "jobcoach_organisations": "Jobcoachorganisatie",
    "risk_signals": "Signaal", "placements": "Plaatsing", "checkins": "Check-in", "risk_cases": "Risicodossier",
    "interventions": "Interventie", "purge": "Bewaartermijnen", "search": "Zoekvak",
}


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), info=NOT_PERSONAL)
    object_type: Mapped[str] = mapped_column(String(40), info=NOT_PERSONAL)
    object_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                   info=personal("logboekdetails (wie, wat)", "retention_audit_months"))
    # Where the action came from (the client's IP address, or "cli") and how it ended.
    origin: Mapped[str | None] = mapped_column(String(45), info=personal("IP-adres", "retention_audit_months"))
    outcome: Mapped[str] = mapped_column(String(20), default="ok", server_default="ok", info=NOT_PERSONAL)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.object_type, self.object_type)
