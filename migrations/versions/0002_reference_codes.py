"""reference codes: municipalities, sectors and SBI mapping, size classes, interests,
lost reasons, channels with UTM mapping, settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MUNICIPALITIES = [
    ("GM0613", "Albrandswaard"), ("GM0489", "Barendrecht"), ("GM0502", "Capelle aan den IJssel"),
    ("GM1924", "Goeree-Overflakkee"), ("GM1963", "Hoeksche Waard"), ("GM0542", "Krimpen aan den IJssel"),
    ("GM0556", "Maassluis"), ("GM1930", "Nissewaard"), ("GM0597", "Ridderkerk"), ("GM0599", "Rotterdam"),
    ("GM0606", "Schiedam"), ("GM0622", "Vlaardingen"), ("GM1992", "Voorne aan Zee"),
]

SECTORS = [
    ("techniek", "Techniek"), ("zorg", "Zorg en welzijn"), ("logistiek", "Logistiek en transport"),
    ("handel", "Handel"), ("horeca", "Horeca"), ("schoonmaak", "Schoonmaak en facilitair"),
    ("zakelijk", "Zakelijke dienstverlening"), ("overheid_onderwijs", "Overheid en onderwijs"),
    ("groen", "Groen en agrarisch"), ("overig", "Overig"),
]


def _divisions(*spans):
    out = []
    for span in spans:
        low, high = span if isinstance(span, tuple) else (span, span)
        out += [f"{n:02d}" for n in range(low, high + 1)]
    return out


# SBI two-digit divisions (stable between SBI 2008 and SBI 2025) per campaign sector;
# longer prefixes refine a division (81.3 landscaping is green work, not cleaning).
SBI = {
    "groen": _divisions((1, 3)) + ["813"],
    "techniek": _divisions((10, 33), (35, 39), (41, 43), 71),
    "handel": _divisions((45, 47)),
    "logistiek": _divisions((49, 53)),
    "horeca": _divisions((55, 56)),
    "zakelijk": _divisions((58, 66), (68, 70), (72, 75), (77, 80), 82),
    "schoonmaak": _divisions(81),
    "overheid_onderwijs": _divisions((84, 85)),
    "zorg": _divisions((86, 88)),
    "overig": _divisions((5, 9), (90, 99)),
}

SIZE_CLASSES = [("1-9", "1 tot 10 medewerkers", 1), ("10-49", "10 tot 50 medewerkers", 10),
                ("50-249", "50 tot 250 medewerkers", 50), ("250+", "250 of meer medewerkers", 250)]

INTERESTS = [
    ("lks", "Loonkostensubsidie (LKS)"), ("loondispensatie", "Loondispensatie"),
    ("lkv", "Loonkostenvoordeel (LKV)"), ("jobcoaching", "Jobcoaching"), ("adviesgesprek", "Adviesgesprek"),
    ("harrie", "Harrie-training"), ("vacature", "Vacature melden"),
]

LOST_REASONS = [
    ("unreachable", "Niet bereikbaar"), ("no_vacancy", "Geen vacature"), ("not_interested", "Geen interesse"),
    ("other_route", "Andere route"), ("duplicate", "Dubbel"), ("not_eligible", "Komt niet in aanmerking"),
]

CHANNELS = [
    ("dagblad", "Dagblad", [("ad", "print"), ("rotterdamsdagblad", "")]),
    ("vakblad", "Vakblad", [("vakblad", "")]),
    ("linkedin", "LinkedIn", [("linkedin", ""), ("lnkd", "")]),
    ("facebook", "Facebook", [("facebook", ""), ("fb", "")]),
    ("instagram", "Instagram", [("instagram", ""), ("ig", "")]),
    ("livestream", "Livestream", [("livestream", ""), ("zoom", ""), ("teams", "")]),
    ("website", "Website", [("werkcentrumrijnmond", ""), ("website", ""), ("google", "organic")]),
    ("partner", "Doorverwijzing partner", [("partner", ""), ("nieuwsbrief", "email")]),
    ("event", "Bijeenkomst", [("event", "")]),
    ("telefoon", "Telefoon", [("telefoon", "")]),
]

SETTINGS = [
    ("sla_working_days", 2, "Eerste contact binnen zoveel werkdagen"),
    ("lks_target_value", 2400, "Doel: netto aantal actieve LKS-banen"),
    ("lks_target_date", "2026-12-31", "Datum waarop het LKS-doel gehaald moet zijn"),
    ("lks_baseline_value", 0, "Vertrekpunt: actieve LKS-banen bij de start van de campagne"),
    ("lks_baseline_date", "2026-01-01", "Datum van het vertrekpunt"),
    ("checkin_weeks", [2, 6, 13, 26, 39, 52], "Check-ins na zoveel weken na de start van een plaatsing"),
    ("lkv_request_months", 3, "Doelgroepverklaring LKV aanvragen binnen zoveel maanden na de start"),
]


def upgrade():
    meta = sa.MetaData()
    municipalities = sa.Table("municipalities", meta, sa.Column("id", sa.Integer), sa.Column("cbs_code", sa.String),
                              sa.Column("name", sa.String), sa.Column("active", sa.Boolean))
    sectors = sa.Table("sectors", meta, sa.Column("id", sa.Integer), sa.Column("code", sa.String),
                       sa.Column("name", sa.String), sa.Column("sort_order", sa.Integer), sa.Column("active", sa.Boolean))
    sbi = sa.Table("sbi_mappings", meta, sa.Column("prefix", sa.String), sa.Column("sector_id", sa.Integer))
    sizes = sa.Table("size_classes", meta, sa.Column("code", sa.String), sa.Column("name", sa.String),
                     sa.Column("min_employees", sa.Integer), sa.Column("sort_order", sa.Integer))
    interests = sa.Table("interests", meta, sa.Column("id", sa.Integer), sa.Column("code", sa.String),
                         sa.Column("name", sa.String), sa.Column("sort_order", sa.Integer), sa.Column("active", sa.Boolean))
    lost = sa.Table("lost_reasons", meta, sa.Column("id", sa.Integer), sa.Column("code", sa.String),
                    sa.Column("name", sa.String), sa.Column("sort_order", sa.Integer), sa.Column("active", sa.Boolean))
    channels = sa.Table("channels", meta, sa.Column("id", sa.Integer), sa.Column("code", sa.String),
                        sa.Column("name", sa.String), sa.Column("sort_order", sa.Integer), sa.Column("active", sa.Boolean))
    utm = sa.Table("channel_utm", meta, sa.Column("channel_id", sa.Integer), sa.Column("utm_source", sa.String),
                   sa.Column("utm_medium", sa.String))
    settings = sa.Table("settings", meta, sa.Column("key", sa.String), sa.Column("value", sa.JSON),
                        sa.Column("label", sa.String))

    op.bulk_insert(municipalities, [
        {"id": i, "cbs_code": code, "name": name, "active": True} for i, (code, name) in enumerate(MUNICIPALITIES, 1)
    ])
    op.bulk_insert(sectors, [
        {"id": i, "code": code, "name": name, "sort_order": i, "active": True} for i, (code, name) in enumerate(SECTORS, 1)
    ])
    sector_ids = {code: i for i, (code, _) in enumerate(SECTORS, 1)}
    op.bulk_insert(sbi, [
        {"prefix": prefix, "sector_id": sector_ids[code]} for code, prefixes in SBI.items() for prefix in prefixes
    ])
    op.bulk_insert(sizes, [
        {"code": code, "name": name, "min_employees": low, "sort_order": i} for i, (code, name, low) in enumerate(SIZE_CLASSES, 1)
    ])
    op.bulk_insert(interests, [
        {"id": i, "code": code, "name": name, "sort_order": i, "active": True} for i, (code, name) in enumerate(INTERESTS, 1)
    ])
    op.bulk_insert(lost, [
        {"id": i, "code": code, "name": name, "sort_order": i, "active": True} for i, (code, name) in enumerate(LOST_REASONS, 1)
    ])
    op.bulk_insert(channels, [
        {"id": i, "code": code, "name": name, "sort_order": i, "active": True} for i, (code, name, _) in enumerate(CHANNELS, 1)
    ])
    op.bulk_insert(utm, [
        {"channel_id": i, "utm_source": source, "utm_medium": medium}
        for i, (_, _, pairs) in enumerate(CHANNELS, 1) for source, medium in pairs
    ])
    op.bulk_insert(settings, [{"key": k, "value": v, "label": label} for k, v, label in SETTINGS])
    # Explicit ids were inserted: move PostgreSQL's sequences past them.
    if op.get_bind().dialect.name == "postgresql":
        for table in ("municipalities", "sectors", "interests", "lost_reasons", "channels"):
            op.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))


def downgrade():
    for table in ("settings", "channel_utm", "channels", "lost_reasons", "interests", "size_classes", "sbi_mappings",
                  "sectors", "municipalities"):
        op.execute(sa.text(f"DELETE FROM {table}"))
