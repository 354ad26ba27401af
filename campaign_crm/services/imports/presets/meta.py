"""Meta (Facebook/Instagram) lead ads: the download from Meta's leads centre."""
from __future__ import annotations

from collections.abc import Iterator

from .. import fields as F
from ..readers import DateColumn, Grid
from .base import (
    ERROR_FILE_COLUMNS,
    ImportOptions,
    ParsedFile,
    Record,
    clean_text,
    first_row,
    optional_columns,
    require_columns,
    short_hash,
)
from .lead_rows import LeadRows, read_lead_id

META_STANDARD = ("id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name",
                 "form_id", "form_name", "is_organic", "platform")
META_PLATFORMS = {"fb": "facebook", "facebook": "facebook", "ig": "instagram", "instagram": "instagram",
                  "msg": "facebook", "messenger": "facebook", "an": "facebook"}


def parse_meta(grid: Grid, options: ImportOptions) -> ParsedFile:
    """Meta lead ads: tab-separated (often UTF-16), ids `l:…`, phones `p:+31…`, platform fb/ig, ISO times."""
    table = grid.table(first_row(grid))
    found = require_columns(table, {"id": ("id",), "created_time": ("createdtime",)}, "Meta-leadformulier")
    standard = {F.header_key(c) for c in META_STANDARD}
    questions = [c for c in table.columns if F.header_key(c) not in standard and c not in ERROR_FILE_COLUMNS]
    mapping = F.suggest_mapping(questions)
    extra = tuple(c for c in questions if c not in mapping.values())
    optional = optional_columns(table, {"platform": ("platform",), "campaign_name": ("campaignname",),
                                        "ad_name": ("adname",)})
    builder = LeadRows(table, mapping, options, default_channel="facebook", extra_columns=extra)
    dates = DateColumn(table.values(found["created_time"]))

    def records() -> Iterator[Record]:
        for number, row in table.rows():
            errors = []
            lead_id, problem = read_lead_id(row[found["id"]], "l:")
            if problem:
                errors.append((found["id"], problem))
            try:
                occurred_at = dates.parse(row[found["created_time"]])
            except ValueError as exc:
                occurred_at = None
                errors.append((found["created_time"], str(exc)))
            platform = row.get(optional.get("platform", ""), "").strip().lower()
            utm = {"source": META_PLATFORMS.get(platform, "facebook")}
            for part, name in (("campaign", "campaign_name"), ("content", "ad_name")):
                if clean_text(row.get(optional.get(name, ""))):
                    utm[part] = clean_text(row.get(optional[name]))[:200]
            key = f"meta:{lead_id}" if lead_id else (None if problem else f"meta:h:{short_hash(*row.values())}")
            record = builder.build(number, row, key=key, channel=META_PLATFORMS.get(platform),
                                   occurred_at=occurred_at, utm=utm, record_errors=errors)
            record.columns["occurred_at"] = found["created_time"]
            yield record

    return ParsedFile("meta-lead-ads", len(table), table.columns, records(), grid.format_label)
