"""Known crawlers from the maintained ``crawler-user-agents`` package (MIT).

The package lists ~1,500 patterns. Python's ``re`` tries every branch of a plain alternation at
every position, so ``"|".join(patterns)`` costs ~0.7 ms on a browser UA that matches nothing (the
package itself searches 25-pattern chunks, ~0.2 ms). Nearly all patterns are literals once their
``\\/``-style escapes are undone: ``botdetect.patterns.PatternMatcher`` puts those into a
character trie and keeps the few real regexes (``[wW]get``, ``^curl``, ...) as named groups of
their own regexes, a few tens of microseconds per non-matching UA.

Which entry matched decides the category: the entry's ``tags`` (``TAG_CATEGORIES``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import crawleruseragents

from botdetect.categories import Category, best_category
from botdetect.patterns import PatternMatcher, literal_of, trie_regex

__all__ = ["CrawlerEntry", "CrawlerMatcher", "best_category", "crawler_matcher", "literal_of", "trie_regex"]

# The package's tags, mapped to our categories (``botdetect.categories``); other tags give "unknown".
TAG_CATEGORIES: Mapping[str, Category] = {
    "search-engine": "search_engine",
    "monitoring": "monitor",
    "social-preview": "preview",
    "feed-reader": "feed_reader",
    "seo": "seo",
    "ai-crawler": "crawler",
    "archiver": "crawler",
    "academic": "crawler",
    "advertising": "crawler",
    "scanner": "tool",
    "http-library": "tool",
    "browser-automation": "automation",
}

# Entries whose tags say less than we know, keyed by the package's pattern.
PATTERN_CATEGORY_OVERRIDES: Mapping[str, Category] = {
    "Scrapy": "scraper",  # tagged http-library, but it is a scraping framework
}


# Browser and in-app tokens cut out of a UA before it is matched (as CrawlerDetect does with its
# exclusions): a few list entries are literals that real browsers also carry. Android build ids
# ("Build/AP3A.240617.008" is an entry, tagged scanner: a scanner once sent an Instagram in-app
# UA), Sogou's mobile browser and search app (the "Sogou" search-engine entry), Viber's in-app
# browser, which appends "Viber/<version>" (the "Viber" entry is its link-preview fetcher).
BROWSER_TOKEN_EXCLUSIONS = re.compile(
    r"\bBuild/[^;)]*|\b[A-Z]{2}\d[A-Z]\.\d{6}\.\d{3}\b|\bSogou(?:MobileBrowser|MSE|Search)\b[/\d.]*"
    r"|\bViber/\d[\d.]*"
)


def without_browser_tokens(user_agent: str) -> str:
    """The UA without the tokens of ``BROWSER_TOKEN_EXCLUSIONS``."""
    return BROWSER_TOKEN_EXCLUSIONS.sub("", user_agent)


@dataclass(frozen=True)
class CrawlerEntry:
    """One entry of the crawler list, with the category we give it."""

    pattern: str
    category: Category
    tags: tuple[str, ...]
    url: str | None


def entry_category(pattern: str, tags: Iterable[str]) -> Category:
    if pattern in PATTERN_CATEGORY_OVERRIDES:
        return PATTERN_CATEGORY_OVERRIDES[pattern]
    return best_category(TAG_CATEGORIES.get(tag, "unknown") for tag in tags)


class CrawlerMatcher:
    """Find the crawler-list entries a UA matches (``botdetect.patterns.PatternMatcher``)."""

    def __init__(self, records: Iterable[Mapping[str, object]]) -> None:
        entries: list[tuple[str, CrawlerEntry]] = []
        for record in records:
            pattern = str(record["pattern"])
            tags = tuple(str(tag) for tag in record.get("tags") or ())  # type: ignore[attr-defined]
            url = record.get("url")
            entry = CrawlerEntry(pattern, entry_category(pattern, tags), tags, str(url) if url else None)
            entries.append((pattern, entry))
        self._matcher = PatternMatcher(entries)
        self.entry_count = self._matcher.entry_count

    def matches(self, user_agent: str) -> list[CrawlerEntry]:
        """Entries matched: literals left to right (longest at a position), then regexes ([] for none).

        Browser tokens (``BROWSER_TOKEN_EXCLUSIONS``) are cut out first.
        """
        return self._matcher.matches(without_browser_tokens(user_agent))

    def category(self, user_agent: str) -> Category | None:
        """The category of a known crawler, or None when the UA matches no entry."""
        found = self.matches(user_agent)
        return best_category(entry.category for entry in found) if found else None


@cache
def crawler_matcher() -> CrawlerMatcher:
    """The matcher for the installed crawler list, built once per Python process (~50 ms)."""
    return CrawlerMatcher(crawleruseragents.CRAWLER_USER_AGENTS_DATA)
