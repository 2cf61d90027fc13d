"""Bot detection for clickstream events: user-agent and behavioural signals, one verdict per session.

- ``classify_user_agent(ua)`` -> ``UserAgentVerdict`` for one UA string (cached per process).
- ``user_agent_signals(df)``: the Spark stage adding the ``ua_*`` columns to events.
- ``session_signals``, ``client_signals``: the behavioural signals (``botdetect.signals``).
- ``session_verdicts(events, config)``: one verdict row per session; ``apply_verdicts`` puts
  bot_score, is_bot, bot_category and bot_reasons on the events.
- ``affected_sessions``, ``refresh_verdicts``: verdicts that do not depend on batch boundaries.
- ``Category``, ``CATEGORY_PRECEDENCE``: the bot categories ``bot_category`` reports, most
  specific first (``botdetect.categories``).
- ``USER_AGENT_RULES``, ``BEHAVIOUR_RULES``: the built-in rules by name; ``BotDetectConfig``
  selects, weighs and tunes them.
- ``BOT_SESSIONS`` (``botdetect.tables``): the table of flagged sessions.
"""

from botdetect.behaviour_rules import BEHAVIOUR_RULES, BehaviourRule
from botdetect.categories import CATEGORY_PRECEDENCE, Category
from botdetect.config import BehaviourRuleSettings, BotDetectConfig, RuleSettings
from botdetect.gap_sessions import GAP_SESSION_PREFIX, cut_by_inactivity, superseded_gap_sessions, with_gap_sessions
from botdetect.refresh import affected_sessions, history_dates, read_history, refresh_verdicts
from botdetect.rules import USER_AGENT_RULES, UserAgentRule
from botdetect.schemas import SESSION_VERDICT_SCHEMA
from botdetect.signals import client_signals, session_signals
from botdetect.tables import BOT_SESSIONS
from botdetect.user_agent import (
    DeviceClass,
    UserAgentVerdict,
    classify_user_agent,
    clear_user_agent_cache,
    user_agent_cache_info,
)
from botdetect.user_agent_stage import USER_AGENT_SIGNAL_SCHEMA, user_agent_signals
from botdetect.verdict import apply_verdicts, session_verdicts

__all__ = [
    "BEHAVIOUR_RULES",
    "BOT_SESSIONS",
    "CATEGORY_PRECEDENCE",
    "GAP_SESSION_PREFIX",
    "SESSION_VERDICT_SCHEMA",
    "USER_AGENT_RULES",
    "USER_AGENT_SIGNAL_SCHEMA",
    "BehaviourRule",
    "BehaviourRuleSettings",
    "BotDetectConfig",
    "Category",
    "DeviceClass",
    "RuleSettings",
    "UserAgentRule",
    "UserAgentVerdict",
    "affected_sessions",
    "apply_verdicts",
    "classify_user_agent",
    "clear_user_agent_cache",
    "client_signals",
    "cut_by_inactivity",
    "history_dates",
    "read_history",
    "refresh_verdicts",
    "session_signals",
    "session_verdicts",
    "superseded_gap_sessions",
    "user_agent_cache_info",
    "user_agent_signals",
    "with_gap_sessions",
]

