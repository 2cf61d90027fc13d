"""The second maintained bot list: CrawlerDetect's patterns, from the ``crawlerdetect`` package (MIT).

``crawlerdetect`` is the Python port of JayBizzle's CrawlerDetect (PHP, MIT): ~1,450 patterns,
matched case-insensitively after its *exclusions* (browser tokens such as ``Safari/537.36``,
``Build``, ``cubot`` that would otherwise trip generic words like ``bot``) are cut out of the UA.
The package's data is used as it ships (``crawlerdetect.providers``), not copied here; only the
matching is ours: one ``PatternMatcher`` instead of the package's single alternation (~0.45 ms per
browser UA), with one mechanical rewrite that keeps what matches: a leading ``[...]*`` is dropped
(``[a-z0-9\\-_]*(bot|crawl|...)`` matches exactly where ``(bot|crawl|...)`` does).

It gives no category: a bot it alone knows is ``unknown``.
"""

from __future__ import annotations

import re
from functools import cache

from crawlerdetect.providers.crawlers import data as CRAWLER_PATTERNS
from crawlerdetect.providers.exclusions import data as EXCLUSION_PATTERNS

from botdetect.patterns import PatternMatcher

_LEADING_CLASS_STAR = re.compile(r"^\[[^\]]*\]\*")


def _searchable(pattern: str) -> str:
    """The pattern with a leading ``[...]*`` removed: it cannot change whether a search matches."""
    return _LEADING_CLASS_STAR.sub("", pattern, count=1)


class CrawlerDetectMatcher:
    """CrawlerDetect's verdict for one UA: the pattern that matched after the exclusions, or None."""

    def __init__(self, patterns: list[str], exclusions: list[str]) -> None:
        self._exclusions = re.compile("|".join(exclusions), re.IGNORECASE)
        self._patterns = PatternMatcher(((_searchable(p), p) for p in patterns), ignore_case=True)
        self.pattern_count = self._patterns.entry_count

    def match(self, user_agent: str) -> str | None:
        agent = self._exclusions.sub("", user_agent).strip()
        if not agent:
            return None
        return self._patterns.first(agent)


@cache
def crawler_detect_matcher() -> CrawlerDetectMatcher:
    """The matcher for the installed ``crawlerdetect`` data, built once per Python process."""
    return CrawlerDetectMatcher(list(CRAWLER_PATTERNS), list(EXCLUSION_PATTERNS))
