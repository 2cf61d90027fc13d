"""GX Data Docs under the lake: pruning the kept validation results and building the site.

Every Checkpoint run stores its validation result (one small JSON file) in the GX project under
``<lake>/_quality``. Data Docs render every stored result, so their build time grows with them
(GX #8243, #11542): ``prune_results`` keeps the newest ``max_results`` and the site is built only on
demand (``clickstitch quality --build-docs``, the demo), never per batch.
"""

from __future__ import annotations

import time
from pathlib import Path

from quality.errors import QualityError
from quality.validate import GX_FOLDER, gx_context

SITE = "local_site"


def quality_root(lake_root: Path) -> Path:
    """The GX project folder of a lake."""
    return Path(lake_root) / "_quality"


def results_folder(root: Path) -> Path:
    return Path(root) / GX_FOLDER / "uncommitted" / "validations"


def docs_index(root: Path) -> Path:
    """Where the Data Docs index page is (or will be) built."""
    return Path(root) / GX_FOLDER / "uncommitted" / "data_docs" / SITE / "index.html"


def prune_results(root: Path, max_results: int) -> int:
    """Delete all but the newest ``max_results`` stored validation results; how many were deleted."""
    folder = results_folder(root)
    if not folder.is_dir():
        return 0
    stored = sorted(folder.rglob("*.json"), key=lambda p: (p.stat().st_mtime, str(p)))
    doomed = stored[: max(0, len(stored) - max_results)]
    for path in doomed:
        path.unlink()
    for empty in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(empty.iterdir()):
            empty.rmdir()
    return len(doomed)


def build_docs(root: Path, max_results: int) -> tuple[Path, float]:
    """Prune, then build the Data Docs site from the kept results. Gives (index page, seconds)."""
    if not (Path(root) / GX_FOLDER).is_dir():
        raise QualityError(f"no quality results under {root} yet: run a backfill or the stream with quality enabled")
    prune_results(root, max_results)
    clock = time.perf_counter()
    context = gx_context(root)
    # The site is rebuilt from the kept results: pages of pruned results go too.
    site = docs_index(root).parent
    if site.is_dir():
        import shutil

        shutil.rmtree(site)
    context.build_data_docs(site_names=[SITE])
    index = docs_index(root)
    if not index.is_file():
        raise QualityError(f"GX built no Data Docs index at {index}")
    return index, round(time.perf_counter() - clock, 3)
