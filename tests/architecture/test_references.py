"""Everything the repository says stands on its own: no text refers to documents outside it or to
issue numbers of a tracker, and every relative link in the Markdown documentation leads to a file.

The repository's own documents are docs/*.md (docs/design.md: concepts, roles, routing, metrics, the
API and CLI contract; docs/domain.md: Dutch terms and legal duties); a rule is stated where it is
checked, or its document is named by its path in the repository.

Scanned: every text file that git tracks or that is new (not ignored) under the application, its
templates, tests, scripts and migrations, docs/, README.md, Makefile, .ci/ and pyproject.toml; binary
files, the virtualenv and the bundled data in campaign_crm/data/ are skipped. Without git, the same
places are walked.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED_DIRS = ("campaign_crm", "templates", "tests", "scripts", "migrations", "docs", ".ci")
SCANNED_FILES = ("README.md", "Makefile", "pyproject.toml")
SKIPPED = ("campaign_crm/data/", ".venv/")

# The patterns are written so that this file does not match them itself (an escaped dot, `\s` for a
# space): it is scanned like every other file.
OUTSIDE_DOCUMENTS = re.compile(r"\b(?:DESIGN|DOMAIN|STYLE|PERFORMANCE)\.md\b|(?:\.\./)+shared\b")
ISSUE_REFERENCES = [
    re.compile(r"\bissues?\s*#?\d+", re.IGNORECASE),  # the word issue(s), then a number, with or without #
    re.compile(r"\b(?:PR|pull\s+request|ticket|fix(?:es|ed)?|close[sd]?|resolve[sd]?)\s+#\d+\b", re.IGNORECASE),
    re.compile(r"\(#\d+\)"),  # a number after # in brackets, as after a commit title
    re.compile(r"\bMust\sshow\b"),  # a heading of a tracker's issue template
]
MARKDOWN_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)  # a URL scheme, a host or a same-page anchor


def _in_scope(relative: str) -> bool:
    if relative.startswith(SKIPPED):
        return False
    return relative in SCANNED_FILES or relative.split("/", 1)[0] in SCANNED_DIRS


def _listed_by_git() -> list[str] | None:
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted({name for name in listed.decode("utf-8").split("\0") if name})


def _walked() -> list[str]:
    found = [name for name in SCANNED_FILES if (ROOT / name).is_file()]
    for folder in SCANNED_DIRS:
        found += [path.relative_to(ROOT).as_posix() for path in (ROOT / folder).rglob("*") if path.is_file()
                  and "__pycache__" not in path.parts]
    return sorted(found)


def text_files() -> dict[str, str]:
    """Relative path → text of every scanned file (binary files left out)."""
    names = _listed_by_git()
    texts = {}
    for relative in names if names is not None else _walked():
        path = ROOT / relative
        if not _in_scope(relative) or not path.is_file():  # tracked but deleted in the working tree
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue
        try:
            texts[relative] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def outside_references(text: str) -> list[tuple[int, str]]:
    """(line, text) of every mention of a document outside the repository or of an issue number."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if OUTSIDE_DOCUMENTS.search(line) or any(pattern.search(line) for pattern in ISSUE_REFERENCES):
            found.append((number, line.strip()))
    return found


def broken_links(text: str, where: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, target) of every relative link of the Markdown file at `where` that leads to no file under
    `root` (code blocks left out; a #fragment is not checked)."""
    prose = FENCE.sub(lambda block: "\n" * block.group(0).count("\n"), text)
    found = []
    for pattern in (MARKDOWN_LINK, REFERENCE_DEFINITION):
        for match in pattern.finditer(prose):
            target = match.group(1)
            if EXTERNAL.match(target):
                continue
            file_part = target.split("#", 1)[0].split("?", 1)[0]
            resolved = (where.parent / file_part).resolve()
            if not resolved.is_relative_to(root) or not resolved.exists():
                found.append((prose.count("\n", 0, match.start(1)) + 1, target))
    return sorted(found)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return text_files()


def test_the_scan_sees_the_repository(texts):
    for expected in ("README.md", "pyproject.toml", "campaign_crm/__init__.py", "tests/helpers.py",
                     "tests/architecture/test_references.py"):
        assert expected in texts, expected
    assert not any(name.startswith(SKIPPED) for name in texts)


def test_nothing_refers_to_documents_outside_the_repository_or_to_issue_numbers(texts):
    problems = [f"{name}:{number}: {line}" for name, text in texts.items()
                for number, line in outside_references(text)]
    assert problems == [], ("state the rule itself, or name a document of the repository by its path:\n"
                            + "\n".join(problems))


def test_every_relative_markdown_link_leads_to_a_file_in_the_repository(texts):
    problems = [f"{name}:{number}: {target}" for name, text in texts.items()
                if name == "README.md" or (name.startswith("docs/") and name.endswith(".md"))
                for number, target in broken_links(text, ROOT / name)]
    assert problems == [], "links to files that do not exist:\n" + "\n".join(problems)


# --- the checks themselves ----------------------------------------------------------------------------

OUTSIDE_NAME = "DESIGN" + ".md"  # built up, so that this file holds no mention itself


@pytest.mark.parametrize("line", [
    f"See {OUTSIDE_NAME}, Routing step 4.",
    "Copies of " + "../" + "shared/samples.",
    "Counts (" + "issue" + " 3; Concepts)",
    "Goal (" + "Issue" + " #6): fast.",
    "closes " + "#12",
    "Add the export (" + "#7)",
    "issue" + " 5, " + "Must" + " show",
])
def test_the_reference_check_finds(line):
    assert outside_references(f"first line\n{line}\n") == [(2, line)]


@pytest.mark.parametrize("line", [
    "See docs/design.md, Routing.",
    "Regel &#39;Alles naar het team&#39; is opgeslagen.",
    'PALETTE = ("#0b4f6c", "#123456", "#000")',
    'XLSX_FORMATS = {"count": "#,##0"}',
    '("subsidy_issue", "Probleem met subsidie of uitkering", True)',
    "no issues found, 3 warnings",
    "the page must show the count",
])
def test_the_reference_check_lets_pass(line):
    assert outside_references(line) == []


def test_the_link_check_finds_missing_files_and_links_out_of_the_repository(tmp_path):
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "design.md").write_text("# Design\n")
    (root / "docs" / "architecture.svg").write_text("<svg/>")
    (tmp_path / "elsewhere.md").write_text("outside the repository\n")
    text = ("[design](design.md) and [gone](nope.md#part)\n"
            "![chart](architecture.svg) [out](../../elsewhere.md)\n"
            "```\n[code](not-a-link.md)\n```\n"
            "[web](https://example.org/x.md) [here](#roles) [mail](mailto:a@b.example) [multi\nline](design.md)\n"
            "[ref]: missing.md\n")
    assert broken_links(text, root / "docs" / "example.md", root) == [
        (1, "nope.md#part"), (2, "../../elsewhere.md"), (8, "missing.md")]
