"""Layers point one way: stage packages never import the orchestration package (an import scan)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORCHESTRATION = "clickstitch"
ENTRY_POINTS = "jobs"  # thin spark-submit entry points over the orchestration package
STAGE_PACKAGES = ("lakehouse", "ingest", "identity", "privacy", "botdetect", "enrich", "quality", "metrics", "anomaly",
                  "publish", "generator", "sql", "report")


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, wherever the import stands (TYPE_CHECKING blocks and functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", [p for p in STAGE_PACKAGES if (ROOT / p).is_dir()])
def test_stage_packages_do_not_import_the_orchestration_package(package: str) -> None:
    offenders = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / package).rglob("*.py")
        for module in _imported_modules(path)
        if module == ORCHESTRATION or module.startswith(f"{ORCHESTRATION}.")
    )
    assert not offenders, offenders


def test_every_top_level_package_is_a_scanned_stage_or_orchestration() -> None:
    """A new stage package is scanned from its first commit: listing it above is not left to memory."""
    top_level = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name != "tests"}
    known = {ORCHESTRATION, ENTRY_POINTS, *STAGE_PACKAGES}
    assert top_level == known, sorted(top_level ^ known)


def test_the_scan_sees_an_upward_import(tmp_path: Path) -> None:
    planted = tmp_path / "upward.py"
    planted.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from clickstitch.config import X\n")
    assert "clickstitch.config" in _imported_modules(planted)


def test_every_top_level_package_is_packaged() -> None:
    """A package the wheel leaves out works in this checkout and fails wherever clickstitch is installed."""
    import tomllib

    from setuptools import find_packages

    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packaged = set(find_packages(str(ROOT), include=include))
    top_level = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name != "tests"}
    assert top_level <= packaged, sorted(top_level - packaged)
