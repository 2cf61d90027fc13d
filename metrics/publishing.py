"""The topic records of final windows: one per window, keyed so that consumers dedupe replays."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

_PUBLISHED = ("window_kind", "window_start", "window_end", "stagger_minute", "category", "events", "page_views",
              "product_views", "add_to_carts", "purchases", "units", "revenue_reporting", "avg_price_paid",
              "avg_price_deviation", "conversion_rate", "visitors", "persons", "bot_events", "late_events")


def final_window_records(metrics: DataFrame) -> DataFrame:
    """category_metrics rows -> publish records (key, value) of the final windows.

    Needs: CATEGORY_METRICS_SCHEMA columns. Gives: key = ``category|window_start|window_kind`` (plus
    ``|stagger_minute`` for stagger windows; ISO UTC times), value = the window's metrics as JSON
    (sketches left out: the table keeps them). Only rows with ``is_final``.
    """
    stamp = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"
    key = F.concat_ws("|", "category", F.date_format("window_start", stamp), "window_kind",
                      F.date_format("stagger_minute", stamp))
    return metrics.where(F.col("is_final")).select(
        key.alias("key"), F.to_json(F.struct(*_PUBLISHED)).alias("value"))
