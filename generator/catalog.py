"""Products, their price history (with one mispricing anomaly) and daily FX rates."""

from __future__ import annotations

import bisect
import csv
import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

from .params import US_PER_DAY, US_PER_SECOND, GenerationParams, date_start_us, day_of, iso_seconds

CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "JPY", "CAD")
_FX_BASE: dict[str, float] = {"USD": 1.0, "EUR": 1.09, "GBP": 1.30, "JPY": 0.0067, "CAD": 0.73}

_CATEGORIES: tuple[tuple[str, tuple[str, ...], float, float], ...] = (
    ("shoes", ("Trail Runner", "Canvas Sneaker", "Leather Boot", "Slip-On Loafer", "Court Shoe"), 45, 180),
    (
        "apparel",
        ("Wool Sweater", "Rain Jacket", "Linen Shirt", "Denim Jacket", "Hoodie", "Chino Pants"),
        25,
        160,
    ),
    ("accessories", ("Leather Belt", "Canvas Tote", "Wool Scarf", "Sunglasses", "Beanie"), 12, 90),
    ("home", ("Ceramic Mug", "Linen Throw", "Cast Iron Pan", "Desk Lamp", "Scented Candle"), 10, 140),
    ("outdoor", ("Trekking Pole", "Daypack 20L", "Insulated Bottle", "Camp Chair", "Headlamp"), 15, 130),
    ("electronics", ("Wireless Earbuds", "Bluetooth Speaker", "Power Bank", "Smart Watch Band"), 20, 220),
)
_COLORS: tuple[str, ...] = ("Red", "Navy", "Olive", "Black", "Sand", "Grey", "Rust", "Forest Green", "White")


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    sku: str
    name: str
    category: str
    base_price: float
    base_currency: str


@dataclass(frozen=True, slots=True)
class PriceSpan:
    product_id: str
    valid_from_us: int
    valid_to_us: int | None  # None: still valid
    price: float
    currency: str


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A product sold at a wrong price for a window on the last day."""

    product_id: str
    currency: str
    true_price: float
    wrong_price: float
    window_start_us: int
    window_end_us: int


@dataclass(slots=True)
class Catalog:
    products: list[Product]
    spans: list[PriceSpan]
    fx: dict[tuple[datetime.date, str], float]
    anomaly: Anomaly
    _starts: dict[str, list[int]] = field(default_factory=dict)
    _by_product: dict[str, list[PriceSpan]] = field(default_factory=dict)
    _by_id: dict[str, Product] = field(default_factory=dict)
    _last_fx_day: datetime.date | None = None

    def __post_init__(self) -> None:
        for span in self.spans:
            self._by_product.setdefault(span.product_id, []).append(span)
        for pid, rows in self._by_product.items():
            rows.sort(key=lambda s: s.valid_from_us)
            self._starts[pid] = [s.valid_from_us for s in rows]
        self._by_id = {p.product_id: p for p in self.products}
        self._last_fx_day = max((d for d, _ in self.fx), default=None)

    def product(self, product_id: str) -> Product:
        return self._by_id[product_id]

    def base_price_at(self, product_id: str, ts_us: int) -> float:
        """Price in the product's base currency valid at `ts_us` (price_history semantics)."""
        rows = self._by_product[product_id]
        idx = bisect.bisect_right(self._starts[product_id], ts_us) - 1
        return rows[max(idx, 0)].price

    def price_at_event_time(self, product_id: str, ts_us: int, currency: str) -> float:
        """Price shown to a shopper paying in `currency`: history price converted with that day's FX."""
        product = self._by_id[product_id]
        base = self.base_price_at(product_id, ts_us)
        return convert(base, product.base_currency, currency, self.fx_rate_table(day_of(ts_us)))

    def fx_rate_table(self, day: datetime.date) -> dict[str, float]:
        # A session running past midnight of the last day still converts with the last published rates.
        if self._last_fx_day is not None and day > self._last_fx_day:
            day = self._last_fx_day
        return {cur: self.fx[(day, cur)] for cur in CURRENCIES}


def round_money(amount: float, currency: str) -> float:
    """Two decimals, except JPY which has no minor unit."""
    return float(round(amount)) if currency == "JPY" else round(amount, 2)


def convert(amount: float, from_cur: str, to_cur: str, rates: dict[str, float]) -> float:
    if from_cur == to_cur:
        return round_money(amount, to_cur)
    return round_money(amount * rates[from_cur] / rates[to_cur], to_cur)


def build_catalog(rng: random.Random, params: GenerationParams, products: int = 120) -> Catalog:
    """Products, price history with real changes during the period, FX rates and the anomaly."""
    items: list[Product] = []
    used_skus: set[str] = set()
    for i in range(products):
        category, names, low, high = _CATEGORIES[i % len(_CATEGORIES)]
        name = f"{rng.choice(_COLORS)} {rng.choice(names)}"
        sku = f"SKU-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        while sku in used_skus:
            sku = f"SKU-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        used_skus.add(sku)
        currency = "EUR" if rng.random() < 0.2 else "USD"
        price = round(rng.uniform(low, high), 0) - 0.01
        items.append(Product(f"P{i + 1:04d}", sku, name, category, price, currency))

    start, end = params.period_start_us, params.period_end_us
    history_start = start - 60 * US_PER_DAY
    anomaly_product = next(p for p in items if p.base_currency == "USD" and p.base_price >= 50)
    spans: list[PriceSpan] = []
    for product in items:
        if product is anomaly_product:
            continue
        spans.extend(_price_changes(rng, product, history_start, start, end))

    # The mispricing: a 90% too low price for 2-4 hours on the last day, then back to the true price.
    last_day = start + (params.days - 1) * US_PER_DAY
    window_start = (
        last_day + rng.randint(9, 14) * 3600 * US_PER_SECOND + rng.randint(0, 59) * 60 * US_PER_SECOND
    )
    window_end = window_start + rng.randint(2, 4) * 3600 * US_PER_SECOND
    true_price = anomaly_product.base_price
    wrong_price = round(true_price * 0.1, 2)
    pid, cur = anomaly_product.product_id, anomaly_product.base_currency
    spans.append(PriceSpan(pid, history_start, window_start, true_price, cur))
    spans.append(PriceSpan(pid, window_start, window_end, wrong_price, cur))
    spans.append(PriceSpan(pid, window_end, None, true_price, cur))
    anomaly = Anomaly(pid, cur, true_price, wrong_price, window_start, window_end)
    return Catalog(items, spans, _fx_rates(rng, params), anomaly)


def _price_changes(
    rng: random.Random, product: Product, history_start: int, start: int, end: int
) -> list[PriceSpan]:
    """One open span for most products; a sale or a price rise (sometimes reverted) for about 20%."""
    pid, cur, price = product.product_id, product.base_currency, product.base_price
    if rng.random() >= 0.2:
        return [PriceSpan(pid, history_start, None, price, cur)]
    change_at = rng.randint(start + 3600 * US_PER_SECOND, end - 3600 * US_PER_SECOND)
    change_at -= change_at % (60 * US_PER_SECOND)
    factor = rng.choice((0.7, 0.8, 0.85, 1.1, 1.15))
    new_price = round(price * factor, 0) - 0.01 if price * factor > 1 else round(price * factor, 2)
    if rng.random() < 0.4:
        revert_at = min(change_at + rng.randint(6, 30) * 3600 * US_PER_SECOND, end + US_PER_DAY)
        return [
            PriceSpan(pid, history_start, change_at, price, cur),
            PriceSpan(pid, change_at, revert_at, new_price, cur),
            PriceSpan(pid, revert_at, None, price, cur),
        ]
    return [
        PriceSpan(pid, history_start, change_at, price, cur),
        PriceSpan(pid, change_at, None, new_price, cur),
    ]


def _fx_rates(rng: random.Random, params: GenerationParams) -> dict[tuple[datetime.date, str], float]:
    """Daily rates per currency as a small random walk; USD is always 1."""
    rates: dict[tuple[datetime.date, str], float] = {}
    level = dict(_FX_BASE)
    for day in params.dates:
        for cur in CURRENCIES:
            if cur != "USD":
                level[cur] *= 1 + rng.uniform(-0.004, 0.004)
            rates[(day, cur)] = round(level[cur], 6)
    return rates


# The dimension files under dims/, by the name `clickstitch dims load` gives them (--products, --prices, --fx).
DIMS_FILES = {"products": "products.csv", "prices": "price_history.csv", "fx": "fx_rates.csv"}


def write_dims(catalog: Catalog, out_dir: Path, params: GenerationParams) -> list[Path]:
    """DIMS_FILES under dims/."""
    dims = out_dir / "dims"
    dims.mkdir(parents=True, exist_ok=True)
    with open(dims / DIMS_FILES["products"], "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["product_id", "sku", "name", "category", "base_price", "base_currency"])
        for p in catalog.products:
            out.writerow([p.product_id, p.sku, p.name, p.category, f"{p.base_price:.2f}", p.base_currency])
    with open(dims / DIMS_FILES["prices"], "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["product_id", "valid_from", "valid_to", "price", "currency"])
        for s in sorted(catalog.spans, key=lambda s: (s.product_id, s.valid_from_us)):
            valid_to = iso_seconds(s.valid_to_us) if s.valid_to_us is not None else ""
            out.writerow([s.product_id, iso_seconds(s.valid_from_us), valid_to, f"{s.price:.2f}", s.currency])
    with open(dims / DIMS_FILES["fx"], "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["date", "currency", "rate_to_usd"])
        for day in params.dates:
            for cur in CURRENCIES:
                out.writerow([day.isoformat(), cur, f"{catalog.fx[(day, cur)]:.6f}"])
    return [dims / file for file in DIMS_FILES.values()]


def period_day_start(params: GenerationParams, index: int) -> int:
    return date_start_us(params.dates[index])
