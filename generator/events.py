"""Source-neutral session and event records that the GA4 and Segment renderers turn into rows."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from .vocab import City, DeviceProfile


@dataclass(frozen=True, slots=True)
class Channel:
    """How a session arrived: GA4 traffic_source and Segment context.campaign."""

    source: str
    medium: str
    name: str
    referrer: str  # full referrer URL, "" for direct


DIRECT = Channel("(direct)", "(none)", "(direct)", "")


@dataclass(slots=True)
class SessionContext:
    """Everything constant within one session; events point to it instead of copying it."""

    source: str  # ga4 | segment
    actor_id: str  # person_id or bot:<id>
    anonymous_id: str
    session_id: int  # GA4 ga_session_id (seconds) or Segment context.sessionId (milliseconds)
    session_number: int
    profile: DeviceProfile
    ip: str
    city: City
    locale: str
    channel: Channel
    first_touch_us: int
    is_bot: bool = False
    bot_category: str = ""
    bot_kind: str = ""
    app_device_id: str | None = None
    clock_skew_us: int = 0  # client clock error: originalTimestamp drifts, timestamp is corrected
    consent: tuple[bool, bool] | None = None  # (analytics, advertising) when a consent banner reports it
    analytics_storage: bool = True
    ads_storage: bool = False
    events: int = 0

    @property
    def is_app(self) -> bool:
        return self.profile.kind == "mobile_app"


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    path: str
    title: str
    referrer: str
    name: str  # Segment page/screen name
    search: str  # query string including "?", or ""


@dataclass(slots=True)
class Event:
    """One analytics hit. `kind` is neutral; renderers map it to GA4 event_name or a Segment type/event."""

    ts_us: int
    kind: str
    ctx: SessionContext
    page: Page | None
    user_id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # global order of creation: a stable tie-breaker for sorting
    # GA4 transport fields
    prev_ts_us: int | None = None
    bundle_seq: int = 0
    batch_index: int = 0
    batch_page_id: int = 0
    batch_ordering_id: int = 0
    # Segment transport fields
    message_id: str = ""
    send_delay_us: int = 0
    network_us: int = 0


# Neutral kinds; GA4 never sees identify/screen and Segment never sees the GA4 automatic events.
GA4_ONLY_KINDS = frozenset({"session_start", "first_visit", "scroll", "user_engagement", "view_item_list"})
SEGMENT_ONLY_KINDS = frozenset({"identify", "screen"})


class IdFactory:
    """Mints ids from its own random stream so ids stay stable when other randomness changes."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._orders: set[int] = set()

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def ga4_client_id(self, created_us: int) -> str:
        return f"{self._rng.randint(100_000_000, 2_147_483_647)}.{created_us // 1_000_000}"

    def segment_message_id(self, is_app: bool) -> str:
        if is_app:
            return self.uuid4().upper()
        return f"ajs-next-{self._rng.getrandbits(128):032x}"

    def order_id(self, year: int) -> str:
        number = self._rng.randint(100_000, 999_999)
        while number in self._orders:
            number = self._rng.randint(100_000, 999_999)
        self._orders.add(number)
        return f"ORD-{year}-{number}"

    def token(self) -> str:
        return f"{self._rng.getrandbits(160):040x}"
