"""Bot sessions: declared crawlers and monitors, automation clients, and behaviour-only bot farms."""

from __future__ import annotations

import random
from collections.abc import Callable

from . import pages
from .catalog import Catalog
from .events import DIRECT, Page, SessionContext
from .params import US_PER_SECOND, GenerationParams
from .population import Cookie
from .recorder import SessionRecorder, SimState
from .vocab import (
    AUTOMATION,
    CRAWLERS,
    DATACENTER_CITY,
    FARM_PREFIXES,
    MONITORS,
    PLAIN_CHROME,
    BotSpec,
    DeviceProfile,
)

# Bots are this share of all sessions (the brief asks for 5-10%).
BOT_SESSION_SHARE = 0.07
_KIND_SHARES = (
    ("monitoring", 0.30),
    ("crawler", 0.25),
    ("automation", 0.15),
    ("farm_ga4", 0.15),
    ("farm_segment", 0.15),
)


def _ua_profile(spec: BotSpec) -> DeviceProfile:
    return DeviceProfile("desktop_browser", spec.user_agent, "desktop", "", "", "Linux", "", "", "")


class BotSimulator:
    def __init__(self, sim: SimState, rng: random.Random, params: GenerationParams, catalog: Catalog) -> None:
        self.sim, self.rng, self.params, self.catalog = sim, rng, params, catalog
        self.start, self.end = params.period_start_us, params.period_end_us

    def run(self, human_sessions: int) -> None:
        total = max(len(_KIND_SHARES), round(human_sessions * BOT_SESSION_SHARE / (1 - BOT_SESSION_SHARE)))
        for kind, share in _KIND_SHARES:
            count = max(1, round(total * share))
            getattr(self, f"_{kind}")(count)

    def _session(
        self,
        *,
        source: str,
        bot_id: str,
        category: str,
        kind: str,
        profile: DeviceProfile,
        ip: str,
        start: int,
        n_pages: int,
        gap_us: int,
        next_page: Callable[[int], Page],
        track_items: bool = False,
    ) -> None:
        """One bot visit: evenly paced pages (tiny jitter) with no referrer and no engagement."""
        rng, sim = self.rng, self.sim
        anonymous_id = sim.ids.ga4_client_id(start) if source == "ga4" else sim.ids.uuid4()
        sim.identities.see("anonymous_id", anonymous_id, f"bot:{bot_id}")
        cookie = Cookie(active_from_us=0, prior_sessions=0, created_us=start, anonymous_id=anonymous_id)
        ctx = SessionContext(
            source=source,
            actor_id=f"bot:{bot_id}",
            anonymous_id=anonymous_id,
            session_id=start // 1_000_000 if source == "ga4" else start // 1000,
            session_number=1,
            profile=profile,
            ip=ip,
            city=DATACENTER_CITY,
            locale="en-US",
            channel=DIRECT,
            first_touch_us=start,
            is_bot=True,
            bot_category=category,
            bot_kind=kind,
        )
        sim.add_session(ctx)
        rec = SessionRecorder(sim, ctx, cookie, first_visit=True, cap=10_000, engage=False)
        t = start
        for i in range(n_pages):
            page = next_page(i)
            if not rec.page(page, t):
                break
            if track_items and page.name == "Product Detail":
                product = self.catalog.product(page.path.split("/")[2].split("-")[0].upper())
                line = {
                    "product": product,
                    "price": self.catalog.price_at_event_time(product.product_id, t, "USD"),
                    "quantity": 1,
                }
                rec.action(
                    "view_item",
                    t + rng.randint(20_000, 80_000),
                    {"items": [line], "currency": "USD", "value": line["price"]},
                )
            t += int(gap_us * (1 + rng.uniform(-0.05, 0.05)))
        if source == "segment" and ctx.events:
            sim.pii.value("IP_ADDRESS", ip, "ip", "segment")

    def _deep_link(self, _: int) -> Page:
        """Straight to a product or category URL, as a crawler working through a sitemap does."""
        product = self.rng.choice(self.catalog.products)
        if self.rng.random() < 0.75:
            return pages.product(product, "")
        return pages.category(product.category, "")

    def _monitoring(self, count: int) -> None:
        """Uptime checks: one hit on the home page at a fixed interval, around the clock."""
        monitors = MONITORS[: max(1, min(len(MONITORS), count // 40 + 1))]
        for m_index, spec in enumerate(monitors):
            n = count // len(monitors) + (1 if m_index < count % len(monitors) else 0)
            interval = (self.end - self.start) // max(n, 1)
            offset = self.rng.randint(0, max(interval - 1, 0))
            ip = f"{spec.ip_prefix}.{self.rng.randint(1, 254)}"
            for i in range(n):
                start = self.start + offset + i * interval + self.rng.randint(-500_000, 500_000)
                start = min(max(start, self.start), self.end - 1)
                self._session(
                    source="segment",
                    bot_id=spec.bot_name,
                    category=spec.category,
                    kind=spec.kind,
                    profile=_ua_profile(spec),
                    ip=ip,
                    start=start,
                    n_pages=1,
                    gap_us=US_PER_SECOND,
                    next_page=lambda _i: pages.home(""),
                )

    def _crawler(self, count: int) -> None:
        for _ in range(count):
            spec = self.rng.choice(CRAWLERS)
            self._session(
                source="segment",
                bot_id=spec.bot_name,
                category=spec.category,
                kind=spec.kind,
                profile=_ua_profile(spec),
                ip=f"{spec.ip_prefix}.{self.rng.randint(1, 254)}",
                start=self.rng.randint(self.start, self.end - 1),
                n_pages=self.rng.randint(15, 150),
                gap_us=self.rng.randint(1_000_000, 5_000_000),
                next_page=self._deep_link,
            )

    def _automation(self, count: int) -> None:
        for _ in range(count):
            spec = self.rng.choice(AUTOMATION)
            self._session(
                source="segment",
                bot_id=spec.bot_name,
                category=spec.category,
                kind=spec.kind,
                profile=_ua_profile(spec),
                ip=f"{spec.ip_prefix}.{self.rng.randint(1, 254)}",
                start=self.rng.randint(self.start, self.end - 1),
                n_pages=self.rng.randint(10, 80),
                gap_us=self.rng.randint(400_000, 1_500_000),
                next_page=self._deep_link,
                track_items=True,
            )

    def _farm(self, source: str, count: int) -> None:
        """A scraper farm with a plain browser UA: one IP, new cookie per session, many sessions a minute."""
        n_farms = max(1, count // 25)
        for farm in range(n_farms):
            n = count // n_farms + (1 if farm < count % n_farms else 0)
            ip = f"{self.rng.choice(FARM_PREFIXES)}.{self.rng.randint(1, 254)}"
            t = self.rng.randint(self.start, self.end - 1)
            for _ in range(n):
                self._session(
                    source=source,
                    bot_id=f"farm-{source}-{farm + 1}",
                    category="scraper",
                    kind="behaviour_only",
                    profile=PLAIN_CHROME,
                    ip=ip,
                    start=min(t, self.end - 1),
                    n_pages=self.rng.randint(100, 400),
                    gap_us=self.rng.randint(500_000, 2_000_000),
                    next_page=self._deep_link,
                )
                t += self.rng.randint(5, 20) * US_PER_SECOND

    def _farm_ga4(self, count: int) -> None:
        self._farm("ga4", count)

    def _farm_segment(self, count: int) -> None:
        self._farm("segment", count)
