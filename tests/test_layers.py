"""The layers of the code, as the README's "How it is built" draws them: every import points down, never up or
sideways. Read from the source with `ast`, so that a new arrow fails here before it becomes a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The domain, bottom to top: a module or package of timelines/ imports only from rows above it in this list.
DOMAIN_LAYERS = (
    {"text", "access", "gc_pause"},
    {"errors"},
    {"measures", "time"},  # lesion sizes; dates, the network, bounds, words
    {"labels", "schema"},
    {"kinds"},  # the registry of event kinds
    {"timeline"},  # the resolved case
    {"reading", "tables"},  # a case file read and validated; the case's tables
    {"saving", "endpoints", "key_events", "fhir"},
    {"summary", "cohort", "deidentify", "editing"},
    {"presentation", "cbioportal"},
    {"warehouse", "cli"},
    {"__init__", "__main__"},
)
# The interface: charts draw from the domain's tables, exports from charts, pages from both.
COMPONENT_LAYERS = ({"charts"}, {"exports"}, {"pages"})


def _unit(path: Path, base: Path) -> str:
    """The module or package of `base` that a file belongs to: timelines/time/dates.py -> 'time'."""
    return path.relative_to(base).with_suffix("").parts[0]


def _imported(path: Path, package: str) -> set[str]:
    """The units of `package` a file imports (absolute or relative), read from its source."""
    parts = [package, *path.relative_to(ROOT / package).with_suffix("").parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            here = parts[:-1] if path.name != "__init__.py" else parts[:-1]
            base = here[:len(here) - node.level + 1]
            names = [*base, *(node.module.split(".") if node.module else [])]
            targets = [names] if node.module else [[*names, alias.name] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            targets = [node.module.split(".")]
        elif isinstance(node, ast.Import):
            targets = [a.name.split(".") for a in node.names if a.name.split(".")[0] == package]
        else:
            continue
        found |= {t[1] for t in targets if len(t) > 1 and t[0] == package}
    return found


def _arrows(package: str) -> list[tuple[str, str, str]]:
    base = ROOT / package
    return [(path.relative_to(ROOT).as_posix(), _unit(path, base), unit)
            for path in sorted(base.rglob("*.py")) for unit in _imported(path, package) if unit != _unit(path, base)]


@pytest.mark.parametrize(("package", "layers"), [("timelines", DOMAIN_LAYERS), ("components", COMPONENT_LAYERS)])
def test_every_import_points_down_the_layers(package, layers):
    level = {unit: n for n, row in enumerate(layers) for unit in row}
    units = {_unit(p, ROOT / package) for p in (ROOT / package).rglob("*.py")} - {"__init__"} | \
        ({"__init__"} if package == "timelines" else set())
    assert units <= set(level), f"place {sorted(units - set(level))} in the layers of this test and the README"
    upward = [(f, a, b) for f, a, b in _arrows(package) if a in level and b in level and level[b] >= level[a]]
    assert upward == []


def test_the_layer_test_reads_relative_and_absolute_imports():
    arrows = {(a, b) for _, a, b in _arrows("timelines")}
    assert ("warehouse", "cbioportal") in arrows  # from ..cbioportal.files import ...
    assert ("cli", "fhir") in arrows  # from .fhir.bundle import ... inside a function
    assert ("timeline", "time") in arrows
