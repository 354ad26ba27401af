"""Every form validates in the app, in Dutch: no form leaves a field's check to the browser, which would
answer in the browser's own language ("Please fill out this field") before the app's message is seen."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM_TAG = re.compile(r"<form\b[^>]*>", re.IGNORECASE | re.DOTALL)


def test_every_form_in_every_template_carries_novalidate():
    missing = [f"{path.relative_to(TEMPLATES)}: {tag}"
               for path in sorted(TEMPLATES.rglob("*.html"))
               for tag in FORM_TAG.findall(path.read_text(encoding="utf-8"))
               if not re.search(r"\bnovalidate\b", tag, re.IGNORECASE)]
    assert not missing, "forms without novalidate:\n" + "\n".join(missing)
