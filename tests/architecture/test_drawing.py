"""The architecture drawing in docs/ is what the code declares: a package added, or an import it may make, shows
in the drawing or this test fails (redraw with scripts/draw_architecture.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_architecture_svg_is_drawn_from_the_packages_declarations():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "draw_architecture.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_drawing_shows_every_service_package():
    drawing = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    packages = [p.name for p in (ROOT / "campaign_crm" / "services").iterdir() if (p / "__init__.py").exists()]
    assert packages and all(f">{name}</text>" in drawing for name in packages)
