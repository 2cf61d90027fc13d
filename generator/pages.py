"""The shop's pages: URLs, titles and the app screens that mirror them."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from .catalog import Product
from .events import Page
from .vocab import SITE_URL, STORE_NAME


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def make_page(path: str, title: str, name: str, referrer: str, search: str = "") -> Page:
    return Page(
        url=f"{SITE_URL}{path}{search}",
        path=path,
        title=f"{title} | {STORE_NAME}",
        referrer=referrer,
        name=name,
        search=search,
    )


def home(referrer: str, search: str = "") -> Page:
    return make_page("/", "Home", "Home", referrer, search)


def category(cat: str, referrer: str, search: str = "") -> Page:
    return make_page(f"/c/{cat}", cat.title(), "Category", referrer, search)


def product(item: Product, referrer: str, search: str = "") -> Page:
    return make_page(
        f"/p/{item.product_id.lower()}-{_slug(item.name)}", item.name, "Product Detail", referrer, search
    )


def search(term: str, referrer: str) -> Page:
    return make_page(
        "/search", f"Search results for {term}", "Search Results", referrer, f"?q={quote_plus(term)}"
    )


def cart(referrer: str) -> Page:
    return make_page("/cart", "Your cart", "Cart", referrer)


def checkout(referrer: str) -> Page:
    return make_page("/checkout", "Checkout", "Checkout", referrer)


def confirmation(order_id: str, referrer: str) -> Page:
    return make_page(
        "/checkout/confirmation", "Thank you", "Order Confirmation", referrer, f"?order={order_id}"
    )


def login(referrer: str) -> Page:
    return make_page("/account/login", "Sign in", "Sign In", referrer)


def contact(referrer: str) -> Page:
    return make_page("/contact", "Contact us", "Contact", referrer)


def help_page(referrer: str) -> Page:
    return make_page("/help/returns", "Returns and refunds", "Help", referrer)
