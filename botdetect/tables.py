"""The bot-detection table: one row per flagged session, with the signals that flagged it.

The catalog (``clickstitch.catalog``) lists it.
"""

from __future__ import annotations

from botdetect.schemas import SESSION_VERDICT_SCHEMA
from lakehouse import TableSpec

__all__ = ["BOT_SESSIONS", "SESSION_VERDICT_SCHEMA"]

BOT_SESSIONS = TableSpec(
    name="bot_sessions",
    schema=SESSION_VERDICT_SCHEMA,
    keys=("source", "session_id"),
    partition_by=("session_date",),
    layer="silver",
    description="One row per session flagged as a bot (known good bots included, labelled by "
    "bot_category), with the signal values and the rule names (bot_reasons) behind the verdict. "
    "Raw anonymous and session ids: restricted like bronze.",
)
