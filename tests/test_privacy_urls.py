"""URL scrubbing: PII out, analytics (host, path, utm_*, product ids) byte-for-byte intact."""

from __future__ import annotations

import pytest

from privacy import scrub_url
from privacy.urls import key_entity, scrub_url_counted

BASE = "https://shop.example.com"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/account?email=john%40example.com&utm_campaign=spring",
         f"{BASE}/account?email=%3CEMAIL_ADDRESS%3E&utm_campaign=spring"),
        (f"{BASE}/x?ref=john%40example.com", f"{BASE}/x?ref=%3CEMAIL_ADDRESS%3E"),
        (f"{BASE}/x?e-mail=a@b.co", f"{BASE}/x?e-mail=%3CEMAIL_ADDRESS%3E"),
        (f"{BASE}/x?contact=%2B1%20415%20555%200134", f"{BASE}/x?contact=%3CPHONE_NUMBER%3E"),
        (f"{BASE}/x?c=+1+415+555+0134", f"{BASE}/x?c=%3CPHONE_NUMBER%3E"),
        (f"{BASE}/x?mobile=0123", f"{BASE}/x?mobile=%3CPHONE_NUMBER%3E"),
        (f"{BASE}/signup?first_name=Maria&lastName=Gonzalez&item_name=Air%20Max",
         f"{BASE}/signup?first_name=%3CPERSON%3E&lastName=%3CPERSON%3E&item_name=Air%20Max"),
        (f"{BASE}/x?fname=a&lname=b&name=c",
         f"{BASE}/x?fname=%3CPERSON%3E&lname=%3CPERSON%3E&name=%3CPERSON%3E"),
        (f"{BASE}/x?zip=94107&address=1+Main+St", f"{BASE}/x?zip=%3CPOSTAL_CODE%3E&address=%3CADDRESS%3E"),
        (f"{BASE}/cb?access_token=abc&token=t&password=p&pwd=q",
         f"{BASE}/cb?access_token=%3CSECRET%3E&token=%3CSECRET%3E&password=%3CSECRET%3E&pwd=%3CSECRET%3E"),
        (f"{BASE}/cb#access_token=abc.def&expires_in=3600",
         f"{BASE}/cb#access_token=%3CSECRET%3E&expires_in=3600"),
        (f"{BASE}/pay?cardNumber=4111111111111111", f"{BASE}/pay?cardNumber=%3CCREDIT_CARD%3E"),
        (f"{BASE}/pay?x=4111-1111-1111-1111", f"{BASE}/pay?x=%3CCREDIT_CARD%3E"),
        (f"{BASE}/x?ssn=536-22-1234", f"{BASE}/x?ssn=%3CUS_SSN%3E"),
        (f"{BASE}/users/jane.doe@example.com/orders", f"{BASE}/users/%3CEMAIL_ADDRESS%3E/orders"),
        (f"{BASE}/users/jane.doe%40example.com/orders", f"{BASE}/users/%3CEMAIL_ADDRESS%3E/orders"),
        (f"{BASE}/call/415-555-0134", f"{BASE}/call/%3CPHONE_NUMBER%3E"),
        (f"{BASE}/cards/4111111111111111/edit", f"{BASE}/cards/%3CCREDIT_CARD%3E/edit"),
        (f"{BASE}/login?redirect=%2Faccount%3Femail%3Djohn%2540example.com",
         f"{BASE}/login?redirect=%3CEMAIL_ADDRESS%3E"),
        ("https://user:secret@shop.example.com/", f"{BASE}/"),
        ("mailto:jane@example.com", "mailto:%3CEMAIL_ADDRESS%3E"),
    ],
)  # fmt: skip
def test_pii_is_replaced(url: str, expected: str) -> None:
    assert scrub_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/search?q=red+shoes&utm_source=google&utm_medium=cpc&utm_campaign=spring_sale",
        f"{BASE}/product/SKU-4471-2209?order=ORD-2026-118273&date=2026-01-15&price=1299.99",
        f"{BASE}/p/4155550134?color=red&size=10.5",
        f"{BASE}/x?id=4111111111111112",
        f"{BASE}/checkout?item_name=Air%20Max&item_list_name=Summer&quantity=2&gclid=Cj0KCQ",
        f"{BASE}/x?session_count=3&page=2&zip_on=1",
        f"{BASE}/",
        "",
        "not a url at all",
        "https://[::1/x?a=b",
    ],
)
def test_analytics_parts_stay_byte_identical(url: str) -> None:
    assert scrub_url(url) == url


@pytest.mark.parametrize(
    ("key", "entity"),
    [
        ("email", "EMAIL_ADDRESS"),
        ("userEmail", "EMAIL_ADDRESS"),
        ("e-mail", "EMAIL_ADDRESS"),
        ("phone_number", "PHONE_NUMBER"),
        ("tel", "PHONE_NUMBER"),
        ("first_name", "PERSON"),
        ("customerName", "PERSON"),
        ("billing_zip", "POSTAL_CODE"),
        ("id_token", "SECRET"),
        ("utm_source", None),
        ("item_name", None),
        ("hotel", None),
        ("q", None),
    ],
)
def test_key_rules(key: str, entity: str | None) -> None:
    assert key_entity(key) == entity


def test_counts_per_entity_type() -> None:
    _, counts = scrub_url_counted(f"{BASE}/u/a@b.com?email=x%40y.com&phone=1&utm_source=x")
    assert counts == {"EMAIL_ADDRESS": 2, "PHONE_NUMBER": 1}
