"""One SparkSession for the whole test run (the slowest thing to build), plus shared fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

import generator
from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig, load_config
from clickstitch.drivers import run_backfill
from clickstitch.session import build_spark
from enrich import DIMENSIONS, load_dimension
from lakehouse import Lakehouse
from tests.backends import TEST_BACKEND

# The generated exports most end-to-end tests share (two days, malformed lines and edge cases), and the
# range their backfill covers.
EXPORT_FIRST_DAY = date(2026, 10, 1)
BACKFILL_RANGE = (date(2026, 9, 30), date(2026, 10, 3))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_BACKEND == "delta-spark":
        return
    skip = pytest.mark.skip(reason="needs the jars session: make test-deltaspark")
    for item in items:
        if "jars" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def test_config(tmp_path_factory: pytest.TempPathFactory) -> ClickstitchConfig:
    root = tmp_path_factory.mktemp("lake")
    base = load_config(environ={"CLICKSTITCH_HASH_KEY": "test-only-hash-key"})
    return base.with_overrides(
        {
            "lake.root": str(root),
            "lake.backend": TEST_BACKEND,
            "spark.local_jars": TEST_BACKEND == "delta-spark",
            "spark.master": "local[2]",
            "spark.shuffle_partitions": 2,
            "spark.conf": {
                "spark.sql.adaptive.enabled": "false",
                "spark.sql.warehouse.dir": str(tmp_path_factory.mktemp("warehouse")),
                "spark.default.parallelism": "2",
            },
        }
    )


@pytest.fixture(scope="session")
def spark(test_config: ClickstitchConfig) -> Iterator[SparkSession]:
    session = build_spark(test_config)
    yield session
    session.stop()


@pytest.fixture
def lake_root(tmp_path: Path) -> Path:
    """A fresh, empty lake folder per test."""
    root = tmp_path / "lake"
    root.mkdir()
    return root


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    generator.generate(out, persons=120, days=2, seed=11, start_date=EXPORT_FIRST_DAY, malformed_rate=0.01,
                       edge_cases=True)
    # The file stream takes new files in modification-time order: make that the path order.
    files = sorted(p for p in (out / "landing").rglob("*") if p.is_file())
    for offset, path in enumerate(files):
        os.utime(path, (1_790_000_000 + offset, 1_790_000_000 + offset))
    return out


def lake_for(spark: SparkSession, config: ClickstitchConfig, root: Path, landing: Path, *, load_dims: bool = True,
             **more: object) -> tuple[Lakehouse, ClickstitchConfig]:
    """A lake with the generator's dimensions loaded (every run enriches against the same ones)."""
    config = config.with_overrides({"lake.root": str(root), "landing": str(landing), **more})
    lake = open_lakehouse(spark, config)
    if load_dims:
        for name, file in generator.DIMS_FILES.items():
            load_dimension(lake, DIMENSIONS[name], landing.parent / "dims" / file)
    return lake, config


@pytest.fixture(scope="session")
def backfill_root(spark: SparkSession, test_config: ClickstitchConfig, exports: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root of one backfill of ``exports`` over BACKFILL_RANGE, shared (read-only): copy it to change it."""
    root = tmp_path_factory.mktemp("backfill")
    lake, config = lake_for(spark, test_config, root, exports / "landing")
    run_backfill(spark, lake, config, *BACKFILL_RANGE)
    return root


@pytest.fixture(scope="session")
def backfilled(spark: SparkSession, test_config: ClickstitchConfig, exports: Path, backfill_root: Path) -> Lakehouse:
    """The shared backfill (read-only), for the stream and metrics tests."""
    return lake_for(spark, test_config, backfill_root, exports / "landing", load_dims=False)[0]


def copy_of_backfill(spark: SparkSession, config: ClickstitchConfig, backfill_root: Path, exports: Path,
                     root: Path) -> tuple[Lakehouse, ClickstitchConfig]:
    """A private copy of the shared backfill's lake (Delta tables copied file by file) at ``root``."""
    shutil.copytree(backfill_root, root)
    return lake_for(spark, config, root, exports / "landing", load_dims=False)
