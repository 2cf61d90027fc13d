"""Table-driven cases for each user-agent rule, the verdict, the config and the crawler matcher."""

from __future__ import annotations

import pytest
import user_agents

from botdetect import (
    USER_AGENT_RULES,
    BotDetectConfig,
    DeviceClass,
    UserAgentVerdict,
    classify_user_agent,
    clear_user_agent_cache,
    user_agent_cache_info,
)
from botdetect.crawler_detect import crawler_detect_matcher
from botdetect.crawlers import CrawlerMatcher, best_category, literal_of, trie_regex
from botdetect.families import compatible_bot_name, contact_in_user_agent
from botdetect.rules import automation_marker, malformation

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36"
)


def fired(ua: str, rule: str) -> bool:
    return USER_AGENT_RULES[rule].detect(ua, user_agents.parse(ua)) is not None


@pytest.mark.parametrize(
    ("ua", "rule", "fires"),
    [
        # ua_library_bot: ua-parser's device family "Spider"
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "ua_library_bot", True),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "ua_library_bot", True),
        (CHROME_WINDOWS, "ua_library_bot", False),
        # ua_crawler_list: the crawler-user-agents patterns
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "ua_crawler_list", True),
        ("UptimeRobot/2.0 (+http://www.uptimerobot.com/)", "ua_crawler_list", True),
        ("Mozilla/5.0 (compatible; wget-like; Wget/1.21)", "ua_crawler_list", True),
        (CHROME_WINDOWS, "ua_crawler_list", False),
        (SAFARI_IPHONE, "ua_crawler_list", False),
        # ua_automation_marker
        ("curl/8.5.0", "ua_automation_marker", True),
        ("Wget/1.21.4", "ua_automation_marker", True),
        ("python-requests/2.32.3", "ua_automation_marker", True),
        ("Python-urllib/3.11", "ua_automation_marker", True),
        ("Python/3.11 aiohttp/3.9.5", "ua_automation_marker", True),
        ("python-httpx/0.27.0", "ua_automation_marker", True),
        ("Go-http-client/2.0", "ua_automation_marker", True),
        ("Java/17.0.2", "ua_automation_marker", True),
        ("okhttp/4.12.0", "ua_automation_marker", True),
        ("Apache-HttpClient/4.5.14 (Java/17.0.2)", "ua_automation_marker", True),
        ("libwww-perl/6.72", "ua_automation_marker", True),
        ("Scrapy/2.11.2 (+https://scrapy.org)", "ua_automation_marker", True),
        ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "ua_automation_marker", True),
        ("axios/1.7.2", "ua_automation_marker", True),
        (HEADLESS_CHROME, "ua_automation_marker", True),
        (
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
            "PhantomJS/2.1.1 Safari/538.1",
            "ua_automation_marker",
            True,
        ),
        (CHROME_WINDOWS + " Selenium/4.21", "ua_automation_marker", True),
        (CHROME_WINDOWS + " Puppeteer", "ua_automation_marker", True),
        (CHROME_WINDOWS + " Playwright/1.44", "ua_automation_marker", True),
        (CHROME_WINDOWS, "ua_automation_marker", False),
        ("Mozilla/5.0 (Linux; Android 14) JavaScript/1.0", "ua_automation_marker", False),
        # ua_empty: present but blank
        ("", "ua_empty", True),
        ("   \t", "ua_empty", True),
        (CHROME_WINDOWS, "ua_empty", False),
        # ua_malformed: never for blank (that is ua_empty)
        ("", "ua_malformed", False),
        ("x/1", "ua_malformed", True),
        ("Mozilla/5.0 (Windows NT 10.0)\x00", "ua_malformed", True),
        ("Mozilla/5.0 " + "A" * 2000, "ua_malformed", True),
        ("just some words without any version", "ua_malformed", True),
        (CHROME_WINDOWS, "ua_malformed", False),
        (SAFARI_IPHONE, "ua_malformed", False),
        # ua_crawler_detect: CrawlerDetect's patterns, after its exclusions
        ("Mozilla/5.0 (compatible; SomeCrawler/1.0)", "ua_crawler_detect", True),
        ("Mozilla/5.0 (Linux; Android 12; CUBOT X50) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/120.0 Mobile Safari/537.36", "ua_crawler_detect", False),  # "cubot" is an exclusion
        (CHROME_WINDOWS, "ua_crawler_detect", False),
        # ua_contact: a URL or an e-mail address
        ("MyChecker/2.1 (+https://checker.example.com)", "ua_contact", True),
        ("fetch-o-matic 3 (ops@example.org)", "ua_contact", True),
        ("fetch-o-matic 3 (ops[at]example[dot]org)", "ua_contact", True),
        ("Thing/1.0 (+example.net/bot)", "ua_contact", True),
        (
            "Mozilla/5.0 (Linux; Android 4.1.1; O+ 8.52 Android(8GB) Build/Oplus8.52_Android_8GB) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.81 Mobile Safari/537.36",
            "ua_contact",
            False,  # a "+" brand and a version is no domain
        ),
        (SAFARI_IPHONE, "ua_contact", False),
        # ua_compatible_shape
        ("Mozilla/5.0 (compatible; NewBot/0.1)", "ua_compatible_shape", True),
        ("Mozilla/5.0 (compatible; Data Fetcher/2.0; linux)", "ua_compatible_shape", True),
        ("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)", "ua_compatible_shape", False),
        ("Mozilla/5.0 (compatible; Konqueror/4.5; Linux) KHTML/4.5.5 (like Gecko)", "ua_compatible_shape", False),
        # ua_lone_product: one Name/version and nothing else, unless ua-parser knows it as a browser
        ("Jigsaw/2.2.5", "ua_lone_product", True),
        ("SomeAgent/3.1", "ua_lone_product", True),
        ("okhttp/4.12.0", "ua_lone_product", False),  # ua-parser names it (ua_automation_marker, ua_tool fire)
        ("Dillo/3.0.5", "ua_lone_product", False),
        (SAFARI_IPHONE, "ua_lone_product", False),
        # ua_tool: libraries, CLI clients, load testers, scanners, monitoring agents
        ("GuzzleHttp/7", "ua_tool", True),
        ("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "ua_tool", True),
        ("k6/0.45.0 (https://k6.io/)", "ua_tool", True),
        ("Zabbix", "ua_tool", True),
        (
            "Mozilla/5.0 (Linux; Android 5.1; RAPID7LTE Build/LMY47D) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Version/4.0 Chrome/39.0.0.0 Safari/537.36",
            "ua_tool",
            False,  # a device name, not the scanner: tokens at word boundaries where it matters
        ),
        (CHROME_WINDOWS, "ua_tool", False),
        # ua_fetcher_family
        ("Mozilla/5.0 (compatible; HealthCheck/1.0)", "ua_fetcher_family", True),
        ("SiteUptime.com", "ua_fetcher_family", True),
        ("Some RSS Reader 2.0", "ua_fetcher_family", True),
        ("LinkPreviewer/0.9", "ua_fetcher_family", True),
        (
            "Mozilla/5.0 (Linux; Android 8.1.0; Seoul 9) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/90.0 Mobile Safari/537.36",
            "ua_fetcher_family",
            False,  # "seo" only at the start of a word, and not Seoul
        ),
        (SAFARI_IPHONE, "ua_fetcher_family", False),
        # ua_vendor_fetcher: inside a browser-like UA
        (CHROME_WINDOWS + " Google-Shopping-Quality", "ua_vendor_fetcher", True),
        (CHROME_WINDOWS + " (compatible; Google-InspectionTool/1.0)", "ua_vendor_fetcher", True),
        (CHROME_WINDOWS + " Storebot-Google/1.0", "ua_vendor_fetcher", True),
        (CHROME_WINDOWS + " Cloudflare-AMP", "ua_vendor_fetcher", True),
        (CHROME_WINDOWS, "ua_vendor_fetcher", False),
    ],
)
def test_rule_fires(ua: str, rule: str, fires: bool) -> None:
    assert fired(ua, rule) is fires


@pytest.mark.parametrize(
    ("ua", "marker"),
    [
        ("curl/8.5.0", "curl"),
        ("Scrapy/2.11", "scrapy"),
        (HEADLESS_CHROME, "headless_chrome"),
        ("libcurl", None),
    ],
)
def test_automation_marker_names(ua: str, marker: str | None) -> None:
    assert automation_marker(ua) == marker


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        ("Bot/1 (+http://a.example/)", "url"),
        ("Bot/1 www.example.com", "url"),
        ("Bot/1 (admin@example.com)", "email"),
        (CHROME_WINDOWS, None),
    ],
)
def test_contact_kind(ua: str, expected: str | None) -> None:
    assert contact_in_user_agent(ua) == expected


@pytest.mark.parametrize(
    ("ua", "name"),
    [
        ("Mozilla/5.0 (compatible; Barkrowler/0.9; +https://babbar.tech/crawler)", "Barkrowler"),
        ("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2)", None),
        ("Mozilla/3.0 (compatible; NetPositive/2.2.1; BeOS)", None),
        (CHROME_WINDOWS, None),
    ],
)
def test_compatible_bot_name(ua: str, name: str | None) -> None:
    assert compatible_bot_name(ua) == name


def test_crawler_detect_agrees_with_the_package_it_wraps() -> None:
    """Our matcher over crawlerdetect's data gives the package's own yes/no."""
    from crawlerdetect import CrawlerDetect

    package = CrawlerDetect()
    samples = [
        CHROME_WINDOWS,
        SAFARI_IPHONE,
        HEADLESS_CHROME,
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Java/17.0.2",
        "git/2.32.0",
        "Mozilla/5.0 (Linux; Android 12; CUBOT X50) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
        "Safari/537.36 Yandex",
        "Mozilla/5.0 (Windows NT 10.0) YandexSearch/1.0",
    ]
    matcher = crawler_detect_matcher()
    assert matcher.pattern_count > 1000
    assert [matcher.match(ua) is not None for ua in samples] == [package.is_crawler(ua) for ua in samples]


@pytest.mark.parametrize(
    ("ua", "problem"),
    [
        ("x/1", "too_short"),
        ("Mozilla/5.0\n(Windows NT 10.0; Win64; x64)", "control_characters"),
        ("Mozilla/5.0 " + "A" * 2000, "too_long"),
        ("just some words without any version", "no_product_token"),
        ("   ", None),
        (CHROME_WINDOWS, None),
    ],
)
def test_malformation_reason(ua: str, problem: str | None) -> None:
    assert malformation(ua) == problem


@pytest.mark.parametrize(
    ("ua", "category"),
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "search_engine"),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "search_engine"),
        ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "search_engine"),
        (
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "search_engine",
        ),
        ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", "search_engine"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
            "search_engine",
        ),
        ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", "monitor"),
        ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "monitor"),
        ("Mozilla/5.0 (compatible; StatusCake)", "monitor"),
        ("Site24x7", "monitor"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/69.0.3497.100 "
            "Safari/537.36 NewRelicSynthetics/1.0",
            "monitor",
        ),
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "seo"),
        ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", "seo"),
        ("Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)", "seo"),
        (
            "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
            "seo",
        ),
        ("Scrapy/2.11.2 (+https://scrapy.org)", "scraper"),
        ("curl/8.5.0", "tool"),
        ("python-requests/2.32.3", "tool"),
        (HEADLESS_CHROME, "automation"),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "preview"),
        # The families the crawler lists missed: one real UA of each, and its category.
        ("Amazon-Route53-Health-Check-Service (ref 2f3a; report http://amzn.to/1vsZADi)", "monitor"),
        ("munin/2.0.75 (libwww-perl/6.68)", "monitor"),
        ("collectd/5.12.0", "monitor"),
        ("ApacheBench/2.3", "tool"),
        ("Arachni/v1.5.1", "tool"),
        ("Pinterest/0.2 (+https://www.pinterest.com/bot.html)", "preview"),
        ("Quora Link Preview/1.0 (http://www.quora.com)", "preview"),
        ("facebookplatform/1.0 (+http://developers.facebook.com)", "preview"),
        ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; like FeedFetcher-Google)", "feed_reader"),
        ("Tiny Tiny RSS/23.04 (http://tt-rss.org/)", "feed_reader"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
            "Safari/537.36 Google-Adwords-DisplayAds-WebRender",
            "crawler",
        ),
        (
            "Mozilla/5.0 (Linux; Android 11; Pixel 2; DuplexWeb-Google/1.0) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/86.0.4240.193 Mobile Safari/537.36",
            "crawler",
        ),
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.6099.71 Mobile Safari/537.36 Chrome-Lighthouse",
            "monitor",
        ),
        ("Mozilla/5.0 (compatible; SomeNewCrawler/0.3; +https://example.org/about-our-crawler)", "crawler"),
        ("ExampleFetcher/1.0 (ops@example.org)", "crawler"),
        ("", "unknown"),
        ("hello", "unknown"),
    ],
)
def test_bot_category(ua: str, category: str) -> None:
    verdict = classify_user_agent(ua)
    assert verdict.is_bot
    assert verdict.category == category
    assert verdict.device == "bot"
    assert 0.0 <= verdict.score <= 1.0  # type: ignore[operator]


@pytest.mark.parametrize(
    ("ua", "browser", "os", "device"),
    [
        (CHROME_WINDOWS, "Chrome", "Windows", "desktop"),
        (SAFARI_IPHONE, "Mobile Safari", "iOS", "mobile"),
        (SAFARI_IPAD, "Mobile Safari", "iOS", "tablet"),
    ],
)
def test_human_verdict(ua: str, browser: str, os: str, device: DeviceClass) -> None:
    assert classify_user_agent(ua) == UserAgentVerdict(
        is_bot=False, score=0.0, category=None, reasons=(), browser=browser, os=os, device=device
    )


def test_null_user_agent_has_no_evidence_and_empty_one_is_a_signal() -> None:
    assert classify_user_agent(None) == UserAgentVerdict(
        is_bot=False, score=None, category=None, reasons=(), browser=None, os=None, device=None
    )
    empty = classify_user_agent("")
    assert (empty.is_bot, empty.reasons, empty.score) == (True, ("ua_empty",), 0.8)


def test_score_is_noisy_or_of_enabled_rules_and_threshold_decides() -> None:
    ua = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    fired = ("ua_library_bot", "ua_crawler_list", "ua_crawler_detect", "ua_contact", "ua_compatible_shape")
    assert classify_user_agent(ua).reasons == fired
    assert classify_user_agent(ua).score == pytest.approx(1 - 0.1 * 0.05 * 0.1 * 0.2 * 0.2)

    only_library = BotDetectConfig.model_validate(dict(rules={name: {"enabled": False} for name in fired[1:]}))
    verdict = classify_user_agent(ua, only_library)
    assert (verdict.reasons, verdict.score, verdict.category) == (("ua_library_bot",), 0.9, "unknown")

    strict = BotDetectConfig.model_validate(dict(threshold=0.95, rules={"ua_library_bot": {"weight": 0.5}}))
    assert classify_user_agent("hello", strict).is_bot is False  # malformed alone: 0.75 < 0.95
    assert classify_user_agent("hello", strict).reasons == ("ua_malformed",)
    assert classify_user_agent("hello", strict).category is None
    assert classify_user_agent("hello", strict).device == "other"


def test_config_defaults_unknown_rules_and_bad_values() -> None:
    config = BotDetectConfig.model_validate(dict(rules={"ua_empty": {"enabled": False}}))
    assert set(config.rules) == set(USER_AGENT_RULES)
    assert config.weight_of("ua_empty") is None
    assert config.weight_of("ua_crawler_list") == USER_AGENT_RULES["ua_crawler_list"].default_weight
    assert config.threshold == 0.7 and config.exclude_bots_from_metrics is True
    with pytest.raises(ValueError, match="unknown rule"):
        BotDetectConfig.model_validate(dict(rules={"ua_typo": {"weight": 1.0}}))
    with pytest.raises(ValueError, match="extra"):
        BotDetectConfig.model_validate(dict(rules={"ua_empty": {"wieght": 1.0}}))
    with pytest.raises(ValueError, match="less than or equal"):
        BotDetectConfig.model_validate(dict(rules={"ua_empty": {"weight": 1.5}}))
    with pytest.raises(ValueError, match="extra"):
        BotDetectConfig(treshold=0.5)  # type: ignore[call-arg]


def test_each_distinct_user_agent_is_parsed_once_per_process() -> None:
    clear_user_agent_cache()
    for _ in range(3):
        for ua in (CHROME_WINDOWS, SAFARI_IPHONE, "curl/8.5.0"):
            classify_user_agent(ua)
            classify_user_agent(
                ua, BotDetectConfig.model_validate(dict(threshold=0.99))
            )  # another config: same parse
    info = user_agent_cache_info()
    assert (info.misses, info.hits) == (3, 15)


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("Googlebot\\/", "Googlebot/"),
        ("yandex\\.com\\/bots", "yandex.com/bots"),
        ("[wW]get", None),
        ("^curl", None),
        ("BlogTraffic\\/\\d\\.\\d+ Feed-Fetcher", None),
        ("Mediapartners \\(Googlebot\\)", "Mediapartners (Googlebot)"),
    ],
)
def test_literal_of(pattern: str, literal: str | None) -> None:
    assert literal_of(pattern) == literal


def test_matcher_finds_every_matching_entry_with_one_regex() -> None:
    records = [
        {"pattern": "bot", "tags": ["feed-reader"]},
        {"pattern": "bott", "tags": ["seo"]},
        {"pattern": "Headless", "tags": ["browser-automation"]},
        {"pattern": "[Ss]earch\\/", "tags": ["search-engine"]},
    ]
    matcher = CrawlerMatcher(records)
    assert matcher.entry_count == 4
    assert matcher.category("a bottle") == "seo"  # longest literal wins at a position
    assert matcher.category("a bot") == "feed_reader"
    assert matcher.category("Headless search/1 and Search/2") == "search_engine"
    assert [e.pattern for e in matcher.matches("Headless search/1")] == ["Headless", "[Ss]earch\\/"]
    assert matcher.category("a human") is None
    assert trie_regex(["ab", "abc", "b"]) == "(?:ab(?:c)?|b)"
    assert best_category([]) == "unknown"
