"""The user-agent rules: each a stable name, a default weight and a detector, in one explicit registry.

A detector sees the raw UA and its parse and returns the category it points to when it fires
(``"unknown"`` when it cannot tell), or None. Detectors do not know the config: which rules
count, and with what weight, is decided when the verdict is scored, so the per-UA work can be
cached once per process whatever the config.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from user_agents.parsers import UserAgent

from botdetect.categories import Category, best_category
from botdetect.crawler_detect import crawler_detect_matcher
from botdetect.crawlers import crawler_matcher
from botdetect.families import (
    TokenKind,
    compatible_bot_name,
    contact_in_user_agent,
    is_lone_product,
    token_categories,
)

# A UA shorter than this (after trimming) or longer than the maximum is malformed.
MIN_USER_AGENT_LENGTH = 10
MAX_USER_AGENT_LENGTH = 1024

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# RFC 9110 product token: name "/" version, as in "Mozilla/5.0" or "curl/8.5.0".
_PRODUCT_TOKEN = re.compile(r"[A-Za-z][\w.+\-]*/\s?[\w.]")

# HTTP clients and browser automation. Named groups say which marker matched.
_AUTOMATION_MARKERS: Mapping[str, tuple[str, Category]] = {
    "headless_chrome": (r"HeadlessChrome", "automation"),
    "phantomjs": (r"PhantomJS", "automation"),
    "selenium": (r"Selenium", "automation"),
    "webdriver": (r"WebDriver", "automation"),
    "puppeteer": (r"Puppeteer", "automation"),
    "playwright": (r"Playwright", "automation"),
    "curl": (r"\bcurl/", "tool"),
    "wget": (r"\bWget/", "tool"),
    "python_requests": (r"python-requests/", "tool"),
    "python_urllib": (r"Python-urllib/", "tool"),
    "aiohttp": (r"\baiohttp/", "tool"),
    "httpx": (r"python-httpx/", "tool"),
    "go_http_client": (r"Go-http-client/", "tool"),
    "java": (r"(?:^|[\s(;])Java/\d", "tool"),
    "okhttp": (r"\bokhttp/", "tool"),
    "apache_httpclient": (r"Apache-HttpClient/", "tool"),
    "libwww_perl": (r"libwww-perl/", "tool"),
    "scrapy": (r"\bScrapy/", "scraper"),
    "node_fetch": (r"node-fetch", "tool"),
    "axios": (r"\baxios/", "tool"),
}
_AUTOMATION_REGEX = re.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, (pattern, _) in _AUTOMATION_MARKERS.items()),
    re.IGNORECASE,
)

Detector = Callable[[str, UserAgent], Category | None]


@dataclass(frozen=True)
class UserAgentRule:
    """A named user-agent signal. ``default_weight`` is its evidence alone, in [0, 1]."""

    name: str
    default_weight: float
    summary: str
    detect: Detector


def automation_marker(user_agent: str) -> str | None:
    """The name of the first HTTP-client or automation marker in the UA, if any."""
    hit = _AUTOMATION_REGEX.search(user_agent)
    return hit.lastgroup if hit else None


def malformation(user_agent: str) -> str | None:
    """Why a non-empty UA is malformed (too_short, too_long, control_characters, no_product_token)."""
    if not user_agent.strip():
        return None  # empty is its own signal: ua_empty
    if _CONTROL_CHARACTERS.search(user_agent):
        return "control_characters"
    if len(user_agent) > MAX_USER_AGENT_LENGTH:
        return "too_long"
    if len(user_agent.strip()) < MIN_USER_AGENT_LENGTH:
        return "too_short"
    if not _PRODUCT_TOKEN.search(user_agent):
        return "no_product_token"
    return None


def _library_bot(user_agent: str, parsed: UserAgent) -> Category | None:
    return "unknown" if parsed.is_bot else None


def _crawler_list(user_agent: str, parsed: UserAgent) -> Category | None:
    return crawler_matcher().category(user_agent)


def _automation(user_agent: str, parsed: UserAgent) -> Category | None:
    marker = automation_marker(user_agent)
    return _AUTOMATION_MARKERS[marker][1] if marker else None


def _crawler_detect(user_agent: str, parsed: UserAgent) -> Category | None:
    return "unknown" if crawler_detect_matcher().match(user_agent) else None


def _contact(user_agent: str, parsed: UserAgent) -> Category | None:
    return "crawler" if contact_in_user_agent(user_agent) else None


def _compatible_shape(user_agent: str, parsed: UserAgent) -> Category | None:
    return "crawler" if compatible_bot_name(user_agent) else None


def _lone_product(user_agent: str, parsed: UserAgent) -> Category | None:
    return "unknown" if is_lone_product(user_agent, parsed.browser.family) else None


def _tokens(kind: TokenKind) -> Detector:
    def detect(user_agent: str, parsed: UserAgent) -> Category | None:
        found = token_categories(kind, user_agent)
        return best_category(found) if found else None

    return detect


def _empty(user_agent: str, parsed: UserAgent) -> Category | None:
    return "unknown" if not user_agent.strip() else None


def _malformed(user_agent: str, parsed: UserAgent) -> Category | None:
    return "unknown" if malformation(user_agent) else None


_BUILT_IN_RULES = (
    UserAgentRule("ua_library_bot", 0.9, "user-agents/ua-parser says the device is a spider", _library_bot),
    UserAgentRule(
        "ua_crawler_list", 0.95, "matches a pattern of the crawler-user-agents list", _crawler_list
    ),
    UserAgentRule(
        "ua_automation_marker",
        0.9,
        "HTTP library or browser-automation marker (curl, Selenium ...)",
        _automation,
    ),
    UserAgentRule(
        "ua_crawler_detect",
        0.9,
        "matches a pattern of CrawlerDetect (the crawlerdetect package), after its exclusions",
        _crawler_detect,
    ),
    UserAgentRule("ua_contact", 0.8, "a URL or an e-mail address in the UA", _contact),
    UserAgentRule(
        "ua_compatible_shape", 0.8, '"(compatible; Name/version" where Name is no browser', _compatible_shape
    ),
    UserAgentRule("ua_lone_product", 0.75, "the UA is one Name/version token and nothing else", _lone_product),
    UserAgentRule(
        "ua_tool",
        0.9,
        "HTTP library, command-line client, load tester, scanner or monitoring agent",
        _tokens("tool"),
    ),
    UserAgentRule(
        "ua_fetcher_family",
        0.85,
        "a word or product of a fetcher family: health check, preview, feed, SEO, crawler",
        _tokens("family"),
    ),
    UserAgentRule(
        "ua_vendor_fetcher",
        0.9,
        "a vendor's special-purpose fetcher token (Google-*, *-Google, Chrome-Lighthouse, BingPreview ...)",
        _tokens("vendor"),
    ),
    UserAgentRule("ua_empty", 0.8, "the UA is present but empty or whitespace", _empty),
    UserAgentRule(
        "ua_malformed",
        0.75,
        "too short or long, control characters, or no product/version token",
        _malformed,
    ),
)

USER_AGENT_RULES: Mapping[str, UserAgentRule] = MappingProxyType(
    {rule.name: rule for rule in _BUILT_IN_RULES}
)
"""The built-in user-agent rules by name, in evaluation order. Config selects them by these names."""
