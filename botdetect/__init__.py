"""Bot detection for clickstream events. This half: what the user agent alone says.

- ``classify_user_agent(ua)`` -> ``UserAgentVerdict`` for one UA string (cached per process).
- ``user_agent_signals(df)``: the Spark stage adding the ``ua_*`` columns.
- ``USER_AGENT_RULES``: the built-in rules by name; ``BotDetectConfig`` selects and weighs them.
"""

from botdetect.config import BotDetectConfig, RuleSettings
from botdetect.crawlers import Category
from botdetect.rules import USER_AGENT_RULES, UserAgentRule
from botdetect.user_agent import (
    DeviceClass,
    UserAgentVerdict,
    classify_user_agent,
    clear_user_agent_cache,
    user_agent_cache_info,
)
from botdetect.user_agent_stage import USER_AGENT_SIGNAL_SCHEMA, user_agent_signals

__all__ = [
    "USER_AGENT_RULES",
    "USER_AGENT_SIGNAL_SCHEMA",
    "BotDetectConfig",
    "Category",
    "DeviceClass",
    "RuleSettings",
    "UserAgentRule",
    "UserAgentVerdict",
    "classify_user_agent",
    "clear_user_agent_cache",
    "user_agent_cache_info",
    "user_agent_signals",
]
