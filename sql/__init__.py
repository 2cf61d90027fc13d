"""SQL views over the Delta tables. Each ``*.sql`` file here creates one temp view.

``register_views(spark, lake)`` first exposes every existing table of the lake's catalog as a temp view of
the same name (read through the lakehouse layer, so both Delta backends work), then runs the view
files in name order. ``clickstitch sql "SELECT ..."`` uses it.
"""

from __future__ import annotations

import logging
from importlib import resources

from pyspark.sql import SparkSession

from lakehouse import Lakehouse

log = logging.getLogger(__name__)


def view_statements() -> dict[str, str]:
    """View name (file stem) -> its CREATE VIEW statement, in name order."""
    files = sorted((f for f in resources.files(__name__).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return {f.name.removesuffix(".sql"): f.read_text(encoding="utf-8") for f in files}


def view_summaries() -> dict[str, str]:
    """View name -> the first line of its file's header comment (what the view shows)."""
    summaries = {}
    for name, statement in view_statements().items():
        first = next((line for line in statement.splitlines() if line.startswith("--")), "-- ")
        summaries[name] = first.removeprefix("--").strip().removeprefix(f"{name}:").strip()
    return summaries


def register_views(spark: SparkSession, lake: Lakehouse) -> list[str]:
    """Temp views for every table that exists, then the SQL views whose inputs exist."""
    names = []
    for spec in lake.catalog:
        if lake.exists(spec):
            register_table = getattr(lake.backend, "register_table", None)
            if register_table is not None:  # delta-spark: a catalog table (DESCRIBE HISTORY works)
                register_table(spec)
            else:
                lake.read(spec).createOrReplaceTempView(spec.name)
            names.append(spec.name)
    for name, statement in view_statements().items():
        try:
            spark.sql(statement)
            names.append(name)
        except Exception as exc:  # AnalysisException: an input table is not there yet
            log.info("view %s not created: %s", name, str(exc).splitlines()[0])
    return names
