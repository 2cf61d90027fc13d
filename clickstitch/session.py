"""The one place that builds the SparkSession.

Library code never builds a session: it takes ``spark`` as an argument. Under ``spark-submit``
the master and conf come from the submitter and are left alone; run from Python, the session
is local with the settings below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pyspark import SparkConf
from pyspark.sql import SparkSession

from clickstitch.config import ClickstitchConfig
from clickstitch.errors import EnvironmentProblem

MIN_JAVA_MAJOR = 17
JAVA_HINT = "install Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"

# Settings the pipeline relies on, whatever the deployment.
_REQUIRED_CONF = {
    "spark.sql.session.timeZone": "UTC",
    # Delta readers expect INT64 micros, not Spark's legacy INT96.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # Our own Delta layer decides where files go; Spark must not leave _SUCCESS markers there.
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    # Frames built from driver data (createDataFrame with Arrow) above 1 MB become partitioned RDDs,
    # not a LocalRelation whose rows ride inside every task of every plan that reads it.
    "spark.sql.execution.arrow.localRelationThreshold": str(1024 * 1024),
    # Progress is reported by clickstitch's own log lines, not Spark's console bar.
    "spark.ui.showConsoleProgress": "false",
}


def java_major_version(java_home: str | None = None) -> int:
    """Major version of the Java that Spark will start, or raise with what to install."""
    java_home = java_home if java_home is not None else os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise EnvironmentProblem(f"Java not found: {JAVA_HINT}")
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot run {java} ({exc}): {JAVA_HINT}") from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        raise EnvironmentProblem(f"cannot tell the version of {java}: {JAVA_HINT}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_392" style
        major = int(match.group(2))
    return major


JARS_DIR_ENV = "CLICKSTITCH_JARS_DIR"
_DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
_DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"


def local_jars_dir() -> Path | None:
    """The folder `make jars` filled (Delta and the Kafka source), or None where it was not run.

    ``$CLICKSTITCH_JARS_DIR`` wins; else ``.jars/spark`` of the checkout this package runs from.
    """
    named = os.environ.get(JARS_DIR_ENV)
    folder = Path(named) if named else Path(__file__).resolve().parents[1] / ".jars" / "spark"
    return folder if folder.is_dir() and any(folder.glob("*.jar")) else None


def local_jars() -> list[Path]:
    folder = local_jars_dir()
    return sorted(folder.glob("*.jar")) if folder else []


def _under_spark_submit() -> bool:
    # spark-submit starts the JVM first and hands its gateway port to Python.
    return "PYSPARK_GATEWAY_PORT" in os.environ


def build_spark(config: ClickstitchConfig) -> SparkSession:
    """Return the session for this process: reuse spark-submit's, or start a local one.

    A session already running in this process (a command called in-process by a notebook or a test) is
    returned as it is: Spark would apply only the runtime part of this config to it, for example Delta's
    catalog without Delta's jars.
    """
    existing = SparkSession.getActiveSession()
    if existing is not None:
        return existing
    if not _under_spark_submit():
        major = java_major_version()
        if major < MIN_JAVA_MAJOR:
            raise EnvironmentProblem(f"Java {major} found, Spark 4 needs Java {MIN_JAVA_MAJOR}+: {JAVA_HINT}")
        # Python workers must run the same interpreter (and virtualenv) as the driver.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    builder = SparkSession.builder.appName(config.spark.app_name)
    submitted = SparkConf()
    if not submitted.contains("spark.master"):
        builder = builder.master(config.spark.master)
        builder = builder.config("spark.driver.memory", config.spark.driver_memory)
        builder = builder.config("spark.ui.enabled", str(config.spark.ui_enabled).lower())
        builder = builder.config("spark.sql.shuffle.partitions", str(config.spark.shuffle_partitions))
        # Reads name their files (from the Delta log): a local disk stats them in the driver faster
        # than a listing job Spark would launch for more than 32 paths.
        builder = builder.config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
        log4j = Path(__file__).with_name("log4j2.properties")
        builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
    jars = _jars_to_add(config, submitted)
    if jars:
        builder = builder.config("spark.jars", ",".join(str(j) for j in jars))
    if config.lake.backend == "delta-spark" or any(j.name.startswith("delta-spark_") for j in jars):
        builder = builder.config("spark.sql.extensions", _DELTA_EXTENSION)
        builder = builder.config("spark.sql.catalog.spark_catalog", _DELTA_CATALOG)
        if not submitted.contains("spark.master"):
            # Delta rebuilds a table's state in 50 partitions by default: too many tasks for one machine.
            builder = builder.config("spark.databricks.delta.snapshotPartitions", str(config.spark.shuffle_partitions))
    for key, value in _REQUIRED_CONF.items():
        builder = builder.config(key, value)
    for key, value in config.spark.conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(config.spark.log_level)
    return spark


def _jars_to_add(config: ClickstitchConfig, submitted: SparkConf) -> list[Path]:
    """The local jars, unless spark-submit (or the config) already chose the session's jars."""
    if _under_spark_submit() or not config.spark.local_jars:
        return []
    chosen = ("spark.jars", "spark.jars.packages")
    if any(submitted.contains(key) or key in config.spark.conf for key in chosen):
        return []
    return local_jars()


def _check_java_cli() -> int:
    """`python -m clickstitch.session`: one line saying whether Java fits (used by `make`)."""
    try:
        major = java_major_version()
    except EnvironmentProblem as exc:
        print(f"clickstitch: {exc}", file=sys.stderr)
        return 1
    if major < MIN_JAVA_MAJOR:
        print(f"clickstitch: Java {major} found, Spark 4 needs Java {MIN_JAVA_MAJOR}+: {JAVA_HINT}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_check_java_cli())
