"""The ``clickstitch`` command. Thin: parse flags, load config, build the session, call a driver."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from clickstitch.config import HASH_KEY_ENV, ClickstitchConfig, load_config
from clickstitch.errors import ClickstitchError

log = logging.getLogger("clickstitch")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _iso_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time (YYYY-MM-DDTHH:MM, UTC): {text!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _common(parser: argparse.ArgumentParser, *, landing: bool = True) -> None:
    parser.add_argument("--config", type=Path, help="YAML config file (default: built-in defaults)")
    parser.add_argument("--lake", type=Path, help="root folder of the Delta tables (lake.root)")
    if landing:
        parser.add_argument("--input", type=Path, help="landing folder with ga4/ and segment/ (landing)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clickstitch",
        description="Clickstream identity stitching, privacy, bot detection and enrichment on Spark + Delta.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser("generate", help="write sample GA4/Segment exports with ground truth")
    generate.add_argument("--out", type=Path, required=True, help="output folder (landing/, dims/, truth/)")
    generate.add_argument("--persons", type=int, default=500, help="number of people (default 500)")
    generate.add_argument("--days", type=int, default=3, help="number of days (default 3)")
    generate.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    generate.add_argument("--start-date", type=_iso_date, default=date(2026, 10, 1), help="first day")
    generate.add_argument("--malformed-rate", type=float, default=0.002, help="share of malformed lines")
    generate.add_argument("--edge-cases", action="store_true",
                          help="add an empty file, a truncated .gz, a 5 MB line and CRLF endings")
    generate.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    generate.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    demo = commands.add_parser("demo", help="generate sample data, run the whole pipeline, summarize tables")
    demo.add_argument("--out", type=Path, default=Path("demo"), help="demo folder (default ./demo)")
    demo.add_argument("--persons", type=int, default=300, help="number of people (default 300)")
    demo.add_argument("--days", type=int, default=3, help="number of days (default 3)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    _common(demo, landing=False)

    stream = commands.add_parser("stream", help="run the ingest stream over the landing folder")
    stream.add_argument("--available-now", action="store_true", help="process what is there, then stop")
    stream.add_argument("--checkpoint", type=Path, help="checkpoint folder (stream.checkpoint_dir)")
    stream.add_argument("--kafka-bootstrap", metavar="HOST:PORT", help="read a Kafka topic instead of --input")
    stream.add_argument("--topic", help="the Kafka topic (with --kafka-bootstrap)")
    stream.add_argument("--source", choices=("segment", "ga4"), default="segment",
                        help="what the topic's messages are (default segment)")
    _common(stream)

    backfill = commands.add_parser("backfill", help="(re)process a date range; replaces those partitions")
    backfill.add_argument("--from", dest="first", type=_iso_date, required=True, help="first day YYYY-MM-DD")
    backfill.add_argument("--to", dest="last", type=_iso_date, required=True, help="last day YYYY-MM-DD")
    _common(backfill)

    sql = commands.add_parser("sql", help="run a SQL query over the tables and views (sql/*.sql)")
    sql.add_argument("query", nargs="?", help="the query; omit to list the tables and views")
    sql.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    _common(sql, landing=False)

    forget = commands.add_parser("forget", help="erase a person everywhere (right to erasure)")
    forget.add_argument("--identifier", required=True, metavar="TYPE:VALUE",
                        help="e.g. email:jane@example.com, user_id:u_123, anonymous_id:..., phone:+1...")
    _common(forget, landing=False)

    identity = commands.add_parser("identity", help="identity graph maintenance")
    identity_commands = identity.add_subparsers(dest="identity_command", required=True, metavar="ACTION")
    rebuild = identity_commands.add_parser(
        "rebuild", help="recompute the identity graph from bronze over a date range, then every profile"
    )
    rebuild.add_argument("--from", dest="first", type=_iso_date, required=True, help="first day YYYY-MM-DD")
    rebuild.add_argument("--to", dest="last", type=_iso_date, required=True, help="last day YYYY-MM-DD")
    _common(rebuild, landing=False)

    dims = commands.add_parser("dims", help="dimension tables: products, price history, FX rates")
    dims_commands = dims.add_subparsers(dest="dims_command", required=True, metavar="ACTION")
    load = dims_commands.add_parser(
        "load", help="merge dimension files (SCD2) into dim_products, dim_prices, dim_fx_rates; re-enrich the "
        "days they change"
    )
    load.add_argument("--products", type=Path, help="products file (CSV, JSON Lines or Parquet)")
    load.add_argument("--prices", type=Path, help="price history file (CSV, JSON Lines or Parquet)")
    load.add_argument("--fx", type=Path, help="FX rates: the generator's CSV, or the ECB reference-rates CSV")
    load.add_argument("--no-reenrich", action="store_true", help="leave already enriched days as they are")
    _common(load, landing=False)

    enrich = commands.add_parser("enrich", help="re-enrich a date range (event_items) from bronze and the dimensions")
    enrich.add_argument("--from", dest="first", type=_iso_date, required=True, help="first day YYYY-MM-DD")
    enrich.add_argument("--to", dest="last", type=_iso_date, required=True, help="last day YYYY-MM-DD")
    _common(enrich, landing=False)

    report = commands.add_parser("report", help="write the dashboard: one self-contained HTML page (docs/report.md)")
    report.add_argument("--out", type=Path, default=Path("report.html"), help="the page (default report.html)")
    report.add_argument("--days", type=int, help="the last N days with data (report.days, default 14)")
    _common(report, landing=False)

    quality = commands.add_parser("quality", help="latest data-quality results per table; GX Data Docs")
    quality.add_argument("--build-docs", action="store_true",
                         help="build the Data Docs site from the kept validation results, print its index page")
    quality.add_argument("--docs", action="store_true", help="print the path of the Data Docs index page")
    _common(quality, landing=False)

    anomaly = commands.add_parser("anomaly", help="anomaly detection: fit a k-means model, score windows, status "
                                  "(docs/anomaly.md)")
    anomaly_commands = anomaly.add_subparsers(dest="anomaly_command", required=True, metavar="ACTION")
    fit = anomaly_commands.add_parser(
        "fit", help="fit a model version on the last anomaly.training_days up to the last closed window")
    fit.add_argument("--until", type=_iso_time, help="train up to this UTC time (YYYY-MM-DDTHH:MM) instead of the "
                     "last closed window")
    _common(fit, landing=False)
    score = anomaly_commands.add_parser(
        "score", help="score closed windows against the latest model; alerts to anomaly_alerts and anomaly.topic")
    score.add_argument("--once", action="store_true", help="score what is closed, then stop")
    score.add_argument("--max-batches", type=int, help="stop after this many micro-batches")
    _common(score, landing=False)
    status = anomaly_commands.add_parser("status", help="model version, scorer progress, alerts, drift; why there "
                                         "is no model")
    _common(status, landing=False)

    tables = commands.add_parser("tables", help="each table with version, row count and last commit; the SQL views")
    tables.add_argument("--history", metavar="TABLE", help="show the commit history of one table")
    _common(tables, landing=False)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)-5s %(message)s",
                        datefmt="%H:%M:%S", force=True)
    for noisy in ("py4j", "pyspark"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A micro-batch that raises is logged by py4j with its traceback; the CLI says why in one line (-v: both).
    logging.getLogger("py4j.clientserver").setLevel(logging.DEBUG if args.verbose else logging.CRITICAL)
    # PySpark logs every failed query as a multi-kilobyte JSON record; the CLI says it in one line.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)


def _config(args: argparse.Namespace) -> ClickstitchConfig:
    overrides: dict[str, Any] = {
        "lake.root": getattr(args, "lake", None),
        "landing": getattr(args, "input", None),
        "stream.checkpoint_dir": getattr(args, "checkpoint", None),
    }
    return load_config(args.config).with_overrides(overrides)


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors a user can act on, from every layer: printed as one line, never a stack trace."""
    from enrich import EnrichError
    from lakehouse import LakehouseError, UnknownTableError
    from privacy import InvalidIdentifierError
    from quality import ExpectationFailedError, QualityError
    from report import ReportError

    return (ClickstitchError, LakehouseError, UnknownTableError, InvalidIdentifierError, EnrichError, ReportError,
            ExpectationFailedError, QualityError)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args)
    try:
        return _COMMANDS[args.command](args)
    except _user_errors() as exc:
        print(f"clickstitch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("clickstitch: interrupted", file=sys.stderr)
        return 130


def _generate(args: argparse.Namespace) -> int:
    import generator

    try:
        summary = generator.generate(
            args.out, persons=args.persons, days=args.days, seed=args.seed, start_date=args.start_date,
            malformed_rate=args.malformed_rate, edge_cases=args.edge_cases,
            progress=None if args.quiet else log.info,
        )
    except ValueError as exc:
        raise ClickstitchError(str(exc)) from None
    for key, value in summary.to_dict().items():
        print(f"{key:>16}: {value}")
    return 0


def _session(config: ClickstitchConfig):  # type: ignore[no-untyped-def]
    from clickstitch.catalog import open_lakehouse
    from clickstitch.session import build_spark

    spark = build_spark(config)
    return spark, open_lakehouse(spark, config)


def _stream(args: argparse.Namespace) -> int:
    from clickstitch.drivers import Drain, await_stream, check_landing, start_stream

    config = _config(args)
    kafka = getattr(args, "kafka_bootstrap", None)
    if kafka and not args.topic:
        raise ClickstitchError("--kafka-bootstrap needs --topic")
    if not kafka:
        check_landing(config.landing)
    config.secrets.hash_key_bytes()  # no key: fail before the JVM starts
    spark, lake = _session(config)
    if args.verbose:  # Spark's own stack of a failed micro-batch too (log4j2.properties keeps it quiet)
        log4j = spark.sparkContext._jvm.org.apache.logging.log4j
        log4j.core.config.Configurator.setLevel(
            "org.apache.spark.sql.execution.streaming.runtime.MicroBatchExecution", log4j.Level.ERROR)
    drain = Drain()
    drain.install()
    if kafka:
        from clickstitch.kafka_stream import start_kafka_stream

        query = start_kafka_stream(spark, lake, config, bootstrap=kafka, topic=args.topic, source=args.source,
                                   available_now=args.available_now, drain=drain)
    else:
        query = start_stream(spark, lake, config, available_now=args.available_now, drain=drain)
    if await_stream(query, drain):
        print(f"clickstitch: stream drained on {drain.signal_name}: the last micro-batch committed; "
              f"restart with the same checkpoint to continue", file=sys.stderr)
        return 0
    _print_tables(lake)
    return 0


def _backfill(args: argparse.Namespace) -> int:
    from clickstitch.drivers import check_backfill, run_backfill

    config = _config(args)
    check_backfill(config, args.first, args.last)  # fail before the JVM starts
    config.secrets.hash_key_bytes()  # no key: fail before the JVM starts
    spark, lake = _session(config)
    report = run_backfill(spark, lake, config, args.first, args.last)
    print(f"backfill {args.first}..{args.last}: {report.input_records} records -> {report.bronze_records} events, "
          f"{report.dead_letters} dead letters, {report.duplicates} duplicates, {report.out_of_range} outside range")
    _print_tables(lake)
    return 0


def _identity(args: argparse.Namespace) -> int:
    from identity.profiles import refresh_profiles
    from identity.stitch import rebuild

    config = _config(args)
    if args.last < args.first:
        raise ClickstitchError(f"--to {args.last} is before --from {args.first}")
    if not Path(config.lake.root).exists():
        raise ClickstitchError(f"no lake at {config.lake.root} (set --lake or lake.root)")
    config.secrets.hash_key_bytes()  # no key: fail before the JVM starts
    spark, lake = _session(config)
    lake.ensure_all()
    key = config.secrets.hash_key_bytes()
    report = rebuild(spark, lake, config.identity, key, args.first, args.last)
    profiles = refresh_profiles(spark, lake, config.identity, key,
                                exclude_bots=config.botdetect.exclude_bots_from_metrics)
    print(f"identity rebuild {args.first}..{args.last}: {report.identifiers} identifiers, {report.edges} edges -> "
          f"{report.persons} persons; {report.changed_identifiers} identifiers changed person, {report.merges} "
          f"merges, {report.conflicts} conflicts ({report.rounds} rounds, {report.seconds} s); "
          f"{profiles.rows} profiles")
    return 0


def _lake_session(config: ClickstitchConfig):  # type: ignore[no-untyped-def]
    if not Path(config.lake.root).exists():
        raise ClickstitchError(f"no lake at {config.lake.root} (set --lake or lake.root)")
    return _session(config)


def _dims(args: argparse.Namespace) -> int:
    from enrich import DIMENSIONS, days_to_reenrich, load_dimension

    config = _config(args)
    given = {name: getattr(args, name) for name in ("products", "prices", "fx") if getattr(args, name)}
    if not given:
        raise ClickstitchError("dims load: give at least one of --products, --prices, --fx")
    for path in given.values():
        if not path.exists():
            raise ClickstitchError(f"file not found: {path}")
    Path(config.lake.root).mkdir(parents=True, exist_ok=True)
    spark, lake = _session(config)
    reports = []
    for name, path in given.items():
        report = load_dimension(lake, DIMENSIONS[name], path, reporting_currency=config.enrich.reporting_currency,
                                raw_chars=config.ingest.dead_letter_raw_chars)
        reports.append(report)
        print(f"{report.table:<14} {report.rows_read:>8} rows read, {report.new_versions} new versions, "
              f"{report.changed_versions} closed, {report.dead_letters} dead letters (version {report.version})")
    days = None if args.no_reenrich else days_to_reenrich(lake, reports)
    if days is not None:
        print(_reenrich(spark, lake, config, days))
    return 0


def _reenrich(spark, lake, config: ClickstitchConfig, days) -> str:  # type: ignore[no-untyped-def]
    from clickstitch.reenrich import reenrich

    return str(reenrich(spark, lake, config, days))


def _enrich(args: argparse.Namespace) -> int:
    from lakehouse import DayRange

    config = _config(args)
    if args.last < args.first:
        raise ClickstitchError(f"--to {args.last} is before --from {args.first}")
    spark, lake = _lake_session(config)
    print(_reenrich(spark, lake, config, DayRange(args.first, args.last)))
    return 0


def _tables(args: argparse.Namespace) -> int:
    config = _config(args)
    if not Path(config.lake.root).exists():
        raise ClickstitchError(f"no lake at {config.lake.root} (set --lake or lake.root)")
    if args.history:
        from clickstitch.catalog import CATALOG

        spec = CATALOG.spec(args.history)  # an unknown name fails before the JVM starts
        spark, lake = _session(config)
        for commit in lake.history(spec):
            extra = {k: v for k, v in commit.parameters.items() if k.startswith("clickstitch.") or k == "mode"}
            print(f"{commit.version:>6}  {commit.timestamp:%Y-%m-%d %H:%M:%S}  {commit.operation:<14} {extra}")
        return 0
    spark, lake = _session(config)
    _print_tables(lake)
    from sql import view_summaries

    print(f"\n{'view (sql/, for clickstitch sql)':<34} what it shows")
    for name, summary in view_summaries().items():
        print(f"{name:<34} {summary}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from report import build_report

    config = _config(args).with_overrides({"report.days": args.days})  # validated like the file: days >= 1
    _, lake = _lake_session(config)
    print(build_report(lake, args.out, config.report).line())
    return 0


def _quality(args: argparse.Namespace) -> int:
    from quality import QUALITY_RESULTS, build_docs, docs_index, quality_root

    config = _config(args)
    if not Path(config.lake.root).exists():
        raise ClickstitchError(f"no lake at {config.lake.root} (set --lake or lake.root)")
    root = quality_root(config.lake.root)
    if args.build_docs:
        index, seconds = build_docs(root, config.quality.docs_max_results)
        print(f"data docs built in {seconds} s: {index}")
        return 0
    if args.docs:
        index = docs_index(root)
        if not index.is_file():
            raise ClickstitchError(f"no Data Docs at {index} yet: run `clickstitch quality --build-docs`")
        print(index)
        return 0
    _, lake = _session(config)
    if not lake.exists(QUALITY_RESULTS):
        raise ClickstitchError("no quality results yet: run a backfill or the stream with quality.enabled")
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # Each table's latest check: the window is a column first (Spark allows no window in WHERE).
    latest = lake.read(QUALITY_RESULTS).withColumn(
        "latest_checked_at", F.max("checked_at").over(Window.partitionBy("table")))
    rows = latest.where(F.col("checked_at") == F.col("latest_checked_at")).orderBy("table", "expectation").collect()
    print(f"{'table':<14} {'expectation':<28} {'action':<6} {'ok':<5} {'unexpected':>10} {'%':>7}  batch")
    for row in rows:
        percent = "-" if row["unexpected_percent"] is None else f"{row['unexpected_percent']:.2f}"
        count = "-" if row["unexpected_count"] is None else str(row["unexpected_count"])
        print(f"{row['table']:<14} {row['expectation']:<28} {row['action']:<6} {str(row['success']).lower():<5} "
              f"{count:>10} {percent:>7}  {row['batch_id']}")
    return 0


def _print_tables(lake) -> None:  # type: ignore[no-untyped-def]
    print(f"{'table':<22} {'version':>7} {'rows':>10} {'files':>6}  last commit (UTC)")
    for spec in lake.catalog:
        if not lake.exists(spec):
            print(f"{spec.name:<22} {'-':>7} {'-':>10} {'-':>6}  (not created yet)")
            continue
        info = lake.info(spec)
        when = f"{info.last_commit:%Y-%m-%d %H:%M:%S}" if info.last_commit else "-"
        print(f"{info.name:<22} {info.version:>7} {info.rows:>10} {info.files:>6}  {when}")


def _demo(args: argparse.Namespace) -> int:
    import generator
    from clickstitch.drivers import run_backfill

    out = args.out
    log.info("demo: generating %d persons x %d days into %s", args.persons, args.days, out)
    start = date(2026, 10, 1)
    generator.generate(out, persons=args.persons, days=args.days, seed=args.seed, start_date=start,
                       edge_cases=True, progress=log.info)
    environ = dict(os.environ)
    if HASH_KEY_ENV not in environ:  # a demo key of its own, kept with the demo so reruns hash alike
        key_file = out / "hash.key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        environ["CLICKSTITCH__SECRETS__HASH_KEY_FILE"] = str(key_file)
    config = load_config(args.config, environ).with_overrides(
        {"landing": str(out / "landing"), "lake.root": str(args.lake or out / "lake"),
         "stream.checkpoint_dir": str((args.lake or out / "lake") / "_checkpoints" / "stream")}
    )
    spark, lake = _session(config)
    from enrich import DIMENSIONS, load_dimension

    for name, file in generator.DIMS_FILES.items():
        load_dimension(lake, DIMENSIONS[name], out / "dims" / file, reporting_currency=config.enrich.reporting_currency)
    report = run_backfill(spark, lake, config, start - timedelta(days=1), start + timedelta(days=args.days))
    print()
    print(f"demo: {report.input_records} records from {report.files} files -> {report.bronze_records} events, "
          f"{report.dead_letters} dead letters, {report.duplicates} duplicates "
          f"(balanced: {report.balanced()})")
    print()
    _print_tables(lake)
    print()
    from pyspark.sql import functions as F

    print("dead letters by reason:")
    for row in lake.read("dead_letter").groupBy("reason").count().orderBy(F.desc("count")).collect():
        print(f"  {row['reason']:<22} {row['count']:>6}")
    print("events by source and day:")
    by_day = lake.read("events_bronze").groupBy("source", "event_date").count().orderBy("source", "event_date")
    for row in by_day.collect():
        print(f"  {row['source']:<8} {row['event_date']}  {row['count']:>7}")
    if config.quality.enabled:
        from quality import build_docs, quality_root

        index, seconds = build_docs(quality_root(config.lake.root), config.quality.docs_max_results)
        print(f"\ndata quality: `clickstitch quality --lake {config.lake.root}`; Data Docs ({seconds} s): {index}")
    print(f"\ntables are under {config.lake.root}; open them with deltalake.DeltaTable or any Delta reader")
    return 0


def _sql(args: argparse.Namespace) -> int:
    from sql import register_views

    config = _config(args)
    if not Path(config.lake.root).exists():
        raise ClickstitchError(f"no lake at {config.lake.root} (set --lake or lake.root)")
    spark, lake = _session(config)
    names = register_views(spark, lake)
    if not args.query:
        print("tables and views:", ", ".join(names) or "(none yet: run a backfill or the stream first)")
        return 0
    try:
        result = spark.sql(args.query)
    except Exception as exc:  # a user's SQL mistake: say what Spark said, no stack trace
        raise ClickstitchError(f"query failed: {_first_line(exc)}") from None
    try:
        result.show(args.limit, truncate=False)
    except Exception as exc:  # a runtime error of the query (a bad cast, a division by zero in ANSI mode)
        raise ClickstitchError(f"query failed: {_first_line(exc)}") from None
    return 0


def _first_line(exc: Exception) -> str:
    """The first line of Spark's message, without the JVM stack trace."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _forget(args: argparse.Namespace) -> int:
    from privacy import forget, parse_identifier

    config = _config(args)
    key = config.secrets.hash_key_bytes()
    parse_identifier(args.identifier, config.privacy.default_phone_region)  # a bad one fails before the JVM
    if not Path(config.lake.root).exists():
        raise ClickstitchError(f"no lake at {config.lake.root} (set --lake or lake.root)")
    spark, lake = _session(config)
    receipt = forget(spark, lake, args.identifier, config.privacy, key)
    for table, rows in sorted(receipt.rows_removed.items()):
        print(f"{table:<22} {rows:>8} rows removed")
    print(f"total {receipt.total_rows_removed} rows removed; receipt written to forget_receipts")
    return 0


def _anomaly(args: argparse.Namespace) -> int:
    import signal

    from clickstitch import anomaly_jobs

    config = _config(args)
    spark, lake = _lake_session(config)
    if args.anomaly_command == "fit":
        outcome = anomaly_jobs.fit(spark, lake, config, args.until)
        print(outcome.line())
        return 0
    if args.anomaly_command == "status":
        for line in anomaly_jobs.status_lines(lake, config):
            print(line)
        return 0
    stop: list[str] = []

    def _drain(signum: int, _frame: object) -> None:
        stop.append(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, _drain)
    try:
        ran = anomaly_jobs.score_loop(spark, lake, config, once=args.once, max_batches=args.max_batches,
                                      should_stop=lambda: bool(stop), report=lambda o: print(o.line(), flush=True))
    finally:
        signal.signal(signal.SIGTERM, previous)
    if stop:
        print(f"clickstitch: anomaly scorer drained on {stop[0]} after {ran} batches", file=sys.stderr)
    return 0


_COMMANDS = {
    "anomaly": _anomaly,
    "dims": _dims,
    "enrich": _enrich,
    "identity": _identity,
    "sql": _sql,
    "forget": _forget,
    "generate": _generate,
    "demo": _demo,
    "stream": _stream,
    "backfill": _backfill,
    "tables": _tables,
    "report": _report,
    "quality": _quality,
}

if __name__ == "__main__":
    sys.exit(main())
