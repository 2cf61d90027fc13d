"""Render events as Segment messages, as found in Segment's S3 / warehouse JSON archives."""

from __future__ import annotations

from typing import Any

from .events import Event
from .params import iso_ms
from .vocab import APP_NAME

TRACK_NAMES: dict[str, str] = {
    "search": "Products Searched",
    "view_item": "Product Viewed",
    "add_to_cart": "Product Added",
    "begin_checkout": "Checkout Started",
    "purchase": "Order Completed",
    "form_submit": "Form Submitted",
    "login": "Signed In",
}


def _product(line: dict[str, Any], currency: str) -> dict[str, Any]:
    product = line["product"]
    return {
        "product_id": product.product_id,
        "sku": product.sku,
        "name": product.name,
        "price": line["price"],
        "currency": currency,
        "quantity": line["quantity"],
    }


def _properties(event: Event) -> dict[str, Any]:
    data, kind = event.data, event.kind
    if kind == "search":
        return {"query": data["term"]}
    if kind in ("view_item", "add_to_cart"):
        return {**_product(data["items"][0], data["currency"]), "value": data["value"]}
    if kind == "begin_checkout":
        return {
            "value": data["value"],
            "currency": data["currency"],
            "products": [_product(line, data["currency"]) for line in data["items"]],
        }
    if kind == "purchase":
        return {
            "order_id": data["order_id"],
            "total": data["value"],
            "revenue": data["value"],
            "currency": data["currency"],
            "products": [
                {
                    "product_id": line["product"].product_id,
                    "sku": line["product"].sku,
                    "name": line["product"].name,
                    "price": line["price"],
                    "quantity": line["quantity"],
                    "category": line["product"].category,
                }
                for line in data["items"]
            ],
        }
    if kind == "form_submit":
        props: dict[str, Any] = {"form_id": data["form_id"]}
        if data.get("email"):
            props["email"] = data["email"]
        props["message"] = data["message"]
        return props
    if kind == "login":
        return {"method": data["method"]}
    return {}


def _context(event: Event) -> dict[str, Any]:
    ctx, page = event.ctx, event.page
    context: dict[str, Any] = {"ip": ctx.ip}
    if not ctx.is_app:
        context["userAgent"] = ctx.profile.user_agent
    context["locale"] = ctx.locale
    if ctx.is_app:
        ios = ctx.profile.os == "iOS"
        context["library"] = {
            "name": "analytics-ios" if ios else "analytics-android",
            "version": "4.1.8" if ios else "4.11.3",
        }
        context["app"] = {
            "name": APP_NAME,
            "version": "5.12.0",
            "build": "5120",
            "namespace": "com.larkspur.shop",
        }
        context["device"] = {
            "id": ctx.app_device_id,
            "type": "ios" if ios else "android",
            "manufacturer": ctx.profile.brand,
            "model": ctx.profile.model,
        }
        context["os"] = {"name": ctx.profile.os, "version": ctx.profile.os_version}
    else:
        context["library"] = {"name": "analytics.js", "version": "next-1.70.0"}
        if page is not None:
            context["page"] = {
                "path": page.path,
                "referrer": page.referrer,
                "search": page.search,
                "title": page.title,
                "url": page.url,
            }
    channel = ctx.channel
    if page is not None and "utm_source=" in page.search:
        context["campaign"] = {"source": channel.source, "medium": channel.medium, "name": channel.name}
    context["location"] = {"country": ctx.city.country, "city": ctx.city.city}
    context["sessionId"] = ctx.session_id
    if ctx.consent is not None:
        context["consent"] = {
            "categoryPreferences": {"analytics": ctx.consent[0], "advertising": ctx.consent[1]}
        }
    return context


def segment_message(event: Event) -> dict[str, Any]:
    """One archived message. `timestamp` is the skew-corrected event time used for day partitioning."""
    ctx, kind = event.ctx, event.kind
    if kind == "page":
        message: dict[str, Any] = {"type": "page", "name": event.page.name if event.page else None}
    elif kind == "screen":
        message = {"type": "screen", "name": event.page.name if event.page else None}
    elif kind == "identify":
        message = {"type": "identify"}
    else:
        message = {"type": "track", "event": TRACK_NAMES[kind]}
    message["messageId"] = event.message_id
    message["anonymousId"] = ctx.anonymous_id
    message["userId"] = event.user_id
    if kind == "identify":
        message["traits"] = event.data["traits"]
    elif kind == "page" and event.page is not None:
        page = event.page
        message["properties"] = {
            "path": page.path,
            "referrer": page.referrer,
            "search": page.search,
            "title": page.title,
            "url": page.url,
        }
    else:
        message["properties"] = _properties(event)
    if "huge_payload" in event.data:
        message["properties"]["screenshot"] = event.data["huge_payload"]
    message["context"] = _context(event)
    # The client clock (skewed) stamps originalTimestamp and sentAt; Segment corrects timestamp with them.
    client_time = event.ts_us - event.network_us + ctx.clock_skew_us
    message["originalTimestamp"] = iso_ms(client_time)
    message["sentAt"] = iso_ms(client_time + event.send_delay_us)
    message["receivedAt"] = iso_ms(event.ts_us + event.send_delay_us)
    message["timestamp"] = iso_ms(event.ts_us)
    message["integrations"] = {}
    message["version"] = 2
    return message


def segment_event_key(message: dict[str, Any]) -> str:
    """Segment deduplicates on messageId; duplicates.csv uses the same key."""
    return str(message["messageId"])
