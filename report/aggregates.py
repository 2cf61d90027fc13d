"""The report's aggregates: each a pure ``DataFrame -> DataFrame`` whose result is small.

Every result is bounded by a count of days, windows, batches or rows given as an argument, never by
the size of the table, so the report brings only these few rows to the driver.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

OTHER = "(other)"


def _latest_days(df: DataFrame, day: str, days: int) -> DataFrame:
    """The rows of the last ``days`` days that hold data (by the day column ``day``)."""
    # A sort and limit over the distinct days, not a window: an unpartitioned window warns on every run.
    wanted = df.select(day).distinct().orderBy(F.col(day).desc()).limit(days)
    return df.join(F.broadcast(wanted), on=day, how="left_semi")


def _share(part: Column, whole: Column) -> Column:
    return F.when(whole > 0, F.round(part / whole, 6))


def metrics_over_time(metrics: DataFrame, *, days: int, max_windows: int, top_categories: int) -> DataFrame:
    """category_metrics -> per window kind, window and category: events, purchases, revenue, conversion.

    Needs window_kind, window_start, window_end, category, events, purchases, revenue_reporting,
    conversion_rate, bot_events, late_events, window_date. Keeps the last ``days`` window dates and, per
    kind, the latest ``max_windows`` window starts; names the ``top_categories`` largest categories by
    events and sums the rest as ``(other)`` (conversion_rate: purchases / events-weighted mean of theirs).
    Gives window_kind, window_start, window_end, category, events, purchases, revenue_reporting,
    conversion_rate, bot_events, late_events; at most kinds x max_windows x (top_categories + 1) rows.
    """
    recent = _latest_days(metrics, "window_date", days)
    starts = recent.select("window_kind", "window_start").distinct().withColumn(
        "_rank", F.row_number().over(Window.partitionBy("window_kind").orderBy(F.col("window_start").desc())))
    recent = recent.join(starts.where(F.col("_rank") <= max_windows).drop("_rank"),
                         on=["window_kind", "window_start"], how="left_semi")
    category = F.coalesce(F.col("category"), F.lit("(none)"))
    sizes = recent.groupBy(category.alias("category")).agg(F.sum("events").alias("_size"))
    named = sizes.orderBy(F.col("_size").desc(), F.col("category")).limit(top_categories).select(
        F.col("category").alias("_named"))
    labelled = recent.withColumn("category", category).join(
        F.broadcast(named), F.col("category") == F.col("_named"), "left").withColumn(
        "category", F.when(F.col("_named").isNull(), F.lit(OTHER)).otherwise(F.col("category")))
    converting = F.coalesce(F.col("conversion_rate"), F.lit(0.0)) * F.col("events")
    return labelled.groupBy("window_kind", "window_start", "window_end", "category").agg(
        F.sum("events").alias("events"),
        F.sum("purchases").alias("purchases"),
        F.round(F.sum("revenue_reporting"), 2).alias("revenue_reporting"),
        _share(F.sum(converting), F.sum("events")).alias("conversion_rate"),
        F.sum("bot_events").alias("bot_events"),
        F.sum("late_events").alias("late_events"),
    )


def sessions_by_day(sessions: DataFrame, *, days: int) -> DataFrame:
    """sessions -> per session_date: human sessions, converted ones, conversion rate, mean duration,
    revenue, and bot sessions. Needs session_date, is_bot, converted, duration_seconds,
    revenue_reporting. At most ``days`` rows."""
    recent = _latest_days(sessions, "session_date", days)
    human = ~F.coalesce(F.col("is_bot"), F.lit(False))
    counted = F.count(F.when(human, True))
    converted = F.count(F.when(human & F.coalesce(F.col("converted"), F.lit(False)), True))
    return recent.groupBy("session_date").agg(
        counted.alias("sessions"),
        converted.alias("converted_sessions"),
        _share(converted, counted).alias("conversion_rate"),
        F.round(F.avg(F.when(human, F.col("duration_seconds"))), 1).alias("avg_duration_seconds"),
        F.round(F.sum(F.when(human, F.col("revenue_reporting"))), 2).alias("revenue_reporting"),
        F.count(F.when(~human, True)).alias("bot_sessions"),
    )


def sessions_by_channel(sessions: DataFrame, *, days: int, top: int) -> DataFrame:
    """sessions -> per traffic source / medium (the ``top`` largest by human sessions): sessions,
    converted sessions and conversion rate of human sessions in the last ``days`` days."""
    recent = _latest_days(sessions, "session_date", days).where(~F.coalesce(F.col("is_bot"), F.lit(False)))
    channel = F.concat_ws(" / ", F.coalesce(F.col("traffic_source"), F.lit("(direct)")),
                          F.coalesce(F.col("traffic_medium"), F.lit("(none)")))
    converted = F.count(F.when(F.coalesce(F.col("converted"), F.lit(False)), True))
    return recent.groupBy(channel.alias("channel")).agg(
        F.count(F.lit(1)).alias("sessions"), converted.alias("converted_sessions"),
        _share(converted, F.count(F.lit(1))).alias("conversion_rate"),
    ).orderBy(F.col("sessions").desc(), "channel").limit(top)


def bot_share_by_day(silver: DataFrame, *, days: int) -> DataFrame:
    """events_silver -> per event_date: events, bot events and their share. Needs event_date, is_bot."""
    recent = _latest_days(silver, "event_date", days)
    bots = F.count(F.when(F.col("is_bot"), True))
    return recent.groupBy("event_date").agg(
        F.count(F.lit(1)).alias("events"), bots.alias("bot_events"), _share(bots, F.count(F.lit(1))).alias("bot_share"))


def ingest_by_batch(batches: DataFrame, *, max_batches: int) -> DataFrame:
    """ingest_batches -> the latest ``max_batches`` batches: records in, to bronze, dead letters,
    duplicates, out of range (the columns as they are, ordered by finished_at)."""
    latest = batches.orderBy(F.col("finished_at").desc_nulls_last(), F.col("batch_id").desc()).limit(max_batches)
    return latest.select("batch_id", "driver", "finished_at", "input_records", "bronze_records", "dead_letters",
                         "duplicates", "out_of_range")


def dead_letters_by_reason(dead: DataFrame, *, top: int) -> DataFrame:
    """dead_letter -> records per (stage, reason), the ``top`` largest. Needs stage, reason."""
    return dead.groupBy(F.coalesce(F.col("stage"), F.lit("?")).alias("stage"),
                        F.coalesce(F.col("reason"), F.lit("?")).alias("reason")).agg(
        F.count(F.lit(1)).alias("records")).orderBy(F.col("records").desc(), "stage", "reason").limit(top)


def latest_alerts(alerts: DataFrame, *, rows: int) -> DataFrame:
    """anomaly_alerts -> the latest ``rows`` alerts by window_start (all their columns); recoveries (severity
    ``resolved``, docs/anomaly.md) are left out."""
    return alerts.where(F.coalesce(F.col("severity"), F.lit("")) != "resolved").orderBy(
        F.col("window_start").desc_nulls_last(), "key_kind", "key").limit(rows)


def quality_by_suite(results: DataFrame) -> DataFrame:
    """quality_results -> per (table, suite): checks run, checks failed, last checked_at.
    One row per suite of a table: small by construction."""
    failed = F.count(F.when(~F.coalesce(F.col("success"), F.lit(False)), True))
    return results.groupBy("table", "suite").agg(
        F.count(F.lit(1)).alias("checks"), failed.alias("failed"), F.max("checked_at").alias("last_checked_at"))


def latest_quality_results(results: DataFrame, *, rows: int) -> DataFrame:
    """quality_results -> the latest ``rows`` results, failed ones first."""
    return results.orderBy(F.col("success").asc_nulls_first(), F.col("checked_at").desc_nulls_last(),
                           "table", "suite", "expectation").limit(rows)
