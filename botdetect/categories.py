"""The bot categories: one vocabulary for the user-agent rules, the behavioural rules and ``bot_sessions``.

``bot_category`` (``session_verdicts``, ``bot_sessions``, silver) holds one of these names:

- ``search_engine``: crawlers of a search engine (Googlebot, bingbot, Baiduspider ...);
- ``monitor``: uptime and health checks, synthetic monitoring, monitoring agents;
- ``preview``: link-preview and embed fetchers (chat apps, social networks, e-mail image proxies);
- ``feed_reader``: RSS/Atom fetchers, podcast and feed aggregators;
- ``seo``: SEO, site-audit and data-provider crawlers (Ahrefs, Semrush, PageSpeed Insights ...);
- ``scraper``: scraping frameworks and scraping behaviour (deep links, bursts, huge sessions);
- ``crawler``: other declared crawlers (AI crawlers, archivers, research, ad and vendor fetchers);
- ``automation``: browser automation and machine-like timing (HeadlessChrome, Selenium ...);
- ``tool``: HTTP libraries, command-line clients, load testers, vulnerability scanners;
- ``unknown``: a bot with no finer label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

Category = Literal[
    "search_engine",
    "monitor",
    "preview",
    "feed_reader",
    "seo",
    "scraper",
    "crawler",
    "automation",
    "tool",
    "unknown",
]

CATEGORY_PRECEDENCE: tuple[Category, ...] = get_args(Category)
"""Most specific first: when rules disagree, the earliest category wins (an SEO crawler running
HeadlessChrome is ``seo``; a preview fetcher built on python-requests is ``preview``; Scrapy with
its contact URL is a ``scraper``)."""


def best_category(categories: Iterable[Category]) -> Category:
    """The most specific category of several (``unknown`` when there are none)."""
    present = set(categories)
    return next((c for c in CATEGORY_PRECEDENCE if c in present), "unknown")
