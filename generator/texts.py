"""Free text that users type (search terms, form messages, URL parameters), with its PII labelled."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from .catalog import Catalog
from .population import Person

# Luhn-valid card numbers published by payment providers for testing, in the ways people type them.
TEST_CARDS: tuple[str, ...] = (
    "4111 1111 1111 1111",
    "4242-4242-4242-4242",
    "5555555555554444",
    "3782 822463 10005",
    "6011 1111 1111 1117",
    "4012 8888 8888 1881",
    "5105-1051-0510-5100",
)


@dataclass(frozen=True, slots=True)
class PiiSpan:
    pii_type: str  # EMAIL_ADDRESS | PHONE_NUMBER | CREDIT_CARD | PERSON | AUTH_TOKEN
    value: str  # the seeded value as a person would read it
    as_written: str  # exactly as it appears in the landing bytes (URL-encoded inside URLs)


@dataclass(frozen=True, slots=True)
class TypedText:
    text: str
    spans: tuple[PiiSpan, ...] = ()
    own_email: str | None = None  # the author's own email in the text (PII, not an identifier field)
    own_phone: str | None = None
    names: tuple[str, ...] = field(default=())

    @property
    def pii_types(self) -> list[str]:
        return sorted({s.pii_type for s in self.spans})


def _span(pii_type: str, value: str) -> PiiSpan:
    return PiiSpan(pii_type, value, value)


def product_search(rng: random.Random, catalog: Catalog, today: datetime.date) -> TypedText:
    """Search terms without PII, including ones that look risky: SKUs, order numbers, dates, sizes."""
    product = rng.choice(catalog.products)
    options = (
        f"{product.name.split()[0].lower()} {product.category} size {rng.randint(5, 13)}",
        product.name.lower(),
        product.sku,
        f"ORD-{today.year}-{rng.randint(100_000, 999_999)} status",
        f"{product.category} under {rng.choice((20, 50, 100))}",
        f"delivery by {(today + datetime.timedelta(days=rng.randint(1, 6))).isoformat()}",
        "return policy 30 days",
        f"{product.name.split()[-1].lower()} ${product.base_price:.2f}",
        "waterproof jacket men's",
        "red shoes size 10",
        "gift card",
    )
    return TypedText(rng.choice(options))


def pii_search(rng: random.Random, person: Person, other_name: str) -> TypedText:
    """A search box used as a message box: the realistic way PII reaches search_term."""
    choice = rng.randrange(5)
    if choice == 0:
        return TypedText(
            f"{person.email} order status", (_span("EMAIL_ADDRESS", person.email),), own_email=person.email
        )
    if choice == 1:
        return TypedText(
            f"call me {person.phone_local}",
            (_span("PHONE_NUMBER", person.phone_local),),
            own_phone=person.phone_local,
        )
    if choice == 2:
        return TypedText(f"gift for {other_name}", (_span("PERSON", other_name),), names=(other_name,))
    if choice == 3:
        return TypedText(f"order for {person.name}", (_span("PERSON", person.name),), names=(person.name,))
    return TypedText(
        f"{person.phone_e164} callback",
        (_span("PHONE_NUMBER", person.phone_e164),),
        own_phone=person.phone_e164,
    )


def form_message(
    rng: random.Random, person: Person, other_name: str, catalog: Catalog, today: datetime.date
) -> TypedText:
    """Support-form text; about two thirds carry PII, the rest only PII-looking tokens."""
    order = f"ORD-{today.year}-{rng.randint(100_000, 999_999)}"
    card = rng.choice(TEST_CARDS)
    product = rng.choice(catalog.products)
    choice = rng.randrange(8)
    if choice == 0:
        return TypedText(
            f"Hi, this is {person.name}. My order {order} has not arrived yet. You can reach me at "
            f"{person.phone_local}.",
            (_span("PERSON", person.name), _span("PHONE_NUMBER", person.phone_local)),
            own_phone=person.phone_local,
            names=(person.name,),
        )
    if choice == 1:
        return TypedText(
            f"Please update my email to {person.email}. Thanks, {person.first_name}",
            (_span("EMAIL_ADDRESS", person.email), _span("PERSON", person.first_name)),
            own_email=person.email,
            names=(person.first_name,),
        )
    if choice == 2:
        return TypedText(
            f"I was charged twice on card {card}. Please refund the second payment.",
            (_span("CREDIT_CARD", card),),
        )
    if choice == 3:
        return TypedText(
            f"Question about {product.sku}: does it come in size {rng.randint(6, 12)}? Delivery "
            f"before {(today + datetime.timedelta(days=3)).isoformat()} would be great."
        )
    if choice == 4:
        return TypedText(f"Loved the {product.name}! Paid {product.base_price:.2f} and will order again.")
    if choice == 5:
        return TypedText(
            f"My friend {other_name} recommended you. Call me on {person.phone_e164} after 6pm.",
            (_span("PERSON", other_name), _span("PHONE_NUMBER", person.phone_e164)),
            own_phone=person.phone_e164,
            names=(other_name,),
        )
    if choice == 6:
        return TypedText(
            f"Return request for {order}. Contact {person.email} please.",
            (_span("EMAIL_ADDRESS", person.email),),
            own_email=person.email,
        )
    return TypedText(
        f"Card {card} was declined at checkout, exp 12/28. Can you help? {person.name}",
        (_span("CREDIT_CARD", card), _span("PERSON", person.name)),
        names=(person.name,),
    )


def search_url_spans(text: TypedText) -> list[PiiSpan]:
    """The same PII once the term sits URL-encoded in `?q=` of the search page."""
    return [PiiSpan(s.pii_type, s.value, quote_plus(s.value)) for s in text.spans]


def leaky_query(rng: random.Random, person: Person, token: str) -> tuple[str, list[PiiSpan]]:
    """Extra query parameters that email-campaign links and password resets leak into page URLs."""
    parts: list[str] = []
    spans: list[PiiSpan] = []
    encoded_email = quote(person.email, safe="")
    parts.append(f"email={encoded_email}")
    spans.append(PiiSpan("EMAIL_ADDRESS", person.email, encoded_email))
    if rng.random() < 0.4:
        encoded = quote(person.phone_e164, safe="")
        parts.append(f"phone={encoded}")
        spans.append(PiiSpan("PHONE_NUMBER", person.phone_e164, encoded))
    if rng.random() < 0.5:
        encoded = quote_plus(person.name)
        parts.append(f"name={encoded}")
        spans.append(PiiSpan("PERSON", person.name, encoded))
    if rng.random() < 0.5:
        parts.append(f"token={token}")
        spans.append(PiiSpan("AUTH_TOKEN", token, token))
    return "&".join(parts), spans
