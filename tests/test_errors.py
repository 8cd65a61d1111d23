"""One error hierarchy: every error ivs raises on purpose is in ``domain/errors.py``, under
``IvsError``, and drawn in that module's docstring."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from ivs.domain import errors

SOURCE = Path(__file__).resolve().parents[1] / "src" / "ivs"


def _error_classes_outside() -> list[str]:
    found = []
    for module in sorted(SOURCE.rglob("*.py")):
        if module == SOURCE / "domain" / "errors.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else ast.unparse(b) for b in node.bases}
                if "IvsError" in bases or any(b.endswith("Error") for b in bases):
                    found.append(f"{module.relative_to(SOURCE)}:{node.lineno}: {node.name}")
    return found


def test_no_error_class_is_defined_outside_the_hierarchy_module() -> None:
    assert _error_classes_outside() == []


def test_every_error_is_under_the_root_and_drawn_in_the_docstring() -> None:
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if c.__module__ == errors.__name__ and issubclass(c, Exception)
    ]
    assert all(issubclass(c, errors.IvsError) for c in classes)
    drawn = errors.__doc__ or ""
    assert [c.__name__ for c in classes if not re.search(rf"\b{c.__name__}\b", drawn)] == []
    assert sorted(c.__name__ for c in classes) == sorted(
        n for n in errors.__all__ if n != "Problem"
    )
