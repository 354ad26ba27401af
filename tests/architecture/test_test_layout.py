"""The shape of the test suite: plain helpers live in tests/helpers.py, fixtures in conftest.py files.

A test module never imports from another test module or from a conftest module (fixtures reach a
test through pytest, not through an import): of the `tests` package it imports tests.helpers only,
and a browser test also tests.browser_support. Relative imports are not used at all. The imports
are read with `ast`, so one inside a function counts like one at the top of the module.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
SHARED = {"tests.helpers"}
BROWSER_ONLY = {"tests.browser_support"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_browser_test(path: Path) -> bool:
    relative = path.relative_to(TESTS)
    return relative.parts[0] == "browser" or relative.name.startswith("test_browser")


def _imported(node: ast.Import | ast.ImportFrom) -> list[set[str]]:
    """Per imported name, the modules it may be: `from a import b` loads a, and b may be the module a.b."""
    if isinstance(node, ast.Import):
        return [{alias.name} for alias in node.names]
    return [{node.module, f"{node.module}.{alias.name}"} for alias in node.names]


def _is_test_code(target: str) -> bool:
    """A module of this suite: under `tests`, or a test module or conftest imported by its bare name."""
    first = target.split(".", 1)[0]
    return first == "tests" or first == "conftest" or first.startswith("test_")


def forbidden_imports(source: str, path: Path) -> list[str]:
    """Every import in `source` (the file at `path` under tests/) that the layout forbids, as `line: import`."""
    allowed = SHARED | (BROWSER_ONLY if _is_browser_test(path) else set())
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        shown = f"{node.lineno}: {ast.unparse(node)}"
        if isinstance(node, ast.ImportFrom) and node.level:
            found.append(f"{shown} (a relative import)")
            continue
        for modules in _imported(node):
            if not modules & allowed and any(_is_test_code(module) for module in modules):
                found.append(shown)
                break
    return found


def test_no_test_module_imports_another_test_module_or_a_conftest():
    problems = []
    for path in sorted(TESTS.rglob("*.py")):
        for problem in forbidden_imports(path.read_text(encoding="utf-8"), path):
            problems.append(f"{path.relative_to(ROOT)}:{problem}")
    assert problems == [], "import plain helpers from tests.helpers; fixtures come through pytest:\n" + "\n".join(
        problems)


@pytest.mark.parametrize(("source", "where"), [
    ("from tests.api.conftest import bearer\n", "tests/security/test_x.py"),
    ("from tests.reports.test_pages import page_table\n", "tests/reports/test_x.py"),
    ("from tests.reports import test_pages\n", "tests/reports/test_x.py"),
    ("import tests.conftest\n", "tests/unit/test_x.py"),
    ("from ..conftest import login\n", "tests/unit/test_x.py"),
    ("from .test_edit import employer_form\n", "tests/employers/test_x.py"),
    ("from . import test_pages\n", "tests/reports/test_x.py"),
    ("def f():\n    from .test_two_factor import _enable\n", "tests/functional/test_x.py"),
    ("from tests.browser_support import ARTIFACTS\n", "tests/unit/test_x.py"),
    ("from conftest import login\n", "tests/unit/test_x.py"),
    ("from tests import helpers, conftest\n", "tests/unit/test_x.py"),
])
def test_the_check_finds_each_kind_of_forbidden_import(source, where):
    assert forbidden_imports(source, ROOT / where)


@pytest.mark.parametrize(("source", "where"), [
    ("from tests.helpers import count, login\n", "tests/unit/test_x.py"),
    ("import tests.helpers\n", "tests/unit/test_x.py"),
    ("from tests import helpers\n", "tests/unit/test_x.py"),
    ("from tests.browser_support import ARTIFACTS\n", "tests/browser/test_x.py"),
    ("from tests.browser_support import ARTIFACTS\n", "tests/imports/test_browser.py"),
    ("from campaign_crm.services import imports\n", "tests/unit/test_x.py"),
])
def test_the_check_lets_the_helpers_and_the_application_through(source, where):
    assert forbidden_imports(source, ROOT / where) == []


def test_helpers_hold_no_fixtures():
    tree = ast.parse((TESTS / "helpers.py").read_text(encoding="utf-8"))
    decorated = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                 for decorator in node.decorator_list if "fixture" in ast.unparse(decorator)]
    assert decorated == [], "fixtures belong in a conftest.py"
