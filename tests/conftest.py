"""One SparkSession for the whole test run (the slowest thing to build), plus shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from clickstitch.config import ClickstitchConfig, load_config
from clickstitch.session import build_spark
from tests.backends import TEST_BACKEND


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
