"""The apps depend on each other one way: README's "Layout" table is the rule.

caching and languages (no project app) <- categories, authors, images <- articles <- readership,
widgets (which may read readership), sharing, wordpress, newsletters; newsroom wires
them all and no app imports newsroom.
Every import counts, function-level ones too.
"""

import ast
import re
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE = {"caching", "languages"}
LOWER = BASE | {"categories", "authors", "images"}
MIDDLE = LOWER | {"articles"}
ALLOWED = {
    "caching": set(),
    "languages": set(),
    "categories": BASE,
    "authors": BASE,
    "images": BASE,
    "articles": LOWER,
    "readership": MIDDLE,
    "widgets": MIDDLE | {"readership"},
    "sharing": MIDDLE,
    "wordpress": MIDDLE,
    "api": MIDDLE | {"wordpress"},
    "backups": set(),
    "newsletters": MIDDLE,
}
PROJECT_APPS = set(ALLOWED) | {"newsroom", "bench"}


def readme_rules():
    """{app: set of apps it may import} as README's Layout table says."""
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    rules = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`\w+`", cells[0]):
            rules[cells[0].strip("`")] = set(re.findall(r"`(\w+)`", cells[2]))
    return rules


def test_the_rules_are_the_ones_readme_states():
    stated = readme_rules()
    assert {app: stated.get(app) for app in ALLOWED} == ALLOWED
    assert set(stated) == PROJECT_APPS


def imported_apps(path):
    """{project app: line} for every import in the file at `path`."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PROJECT_APPS:
                found.setdefault(top, node.lineno)
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = []
    for path in sorted((PROJECT_DIR / app).rglob("*.py")):
        for imported, line in imported_apps(path).items():
            if imported != app and imported not in ALLOWED[app]:
                wrong.append(f"{path.relative_to(PROJECT_DIR)}:{line} imports {imported}")
    assert not wrong, (
        f"{app} may import only {sorted(ALLOWED[app]) or 'no project app'}: " + "; ".join(wrong)
    )


def test_the_rule_catches_a_function_level_import(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from articles import services\n")
    assert imported_apps(module) == {"articles": 2}


def test_nothing_in_production_imports_the_benchmarks():
    wrong = [
        f"{path.relative_to(PROJECT_DIR)}:{line}"
        for app in [*ALLOWED, "newsroom"]
        for path in sorted((PROJECT_DIR / app).rglob("*.py"))
        for imported, line in imported_apps(path).items()
        if imported == "bench"
    ]
    assert not wrong, "production code imports bench: " + "; ".join(wrong)
