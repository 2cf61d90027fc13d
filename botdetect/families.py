"""Generic bot signals that do not depend on a list of known names, and the fetcher families.

Lists of known bots (``crawlers``, ``crawler_detect``) only know the names they were built from.
What generalizes is how bots write their UA:

- a **contact**: a URL or an e-mail address (``+https://example.com/bot``, ``admin@example.com``),
  which no browser puts in its UA;
- the **"compatible" shape**: ``(compatible; Name/1.0; ...)`` where Name is no browser engine;
- a **lone product**: one ``Name/version`` token and nothing else (programs, not browsers);
- **tool tokens**: HTTP libraries, command-line clients, load testers, scanners, monitoring agents;
- **fetcher families**: health checks, link previews, feed readers, SEO tools and other crawlers,
  named by their words (``health-check``, ``preview``, ``rss``) or their well-known products;
- **vendor fetchers**: special-purpose fetchers of Google, Microsoft, Meta, Amazon, Cloudflare ...
  that keep a browser-like UA and only add a token (``Google-Shopping-Quality``,
  ``DuplexWeb-Google``, ``Chrome-Lighthouse``).

The token tables are matched case-insensitively by one ``PatternMatcher`` per kind, per distinct UA
(the caller caches per UA). Each token carries the category it points to (``botdetect.categories``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Literal

from botdetect.categories import Category
from botdetect.patterns import PatternMatcher

TokenKind = Literal["tool", "family", "vendor"]

# --- contact: a URL or an e-mail address ---------------------------------------------------------
# "+example.com/bot" counts; "O+ 8.12" (a brand and a version) does not: the last label is letters.
_URL = r"(?:https?:/+|\bwww\.)[\w-]+|\+\s?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b"
_EMAIL = r"[\w.+-]+(?:@|\s?[\[(]at[\])]\s?)[\w-]+(?:\.|\s?[\[(]dot[\])]\s?)[a-z]{2,}"
_URL_REGEX = re.compile(_URL, re.IGNORECASE)
_EMAIL_REGEX = re.compile(_EMAIL, re.IGNORECASE)
# The e-mail regex starts with a character class, so it is tried at every position: only run it
# when an "@" or an "at" in brackets can be there.
_EMAIL_HINT = re.compile(r"@|[\[(]at[\])]", re.IGNORECASE)


def contact_in_user_agent(user_agent: str) -> str | None:
    """``url`` or ``email`` when the UA carries a contact, else None."""
    if _URL_REGEX.search(user_agent):
        return "url"
    if _EMAIL_HINT.search(user_agent) and _EMAIL_REGEX.search(user_agent):
        return "email"
    return None


# --- the "compatible; Name/version" shape --------------------------------------------------------
_COMPATIBLE = re.compile(r"\(compatible;\s*\+?([A-Za-z][\w.!\-]*(?: [A-Za-z][\w.!\-]*)?)\s?/\s?v?\d", re.IGNORECASE)
# Browsers and platforms that also write "compatible; Name/version" (old and embedded engines).
BROWSER_COMPATIBLE_NAMES = frozenset(
    {
        "msie", "konqueror", "icab", "opera", "ibrowse", "amigavoyager", "windows", "u", "linux",
        "webtv", "netfront", "netpositive", "ncbrowser", "antgalio", "antfresco", "gecko",
    }
)


def compatible_bot_name(user_agent: str) -> str | None:
    """The Name of a ``(compatible; Name/version`` UA when Name is no browser, else None."""
    hit = _COMPATIBLE.search(user_agent)
    if hit is None or hit.group(1).lower() in BROWSER_COMPATIBLE_NAMES:
        return None
    return hit.group(1)


# --- one product token and nothing else ----------------------------------------------------------
_LONE_PRODUCT = re.compile(r"[A-Za-z][\w.+\-]*/v?\d[\w.\-]*")


def is_lone_product(user_agent: str, browser_family: str = "Other") -> bool:
    """True for a UA that is exactly one ``Name/version`` token (``Jigsaw/2.2.5``, ``okhttp/4.9``).

    Not when ua-parser knows the product as a browser (``browser_family`` other than ``Other``:
    ``Dillo/3.0``, ``Links/2.1``).
    """
    return browser_family == "Other" and _LONE_PRODUCT.fullmatch(user_agent.strip()) is not None


# --- token tables: plain text, matched case-insensitively; "re:" marks a regex (lowercased input) --
TOOL_TOKENS: Mapping[str, tuple[str, ...]] = {
    # HTTP client libraries and command-line clients.
    "tool": (
        "libcurl", "pycurl", "urllib3", "httplib2", "httpie/", "python/3", "python/2", "go-resty",
        "fasthttp", "java-http-client", "commons-httpclient", "httpclient/", "httpcomponents",
        "lwp-", "www-mechanize", "mechanize/", "http::tiny", "http_request2", "guzzlehttp", "guzzle/",
        "zend_http_client", "symfony httpclient", "faraday v", "http.rb/", "rest-client/", "typhoeus",
        "httparty", "excon/", "undici", "superagent", "needle/", "deno/", "bun/", "dart/", "reqwest/",
        "ureq/", "hyper/", "isahc/", "restsharp", "winhttp", "powershell/", "aria2/", "httrack",
        "postmanruntime", "insomnia/", "ktor-client", "jersey/", "apache-cxf", "axis2/", "feign",
        "cpp-httplib", "colly", "jsoup", "htmlunit", "mojolicious", "node-superagent", "got (",
        "electron-fetch", "php-curl", "curl-", r"re:^ruby", r"re:^php/", r"re:^perl", r"re:^lua", r"re:^r \(",
        r"re:^request/", r"re:^got/", r"re:^ky/", r"re:^wget", r"re:^fetch/", r"re:^go \d", r"re:^python",
        "okhttp", "unirest", "async-http-client", "reactor-netty", "vert.x", "akka-http", "spray-can",
        "microsoft-cryptoapi", "microsoft bits",
    ),  # (not Dalvik/CFNetwork: the HTTP stacks of apps, used for real users' traffic)
    # Load testers and benchmarks.
    "load": (
        "apachebench", "jmeter", "gatling", "k6/", "locust", "wrk/", "siege/", "hey/", "vegeta",
        "artillery", "tsung", "loader.io", "blazemeter", "loadimpact", "bombardier", "autocannon",
        "httperf", "loadninja", "flood.io", "webload", "loadrunner", "neoload",
    ),
    # Vulnerability and internet scanners.
    "scanner": (
        "arachni", "nikto", "sqlmap", "nmap", "masscan", "zgrab", "nuclei", "w3af", "wpscan",
        "acunetix", "burp", "netsparker", "invicti", "openvas", "nessus", "qualys", "owasp", "zap/",
        "dirbuster", "gobuster", "ffuf", "wfuzz", "whatweb", "censys", "shodan", "internet-measurement",
        "palo alto", "leakix", "l9explore", "securitytrails", "detectify", "intruder.io",
        "probely", "nexpose", r"re:\brapid7\b", "tenable", "skipfish", "vega/", "commix", "dirb", "xray",
        "scanner", "scan/", "probe/", "vulnerab", "pentest", "security check",
    ),
    # Monitoring agents (software on servers, not services): category monitor.
    "agent": (
        "munin", "collectd", "nagios", "check_http", "zabbix", "icinga", "prometheus", "blackbox",
        "datadog", "telegraf", "metricbeat", "heartbeat/", r"re:\bsensu\b", "netdata", "checkmk", "prtg",
        "observium", "librenms", "cacti", "monit/", "opsview", "centreon", "shinken", "naemon",
        "newrelic", "new relic", "appdynamics", "dynatrace", "elastic-apm", "stackdriver",
    ),
}
_TOOL_GROUP_CATEGORY: Mapping[str, Category] = {"tool": "tool", "load": "tool", "scanner": "tool", "agent": "monitor"}

FAMILY_TOKENS: Mapping[Category, tuple[str, ...]] = {
    "monitor": (
        "health-check", "healthcheck", "health check", "health_check", "uptime", "monitor",
        "pingdom", "site24x7", "statuscake", "freshping", "hetrix", "monitis", "catchpoint",
        "thousandeyes", "elb-healthchecker", "googlehc", "kube-probe", "checkly", "updown.io",
        "uptimia", "nodeping", "pagerduty", "sematext", "gomez", "keynote", "alertsite",
        "dotcom-monitor", "host-tracker", "wormly", "uptrends", "montastic", "jetmon", "pulsetic",
        "panopta", "statping", "gatus", "synthetic", "status check", "statuspage", "pingbreak",
        "oh dear", "ohdear", "cronitor", "better stack", "betterstack", "instatus", "upptime",
        "stillup", "appbeat", "site-shot", "downnotifier", "alertra", "siteuptime", "monibot",
        "is it down", "isitdown", "downforeveryone", "webcron", "cron-job", "easycron",
        "setcronjob", "heartbeat", "watchdog",
        # page-speed and performance checks
        "gtmetrix", "pagespeed", "page speed", "lighthouse", "webpagetest", "ptst/",
    ),
    "preview": (
        "preview", "link expand", "linkexpand", "unfurl", "embedly", "iframely", "opengraph",
        "og-scraper", "metainspector", "thumbnail", "screenshot", "imageproxy", "image-proxy",
        "imgproxy", "camo asset proxy", "github-camo", "facebookexternalhit", "facebookplatform",
        "facebookcatalog", "facebot", "meta-externalagent", "meta-externalfetcher", "twitterbot",
        "linkedinbot", "slackbot", "slack-imgproxy", "discordbot", "telegrambot", "skypeuripreview",
        "pinterestbot", "pinterest/0.", "redditbot", "vkshare", "quora link preview", "bloglovin",
        "kakaotalk-scrap", "mastodon/", "pleroma", "akkoma", "misskey", "friendica", "lemmy",
        "cardyb", "bitlybot", "nuzzel", "flipboardproxy", "tumblr/", "yahoomailproxy",
        "googleimageproxy", "google web preview", "google favicon", "applenewsbot", "snap url preview",
        "line-poker", "zoominfobot", "mixmax", "superhuman", "outlook-ios-linkpreview", "w3c_validator",
        r"re:^whatsapp/", "wechat-linkpreview", "yahoo link preview",
    ),
    "feed_reader": (
        "feed", r"re:\brss", "subscriber", "aggregator", "newsreader", "news reader",
        "syndication", "blogtrottr", "superfeedr", "simplepie", "magpierss", "feedparser",
        "feedly", "inoreader", "newsblur", "feedbin", "tiny tiny rss", "tt-rss", "freshrss",
        "miniflux", "theoldreader", "old reader", "netnewswire", "bloglines", "feedspot",
        "feedburner", "liferea", "rssowl", "newsify", "netvibes", "bazqux", "commafeed",
        "selfoss", "nextcloud-news", "yarr/", "podcast", "itunes", "overcast", "pocketcasts",
        "player.fm", "podbean", "spreaker", "newsgator",
    ),
    "seo": (
        r"re:\bseo(?!ul)", "serp", "ahrefs", "semrush", "mj12bot", "dotbot", "rogerbot", "moz.com",
        "screaming frog", "sitebulb", "dataforseo", "barkrowler", "babbar", "linkdex", "spbot",
        "openlinkprofiler", "sistrix", "searchmetrics", "oncrawl", "deepcrawl", "lumar",
        "botify", "contentking", "conductor", "brightedge", "mangools", "ubersuggest", "spyfu",
        "similarweb", "builtwith", "wappalyzer", "w3techs", "netcraft", "linkpad", "megaindex",
        "xovi", "sitechecker", "siteaudit", "site audit", "linkcheck", "link check", "link-check",
        "validator", "broken link", "deadlink", "dead link", "sitemap", "backlink", "crawler-seo",
        "siteimprove", "monsido",
    ),
    "crawler": (
        "ccbot", "gptbot", "chatgpt", "oai-searchbot", "claudebot", "claude-web", "anthropic",
        "perplexity", "cohere-ai", "bytespider", "amazonbot", "diffbot", "ia_archiver", "archive.org",
        "heritrix", "nutch", "yacy", "omgili", "webzio", "meltwater", "brandwatch", "talkwalker",
        "proximic", "grapeshot", "integralads", "doubleverify", "comscore", "admantx", "peer39",
        "outbrain", "taboola", "criteo", "adsbot", "adbeat", "adscanner", "adidxbot", "crawl",
        "spider", "robot", "fetcher", "fetch/", "harvest", "indexer", "archiver", "scrap", "slurp",
        "ai2bot", "timpibot", "youbot", "imagesift", "petalbot", "research", "academic",
        "collector", "extractor", "downloader", "wayback",
    ),
}

VENDOR_TOKENS: Mapping[Category, tuple[str, ...]] = {
    "seo": (
        "google search console", "google-inspectiontool", "google-site-verification",
        "google-structured-data", "bing webmaster", "yandex.webmaster",
    ),
    "preview": (
        "google-read-aloud", "google-pagerenderer", "google-amphtml", "google-youtube-links",
        "googleimageproxy", "bingpreview", "microsoftpreview", "cloudflare-amp", "applenewsbot",
    ),
    "feed_reader": ("feedfetcher-google", "google-podcast"),
    "monitor": (
        "chrome-lighthouse", "google page speed", "google-pagespeed", "pagespeed insights",
        "cloudflare-healthchecks", "cloudflare-diagnostics", "cloudflare-traffic-manager",
        "amazon-route53-health-check", "route53-health-check", "azure traffic manager", "alwayson",
        "google-cloud-monitoring", "gcp-uptime",
    ),
    "tool": ("google-apps-script", "google-http-java-client", "google-cloud-scheduler", "googlecloudstorage"),
    # "Google-Adwords-DisplayAds-WebRender", "DuplexWeb-Google", "Storebot-Google" ...: the
    # vendors' naming conventions, as regexes (lowercased input).
    "crawler": (
        r"re:-google\b", r"re:google-[a-z]", "googleother", "cloudflare-", "amazonbot", "amazon-bot",
        "amazonproductdiscovery", "amazon-advertising", "amazon-qbusiness", "meta-external",
        "facebookexternalhit", "facebookcatalog", "facebookplatform", "bingbot", "adidxbot", "applebot",
        r"re:yandex[a-z]*bot", "baiduspider", "petalbot", "microsoftpreview", "microsoft-preview",
        "microsoft-webdav", "microsoft office protocol discovery",
    ),
}


def _table_entries(table: Mapping[str, tuple[str, ...]], categories: Mapping[str, Category] | None = None):
    for group, patterns in table.items():
        category = categories[group] if categories else group
        for token in patterns:
            pattern = token[3:] if token.startswith("re:") else re.escape(token)
            yield pattern, (group, category)


@cache
def _matchers() -> dict[TokenKind, PatternMatcher[tuple[str, Category]]]:
    return {
        "tool": PatternMatcher(
            _table_entries(TOOL_TOKENS, _TOOL_GROUP_CATEGORY), ignore_case=True, lowercase_patterns=True
        ),
        "family": PatternMatcher(
            _table_entries(FAMILY_TOKENS), ignore_case=True, lowercase_patterns=True  # type: ignore[arg-type]
        ),
        "vendor": PatternMatcher(
            _table_entries(VENDOR_TOKENS), ignore_case=True, lowercase_patterns=True  # type: ignore[arg-type]
        ),
    }


def token_categories(kind: TokenKind, user_agent: str) -> tuple[Category, ...]:
    """The categories of the ``kind`` tokens in the UA, in match order (() when none)."""
    return tuple(category for _, category in _matchers()[kind].matches(user_agent))
