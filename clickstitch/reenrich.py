"""Late dimensions: re-enrich days already processed, and everything derived from their enrichment.

``dims load`` (for the days its rows cover) and ``clickstitch enrich --from --to`` call ``reenrich``:
``event_items`` of the days is recomputed against the dimensions as they are now, silver's
``revenue_reporting`` of those days follows it, the day-recomputed outputs that read them (the
``metrics`` step: sessions and category metrics) are recomputed for those days, and the profiles of the
persons with events on those days are refreshed (lifetime revenue). The result equals enriching with
these dimensions from the start.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import EVENTS_SILVER
from clickstitch.config import ClickstitchConfig
from clickstitch.sinks import StreamSink
from clickstitch.steps import Frames, MetricsStep, QualityResultsStep, StepContext
from enrich import EVENT_ITEMS, reenrich_days, revenue_by_event
from identity import current_map, event_identifiers, event_persons, refresh_profiles
from ingest import BatchContext
from lakehouse import EVENTS_BRONZE, DayRange, Lakehouse

log = logging.getLogger(__name__)
ENRICH_WRITER = "clickstitch-enrich"


@dataclass(frozen=True)
class ReenrichReport:
    days: DayRange
    item_rows: int
    silver_rows: int
    profiles: int

    def __str__(self) -> str:
        return (f"re-enriched {self.days}: event_items {self.item_rows} rows, events_silver {self.silver_rows} rows "
                f"(revenue_reporting), customer_profiles {self.profiles} rows")


def reenrich(spark: SparkSession, lake: Lakehouse, config: ClickstitchConfig, days: DayRange) -> ReenrichReport:
    """Recompute event_items, silver's revenue and the touched profiles for the inclusive day range."""
    batch = (lake.committed_batch(EVENT_ITEMS, ENRICH_WRITER) or 0) + 1
    items = reenrich_days(lake, EVENTS_BRONZE, days, config.enrich, ENRICH_WRITER, batch)
    if not lake.exists(EVENTS_SILVER):  # dimensions loaded before any batch: nothing derived yet
        return ReenrichReport(days, items.rows, 0, 0)
    hash_key = config.secrets.hash_key_bytes()
    values: dict[str, Sequence[str]] = {"event_date": days.days()}
    revenue = revenue_by_event(lake.read(EVENT_ITEMS, values))
    silver = lake.read(EVENTS_SILVER, values).drop("revenue_reporting").join(revenue, "event_id", "left")
    # Materialized: the replace overwrites the files this frame is read from.
    rows = silver.select(*EVENTS_SILVER.schema.fieldNames()).localCheckpoint(eager=True)
    silver_result = lake.replace_partitions(EVENTS_SILVER, rows, days.bounds(), ENRICH_WRITER, batch)
    # The pipeline's own step recomputes what it derives from those silver days (committed by its sink).
    sink = StreamSink(ENRICH_WRITER, batch)
    batch_context = BatchContext(f"{ENRICH_WRITER}-{batch}", datetime.now(UTC))
    step_context = StepContext(spark, lake, config, sink, batch_context, hash_key)
    checked = MetricsStep().run(Frames({"silver_days": days}), step_context)
    for write in QualityResultsStep().run(Frames(dict(checked.frames)), step_context).writes:
        sink.commit(lake, write)
    identifiers = event_identifiers(lake.read(EVENTS_BRONZE, values), hash_key, config.identity)
    persons = event_persons(identifiers, current_map(lake, identifiers)).select("person_id")
    profiles = refresh_profiles(spark, lake, config.identity, hash_key, persons.where(F.col("person_id").isNotNull()),
                                exclude_bots=config.botdetect.exclude_bots_from_metrics)
    report = ReenrichReport(days, items.rows, silver_result.rows, profiles.rows)
    log.info("%s", report)
    return report
