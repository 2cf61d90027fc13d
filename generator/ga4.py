"""Render events as GA4 BigQuery export rows, the way `bq extract` writes NEWLINE_DELIMITED_JSON.

INT64 columns become JSON strings, FLOAT64 stay numbers, NULL columns are left out and empty
REPEATED columns are written as []. GA4 rows carry no user agent and no IP address.
"""

from __future__ import annotations

from typing import Any

from .events import Event
from .params import day_of
from .vocab import GA4_STREAM_ID, SITE_HOST

EVENT_NAMES: dict[str, str] = {
    "page": "page_view",
    "session_start": "session_start",
    "first_visit": "first_visit",
    "view_item": "view_item",
    "view_item_list": "view_item_list",
    "search": "view_search_results",
    "add_to_cart": "add_to_cart",
    "begin_checkout": "begin_checkout",
    "purchase": "purchase",
    "form_submit": "form_submit",
    "scroll": "scroll",
    "user_engagement": "user_engagement",
    "login": "login",
}


def _param(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"int_value": "1" if value else "0"}}
    if isinstance(value, int):
        return {"key": key, "value": {"int_value": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"double_value": value}}
    return {"key": key, "value": {"string_value": value}}


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "item_id": line["product"].product_id,
            "item_name": line["product"].name,
            "item_category": line["product"].category,
            "price": line["price"],
            "quantity": str(line["quantity"]),
            "item_revenue": round(line["price"] * line["quantity"], 2),
        }
        for line in data.get("items", ())
    ]


def ga4_row(event: Event) -> dict[str, Any]:
    """One export row as a dict in BigQuery schema column order."""
    ctx, data, page = event.ctx, event.data, event.page
    name = EVENT_NAMES[event.kind]
    params = [_param("ga_session_id", ctx.session_id), _param("ga_session_number", ctx.session_number)]
    if page is not None:
        params.append(_param("page_location", page.url))
        if page.referrer:
            params.append(_param("page_referrer", page.referrer))
        params.append(_param("page_title", page.title))
    if event.kind == "page" and data.get("entrances"):
        params.append(_param("entrances", 1))
    if "engagement_ms" in data:
        params.append(_param("engagement_time_msec", int(data["engagement_ms"])))
    if event.kind == "scroll":
        params.append(_param("percent_scrolled", 90))
    if event.kind == "search":
        params.append(_param("search_term", data["term"]))
    if event.kind in ("add_to_cart", "purchase", "begin_checkout", "view_item"):
        params.append(_param("currency", data["currency"]))
        params.append(_param("value", float(data["value"])))
    if event.kind == "purchase":
        params.append(_param("transaction_id", data["order_id"]))
    if event.kind == "form_submit":
        params.append(_param("form_id", data["form_id"]))
        params.append(_param("form_destination", f"https://{SITE_HOST}/contact/submit"))
        if "message" in data:
            params.append(_param("form_message", data["message"]))
    if event.kind == "login":
        params.append(_param("method", data["method"]))
    if "huge_payload" in data:
        params.append(_param("debug_payload", data["huge_payload"]))

    row: dict[str, Any] = {
        "event_date": day_of(event.ts_us).strftime("%Y%m%d"),
        "event_timestamp": str(event.ts_us),
        "event_name": name,
        "event_params": params,
    }
    if event.prev_ts_us is not None:
        row["event_previous_timestamp"] = str(event.prev_ts_us)
    row["event_bundle_sequence_id"] = str(event.bundle_seq)
    row["event_server_timestamp_offset"] = str(300_000 + event.seq % 700_000)
    if event.user_id:
        row["user_id"] = event.user_id
    row["user_pseudo_id"] = ctx.anonymous_id
    row["privacy_info"] = {
        "analytics_storage": "Yes" if ctx.analytics_storage else "No",
        "ads_storage": "Yes" if ctx.ads_storage else "No",
        "uses_transient_token": "No",
    }
    user_properties = []
    if event.user_id:
        user_properties.append(
            {"key": "signed_in", "value": {"string_value": "true", "set_timestamp_micros": str(event.ts_us)}}
        )
    if "customer_email" in data:
        user_properties.append(
            {
                "key": "customer_email",
                "value": {"string_value": data["customer_email"], "set_timestamp_micros": str(event.ts_us)},
            }
        )
    row["user_properties"] = user_properties
    row["user_first_touch_timestamp"] = str(ctx.first_touch_us)
    profile = ctx.profile
    row["device"] = {
        "category": profile.category,
        "mobile_brand_name": profile.brand,
        "mobile_model_name": profile.model,
        "operating_system": profile.os,
        "operating_system_version": profile.os_version,
        "language": ctx.locale.lower(),
        "is_limited_ad_tracking": "No",
        "web_info": {
            "browser": profile.browser,
            "browser_version": profile.browser_version,
            "hostname": SITE_HOST,
        },
    }
    city = ctx.city
    row["geo"] = {
        "city": city.city,
        "country": city.country,
        "continent": city.continent,
        "region": city.region,
        "sub_continent": city.sub_continent,
        "metro": "(not set)",
    }
    channel = ctx.channel
    row["traffic_source"] = {"name": channel.name, "medium": channel.medium, "source": channel.source}
    row["stream_id"] = GA4_STREAM_ID
    row["platform"] = "WEB"
    if event.kind == "purchase":
        items = data["items"]
        row["ecommerce"] = {
            "total_item_quantity": str(sum(line["quantity"] for line in items)),
            "purchase_revenue": float(data["value"]),
            "unique_items": str(len(items)),
            "transaction_id": data["order_id"],
        }
    row["items"] = _items(data)
    row["is_active_user"] = True
    row["batch_event_index"] = str(event.batch_index)
    row["batch_page_id"] = str(event.batch_page_id)
    row["batch_ordering_id"] = str(event.batch_ordering_id)
    return row


def ga4_event_key(row: dict[str, Any]) -> str:
    """The key duplicates.csv uses for GA4: a row is the same hit when all four agree."""
    return f"{row['user_pseudo_id']}|{row['event_timestamp']}|{row['event_name']}|{row['batch_event_index']}"
