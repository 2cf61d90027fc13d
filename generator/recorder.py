"""Turns session-level actions into hits, the way each source's client library would send them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .events import Event, IdFactory, Page, SessionContext
from .population import Cookie
from .truth import IdentityLedger, PiiLedger

MAX_HUMAN_EVENTS = 30


@dataclass(slots=True)
class SimState:
    """Shared simulation state: id minting, the event list and the truth ledgers."""

    rng: random.Random
    ids: IdFactory
    period_end_us: int
    identities: IdentityLedger
    pii: PiiLedger
    events: list[Event] = field(default_factory=list)
    sessions: list[SessionContext] = field(default_factory=list)

    def add_session(self, ctx: SessionContext) -> None:
        self.sessions.append(ctx)


class SessionRecorder:
    """Emits the hits of one session, stopping at the event cap or the end of the period.

    GA4 gets its automatic events (session_start, first_visit, scroll, user_engagement); Segment gets
    page/screen calls and track calls. Methods return False once the session can take no more events.
    """

    def __init__(
        self,
        sim: SimState,
        ctx: SessionContext,
        cookie: Cookie,
        *,
        first_visit: bool,
        cap: int,
        user_id: str | None = None,
        engage: bool = True,
    ) -> None:
        self.sim = sim
        self.ctx = ctx
        self.cookie = cookie
        self.first_visit = first_visit
        self.cap = cap
        self.user_id = user_id
        self.engage = engage
        self.started = False
        self.full = False
        self.current_page: Page | None = None
        self.page_loaded_us = 0
        self.ordering = 0
        self.user_properties: list[tuple[str, str]] = []

    @property
    def count(self) -> int:
        return self.ctx.events

    def _room(self, needed: int, at_us: int) -> bool:
        if self.full or at_us >= self.sim.period_end_us or self.count + needed > self.cap:
            self.full = True
            return False
        return True

    def _emit(
        self,
        kind: str,
        at_us: int,
        page: Page | None,
        data: dict[str, Any] | None = None,
        batch_index: int = 0,
        new_bundle: bool = True,
    ) -> Event:
        ctx, cookie, rng = self.ctx, self.cookie, self.sim.rng
        event = Event(at_us, kind, ctx, page, self.user_id, data or {}, seq=len(self.sim.events))
        if ctx.source == "ga4":
            event.prev_ts_us = cookie.last_ts_by_event.get(kind)
            cookie.last_ts_by_event[kind] = at_us
            if new_bundle:
                cookie.bundle_seq += 1
                self.ordering += 1
            event.bundle_seq = cookie.bundle_seq
            event.batch_index = batch_index
            event.batch_page_id = self.page_loaded_us // 1000
            event.batch_ordering_id = self.ordering
        else:
            event.message_id = self.sim.ids.segment_message_id(ctx.is_app)
            event.send_delay_us = (
                rng.randint(1_000_000, 30_000_000) if ctx.is_app else rng.randint(40_000, 2_000_000)
            )
            event.network_us = rng.randint(20_000, 350_000)
        self.sim.events.append(event)
        ctx.events += 1
        return event

    def page(self, page: Page, at_us: int) -> bool:
        """A page load (web) or screen (app); GA4 adds session_start and first_visit on the first one."""
        if self.ctx.source == "ga4":
            if self.started and self.engage and self.sim.rng.random() < 0.5:
                self._leave_page(at_us)
            extra = 0 if self.started else (2 if self.first_visit else 1)
            if not self._room(1 + extra, at_us):
                return False
            self.current_page, self.page_loaded_us, self.ordering = page, at_us, 0
            first = not self.started
            self._emit("page", at_us, page, {"entrances": first})
            if first:
                self._emit("session_start", at_us, page, batch_index=1, new_bundle=False)
                if self.first_visit:
                    self._emit("first_visit", at_us, page, batch_index=2, new_bundle=False)
            self.started = True
            if self.engage and self.sim.rng.random() < 0.35:
                scroll_at = at_us + self.sim.rng.randint(3_000_000, 20_000_000)
                if self._room(1, scroll_at):
                    self._emit("scroll", scroll_at, page, {"engagement_ms": (scroll_at - at_us) // 1000})
            return True
        if not self._room(1, at_us):
            return False
        self.current_page, self.page_loaded_us = page, at_us
        self.started = True
        self._emit("screen" if self.ctx.is_app else "page", at_us, page)
        return True

    def _leave_page(self, at_us: int) -> None:
        leave_at = at_us - self.sim.rng.randint(50_000, 400_000)
        if leave_at > self.page_loaded_us and self._room(1, leave_at):
            self._emit(
                "user_engagement",
                leave_at,
                self.current_page,
                {"engagement_ms": max(1, (leave_at - self.page_loaded_us) // 1000)},
            )

    def action(self, kind: str, at_us: int, data: dict[str, Any] | None = None) -> bool:
        """A non-page event on the current page (search results, item view, cart, purchase, login...)."""
        if not self.started or not self._room(1, at_us):
            self.full = self.full or not self.started
            return False
        self._emit(kind, at_us, self.current_page, data)
        return True

    def identify(self, at_us: int, traits: dict[str, Any]) -> bool:
        """Segment identify; GA4 has no such call."""
        if self.ctx.source != "segment" or not self._room(1, at_us):
            return False
        self._emit("identify", at_us, self.current_page, {"traits": traits})
        return True
