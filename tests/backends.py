"""Which Delta backend this test session runs on.

`make test` runs the suite on delta-rs, then the tests marked `backends` or `jars` again with
CLICKSTITCH_TEST_BACKEND=delta-spark: a session with the jars of `make jars` (Delta, the Kafka
source) on its classpath.
"""

from __future__ import annotations

import os

import pytest

TEST_BACKEND = os.environ.get("CLICKSTITCH_TEST_BACKEND", "delta-rs")
only_delta_rs = pytest.mark.skipif(TEST_BACKEND != "delta-rs", reason="the session without Delta's jars")
only_delta_spark = pytest.mark.skipif(TEST_BACKEND != "delta-spark", reason="the delta-spark session")
