"""Static vocabularies: names, places, device profiles and bot user agents.

Kept as plain tuples so the generator never depends on dict or set ordering.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE_HOST = "shop.example.com"
SITE_URL = f"https://{SITE_HOST}"
STORE_NAME = "Larkspur Goods"
GA4_STREAM_ID = "4178923456"
APP_NAME = "Larkspur"

FIRST_NAMES: tuple[str, ...] = (
    "Jane",
    "John",
    "Maria",
    "José",
    "Wei",
    "Aisha",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Lucas",
    "Sofia",
    "Mateo",
    "Chloé",
    "Hiroshi",
    "Yuki",
    "Amara",
    "Kwame",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Elena",
    "Ivan",
    "Zoë",
    "Daniel",
    "Grace",
    "Samuel",
    "Nora",
    "Henrik",
    "Ingrid",
    "Pierre",
    "Camille",
    "Lukas",
    "Hannah",
    "Diego",
    "Lucía",
    "Kenji",
    "Sakura",
    "Ethan",
    "Ava",
    "Mason",
    "Isabella",
    "Thomas",
    "Charlotte",
    "Mohammed",
    "Leila",
    "Carlos",
    "Ana",
    "Oscar",
    "Freya",
    "Jack",
    "Amelia",
    "Rosa",
    "Tomás",
    "Greta",
    "Felix",
    "Maya",
    "David",
    "Sarah",
)
LAST_NAMES: tuple[str, ...] = (
    "Doe",
    "Smith",
    "Gonzalez",
    "García",
    "Chen",
    "Khan",
    "Murphy",
    "Johnson",
    "Williams",
    "Brown",
    "Martin",
    "Rossi",
    "Müller",
    "Schmidt",
    "Dubois",
    "Lefèvre",
    "Tanaka",
    "Sato",
    "Okafor",
    "Mensah",
    "Patel",
    "Sharma",
    "Haddad",
    "Petrov",
    "Novak",
    "Kowalski",
    "O'Brien",
    "Nguyen",
    "Kim",
    "Park",
    "Larsen",
    "Andersen",
    "Fischer",
    "Weber",
    "Moreau",
    "Fernández",
    "López",
    "Suzuki",
    "Takahashi",
    "Wilson",
    "Taylor",
    "Davies",
    "Evans",
    "Walker",
    "Thompson",
    "Rodriguez",
    "Martinez",
    "Silva",
    "Costa",
    "Jansen",
    "de Vries",
    "Bianchi",
    "Romano",
    "Cohen",
    "Levi",
    "Ali",
    "Hassan",
    "Singh",
)
EMAIL_DOMAINS: tuple[str, ...] = (
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "example.co.uk",
    "example.de",
)


@dataclass(frozen=True, slots=True)
class City:
    """A city with the GA4 geo fields and its UTC offset in the generated October."""

    country_code: str
    country: str
    continent: str
    sub_continent: str
    region: str
    city: str
    utc_offset_hours: int


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    currency: str
    locale: str
    weight: int
    cities: tuple[City, ...]


def _cities(code: str, country: str, continent: str, sub: str, rows: tuple[tuple[str, str, int], ...]):
    return tuple(City(code, country, continent, sub, region, city, off) for region, city, off in rows)


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        "USD",
        "en-US",
        34,
        _cities(
            "US",
            "United States",
            "Americas",
            "Northern America",
            (
                ("California", "San Francisco", -7),
                ("New York", "New York", -4),
                ("Illinois", "Chicago", -5),
                ("Texas", "Austin", -5),
                ("Washington", "Seattle", -7),
                ("Georgia", "Atlanta", -4),
            ),
        ),
    ),
    Country(
        "GB",
        "GBP",
        "en-GB",
        14,
        _cities(
            "GB",
            "United Kingdom",
            "Europe",
            "Northern Europe",
            (("England", "London", 1), ("England", "Manchester", 1), ("England", "Leeds", 1)),
        ),
    ),
    Country(
        "DE",
        "EUR",
        "de-DE",
        10,
        _cities(
            "DE",
            "Germany",
            "Europe",
            "Western Europe",
            (("Berlin", "Berlin", 2), ("Bavaria", "Munich", 2), ("Hamburg", "Hamburg", 2)),
        ),
    ),
    Country(
        "FR",
        "EUR",
        "fr-FR",
        8,
        _cities(
            "FR",
            "France",
            "Europe",
            "Western Europe",
            (("Ile-de-France", "Paris", 2), ("Auvergne-Rhone-Alpes", "Lyon", 2)),
        ),
    ),
    Country(
        "ES",
        "EUR",
        "es-ES",
        6,
        _cities(
            "ES",
            "Spain",
            "Europe",
            "Southern Europe",
            (("Community of Madrid", "Madrid", 2), ("Catalonia", "Barcelona", 2)),
        ),
    ),
    Country(
        "JP",
        "JPY",
        "ja-JP",
        10,
        _cities("JP", "Japan", "Asia", "Eastern Asia", (("Tokyo", "Tokyo", 9), ("Osaka", "Osaka", 9))),
    ),
    Country(
        "CA",
        "CAD",
        "en-CA",
        10,
        _cities(
            "CA",
            "Canada",
            "Americas",
            "Northern America",
            (("Ontario", "Toronto", -4), ("British Columbia", "Vancouver", -7), ("Quebec", "Montreal", -4)),
        ),
    ),
)

DATACENTER_CITY = City("US", "United States", "Americas", "Northern America", "Virginia", "Ashburn", -4)


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """What a client looks like: the user agent and the fields GA4 and Segment derive from it."""

    kind: str  # desktop_browser | mobile_browser | tablet_browser | mobile_app
    user_agent: str  # empty for native apps: Segment's mobile libraries send none
    category: str  # GA4 device.category
    brand: str
    model: str
    os: str
    os_version: str
    browser: str
    browser_version: str


def _web(kind: str, ua: str, category: str, brand: str, model: str, os: str, osv: str, br: str, brv: str):
    return DeviceProfile(kind, ua, category, brand, model, os, osv, br, brv)


DESKTOP_PROFILES: tuple[DeviceProfile, ...] = (
    _web(
        "desktop_browser",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.0.0 Safari/537.36",
        "desktop",
        "Microsoft",
        "Chrome",
        "Windows",
        "Windows 10",
        "Chrome",
        "129.0.0.0",
    ),
    _web(
        "desktop_browser",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/129.0.0.0 Safari/537.36",
        "desktop",
        "Apple",
        "Chrome",
        "Macintosh",
        "Macintosh Intel 10.15",
        "Chrome",
        "129.0.0.0",
    ),
    _web(
        "desktop_browser",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.0 Safari/605.1.15",
        "desktop",
        "Apple",
        "Safari",
        "Macintosh",
        "Macintosh Intel 10.15",
        "Safari",
        "18.0",
    ),
    _web(
        "desktop_browser",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
        "desktop",
        "Microsoft",
        "Firefox",
        "Windows",
        "Windows 10",
        "Firefox",
        "131.0",
    ),
    _web(
        "desktop_browser",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
        "desktop",
        "Microsoft",
        "Edge",
        "Windows",
        "Windows 10",
        "Edge",
        "129.0.0.0",
    ),
    _web(
        "desktop_browser",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
        "desktop",
        "Google",
        "Firefox",
        "Linux",
        "Linux x86_64",
        "Firefox",
        "131.0",
    ),
)
MOBILE_PROFILES: tuple[DeviceProfile, ...] = (
    _web(
        "mobile_browser",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
        "mobile",
        "Apple",
        "iPhone",
        "iOS",
        "iOS 18.0",
        "Safari",
        "18.0",
    ),
    _web(
        "mobile_browser",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.6668.81 Mobile Safari/537.36",
        "mobile",
        "Samsung",
        "SM-S918B",
        "Android",
        "Android 14",
        "Chrome",
        "129.0.6668.81",
    ),
    _web(
        "mobile_browser",
        "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.6668.81 Mobile Safari/537.36",
        "mobile",
        "Google",
        "Pixel 8",
        "Android",
        "Android 15",
        "Chrome",
        "129.0.6668.81",
    ),
    _web(
        "mobile_browser",
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like "
        "Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "mobile",
        "Samsung",
        "SM-A546B",
        "Android",
        "Android 14",
        "Samsung Internet",
        "26.0",
    ),
)
TABLET_PROFILES: tuple[DeviceProfile, ...] = (
    _web(
        "tablet_browser",
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        "tablet",
        "Apple",
        "iPad",
        "iOS",
        "iOS 17.6",
        "Safari",
        "17.6",
    ),
    _web(
        "tablet_browser",
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.6668.81 Safari/537.36",
        "tablet",
        "Samsung",
        "SM-X710",
        "Android",
        "Android 13",
        "Chrome",
        "129.0.6668.81",
    ),
)
APP_PROFILES: tuple[DeviceProfile, ...] = (
    DeviceProfile("mobile_app", "", "mobile", "Apple", "iPhone15,3", "iOS", "18.0", "", ""),
    DeviceProfile("mobile_app", "", "mobile", "Apple", "iPhone14,5", "iOS", "17.6.1", "", ""),
    DeviceProfile("mobile_app", "", "mobile", "samsung", "SM-S918B", "Android", "14", "", ""),
    DeviceProfile("mobile_app", "", "mobile", "Google", "Pixel 7", "Android", "15", "", ""),
)
# An ordinary desktop Chrome: what behaviour-only bots pretend to be.
PLAIN_CHROME = DESKTOP_PROFILES[0]


@dataclass(frozen=True, slots=True)
class BotSpec:
    """A known bot: how it introduces itself and where it connects from."""

    bot_name: str
    user_agent: str
    category: str  # search_engine | monitoring | scraper | automation
    kind: str  # crawler_ua | automation_ua
    ip_prefix: str  # first three octets of its address block


CRAWLERS: tuple[BotSpec, ...] = (
    BotSpec(
        "googlebot",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "search_engine",
        "crawler_ua",
        "66.249.66",
    ),
    BotSpec(
        "googlebot-smartphone",
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/129.0.6668.70 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html)",
        "search_engine",
        "crawler_ua",
        "66.249.68",
    ),
    BotSpec(
        "bingbot",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "search_engine",
        "crawler_ua",
        "157.55.39",
    ),
    BotSpec(
        "yandexbot",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "search_engine",
        "crawler_ua",
        "213.180.203",
    ),
    BotSpec(
        "baiduspider",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "search_engine",
        "crawler_ua",
        "220.181.108",
    ),
    BotSpec(
        "duckduckbot",
        "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
        "search_engine",
        "crawler_ua",
        "20.191.45",
    ),
    BotSpec(
        "ahrefsbot",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "scraper",
        "crawler_ua",
        "54.36.148",
    ),
    BotSpec(
        "semrushbot",
        "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
        "scraper",
        "crawler_ua",
        "185.191.171",
    ),
    BotSpec(
        "mj12bot",
        "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
        "scraper",
        "crawler_ua",
        "144.76.23",
    ),
)
MONITORS: tuple[BotSpec, ...] = (
    BotSpec(
        "pingdom",
        "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
        "monitoring",
        "crawler_ua",
        "178.255.152",
    ),
    BotSpec(
        "uptimerobot",
        "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
        "monitoring",
        "crawler_ua",
        "69.162.124",
    ),
    BotSpec("statuscake", "Mozilla/5.0 (compatible; StatusCake)", "monitoring", "crawler_ua", "37.235.48"),
)
AUTOMATION: tuple[BotSpec, ...] = (
    BotSpec(
        "headless-chrome",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/129.0.6668.58 Safari/537.36",
        "automation",
        "automation_ua",
        "34.141.12",
    ),
    BotSpec(
        "selenium-grid",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/119.0.6045.105 Safari/537.36",
        "automation",
        "automation_ua",
        "35.204.77",
    ),
    BotSpec(
        "phantomjs",
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
        "PhantomJS/2.1.1 Safari/538.1",
        "automation",
        "automation_ua",
        "52.29.140",
    ),
    BotSpec("python-requests", "python-requests/2.32.3", "scraper", "automation_ua", "3.120.44"),
    BotSpec("scrapy", "Scrapy/2.11.2 (+https://scrapy.org)", "scraper", "automation_ua", "18.197.5"),
    BotSpec("curl", "curl/8.9.1", "automation", "automation_ua", "45.77.65"),
    BotSpec("go-http-client", "Go-http-client/1.1", "automation", "automation_ua", "104.248.31"),
    BotSpec("java", "Java/17.0.12", "automation", "automation_ua", "159.89.14"),
    BotSpec("okhttp", "okhttp/4.12.0", "automation", "automation_ua", "167.99.88"),
)
# Address blocks for residential and mobile-carrier traffic: never used by bots.
RESIDENTIAL_FIRST_OCTETS: tuple[int, ...] = (24, 31, 46, 62, 73, 81, 86, 92, 98, 109, 151, 176, 188, 212, 217)
CARRIER_FIRST_OCTETS: tuple[int, ...] = (99, 107, 166, 174)
# Address blocks of hosting providers that behaviour-only bot farms rent.
FARM_PREFIXES: tuple[str, ...] = (
    "23.94.61",
    "45.61.187",
    "192.241.200",
    "64.227.18",
    "138.68.77",
    "5.161.98",
)
