"""Human sessions: when people visit, on which device, and what they do there."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from . import pages
from .catalog import Catalog, Product
from .events import DIRECT, Channel, Page, SessionContext
from .params import US_PER_DAY, US_PER_SECOND, GenerationParams, day_of
from .population import Cookie, Device, Person, Population, random_ip
from .recorder import MAX_HUMAN_EVENTS, SessionRecorder, SimState
from .texts import TypedText, form_message, leaky_query, pii_search, product_search, search_url_spans
from .vocab import CARRIER_FIRST_OCTETS, FIRST_NAMES, LAST_NAMES

CHANNELS: tuple[tuple[Channel, int], ...] = (
    (Channel("google", "organic", "(organic)", "https://www.google.com/"), 35),
    (DIRECT, 30),
    (Channel("newsletter", "email", "fall_sale", ""), 8),
    (Channel("google", "cpc", "brand_search", "https://www.google.com/"), 8),
    (Channel("facebook.com", "referral", "(referral)", "https://www.facebook.com/"), 6),
    (Channel("bing", "organic", "(organic)", "https://www.bing.com/"), 5),
    (Channel("instagram", "social", "autumn_lookbook", "https://l.instagram.com/"), 4),
    (Channel("t.co", "referral", "(referral)", "https://t.co/"), 4),
)
DEAL_CHANNEL = Channel(
    "forum.dealhunters.example",
    "referral",
    "(referral)",
    "https://forum.dealhunters.example/t/price-glitch-larkspur",
)
# Relative activity by local hour: quiet nights, a lunch bump, an evening peak.
HOUR_WEIGHTS = (
    1.0,
    0.6,
    0.3,
    0.2,
    0.2,
    0.4,
    1.0,
    2.0,
    3.0,
    3.5,
    3.5,
    3.5,
    4.0,
    3.5,
    3.2,
    3.0,
    3.2,
    3.8,
    4.5,
    5.0,
    5.0,
    4.5,
    3.5,
    2.0,
)
INTENTS = (("browse", 45), ("search", 20), ("buy", 18), ("support", 7), ("account", 10))


@dataclass(slots=True)
class PlannedSession:
    start_us: int
    person: Person
    device: Device
    intent: str  # browse | search | buy | support | account | deal
    force_login: bool = False


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _local_start(rng: random.Random, day_start_us: int, utc_offset_hours: int) -> int:
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS, k=1)[0]
    local = hour * 3600 + rng.randint(0, 3599)
    return (
        day_start_us + ((local - utc_offset_hours * 3600) % 86_400) * US_PER_SECOND + rng.randint(0, 999_999)
    )


def plan_human_sessions(
    rng: random.Random, population: Population, params: GenerationParams, catalog: Catalog
) -> list[PlannedSession]:
    """Session starts per person and day (Poisson around their activity), each on one of their devices."""
    tablets = {
        p.person_id: d
        for d in population.shared_devices
        if d.shared_kind == "family_tablet"
        for p in d.owners
    }
    plans: list[PlannedSession] = []
    window = (catalog.anomaly.window_start_us, catalog.anomaly.window_end_us)
    for person in population.persons:
        starts = []
        for day_index in range(params.days):
            day_start = params.period_start_us + day_index * US_PER_DAY
            for _ in range(_poisson(rng, person.sessions_per_day)):
                starts.append(_local_start(rng, day_start, person.city.utc_offset_hours))
        if not starts:  # everyone in the population was seen at least once
            day_start = params.period_start_us + rng.randrange(params.days) * US_PER_DAY
            starts.append(_local_start(rng, day_start, person.city.utc_offset_hours))
        weights = [2 if i == 0 else 1 for i in range(len(person.devices))]
        for start in sorted(starts):
            tablet = tablets.get(person.person_id)
            device = tablet if tablet and rng.random() < 0.25 else rng.choices(person.devices, weights)[0]
            intent = rng.choices([i for i, _ in INTENTS], [w for _, w in INTENTS])[0]
            if window[0] <= start < window[1] and rng.random() < 0.5:
                intent = "deal"
            plans.append(PlannedSession(start, person, device, intent))
    for device in population.shared_devices:
        if device.shared_kind != "shared_computer":
            continue
        for owner in device.owners:  # each account holder signs in to their own account here
            for _ in range(rng.randint(1, 3)):
                day_start = params.period_start_us + rng.randrange(params.days) * US_PER_DAY
                start = _local_start(rng, day_start, owner.city.utc_offset_hours)
                plans.append(PlannedSession(start, owner, device, "account", force_login=True))
    # Word of the price glitch spreads: extra visits straight to the product during the window.
    for person in rng.sample(
        population.persons, min(len(population.persons), max(3, len(population.persons) // 40))
    ):
        start = rng.randint(window[0], window[1] - 60 * US_PER_SECOND)
        plans.append(PlannedSession(start, person, rng.choice(person.devices), "deal"))
    plans.sort(key=lambda p: (p.device.device_key, p.start_us, p.person.person_id))
    return plans


def _gap_us(rng: random.Random, person: Person) -> int:
    """Think time between actions: log-normal, irregular, shorter for quick clickers."""
    if person.fast:
        seconds = min(max(math.exp(math.log(5.0) + 0.7 * rng.gauss(0, 1)), 1.0), 120.0)
    else:
        seconds = min(max(math.exp(math.log(20.0) + 0.9 * rng.gauss(0, 1)), 2.0), 600.0)
    return int(seconds * US_PER_SECOND)


class HumanSimulator:
    """Runs planned sessions device by device, so cookies and login state carry over correctly."""

    def __init__(self, sim: SimState, catalog: Catalog, persons: list[Person]) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.catalog = catalog
        self.persons = persons

    def run(self, plans: list[PlannedSession]) -> None:
        for plan in plans:
            device = plan.device
            start = plan.start_us
            if start < device.busy_until_us + 60 * US_PER_SECOND:
                start = device.busy_until_us + self.rng.randint(2, 20) * 60 * US_PER_SECOND
            if start >= self.sim.period_end_us:
                continue
            self._session(plan, start)

    def _open_cookie(self, person: Person, device: Device, start: int) -> tuple[Cookie, bool]:
        cookie = device.cookie_at(start)
        first_visit = False
        if not cookie.anonymous_id:
            if cookie.active_from_us > 0:
                device.logged_in_user = None  # a cleared cookie jar also logs the user out
            first_visit = cookie.created_us is None
            cookie.created_us = cookie.created_us if cookie.created_us is not None else start
            cookie.anonymous_id = (
                self.sim.ids.ga4_client_id(cookie.created_us)
                if device.source == "ga4"
                else self.sim.ids.uuid4()
            )
        self.sim.identities.see("anonymous_id", cookie.anonymous_id, person.person_id)
        if device.app_device_id:
            self.sim.identities.see("device_id", device.app_device_id, person.person_id)
        return cookie, first_visit

    def _session(self, plan: PlannedSession, start: int) -> None:
        rng, person, device = self.rng, plan.person, plan.device
        cookie, first_visit = self._open_cookie(person, device, start)
        cookie.session_count += 1
        channel = (
            DEAL_CHANNEL
            if plan.intent == "deal"
            else rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        )
        if device.fixed_ip:
            ip = device.fixed_ip
        elif device.profile.kind in ("mobile_browser", "mobile_app") and rng.random() < 0.6:
            ip = random_ip(rng, CARRIER_FIRST_OCTETS)
        else:
            ip = person.home_ip
        ctx = SessionContext(
            source=device.source,
            actor_id=person.person_id,
            anonymous_id=cookie.anonymous_id,
            session_id=start // 1_000_000 if device.source == "ga4" else start // 1000,
            session_number=cookie.prior_sessions + cookie.session_count,
            profile=device.profile,
            ip=ip,
            city=person.city,
            locale=person.country.locale,
            channel=channel,
            first_touch_us=cookie.created_us or start,
            app_device_id=device.app_device_id,
            clock_skew_us=rng.randint(-300, 300) * US_PER_SECOND if rng.random() < 0.1 else 0,
            consent=(person.analytics_consent, person.ads_consent) if person.consent_banner else None,
            analytics_storage=person.analytics_consent,
            ads_storage=person.ads_consent,
        )
        self.sim.add_session(ctx)
        user_id = None if device.shared_kind else device.logged_in_user
        rec = SessionRecorder(
            self.sim, ctx, cookie, first_visit=first_visit, cap=MAX_HUMAN_EVENTS, user_id=user_id
        )
        HumanSession(self, plan, rec, start).play()
        if ctx.source == "segment" and ctx.events:
            self.sim.pii.value("IP_ADDRESS", ip, "ip", "segment")
        device.busy_until_us = max(device.busy_until_us, self.sim.events[-1].ts_us if ctx.events else start)
        device.logged_in_user = None if device.shared_kind else rec.user_id

    def other_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"


class HumanSession:
    """One visit: a landing page, then intent-driven steps with human think time."""

    def __init__(self, owner: HumanSimulator, plan: PlannedSession, rec: SessionRecorder, start: int) -> None:
        self.o, self.plan, self.rec, self.t = owner, plan, rec, start
        self.rng = owner.rng
        self.person = plan.person
        self.cart: list[tuple[Product, int]] = []
        self.viewed: Product | None = None
        self.referrer = rec.ctx.channel.referrer
        self.source = rec.ctx.source

    def play(self) -> None:
        rng, intent = self.rng, self.plan.intent
        self._landing()
        steps = {
            "browse": rng.randint(0, 7),
            "search": rng.randint(1, 5),
            "buy": rng.randint(3, 10),
            "support": rng.randint(1, 3),
            "account": rng.randint(1, 6),
            "deal": 4,
        }[intent]
        if rng.random() < 0.05 and intent != "deal":
            steps = rng.randint(12, 20)  # a long, patient shopper
        if self._wants_login():
            self._login()
        if self._must_identify():
            self._login() if self.person.has_account else self._subscribe()
        for _ in range(steps):
            if self.rec.full:
                return
            if self._step(intent) == "done":
                return

    def _wants_login(self) -> bool:
        person, device = self.person, self.plan.device
        if not person.has_account or self.rec.user_id is not None:
            return False
        if self.plan.force_login:
            return True
        return device.login_here and self.rng.random() < (0.9 if self.plan.intent == "account" else 0.45)

    def _must_identify(self) -> bool:
        """A person with several cookies of their own identifies on each of them once (in its first
        session), so the truth never holds a link that no event shows."""
        person, cookie = self.person, self.rec.cookie
        if self.rec.user_id is not None:
            cookie.identified = True  # still signed in on this device
        return (person.identifies and person.several_cookies and not self.plan.device.shared_kind
                and not cookie.identified)

    def _subscribe(self) -> None:
        """Newsletter sign-up: Segment identify with the email trait; GA4 form with the email as a
        user property (``customer_email``, as the leaky tag configuration sends it)."""
        person, sim = self.person, self.o.sim
        at = self._advance(small=True)
        if self.source == "segment":
            if self.rec.identify(at, {"email": person.email}):
                sim.pii.value("EMAIL_ADDRESS", person.email, "traits", "segment")
                sim.identities.see("email", person.email, person.person_id)
                self.rec.cookie.identified = True
        elif self.rec.action("form_submit", at, {"form_id": "newsletter", "customer_email": person.email}):
            sim.pii.value("EMAIL_ADDRESS", person.email, "user_properties", "ga4")
            sim.identities.see("email", person.email, person.person_id)
            self.rec.cookie.identified = True

    def _advance(self, small: bool = False) -> int:
        self.t += self.rng.randint(200_000, 2_500_000) if small else _gap_us(self.rng, self.person)
        return self.t

    def _visit(self, page: Page) -> bool:
        ok = self.rec.page(page, self.t)
        self.referrer = page.url
        return ok

    def _landing(self) -> None:
        rng, channel = self.rng, self.rec.ctx.channel
        query = ""
        if channel.medium == "email":
            query = "?utm_source=newsletter&utm_medium=email&utm_campaign=fall_sale"
            if rng.random() < 0.35 and not self.rec.ctx.is_app:
                leak, spans = leaky_query(rng, self.person, self.o.sim.ids.token())
                query += "&" + leak
                self.o.sim.pii.spans(spans, "url_query", self.source)
        elif channel.medium == "cpc":
            gclid = self.o.sim.ids.token()[:24]
            query = f"?gclid={gclid}&utm_source=google&utm_medium=cpc&utm_campaign=brand_search"
        elif channel.medium == "social":
            query = "?utm_source=instagram&utm_medium=social&utm_campaign=autumn_lookbook"
        if self.plan.intent == "deal":
            self._view_item(self.o.catalog.product(self.o.catalog.anomaly.product_id), query)
            return
        roll = rng.random()
        if self.plan.intent in ("search", "account") or roll < 0.4:
            self._visit(pages.home(self.referrer, query))
        elif roll < 0.7:
            self._visit(pages.category(rng.choice(self.o.catalog.products).category, self.referrer, query))
            if self.source == "ga4":
                self.rec.action("view_item_list", self._advance(small=True), {})
        else:
            self._view_item(rng.choice(self.o.catalog.products), query)

    def _step(self, intent: str) -> str:
        rng = self.rng
        self._advance()
        if intent == "deal":
            return self._deal_step()
        weights = {
            "browse": {"view_item": 40, "list": 25, "search": 15, "cart": 8, "form": 2, "checkout": 3},
            "search": {"search": 45, "view_item": 40, "cart": 10, "list": 5},
            "buy": {"view_item": 30, "cart": 30, "checkout": 25, "search": 10, "list": 5},
            "support": {"form": 60, "view_item": 20, "search": 20},
            "account": {"view_item": 40, "list": 30, "search": 25, "form": 5},
        }[intent]
        action = rng.choices(list(weights), list(weights.values()))[0]
        if action == "cart" and self.viewed is None:
            action = "view_item"
        if action == "checkout" and not self.cart:
            action = "cart" if self.viewed else "view_item"
        if action == "view_item":
            self._view_item(rng.choice(self.o.catalog.products))
        elif action == "list":
            self._visit(pages.category(rng.choice(self.o.catalog.products).category, self.referrer))
            if self.source == "ga4":
                self.rec.action("view_item_list", self._advance(small=True), {})
        elif action == "search":
            self._search()
        elif action == "cart":
            self._add_to_cart(self.viewed, rng.choice((1, 1, 1, 2)))
        elif action == "form":
            self._form()
            return "done" if intent == "support" and rng.random() < 0.6 else "more"
        elif action == "checkout":
            self._checkout()
            if rng.random() < 0.75:
                self._advance()
                self._purchase()
                return "done"
        return "more"

    def _deal_step(self) -> str:
        anomaly_product = self.o.catalog.product(self.o.catalog.anomaly.product_id)
        if not self.cart:
            self._add_to_cart(anomaly_product, self.rng.randint(1, 3))
        elif self.rng.random() < 0.9:
            self._checkout()
            self._advance(small=True)
            self._purchase()
            return "done"
        return "more"

    def _line(self, item: Product, qty: int) -> dict:
        price = self.o.catalog.price_at_event_time(item.product_id, self.t, self.person.currency)
        return {"product": item, "price": price, "quantity": qty}

    def _view_item(self, item: Product, query: str = "") -> None:
        if self._visit(pages.product(item, self.referrer, query)):
            line = self._line(item, 1)
            self.rec.action(
                "view_item",
                self._advance(small=True),
                {"items": [line], "currency": self.person.currency, "value": line["price"]},
            )
            self.viewed = item

    def _add_to_cart(self, item: Product | None, qty: int) -> None:
        if item is None:
            return
        line = self._line(item, qty)
        if self.rec.action(
            "add_to_cart",
            self.t,
            {
                "items": [line],
                "currency": self.person.currency,
                "value": _money_sum([line], self.person.currency),
            },
        ):
            self.cart.append((item, qty))

    def _cart_payload(self) -> dict:
        lines = [self._line(item, qty) for item, qty in self.cart]
        return {
            "items": lines,
            "currency": self.person.currency,
            "value": _money_sum(lines, self.person.currency),
        }

    def _checkout(self) -> None:
        if self._visit(pages.checkout(self.referrer)):
            self.rec.action("begin_checkout", self._advance(small=True), self._cart_payload())

    def _purchase(self) -> None:
        order_id = self.o.sim.ids.order_id(day_of(self.t).year)
        if self._visit(pages.confirmation(order_id, self.referrer)):
            payload = self._cart_payload()
            payload["order_id"] = order_id
            self.rec.action("purchase", self._advance(small=True), payload)
            self.cart = []

    def _search(self) -> None:
        rng, sim = self.rng, self.o.sim
        text: TypedText
        if rng.random() < 0.1:
            text = pii_search(rng, self.person, self.o.other_name())
        else:
            text = product_search(rng, self.o.catalog, day_of(self.t))
        if not self._visit(pages.search(text.text, self.referrer)):
            return
        if self.rec.action("search", self._advance(small=True), {"term": text.text}):
            sim.pii.text(text, "search_term", self.source)
            if not self.rec.ctx.is_app:
                sim.pii.spans(search_url_spans(text), "url_query", self.source)

    def _form(self) -> None:
        rng, sim, person = self.rng, self.o.sim, self.person
        text = form_message(rng, person, self.o.other_name(), self.o.catalog, day_of(self.t))
        if not self._visit(pages.contact(self.referrer)):
            return
        typed_email = None
        if not person.has_account or rng.random() < 0.5:  # identity via the email field of the form
            typed_email = person.email if rng.random() < 0.8 else _shout_case(person.email)
        data = {
            "form_id": rng.choice(("contact", "support", "return_request")),
            "message": text.text,
            "email": typed_email,
        }
        if self.rec.action("form_submit", self._advance(), data):
            sim.pii.text(text, "form", self.source)
            if typed_email and self.source == "segment":
                sim.pii.value("EMAIL_ADDRESS", typed_email, "form", self.source)
                sim.identities.see("email", typed_email, person.person_id)

    def _login(self) -> None:
        rng, sim, person = self.rng, self.o.sim, self.person
        self._advance()
        if not self._visit(pages.login(self.referrer)):
            return
        previous_user = self.rec.user_id
        self.rec.user_id = person.user_id  # the sign-in hit itself already carries the user id
        data: dict = {"method": "password"}
        if self.source == "ga4" and rng.random() < 0.15:
            data["customer_email"] = person.email  # a leaky tag configuration sends the raw email
        if not self.rec.action("login", self._advance(), data):
            self.rec.user_id = previous_user  # never signed in: nothing may carry the id later
            return
        sim.identities.see("user_id", person.user_id or "", person.person_id)
        self.rec.cookie.identified = True
        if "customer_email" in data:
            sim.pii.value("EMAIL_ADDRESS", person.email, "user_properties", "ga4")
            sim.identities.see("email", person.email, person.person_id)
        if self.source == "segment" and rng.random() < 0.6:
            traits: dict = {
                "name": person.name,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "plan": rng.choice(("free", "plus", "pro")),
            }
            if rng.random() < 0.8:
                traits["email"] = person.email
            if rng.random() < 0.4:
                traits["phone"] = person.phone_e164 if rng.random() < 0.5 else person.phone_local
            if self.rec.identify(self._advance(small=True), traits):
                for key, pii_type in (
                    ("email", "EMAIL_ADDRESS"),
                    ("phone", "PHONE_NUMBER"),
                    ("name", "PERSON"),
                ):
                    if key in traits:
                        sim.pii.value(pii_type, traits[key], "traits", "segment")
                        if key != "name":
                            sim.identities.see(key, traits[key], person.person_id)

def _money_sum(lines: list[dict], currency: str) -> float:
    total = sum(line["price"] * line["quantity"] for line in lines)
    return float(round(total)) if currency == "JPY" else round(total, 2)


def _shout_case(email: str) -> str:
    """People type emails with capitals; the value is still theirs."""
    local, _, domain = email.partition("@")
    return f"{local.title()}@{domain.capitalize()}"
