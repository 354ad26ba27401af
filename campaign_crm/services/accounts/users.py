"""Managing users: create, edit, deactivate, absences."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    OPEN_STAGES,
    ROLES,
    Absence,
    Lead,
    Municipality,
    Partner,
    Sector,
    Team,
    User,
)
from ...permissions import ADVISOR, TEAMLEAD
from .. import audit
from ..calendar import today
from ..errors import ValidationError
from ..routing import engine as routing
from .auth import (
    check_password_rules,
    end_all_sessions,
    hash_password,
    unusable_password_hash,
)

MAX_CAPACITY = 500


def normalise_login_email(raw: str, field: str = "email") -> str:
    """A lower-cased, syntactically valid e-mail address (no DNS look-up)."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(f"Ongeldig e-mailadres {raw!r}.",
                              {field: f"{raw.strip()!r} is geen geldig e-mailadres."}) from None


def _check_profile(*, name: str, role: str, capacity: int, team: Team | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Vul een naam in."
    if role not in ROLES:
        errors["role"] = f"Onbekende rol; kies uit {', '.join(ROLES)}."
    if not 0 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = f"Capaciteit moet tussen 0 en {MAX_CAPACITY} liggen."
    if role in {ADVISOR, TEAMLEAD} and team is None:
        errors["team_id"] = "Een adviseur of teamleider hoort bij een team."
    return errors


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str | None,
    partner: Partner | None = None,
    team: Team | None = None,
    capacity: int = 20,
    actor: User | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a login; refuses a taken e-mail, an unknown role or a weak password.

    `password=None` makes an account no password opens: its user sets one through a set-up link
    (accounts.auth.issue_setup_link). `password_hash` lets a bulk caller (the demo seeder) reuse one hash.
    """
    errors = _check_profile(name=name, role=role, capacity=capacity, team=team)
    try:
        email = normalise_login_email(email)
    except ValidationError as exc:
        errors.update(exc.fields)
    else:
        if db.session.scalar(select(User.id).where(User.email == email)):
            errors["email"] = "Er is al een gebruiker met dit e-mailadres."
    if password_hash is None and password is not None:
        try:
            check_password_rules(password, email=email)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("De gebruiker is niet aangemaakt: " + " ".join(errors.values()), errors)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        partner=partner,
        team=team,
        capacity=capacity,
        password_hash=password_hash or (hash_password(password) if password is not None else unusable_password_hash()),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", user, role=role)
    return user


def _profile_values(user: User) -> dict[str, object]:
    """What an audit entry compares before and after a profile change (names, not ids, for readers)."""
    return {
        "name": user.name, "role": user.role, "capacity": user.capacity,
        "partner": user.partner.name if user.partner else None, "team": user.team.name if user.team else None,
        "backup": user.backup.name if user.backup else None,
        "skills": sorted(s.name for s in user.skills), "municipalities": sorted(m.name for m in user.municipalities),
    }


def update_user(
    user: User,
    *,
    actor: User | None,
    name: str,
    role: str,
    partner: Partner | None,
    team: Team | None,
    capacity: int,
    backup: User | None,
    skills: list[Sector],
    municipalities: list[Municipality],
) -> User:
    """Change a user's profile, routing attributes included."""
    errors = _check_profile(name=name, role=role, capacity=capacity, team=team)
    if backup is not None and backup.id == user.id:
        errors["backup_id"] = "Iemand kan niet zijn eigen vervanger zijn."
    if errors:
        raise ValidationError("De wijziging is niet opgeslagen: " + " ".join(errors.values()), errors)
    before = _profile_values(user)
    user.name, user.role, user.capacity = name.strip(), role, capacity
    user.partner, user.team, user.backup = partner, team, backup
    user.skills = list(skills)
    user.municipalities = list(municipalities)
    audit.record(actor, "user_updated", user, changes=audit.diff(before, _profile_values(user)))
    return user


def update_routing_profile(user: User, *, actor: User | None, capacity: int, backup: User | None,
                           skills: list[Sector], municipalities: list[Municipality]) -> User:
    """What routing needs to know of an advisor; team leads may change this for their team."""
    errors: dict[str, str] = {}
    if not 0 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = f"Capaciteit moet tussen 0 en {MAX_CAPACITY} liggen."
    if backup is not None and backup.id == user.id:
        errors["backup_id"] = "Iemand kan niet zijn eigen vervanger zijn."
    if errors:
        raise ValidationError("De wijziging is niet opgeslagen: " + " ".join(errors.values()), errors)
    before = _profile_values(user)
    user.capacity, user.backup = capacity, backup
    user.skills, user.municipalities = list(skills), list(municipalities)
    audit.record(actor, "user_updated", user, changes=audit.diff(before, _profile_values(user)))
    return user


def set_active(user: User, active: bool, *, actor: User | None) -> None:
    """Activate or deactivate a login; deactivation ends every session at once."""
    if actor is not None and actor.id == user.id and not active:
        raise ValidationError("U kunt uw eigen account niet deactiveren.", {"active": "Niet voor uzelf."})
    user.active = active
    if not active:
        end_all_sessions(user)
        routing.hand_over_open_leads(user, why=f"{user.name} is gedeactiveerd", actor=actor)
    audit.record(actor, "user_activated" if active else "user_deactivated", user)


def reset_password(user: User, new_password: str, *, actor: User | None) -> None:
    """An administrator sets a new password; the user's sessions end."""
    check_password_rules(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    audit.record(actor, "password_reset", user)


@dataclass(frozen=True)
class AbsenceAdded:
    absence: Absence
    moved: list[Lead]  # the open leads handed over now (an absence from today), each with its new owner


def add_absence(user: User, starts_on: date, ends_on: date, reason: str = "", *,
                actor: User | None, hand_back: bool = False) -> AbsenceAdded:
    """Record that `user` is away from `starts_on` to `ends_on` inclusive; from today on, their open leads go to
    their backup (or back through routing) at once. With `hand_back`, the leads that went to someone come back
    to `user` once the absence is over (routing.engine.hand_back_leads)."""
    if ends_on < starts_on:
        raise ValidationError("De einddatum ligt voor de begindatum.",
                              {"ends_on": "Moet op of na de begindatum liggen."})
    if hand_back and ends_on < today():
        raise ValidationError("Een afwezigheid die al voorbij is, kan geen leads meer teruggeven.",
                              {"hand_back": "De afwezigheid is al voorbij; zet dit vinkje uit."})
    absence = Absence(user=user, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), hand_back=hand_back)
    db.session.add(absence)
    db.session.flush()
    audit.record(actor, "absence_added", user, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(),
                 hand_back=hand_back)
    moved = []
    if starts_on <= today() <= ends_on:
        # Away from today: the open work goes to the backup now, not only new work later.
        moved = routing.hand_over_open_leads(user, why=f"{user.name} is afwezig", actor=actor, absence=absence)
    return AbsenceAdded(absence, moved)


def handover_preview(user: User) -> tuple[int, User | None]:
    """What an absence from today would move: the number of the user's open leads, and the backup who would get
    them (while the backup has room and is not away; the rest go back through routing)."""
    count = db.session.scalar(select(func.count()).select_from(Lead).where(Lead.owner_id == user.id,
                                                                          Lead.stage.in_(OPEN_STAGES))) or 0
    return count, user.backup


def remove_absence(absence: Absence, *, actor: User | None) -> list[routing.HandedBack]:
    """Remove an absence. One that was to hand its leads back and has begun does so now (ended early); returns
    what became of each of those leads."""
    handed_back = []
    if absence.hand_back and absence.handed_back_at is None and absence.starts_on <= today():
        handed_back = routing.hand_back_leads(absence, actor=actor)
    audit.record(actor, "absence_removed", absence.user, starts_on=absence.starts_on.isoformat(),
                 handed_back=sum(1 for result in handed_back if result.returned))
    db.session.delete(absence)
    return handed_back


def users_query(*, q: str = "", role: str = "", team_id: int | None = None, partner_id: int | None = None,
                active: bool | None = None):
    """A filtered user list query, ordered by name (the caller paginates)."""
    query = select(User).options(
        selectinload(User.team), selectinload(User.partner), selectinload(User.absences)
    ).order_by(User.name, User.id)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    if role:
        query = query.where(User.role == role)
    if team_id:
        query = query.where(User.team_id == team_id)
    if partner_id:
        query = query.where(User.partner_id == partner_id)
    if active is not None:
        query = query.where(User.active == active)
    return query


def open_lead_counts(user_ids: list[int]) -> dict[int, int]:
    """Open leads per user, in one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.owner_id.in_(user_ids), Lead.stage.in_(OPEN_STAGES))
        .group_by(Lead.owner_id)
    )
    return {owner_id: count for owner_id, count in rows}
