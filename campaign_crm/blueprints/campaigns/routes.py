"""Campaign team pages: campaigns with their phases, channels with UTM values, ad codes with QR codes,
events with their registrations, and the livestream lead rule."""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import AdCode, Campaign, Channel, ChannelUtm, Event, Phase, Sector
from ...models.campaigns import EVENT_KINDS
from ...permissions import RUN_CAMPAIGNS, acting_user, roles_required
from ...services import audit
from ...services.calendar import AMSTERDAM
from ...services.campaigns import ad_codes, campaigns, qr
from ...services.campaigns.campaigns import PhaseInput
from ...services.capture import events
from ...services.errors import ValidationError
from ..forms import choices
from ..public.routes import event_public_url, short_url
from .blueprint import bp
from .forms import (
    ActionForm,
    AdCodeForm,
    CampaignCreateForm,
    CampaignEditForm,
    ChannelForm,
    EventForm,
    LeadRuleForm,
    PhaseForm,
    UtmMappingForm,
)


@bp.before_request
@roles_required(*RUN_CAMPAIGNS)
def require_campaign_role():
    """Every page here is for the campaign team (and admins)."""


def _apply_errors(form, exc: ValidationError, names: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form fields; others become a flash message."""
    for key, message in exc.fields.items():
        field = getattr(form, (names or {}).get(key, key), None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


def _flash_form_errors(prefix: str, form) -> None:
    flash(prefix + " " + " ".join(e for name, errs in form.errors.items() for e in errs), "error")


def _local(value: datetime | None) -> datetime | None:
    """A time typed in a datetime-local field means Rotterdam time."""
    return value.replace(tzinfo=AMSTERDAM) if value is not None else None


def _phase_choices(campaign: Campaign, empty: str):
    return choices([("", empty)] + [(p.id, p.name) for p in campaign.phases])


# --- campaigns and phases ---------------------------------------------------------------------------

@bp.route("/")
def list_campaigns():
    rule = events.lead_rule()
    rule_form = LeadRuleForm(prefix="rule", data={"min_minutes": rule.min_minutes,
                                                  "on_contact_request": rule.on_contact_request})
    return render_template("campaigns/list_campaigns.html", rows=campaigns.campaign_overview(), rule_form=rule_form)


@bp.route("/nieuw", methods=["GET", "POST"])
def new_campaign():
    form = CampaignCreateForm()
    if form.validate_on_submit():
        try:
            campaign = campaigns.create_campaign(code=form.code.data, name=form.name.data,
                                                 starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                                 actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Campagne {campaign.name} is aangemaakt. Voeg nu de fasen toe.", "success")
            return redirect(url_for("campaigns.show_campaign", campaign_id=campaign.id))
    return render_template("campaigns/new_campaign.html", form=form)


@bp.route("/<int:campaign_id>")
def show_campaign(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    phase_form = PhaseForm(prefix="phase")
    phase_form.sector_id.choices = _sector_choices()
    return render_template("campaigns/show_campaign.html", **_campaign_page(campaign, phase_form))


def _sector_choices():
    sectors = db.session.scalars(select(Sector).order_by(Sector.sort_order))
    return choices([("", "— geen —")] + [(s.id, s.name) for s in sectors])


def _campaign_page(campaign: Campaign, phase_form: PhaseForm) -> dict:
    ads = ad_codes.ad_codes_of(campaign)
    campaign_events = events.events_of(campaign)
    return {
        "campaign": campaign, "phase_form": phase_form, "phase_leads": campaigns.leads_per_phase(campaign),
        "ads": ads, "ad_counts": ad_codes.counts([a.id for a in ads]),
        "events": campaign_events, "event_counts": events.counts([e.id for e in campaign_events]),
        "event_kinds": EVENT_KINDS,
    }


@bp.route("/<int:campaign_id>/bewerken", methods=["GET", "POST"])
def edit_campaign(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = CampaignEditForm(obj=campaign if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            campaigns.update_campaign(campaign, name=form.name.data, starts_on=form.starts_on.data,
                                      ends_on=form.ends_on.data, active=form.active.data, actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash("De campagne is opgeslagen.", "success")
            return redirect(url_for("campaigns.show_campaign", campaign_id=campaign.id))
    return render_template("campaigns/edit_campaign.html", form=form, campaign=campaign)


@bp.route("/<int:campaign_id>/fasen", methods=["POST"])
def add_phase(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = PhaseForm(prefix="phase")
    form.sector_id.choices = _sector_choices()
    if form.validate_on_submit():
        try:
            phase = campaigns.add_phase(campaign, PhaseInput(
                code=form.code.data, name=form.name.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                sector=db.session.get(Sector, form.sector_id.data) if form.sector_id.data else None,
            ), actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Fase {phase.name} is toegevoegd.", "success")
            return redirect(url_for("campaigns.show_campaign", campaign_id=campaign.id) + "#fasen")
    # Show the page again with the errors next to the fields.
    return render_template("campaigns/show_campaign.html", **_campaign_page(campaign, form))


# --- channels and UTM values ------------------------------------------------------------------------

def _channels_page(channel_form: ChannelForm | None = None, utm_form: UtmMappingForm | None = None):
    rows = campaigns.channel_overview()
    utm_form = utm_form or UtmMappingForm(prefix="utm")
    utm_form.channel_id.choices = choices((row.channel.id, row.channel.name) for row in rows)
    return render_template("campaigns/list_channels.html", rows=rows,
                           channel_form=channel_form or ChannelForm(prefix="channel"), utm_form=utm_form)


@bp.route("/kanalen")
def list_channels():
    return _channels_page()


@bp.route("/kanalen", methods=["POST"])
def add_channel():
    form = ChannelForm(prefix="channel")
    if form.validate_on_submit():
        try:
            channel = campaigns.add_channel(code=form.code.data, name=form.name.data, actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Kanaal {channel.name} is toegevoegd.", "success")
            return redirect(url_for("campaigns.list_channels"))
    return _channels_page(channel_form=form)


@bp.route("/kanalen/<int:channel_id>/actief", methods=["POST"])
def toggle_channel(channel_id: int):
    channel = db.get_or_404(Channel, channel_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    campaigns.set_channel_active(channel, not channel.active, actor=acting_user())
    db.session.commit()
    flash(f"Kanaal {channel.name} is {'geactiveerd' if channel.active else 'gedeactiveerd'}.", "success")
    return redirect(url_for("campaigns.list_channels"))


@bp.route("/kanalen/utm", methods=["POST"])
def add_utm_mapping():
    form = UtmMappingForm(prefix="utm")
    form.channel_id.choices = choices((c.id, c.name) for c in db.session.scalars(select(Channel)))
    if form.validate_on_submit():
        channel = db.get_or_404(Channel, form.channel_id.data)
        try:
            campaigns.add_utm_mapping(channel, source=form.utm_source.data, medium=form.utm_medium.data or "",
                                      actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"De UTM-koppeling voor {channel.name} is toegevoegd.", "success")
            return redirect(url_for("campaigns.list_channels"))
    return _channels_page(utm_form=form)


@bp.route("/kanalen/utm/<int:mapping_id>/verwijderen", methods=["POST"])
def remove_utm_mapping(mapping_id: int):
    mapping = db.get_or_404(ChannelUtm, mapping_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    campaigns.remove_utm_mapping(mapping, actor=acting_user())
    db.session.commit()
    flash("De UTM-koppeling is verwijderd.", "success")
    return redirect(url_for("campaigns.list_channels"))


# --- ad codes -----------------------------------------------------------------------------------

@bp.route("/<int:campaign_id>/advertenties/nieuw", methods=["GET", "POST"])
def new_ad_code(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = AdCodeForm()
    form.channel_id.choices = choices((c.id, c.name) for c in campaigns.active_channels())
    form.phase_id.choices = _phase_choices(campaign, "— geen vaste fase (de fase van de datum) —")
    if form.validate_on_submit():
        try:
            ad = ad_codes.create_ad_code(
                title=form.title.data, campaign=campaign, channel=db.get_or_404(Channel, form.channel_id.data),
                phase=db.session.get(Phase, form.phase_id.data) if form.phase_id.data else None,
                code=form.code.data or None, actor=acting_user(),
            )
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Advertentiecode {ad.code} is aangemaakt.", "success")
            return redirect(url_for("campaigns.show_ad_code", ad_code_id=ad.id))
    return render_template("campaigns/new_ad_code.html", form=form, campaign=campaign)


@bp.route("/advertenties/<int:ad_code_id>")
def show_ad_code(ad_code_id: int):
    ad = db.get_or_404(AdCode, ad_code_id)
    return render_template("campaigns/show_ad_code.html", ad=ad, short_url=short_url(ad.code),
                           counts=ad_codes.counts([ad.id]).get(ad.id, ad_codes.AdCodeCounts()),
                           action_form=ActionForm())


@bp.route("/advertenties/<int:ad_code_id>/actief", methods=["POST"])
def toggle_ad_code(ad_code_id: int):
    ad = db.get_or_404(AdCode, ad_code_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ad_codes.set_active(ad, not ad.active, actor=acting_user())
    db.session.commit()
    state = "weer actief" if ad.active else "uitgezet; de korte link geeft nu een foutmelding"
    flash(f"Advertentiecode {ad.code} is {state}.", "success")
    return redirect(url_for("campaigns.show_ad_code", ad_code_id=ad.id))


def _qr_response(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/advertenties/<int:ad_code_id>/qr.png")
def ad_code_qr_png(ad_code_id: int):
    ad = db.get_or_404(AdCode, ad_code_id)
    return _qr_response(qr.png(short_url(ad.code)), "image/png", f"qr-{ad.code}.png")


@bp.route("/advertenties/<int:ad_code_id>/qr.svg")
def ad_code_qr_svg(ad_code_id: int):
    ad = db.get_or_404(AdCode, ad_code_id)
    url = short_url(ad.code)
    return _qr_response(qr.svg(url, title=f"QR-code voor {url}"), "image/svg+xml", f"qr-{ad.code}.svg")


# --- events -------------------------------------------------------------------------------------

def _event_form(campaign: Campaign, event: Event | None = None) -> EventForm:
    form = EventForm(obj=event if request.method == "GET" else None)
    form.phase_id.choices = _phase_choices(campaign, "— geen fase —")
    if request.method == "GET" and event is not None:
        form.starts_at.data = event.starts_at.astimezone(AMSTERDAM).replace(tzinfo=None)
        form.ends_at.data = event.ends_at.astimezone(AMSTERDAM).replace(tzinfo=None) if event.ends_at else None
    return form


def _event_input(form: EventForm) -> events.EventInput:
    return events.EventInput(
        kind=form.kind.data, title=form.title.data, starts_at=_local(form.starts_at.data),
        ends_at=_local(form.ends_at.data),
        phase=db.session.get(Phase, form.phase_id.data) if form.phase_id.data else None,
        external_ref=form.external_ref.data, description=form.description.data or "",
        registration_open=form.registration_open.data, slug=form.slug.data,
    )


EVENT_FIELDS = {"phase_id": "phase_id", "ends_at": "ends_at", "slug": "slug"}


@bp.route("/<int:campaign_id>/evenementen/nieuw", methods=["GET", "POST"])
def new_event(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = _event_form(campaign)
    if form.validate_on_submit():
        try:
            event = events.create_event(campaign, _event_input(form), actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc, EVENT_FIELDS)
        else:
            db.session.commit()
            flash(f"{event.title} is aangemaakt.", "success")
            return redirect(url_for("campaigns.show_event", event_id=event.id))
    return render_template("campaigns/edit_event.html", form=form, campaign=campaign, event=None)


@bp.route("/evenementen/<int:event_id>/bewerken", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _event_form(event.campaign, event)
    if form.validate_on_submit():
        try:
            events.update_event(event, _event_input(form), actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc, EVENT_FIELDS)
        else:
            db.session.commit()
            flash("Het evenement is opgeslagen.", "success")
            return redirect(url_for("campaigns.show_event", event_id=event.id))
    return render_template("campaigns/edit_event.html", form=form, campaign=event.campaign, event=event)


@bp.route("/evenementen/<int:event_id>")
def show_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    registrations = events.registrations_of(event)
    # The list shows names, e-mail addresses and phone numbers: the read is logged.
    audit.record_read(acting_user(), event)
    db.session.commit()
    return render_template(
        "campaigns/show_event.html", event=event, registrations=registrations, public_url=event_public_url(event),
        counts=events.counts([event.id]).get(event.id, events.EventCounts()), rule=events.lead_rule(),
        event_kinds=EVENT_KINDS,
    )


# --- the lead rule --------------------------------------------------------------------------------

@bp.route("/leadregel", methods=["POST"])
def update_lead_rule():
    form = LeadRuleForm(prefix="rule")
    if form.validate_on_submit():
        try:
            events.set_lead_rule(events.LeadRule(form.min_minutes.data, form.on_contact_request.data),
                                 actor=acting_user())
        except ValidationError as exc:
            db.session.rollback()
            flash("De leadregel is niet opgeslagen: " + " ".join(exc.fields.values()), "error")
        else:
            db.session.commit()
            flash("De leadregel is opgeslagen. Hij geldt voor aanmeldingen en deelnamelijsten die vanaf nu "
                  "binnenkomen.", "success")
    else:
        _flash_form_errors("De leadregel is niet opgeslagen:", form)
    return redirect(url_for("campaigns.list_campaigns") + "#leadregel")
