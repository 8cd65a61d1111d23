"""The floors of ``docs/architecture.md``, held against the imports of ``src/ivs``.

The table in the document is the rule: each package's floor and what it may import. Every
``import`` and ``from ... import`` of every module counts, wherever it stands (inside a
function, under ``TYPE_CHECKING``), since each is a dependency all the same.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "ivs"
DOCUMENT = ROOT / "docs" / "architecture.md"
# The package face (``ivs/__init__.py``: the version) may be imported from anywhere.
FACE = "ivs"
BACKENDS = ("duckdb", "pyspark")
ENGINE_FREE = ("match", "decide", "domain")

_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`([\w_]+)`\s*\|[^|]*\|([^|]*)\|\s*$")


def _table() -> tuple[dict[str, int], dict[str, set[str]]]:
    floors: dict[str, int] = {}
    allowed: dict[str, set[str]] = {}
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        found = _ROW.match(line)
        if found is None:
            continue
        floor, package, may = found.groups()
        floors[package] = int(floor)
        allowed[package] = set(re.findall(r"`([\w_]+)`", may))
    return floors, allowed


FLOORS, ALLOWED = _table()


def _package(module: Path) -> str:
    parts = module.relative_to(SOURCE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imports(module: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every absolute import in ``module``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"), str(module))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module}:{node.lineno}: relative import; write it whole"
            assert node.module is not None
            # ``from ivs.report import charts`` imports the module ivs.report.charts.
            found.extend(
                (node.lineno, _submodule(node.module, alias.name) or node.module)
                for alias in node.names
            )
    return found


def _submodule(package: str, name: str) -> str | None:
    dotted = f"{package}.{name}"
    top, _, rest = dotted.partition(".")
    if top != "ivs":
        return None
    path = SOURCE.joinpath(*rest.split("."))
    return dotted if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file() else None


def _modules() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if p.name != "__init__.py" or p.parent != SOURCE)


def _violations() -> dict[str, list[str]]:
    """Per kind of rule, each import that breaks it, as ``file:line: what``."""
    broken: dict[str, list[str]] = defaultdict(list)
    for module in _modules():
        package = _package(module)
        where = module.relative_to(ROOT)
        for line, name in _imports(module):
            top, _, rest = name.partition(".")
            if top in BACKENDS and package != "engines":
                broken["backend outside engines"].append(f"{where}:{line}: imports {name}")
            if top != "ivs" or name == FACE:
                continue
            target = rest.partition(".")[0]
            if target == package:
                continue
            if package in ENGINE_FREE and target == "engines":
                broken["engine in engine-free package"].append(f"{where}:{line}: imports {name}")
            if target not in ALLOWED.get(package, set()):
                broken["not allowed by the table"].append(f"{where}:{line}: imports {name}")
    return broken


def test_the_document_has_a_row_for_every_package() -> None:
    packages = {_package(m) for m in _modules()}
    assert packages - set(FLOORS) == set(), "place each package on a floor in the document"
    assert set(FLOORS) - packages == set(), "the document names a package that is not there"


def test_each_package_may_import_only_from_floors_below() -> None:
    upward = [
        f"{package} (floor {FLOORS[package]}) may import {other} (floor {FLOORS.get(other)})"
        for package, others in ALLOWED.items()
        for other in others
        if other not in FLOORS or FLOORS[other] >= FLOORS[package]
    ]
    assert upward == []


def test_no_import_breaks_the_floors() -> None:
    assert _violations().get("not allowed by the table", []) == []


def test_only_engines_imports_duckdb_or_pyspark() -> None:
    assert _violations().get("backend outside engines", []) == []


def test_match_decide_and_domain_do_not_import_engines() -> None:
    assert _violations().get("engine in engine-free package", []) == []


def test_no_two_modules_import_each_other() -> None:
    names = {m: ".".join(("ivs", *m.relative_to(SOURCE).with_suffix("").parts)) for m in _modules()}
    names = {m: n.removesuffix(".__init__") for m, n in names.items()}
    imported = {names[m]: {n for _, n in _imports(m)} for m in _modules()}
    pairs = sorted(
        f"{a} <-> {b}"
        for a, deps in imported.items()
        for b in deps
        if a < b and a in imported.get(b, set())
    )
    assert pairs == []


@pytest.mark.parametrize(
    ("package", "source", "rule"),
    [
        ("match", "import duckdb\n", "backend outside engines"),
        ("decide", "from ivs.engines.base import DUCKDB\n", "engine in engine-free package"),
        ("domain", "from ivs.batch.run import run_batch\n", "not allowed by the table"),
        ("store", "from ivs.ledger.log import Ledger\n", "not allowed by the table"),
    ],
)
def test_a_broken_floor_is_caught(
    package: str, source: str, rule: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The checks fail on a module that breaks them (a copy of the tree with one more file)."""
    copy = tmp_path / "src" / "ivs"
    for module in _modules():
        target = copy / module.relative_to(SOURCE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(module.read_text(encoding="utf-8"), encoding="utf-8")
    (copy / package / "intruder.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "SOURCE", copy)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert any("intruder.py" in v for v in _violations()[rule])
