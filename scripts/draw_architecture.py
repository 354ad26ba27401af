"""Draw docs/architecture.svg from the code: the layers, and the service packages with an arrow from each to
the packages its `__init__.py` says it may import ("May import:").

    python scripts/draw_architecture.py            # rewrite docs/architecture.svg
    python scripts/draw_architecture.py --check    # exit 1 when the drawing is not what the code says

A package stands one row above the packages it imports, so every arrow points down; the kernel, the models
and permissions.py sit below them all. tests/architecture/test_imports.py checks the declarations against
the real import graph; tests/architecture/test_drawing.py runs --check.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "campaign_crm" / "services"
TARGET = ROOT / "docs" / "architecture.svg"
WIDTH, BOX_W, BOX_H, ROW_H, TOP = 960, 150, 40, 78, 190
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def packages() -> dict[str, set[str]]:
    """Every domain package and the packages it declares it may import."""
    names = sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())
    declared = {}
    for name in names:
        doc = ast.get_docstring(ast.parse((SERVICES / name / "__init__.py").read_text(encoding="utf-8"))) or ""
        paragraph = next((part for part in doc.split("\n\n") if part.startswith("May import:")), "")
        declared[name] = {other for other in re.findall(r"`(\w+)`", paragraph) if other in names and other != name}
    return declared


def rows(graph: dict[str, set[str]]) -> list[list[str]]:
    """Packages by height: a package's row is one above the highest package it imports (0: the kernel only)."""
    height: dict[str, int] = {}

    def of(name: str) -> int:
        if name not in height:
            height[name] = 1 + max((of(other) for other in graph[name]), default=-1)
        return height[name]

    for name in graph:
        of(name)
    return [sorted(n for n in graph if height[n] == level) for level in range(max(height.values()), -1, -1)]


def box(x: float, y: float, w: float, h: float, title: str, note: str = "", *, fill: str = "#ffffff",
        dashed: bool = False) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    parts = [f'  <rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="6" fill="{fill}" '
             f'stroke="#1f4e79" stroke-width="2"{dash}/>',
             f'  <text x="{x + w / 2:.0f}" y="{y + (20 if note else h / 2 + 5):.0f}" text-anchor="middle" '
             f'font-size="15" font-weight="700" fill="#102a43">{escape(title)}</text>']
    if note:
        parts.append(f'  <text x="{x + w / 2:.0f}" y="{y + 38:.0f}" text-anchor="middle" font-size="13" '
                     f'fill="#102a43">{escape(note)}</text>')
    return "\n".join(parts)


def arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (f'  <line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#1f2d3d" stroke-width="1.5" '
            f'marker-end="url(#arrow)"/>')


def svg(graph: dict[str, set[str]]) -> str:
    layout = rows(graph)
    place: dict[str, tuple[float, float]] = {}
    for r, names in enumerate(layout):
        gap = (WIDTH - 40 - len(names) * BOX_W) / (len(names) + 1)
        for i, name in enumerate(names):
            place[name] = (20 + gap + i * (BOX_W + gap), TOP + r * ROW_H)
    bottom = TOP + len(layout) * ROW_H
    height = bottom + 200
    edges = sorted((a, b) for a, targets in graph.items() for b in targets)
    said = "; ".join(f"{a} imports {', '.join(sorted(graph[a]))}" for a in sorted(graph) if graph[a])
    alone = ", ".join(sorted(a for a in graph if not graph[a]))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="arch-title arch-desc" font-family="{FONT}">',
        '  <title id="arch-title">campaign_crm: layers and the import arrows between the service packages</title>',
        f'  <desc id="arch-desc">Top: blueprints (web pages and the JSON API) and cli.py import the services. '
        f'Inside services, an arrow from A to B means A imports B: {escape(said)}; {escape(alone)} import only '
        f'the kernel. Every package may import the kernel, the modules directly in services/, which import no '
        f'package. Bottom: services import permissions.py and models; models import only extensions. Nothing '
        f'points back up and there are no cycles.</desc>',
        '  <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#1f2d3d"/></marker></defs>',
        f'  <rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        box(40, 20, 420, 56, "blueprints/", "web pages and the JSON API /api/v1", fill="#dbe9f7"),
        box(500, 20, 420, 56, "cli.py", "flask commands (jobs, imports, users)", fill="#dbe9f7"),
        arrow(250, 76, 250, 106), arrow(710, 76, 710, 106),
        f'  <rect x="10" y="108" width="{WIDTH - 20}" height="{bottom - 108 + 70}" rx="8" fill="#f7f9fb" '
        f'stroke="#52606d" stroke-width="2"/>',
        '  <text x="26" y="134" font-size="16" font-weight="700" fill="#1f2933">services/</text>',
        '  <text x="26" y="154" font-size="13" fill="#1f2933">an arrow A → B means A may import B</text>',
        box(600, 118, 340, 44, "demo.py", "seeds the demo region; may import any package", dashed=True),
    ]
    for a, b in edges:
        (xa, ya), (xb, yb) = place[a], place[b]
        out.append(arrow(xa + BOX_W / 2, ya + BOX_H, xb + BOX_W / 2, yb))
    out += [box(x, y, BOX_W, BOX_H, name) for name, (x, y) in sorted(place.items())]
    kernel = sorted(p.stem for p in SERVICES.glob("*.py") if p.stem not in ("__init__", "demo"))
    out += [
        box(30, bottom, WIDTH - 60, 50, "kernel: the modules directly in services/ (they import no package)",
            " · ".join(kernel), fill="#eef2f6"),
        arrow(250, bottom + 78, 250, bottom + 108), arrow(710, bottom + 78, 710, bottom + 108),
        box(40, bottom + 110, 420, 50, "models/", "typed SQLAlchemy models; import only extensions", fill="#e3f0e3"),
        box(500, bottom + 110, 420, 50, "permissions.py", "roles and visibility, in one module", fill="#e3f0e3"),
        f'  <text x="26" y="{bottom + 186}" font-size="13" fill="#1f2933">Nothing points back up; '
        'tests/architecture/test_imports.py checks the graph, tests/architecture/test_drawing.py this drawing.</text>',
        "</svg>",
    ]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the drawing is stale")
    args = parser.parse_args()
    drawn = svg(packages())
    if args.check:
        if TARGET.read_text(encoding="utf-8") != drawn:
            sys.exit("docs/architecture.svg is not what the code declares: run scripts/draw_architecture.py")
        return
    TARGET.write_text(drawn, encoding="utf-8")


if __name__ == "__main__":
    main()
