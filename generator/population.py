"""Persons, their devices and cookies, accounts, and the shared devices that make stitching hard."""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field

from .params import US_PER_DAY, US_PER_SECOND
from .vocab import (
    APP_PROFILES,
    COUNTRIES,
    DESKTOP_PROFILES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    MOBILE_PROFILES,
    RESIDENTIAL_FIRST_OCTETS,
    TABLET_PROFILES,
    City,
    Country,
    DeviceProfile,
)

# Persons needed before shared devices are created (a shared computer needs 3 account holders).
MIN_PERSONS_FOR_SHARED = 6


@dataclass(slots=True)
class Person:
    person_id: str
    first_name: str
    last_name: str
    email: str
    phone_e164: str
    phone_local: str  # the same number as people write it at home
    country: Country
    city: City
    has_account: bool
    user_id: str | None
    sessions_per_day: float
    fast: bool  # a quick clicker: short gaps, still human-irregular
    home_ip: str
    consent_banner: bool  # sends Segment consent context
    analytics_consent: bool
    ads_consent: bool
    reserved_user_id: str = ""  # the id this person gets if they open an account
    # Signs in (account holders) or gives their email (a newsletter sign-up) on each of their
    # cookies at least once. Persons who never identify use one device with one cookie: nothing
    # observable could tie a second one to them.
    identifies: bool = False
    signs_in_on_shared_computer: bool = False
    devices: list[Device] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def currency(self) -> str:
        return self.country.currency

    @property
    def several_cookies(self) -> bool:
        """More than one cookie/install of their own (or a login on a shared computer besides their own
        cookie), so each of their cookies needs an identifying event."""
        return (self.signs_in_on_shared_computer or len(self.devices) > 1
                or any(len(d.cookies) > 1 for d in self.devices))


@dataclass(slots=True)
class Cookie:
    """One browser cookie or one app install: an anonymous id. The id is minted on first use."""

    active_from_us: int  # when the device switched to this cookie (reset or reinstall)
    prior_sessions: int  # sessions this cookie had before the period
    created_us: int | None  # first touch; None until first used for cookies born in the period
    anonymous_id: str = ""
    identified: bool = False  # an event on it carried a user id or the owner's email
    session_count: int = 0
    bundle_seq: int = 0
    last_ts_by_event: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Device:
    device_key: str
    profile: DeviceProfile
    source: str  # ga4 | segment: a device sends all its traffic to one property
    owners: list[Person]
    shared_kind: str  # "" | shared_computer | family_tablet
    cookies: list[Cookie]
    login_here: bool  # its owner signs in on this device (some sessions)
    app_device_id: str | None = None
    fixed_ip: str | None = None
    logged_in_user: str | None = None
    busy_until_us: int = 0

    @property
    def is_app(self) -> bool:
        return self.profile.kind == "mobile_app"

    def cookie_at(self, ts_us: int) -> Cookie:
        current = self.cookies[0]
        for cookie in self.cookies:
            if cookie.active_from_us <= ts_us:
                current = cookie
        return current


@dataclass(slots=True)
class Population:
    persons: list[Person]
    devices: list[Device]

    @property
    def shared_devices(self) -> list[Device]:
        return [d for d in self.devices if d.shared_kind]


def ascii_fold(text: str) -> str:
    """'Müller' -> 'Muller': email local parts are ASCII."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def random_ip(rng: random.Random, first_octets: tuple[int, ...]) -> str:
    return f"{rng.choice(first_octets)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


# More UK ranges that phonenumbers accepts, for populations that use up the three above (about 3,000 numbers).
WIDE_GB_AREAS = (("20", "7946"), ("113", "496"), ("114", "496"), ("116", "496"), ("117", "496"), ("118", "496"),
                 ("121", "496"), ("131", "496"), ("141", "496"), ("151", "496"), ("161", "496"), ("191", "498"))


def _phone(rng: random.Random, country: str, wide: bool = False) -> tuple[str, str]:
    """(E.164, local written form) inside ranges that phonenumbers accepts as valid.

    ``wide`` draws from larger ranges; only the collision retry asks for it, so small populations keep
    the numbers they always had."""
    if country in ("US", "CA"):
        npa = rng.choice((415, 212, 312, 617, 206, 512) if country == "US" else (416, 604, 514, 403))
        line = rng.randint(100, 9999)
        style = rng.randrange(3)
        local = (f"({npa}) 555-{line:04d}", f"{npa}-555-{line:04d}", f"{npa}.555.{line:04d}")[style]
        return f"+1{npa}555{line:04d}", local
    if country == "GB" and wide:
        area, exchange = rng.choice(WIDE_GB_AREAS)
        tail = rng.randint(0, 9999)
        return f"+44{area}{exchange}{tail:04d}", f"0{area} {exchange} {tail:04d}"
    if country == "GB":
        area, prefix = rng.choice((("20", "7946 0"), ("113", "496 0"), ("161", "496 0")))
        tail = rng.randint(0, 999)
        national = f"{area}{prefix.replace(' ', '')}{tail:03d}"
        return f"+44{national}", f"0{area} {prefix}{tail:03d}"
    if country == "DE":
        digits = rng.randint(10_000_000, 99_999_999)
        return f"+4930{digits}", f"030 {digits}"
    if country == "FR":
        d = [rng.randint(10, 99) for _ in range(4)]
        return f"+336{''.join(map(str, d))}", f"06 {d[0]} {d[1]} {d[2]} {d[3]}"
    if country == "ES":
        a, b, c = rng.randint(10, 99), rng.randint(100, 999), rng.randint(100, 999)
        return f"+346{a}{b}{c}", f"6{a} {b} {c}"
    a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
    return f"+8190{a}{b}", f"090-{a}-{b}"


def _pick_weighted(rng: random.Random, items: tuple[Country, ...]) -> Country:
    return rng.choices(items, weights=[c.weight for c in items], k=1)[0]


def _new_cookies(rng: random.Random, start_us: int, end_us: int, resettable: bool) -> list[Cookie]:
    """The cookie chain of one device: an old or new cookie, sometimes reset mid-period."""
    if rng.random() < 0.6:
        created = start_us - rng.randint(1, 400) * US_PER_DAY - rng.randint(0, 86_399) * US_PER_SECOND
        first = Cookie(active_from_us=0, prior_sessions=rng.randint(1, 40), created_us=created)
    else:
        first = Cookie(active_from_us=0, prior_sessions=0, created_us=None)
    cookies = [first]
    if resettable and rng.random() < 0.15:
        reset_at = rng.randint(start_us, end_us - 1)
        cookies.append(Cookie(active_from_us=reset_at, prior_sessions=0, created_us=None))
    return cookies


def build_population(rng: random.Random, persons: int, start_us: int, end_us: int) -> Population:
    """Persons with 1-4 devices each, accounts for about 30%, plus shared computers and family tablets."""
    people: list[Person] = []
    used_emails: set[str] = set()
    used_phones: set[str] = set()
    user_numbers = rng.sample(range(1, max(persons * 3, 1000)), persons)
    for i in range(persons):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country = _pick_weighted(rng, COUNTRIES)
        base = f"{ascii_fold(first)}.{ascii_fold(last)}".lower().replace(" ", "").replace("'", "")
        email = f"{base}@{rng.choice(EMAIL_DOMAINS)}"
        while email in used_emails:
            email = f"{base}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
        used_emails.add(email)
        e164, local = _phone(rng, country.code)
        retries = 0
        while e164 in used_phones:  # past 20 retries the narrow ranges are nearly used up: widen them
            retries += 1
            e164, local = _phone(rng, country.code, wide=retries > 20)
        used_phones.add(e164)
        has_account = rng.random() < 0.3
        # Without an account, some persons subscribe to the newsletter (an identify with their email).
        identifies = has_account or rng.random() < 0.4
        activity = rng.choices((0.3, 0.8, 1.8, 4.0), weights=(50, 30, 15, 5), k=1)[0]
        banner = rng.random() < 0.4
        people.append(
            Person(
                person_id=f"p_{i + 1:06d}",
                first_name=first,
                last_name=last,
                email=email,
                phone_e164=e164,
                phone_local=local,
                country=country,
                city=rng.choice(country.cities),
                has_account=has_account,
                user_id=f"u_{user_numbers[i]:06d}" if has_account else None,
                sessions_per_day=activity,
                fast=rng.random() < 0.1,
                home_ip=random_ip(rng, RESIDENTIAL_FIRST_OCTETS),
                consent_banner=banner,
                analytics_consent=(rng.random() < 0.85) if banner else True,
                ads_consent=rng.random() < 0.5,
                reserved_user_id=f"u_{user_numbers[i]:06d}",
                identifies=identifies,
            )
        )

    devices: list[Device] = []
    for person in people:
        profiles = _device_profiles(rng)
        for profile in profiles if person.identifies else profiles[:1]:
            source = "segment" if profile.kind == "mobile_app" else rng.choice(("ga4", "segment"))
            # An app reinstall keeps the device id (linked); a browser reset is a stranger unless
            # the owner identifies again.
            resettable = person.identifies or profile.kind == "mobile_app"
            device = Device(
                device_key=f"d_{len(devices) + 1:06d}",
                profile=profile,
                source=source,
                owners=[person],
                shared_kind="",
                cookies=_new_cookies(rng, start_us, end_us, resettable=resettable),
                login_here=person.has_account and rng.random() < 0.65,
            )
            if device.is_app:
                device.app_device_id = _app_device_id(rng, profile)
            person.devices.append(device)
            devices.append(device)
    if persons >= MIN_PERSONS_FOR_SHARED:
        devices.extend(_shared_devices(rng, people, start_us, end_us, len(devices)))
    return Population(people, devices)


def _device_profiles(rng: random.Random) -> list[DeviceProfile]:
    count = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10), k=1)[0]
    first = rng.choice(DESKTOP_PROFILES) if rng.random() < 0.5 else rng.choice(MOBILE_PROFILES)
    profiles = [first]
    pools = (DESKTOP_PROFILES, MOBILE_PROFILES, APP_PROFILES, TABLET_PROFILES)
    while len(profiles) < count:
        profiles.append(rng.choice(rng.choices(pools, weights=(25, 30, 30, 15), k=1)[0]))
    return profiles


def _app_device_id(rng: random.Random, profile: DeviceProfile) -> str:
    if profile.os == "iOS":  # IDFV: an upper-case UUID
        return str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()
    return f"{rng.getrandbits(64):016x}"  # Android ID: 16 hex digits


def _shared_devices(
    rng: random.Random, people: list[Person], start_us: int, end_us: int, offset: int
) -> list[Device]:
    """Library computers used by 3-4 account holders each, and family tablets used by 2-3 relatives."""
    shared: list[Device] = []
    n_computers = max(1, len(people) // 1500)
    n_tablets = max(1, len(people) // 800)
    candidates = rng.sample(people, len(people))
    cursor = 0
    for _ in range(n_computers):
        owners = candidates[cursor : cursor + rng.randint(3, 4)]
        cursor += len(owners)
        for owner in owners:  # each logs into their OWN account, so each needs one
            owner.signs_in_on_shared_computer = True
            if not owner.has_account:
                owner.has_account = True
                owner.identifies = True
                owner.user_id = owner.reserved_user_id
        computer = Device(
            device_key=f"d_{offset + len(shared) + 1:06d}",
            profile=rng.choice(DESKTOP_PROFILES[:2]),
            source="segment",
            owners=owners,
            shared_kind="shared_computer",
            cookies=[
                Cookie(
                    active_from_us=0,
                    prior_sessions=rng.randint(50, 300),
                    created_us=start_us - 200 * US_PER_DAY,
                )
            ],
            login_here=True,
            fixed_ip=random_ip(rng, RESIDENTIAL_FIRST_OCTETS),
        )
        shared.append(computer)
    for _ in range(n_tablets):
        owners = candidates[cursor : cursor + rng.randint(2, 3)]
        cursor += len(owners)
        if len(owners) < 2:
            break
        for owner in owners[1:]:  # one household: one home address
            owner.home_ip = owners[0].home_ip
        tablet = Device(
            device_key=f"d_{offset + len(shared) + 1:06d}",
            profile=TABLET_PROFILES[0],
            source="ga4",
            owners=owners,
            shared_kind="family_tablet",
            cookies=_new_cookies(rng, start_us, end_us, resettable=False),
            login_here=True,
            fixed_ip=owners[0].home_ip,
        )
        shared.append(tablet)
    return shared
