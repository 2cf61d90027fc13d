"""`generate`: population -> sessions -> landing files -> ground truth."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Callable
from pathlib import Path

from .bots import BotSimulator
from .catalog import build_catalog, write_dims
from .events import Event, IdFactory
from .layout import write_landing
from .params import GenerationParams, GenerationSummary, iso_ms, sub_rng
from .population import build_population
from .recorder import SimState
from .sessions import HumanSimulator, plan_human_sessions
from .truth import IdentityLedger, PiiLedger, write_manifest, write_truth

# Only these subdirectories are ours; anything else in out_dir is left alone.
OUTPUT_SUBDIRS = ("landing", "dims", "truth")


def generate(
    out_dir: Path,
    *,
    persons: int = 500,
    days: int = 3,
    seed: int = 7,
    start_date: datetime.date = datetime.date(2026, 10, 1),
    malformed_rate: float = 0.002,
    edge_cases: bool = False,
    files_per_day: int = 2,
    gzip_share: float = 0.5,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write a deterministic synthetic GA4 + Segment export with ground truth under `out_dir`.

    Same arguments give byte-identical files. Raises ValueError for invalid arguments.
    """
    params = GenerationParams(
        out_dir=Path(out_dir),
        persons=persons,
        days=days,
        seed=seed,
        start_date=start_date,
        malformed_rate=malformed_rate,
        edge_cases=edge_cases,
        files_per_day=files_per_day,
        gzip_share=gzip_share,
    )
    report = progress or (lambda _message: None)
    out = params.out_dir
    out.mkdir(parents=True, exist_ok=True)
    for sub in OUTPUT_SUBDIRS:  # stale files from an earlier run would break determinism
        if (out / sub).exists():
            shutil.rmtree(out / sub)

    report("building catalog and population")
    catalog = build_catalog(sub_rng(seed, "catalog"), params)
    population = build_population(
        sub_rng(seed, "population"), persons, params.period_start_us, params.period_end_us
    )
    sim = SimState(
        rng=sub_rng(seed, "sessions"),
        ids=IdFactory(sub_rng(seed, "ids")),
        period_end_us=params.period_end_us,
        identities=IdentityLedger(),
        pii=PiiLedger(),
    )

    report("simulating human sessions")
    plans = plan_human_sessions(sub_rng(seed, "plans"), population, params, catalog)
    HumanSimulator(sim, catalog, population.persons).run(plans)
    human_sessions = sum(1 for s in sim.sessions if s.events and not s.is_bot)

    report("simulating bot sessions")
    BotSimulator(sim, sub_rng(seed, "bots"), params, catalog).run(human_sessions)
    bot_sessions = sum(1 for s in sim.sessions if s.events and s.is_bot)

    report(f"writing {len(sim.events)} events")
    landing = write_landing(out, sim.events, params, sub_rng(seed, "layout"), report)
    write_dims(catalog, out, params)

    report("writing ground truth")
    write_truth(
        out / "truth",
        persons=population.persons,
        identities=sim.identities,
        sessions=sim.sessions,
        pii=sim.pii,
        shared_devices=population.shared_devices if persons > 1 else [],
        anomaly=catalog.anomaly,
        anomaly_purchases=_anomaly_purchases(
            sim.events,
            catalog.anomaly.product_id,
            catalog.anomaly.window_start_us,
            catalog.anomaly.window_end_us,
        ),
        malformed=landing.malformed,
        duplicates=landing.duplicates,
    )
    ga4_events = sum(1 for e in sim.events if e.ctx.source == "ga4")
    summary = GenerationSummary(
        persons=persons,
        ga4_events=ga4_events,
        segment_events=len(sim.events) - ga4_events,
        valid_events=len(sim.events),
        duplicate_lines=landing.duplicate_lines,
        malformed_lines=len(landing.malformed),
        bot_sessions=bot_sessions,
        human_sessions=human_sessions,
        files=len(landing.files),
        out_dir=str(out),
    )
    # out_dir is left out of the manifest so that two runs in different directories stay byte-identical.
    summary_dict = {k: v for k, v in summary.to_dict().items() if k != "out_dir"}
    args = {k: v for k, v in params.to_dict().items() if k != "out_dir"}
    write_manifest(
        out / "truth",
        summary_dict,
        args,
        {
            "edge_cases": landing.edge_cases,
            "landing_files": sorted(landing.files),
            "bot_session_share": round(bot_sessions / max(bot_sessions + human_sessions, 1), 4),
            "period": {"start": iso_ms(params.period_start_us), "end": iso_ms(params.period_end_us)},
        },
    )
    report("done")
    return summary


def _anomaly_purchases(events: list[Event], product_id: str, start_us: int, end_us: int) -> dict[str, int]:
    """Purchases of the mispriced product inside and outside its window, to size the spike."""
    inside = outside = units_inside = 0
    for event in events:
        if event.kind != "purchase":
            continue
        lines = [line for line in event.data["items"] if line["product"].product_id == product_id]
        if not lines:
            continue
        if start_us <= event.ts_us < end_us:
            inside += 1
            units_inside += sum(line["quantity"] for line in lines)
        else:
            outside += 1
    return {
        "purchases_in_window": inside,
        "purchases_outside_window": outside,
        "units_in_window": units_inside,
    }
