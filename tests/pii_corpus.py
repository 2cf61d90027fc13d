"""A labelled PII corpus the recognizers were not tuned on: Faker's names and identifiers, our templates.

Names come from Faker's per-locale name lists (English, Irish incl. ga_IE's Ó/Mac forms and en_IE's
O'/Mc forms, Spanish, Portuguese, French, German, Dutch, Polish, Turkish, Arabic, Yoruba, Igbo, Hindi,
Japanese and Chinese, the last three in Latin script). The recognizers use no names list at all (shape,
case and context rules plus spaCy's NER), so nothing here can have been learnt by them.

Identifiers come from Faker too (IBANs and card numbers are checksum-valid by construction; phone numbers
are kept only when python-phonenumbers calls them valid) and are printed in the forms people write them:
IBAN compact and in groups of four, cards in groups with spaces or dashes, phones in national and
international forms. Each identifier is placed in one field form: free text, a URL path segment, a query
parameter (percent- or plus-encoded).

The templates below are the evaluation set: they were written before, and never used while, tuning the
recognizers (the tuning texts are the generator's, ``generator/texts.py``, and the examples in
``tests/test_privacy_text.py``). ``no_pii_texts`` are product titles, search terms and order/SKU texts.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote_plus

import phonenumbers
from faker import Faker

# Locale -> the culture it stands for. "Arabic in Latin script": Faker's ar_* locales are in Arabic
# script only; en_PK's list is Arabic-origin given names and surnames written in Latin script.
NAME_LOCALES: dict[str, str] = {
    "en_US": "English",
    "en_GB": "English",
    "en_IE": "Irish",
    "ga_IE": "Irish",
    "es_ES": "Spanish",
    "es_MX": "Spanish",
    "pt_PT": "Portuguese",
    "pt_BR": "Portuguese",
    "fr_FR": "French",
    "de_DE": "German",
    "nl_NL": "Dutch",
    "pl_PL": "Polish",
    "tr_TR": "Turkish",
    "en_PK": "Arabic",
    "yo_NG": "Yoruba",
    "ig_NG": "Igbo",
    "en_IN": "Hindi",
    "ja_JP": "Japanese",
    "zh_CN": "Chinese",
}
_ROMANIZED = {"ja_JP", "zh_CN"}

# Name templates: {name} full name, {first} given name only. Titles, free text, sign-offs, searches.
FIRST_EVAL_NAME_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("title", "Orders of {name}"),
    ("title", "Order history – {name} | Larkspur Goods"),
    ("title", "{name}'s wishlist"),
    ("title", "Account overview: {name}"),
    ("title", "Gift registry of {name} | Larkspur Goods"),
    ("title", "Welcome back, {name}"),
    ("title", "Saved addresses for {name}"),
    ("text", "The parcel was left with my neighbour {name} yesterday."),
    ("text", "Please put the order under the name {name}."),
    ("text", "I am writing on behalf of {name}, who placed the order."),
    ("text", "Could {name} pick up the order from the store instead?"),
    ("text", "Invoice should be addressed to {name}, accounts department."),
    ("text", "The recipient is {name}, please call before delivering."),
    ("text", "{name} here, the jacket arrived with a torn seam."),
    ("signoff", "The zip on the coat broke after two weeks. Can I get a replacement?\n\nBest wishes,\n{name}"),
    ("signoff", "Still waiting for my refund, it has been ten days.\nRegards,\n{name}"),
    ("signoff", "Love the new boots, thank you so much! — {name}"),
    ("signoff", "I would like to change my delivery slot to Friday. Thanks, {first}"),
    ("signoff", "Hello, the size chart seems wrong for the trousers.\nKind regards\n{name}"),
    ("signoff", "Great service as always.\nCheers,\n{first}"),
    ("search", "order for {name}"),
    ("search", "gift card {name}"),
)

# Tuning set: different wording, used while tuning the recognizers (``tuning_corpus``); never evaluated.
TUNING_NAME_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("title", "Orders placed by {name}"),
    ("title", "{name} – My account"),
    ("title", "Profile: {name} | Larkspur Goods"),
    ("title", "Wishlist of {name}"),
    ("title", "Returns for {name}"),
    ("title", "Delivery address of {name}"),
    ("text", "My sister {name} ordered the same coat last week."),
    ("text", "Can you send the invoice to {name}?"),
    ("text", "This is {name}, I called earlier about the refund."),
    ("text", "Please contact {name} about the missing item."),
    ("text", "It was signed for by {name} at the door."),
    ("text", "{name} ordered two of these, only one came."),
    ("signoff", "Thanks for the quick reply!\n{name}"),
    ("signoff", "The boots are lovely.\nBest,\n{name}"),
    ("signoff", "Where is my parcel? Many thanks, {first}"),
    ("signoff", "I need a bigger size. Kind regards, {name}"),
    ("signoff", "Please cancel the order.\nSincerely,\n{name}"),
    ("signoff", "All sorted now, thank you — {first}"),
    ("search", "{name} order"),
    ("search", "parcel for {name}"),
)
TUNING_IDENTIFIER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "text": ("pay into {value} please", "{value} is my new one", "details below\n{value}"),
    "path": ("https://shop.example.com/pay/{value}", "https://shop.example.com/{value}"),
    "query": ("https://shop.example.com/r?acct={value}", "https://shop.example.com/find?search={value}"),
}

FIRST_EVAL_IDENTIFIER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "text": (
        "please refund to {value}",
        "my details: {value}, thanks",
        "Payment reference {value} was charged twice",
        "{value}",
        "can you update it to {value} before shipping?",
    ),
    "path": ("https://shop.example.com/account/{value}/edit", "https://shop.example.com/u/{value}"),
    "query": ("https://shop.example.com/checkout?step=2&ref={value}", "https://shop.example.com/s?q={value}&page=1"),
}

# The second evaluation set (name recall 0.922, identifiers 1.000, no-PII 0.998), then tuning material.
SECOND_EVAL_NAME_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("title", "Your orders – {name}"),
    ("title", "Invoice for {name} | Larkspur Goods"),
    ("title", "Messages with {name}"),
    ("title", "Subscription settings ({name})"),
    ("title", "Shipping label: {name}"),
    ("title", "Payment methods of {name}"),
    ("text", "Hi there, my husband {name} placed this order by mistake."),
    ("text", "Deliver it to {name} at reception please."),
    ("text", "The courier said {name} signed for it but nobody here did."),
    ("text", "Is the order for {name} ready to collect?"),
    ("text", "Can {name} return it on my behalf?"),
    ("text", "The refund went to the card of {name} instead of mine."),
    ("text", "Ask for {name} when you arrive."),
    ("signoff", "The colour is different from the photos.\nThanks,\n{name}"),
    ("signoff", "Lovely quality, will buy again!\n— {name}"),
    ("signoff", "Please advise on the exchange. Warm regards, {name}"),
    ("signoff", "Any update on this?\n\n{name}"),
    ("signoff", "Sorry for the trouble, and thanks again, {first}"),
    ("search", "{name} invoice"),
    ("search", "track parcel {name}"),
)
SECOND_EVAL_IDENTIFIER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "text": (
        "here it is: {value}",
        "pls use {value} from now on",
        "{value} (new)",
        "details\n{value}\nthanks",
        "It should say {value}, not the old one.",
    ),
    "path": ("https://shop.example.com/customers/{value}", "https://shop.example.com/api/v1/lookup/{value}/orders"),
    "query": (
        "https://shop.example.com/account?contact={value}",
        "https://shop.example.com/search?term={value}&sort=price",
        "https://shop.example.com/p/1234?utm_source=mail&note={value}",
    ),
}


# The third evaluation set (name recall 0.891, no-PII 0.955), then tuning material.
THIRD_EVAL_NAME_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("title", "Reorder items bought by {name}"),
    ("title", "Loyalty points – {name} | Larkspur Goods"),
    ("title", "Return request #{number} · {name}"),
    ("title", "Dashboard | {name}"),
    ("title", "Gift message from {name}"),
    ("title", "Edit profile of {name}"),
    ("text", "Hello, I ordered this as a present for {name} but it came in the wrong size."),
    ("text", "Could you change the delivery name to {name}? I spelled it wrong."),
    ("text", "Last week {name} from your Leeds store told me to email you."),
    ("text", "The account is in the name of {name}, not mine."),
    ("text", "Please let {name} know the parcel is at the depot."),
    ("text", "We bought two coats for {name} and me."),
    ("text", "Your driver gave my package to {name} next door."),
    ("signoff", "I have attached a photo of the damage.\nYours faithfully,\n{name}"),
    ("signoff", "Happy with the exchange, thanks for sorting it!\nAll the best, {first}"),
    ("signoff", "Do you ship to Portugal?\nThank you,\n{name}"),
    ("signoff", "The discount code didn't work at checkout.\n\nBest regards\n{name}"),
    ("signoff", "Great, that works for me. — {first}"),
    ("search", "orders {name}"),
    ("search", "receipt for {name}"),
)
THIRD_EVAL_IDENTIFIER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "text": (
        "you can reach me on {value} any time",
        "Refund to: {value}",
        "{value} is wrong on the invoice",
        "use {value} instead, the other one is closed",
        "Hi, details as requested - {value}",
    ),
    "path": ("https://shop.example.com/profile/{value}", "https://shop.example.com/refunds/{value}/status"),
    "query": (
        "https://shop.example.com/help?from={value}",
        "https://shop.example.com/search?q={value}",
        "https://shop.example.com/checkout/done?order=LG-2026-118273&billing={value}",
    ),
}


@dataclass(frozen=True)
class NoPiiVocabulary:
    """Words of product titles and searches (not the generator's catalog words)."""

    colours: tuple[str, ...]
    materials: tuple[str, ...]
    products: tuple[str, ...]
    search_words: tuple[str, ...]
    title_forms: tuple[str, ...]  # "{product}" placeholders


# Used while tuning (and by the first evaluation).
TUNING_VOCABULARY = NoPiiVocabulary(
    colours=("Charcoal", "Olive", "Sand", "Rust", "Ivory", "Teal", "Burgundy", "Mustard", "Slate", "Coral"),
    materials=("Merino", "Cotton", "Corduroy", "Suede", "Cashmere", "Recycled Nylon", "Organic Hemp", "Bamboo"),
    products=(
        "Crew Neck Jumper", "Chelsea Boots", "Puffer Jacket", "Wide Leg Trousers", "Bucket Hat", "Crossbody Bag",
        "Rain Mac", "Fleece Gilet", "Ankle Socks 3-Pack", "Water Bottle 750ml", "Espresso Cups Set of 4",
        "Duvet Cover King", "Yoga Mat", "Travel Pillow", "Desk Organiser", "Wool Throw", "Hiking Sandals",
    ),
    search_words=(
        "waterproof", "vegan", "petite", "tall", "kids", "unisex", "summer", "winter", "lightweight", "warm",
        "cheap", "best", "sale", "gift ideas", "for men", "for women", "next day delivery", "size 12", "uk 9",
    ),
    title_forms=("{product} | Larkspur Goods", "{product}", "{product} – Reviews", "Buy {product} online"),
)  # fmt: skip
# The second evaluation's.
SECOND_EVAL_VOCABULARY = NoPiiVocabulary(
    colours=("Stone", "Forest", "Midnight", "Blush", "Oat", "Pewter", "Cobalt", "Terracotta", "Sage", "Lilac"),
    materials=("Waxed Cotton", "Lambswool", "Ripstop", "Jersey", "Velvet", "Oak", "Stoneware", "Alpaca"),
    products=(
        "Quilted Vest", "Field Jacket", "Pleated Skirt", "Roll Neck", "Weekender Holdall", "Card Holder",
        "Table Runner", "Cushion Cover 45cm", "Pour Over Kettle", "Storage Basket Large", "Trail Gaiters",
        "Bike Light Set", "Kids Wellies", "Linen Napkins Set of 6", "Camp Stool", "Picture Frame A4",
    ),
    search_words=(
        "breathable", "wide fit", "extra long", "machine washable", "eco", "plus size", "kids 8-9", "xl",
        "under 50", "in stock", "click and collect", "christmas", "black friday", "new in", "uk 7", "eu 42",
    ),
    title_forms=(
        "{product} – Larkspur Goods", "Shop {product}", "{product}: Size Guide", "{product} | Free Returns",
        "New Season {product}",
    ),
)  # fmt: skip


# The third evaluation's.
THIRD_EVAL_VOCABULARY = NoPiiVocabulary(
    colours=("Mocha", "Indigo", "Heather Grey", "Mint", "Saffron", "Plum", "Walnut", "Chalk", "Ochre", "Jade"),
    materials=("Brushed Twill", "Tweed", "Seersucker", "Enamel", "Rattan", "Shearling", "Poplin", "Felt"),
    products=(
        "Overshirt", "Bomber", "Pinafore Dress", "Bobble Hat", "Tote Organiser", "Laptop Sleeve 13in",
        "Plant Pot Medium", "Bath Mat", "Lunch Box", "Hot Water Bottle", "Snood", "Slippers", "Apron",
        "Coffee Grinder", "Dog Lead", "Hand Cream 50ml", "Reading Light",
    ),
    search_words=(
        "sustainable", "slim fit", "oversized", "for toddlers", "gift for him", "gift for her", "under 30",
        "age 5-6", "free delivery", "same day", "size 14", "boys", "girls", "matching set", "uk 10", "eu 38",
    ),
    title_forms=(
        "{product} | Larkspur Goods", "Men's {product}", "{product} – Delivery & Returns", "{product} (Restocked)",
        "Compare {product}", "{product} Care Guide",
    ),
)  # fmt: skip


# The evaluation set. Written after the third evaluation and before any tuning on its misses; the first
# three sets then joined the tuning set (docs/privacy.md has every round's figures).
NAME_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("title", "Hi {first}! Your recommendations"),
    ("title", "Store credit – {name}"),
    ("title", "Order confirmation for {name} | Larkspur Goods"),
    ("title", "{name} · Wishlist"),
    ("title", "Referral from {name}"),
    ("title", "Members area – {name}"),
    ("text", "I think {name} used my card by accident, please check."),
    ("text", "It was a birthday gift from {name}, can I exchange it without the receipt?"),
    ("text", "Please cancel the order that {name} placed this morning."),
    ("text", "Tell the driver to leave it with {name} in flat 2."),
    ("text", "{name} and I share this account."),
    ("text", "Hello, this is about an order made by {name} on Monday."),
    ("text", "Is it possible to add {name} as a second recipient?"),
    ("signoff", "It still hasn't arrived and the tracking is not updating.\n\nThanks in advance,\n{name}"),
    ("signoff", "Fab jumper, really warm.\nXx {first}"),
    ("signoff", "Can you call me back please?\nKind Regards,\n{name}"),
    ("signoff", "I'd like a refund rather than store credit.\nMany thanks\n{name}"),
    ("signoff", "Sorted, thank you!\n-- \n{name}"),
    ("search", "{name} return"),
    ("search", "account {name}"),
)
IDENTIFIER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "text": (
        "new details {value} please update",
        "Can you send it to {value}?",
        "{value} – that's the right one",
        "contact: {value}",
        "I gave {value} at checkout by mistake",
    ),
    "path": ("https://shop.example.com/me/{value}", "https://shop.example.com/verify/{value}?lang=en"),
    "query": (
        "https://shop.example.com/newsletter?signup={value}",
        "https://shop.example.com/search?query={value}&in=all",
        "https://shop.example.com/pay?method=bank&account={value}",
    ),
}
# The evaluation's, written with NAME_TEMPLATES.
EVALUATION_VOCABULARY = NoPiiVocabulary(
    colours=("Khaki", "Rose", "Navy Blue", "Espresso", "Seafoam", "Amber", "Graphite", "Cream", "Moss", "Berry"),
    materials=("Canvas", "Cord", "Fleece", "Mesh", "Cork", "Bamboo Fibre", "Denim", "Acacia"),
    products=(
        "Chore Jacket", "Cargo Shorts", "Beanie Hat", "Bum Bag", "Running Vest", "Travel Mug 350ml",
        "Serving Board", "Photo Album", "Pet Bed Small", "Knee Pads", "Rucksack 20L", "Shower Curtain",
        "Pencil Case", "Bed Socks", "Hair Clips 4-Pack", "Fitted Sheet Double", "Plant Stand",
    ),
    search_words=(
        "recycled", "long sleeve", "short sleeve", "toddler", "matching", "work", "school", "age 10-11",
        "under 20", "clearance", "gift wrap", "express delivery", "size 8", "size 16", "uk 6", "eu 44",
    ),
    title_forms=(
        "{product} | Larkspur Goods", "Women's {product}", "{product} – Sale", "Kids' {product}",
        "{product} Reviews & Ratings", "{product} (Back Soon)",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class LabelledText:
    """One corpus text: which field form it stands for, its PII (type, value as a person reads it)."""

    field: str  # title | text | signoff | search | path | query
    text: str
    culture: str | None
    pii: tuple[tuple[str, str], ...]

    @property
    def is_url(self) -> bool:
        return self.text.startswith("https://")


def _person(fake: Faker, locale: str) -> tuple[str, str]:
    if locale in _ROMANIZED:
        return fake.first_romanized_name(), fake.last_romanized_name()
    return fake.first_name(), fake.last_name()


def name_texts(
    seed: int, per_locale: int, templates: tuple[tuple[str, str], ...] = NAME_TEMPLATES
) -> list[LabelledText]:
    rng = random.Random(seed)
    texts = []
    for locale, culture in NAME_LOCALES.items():
        fake = Faker(locale)
        fake.seed_instance(seed)
        for _ in range(per_locale):
            first, last = _person(fake, locale)
            field, template = rng.choice(templates)
            full = f"{first} {last}"
            name = first if "{first}" in template else full
            text = template.format(name=full, first=first, number=rng.randint(10000, 99999))
            texts.append(LabelledText(field, text, culture, (("PERSON", name),)))
    return texts


def _iban_forms(iban: str) -> list[str]:
    return [iban, " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))]


def _card_forms(number: str) -> list[str]:
    if len(number) == 15:  # Amex: 4-6-5
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    return [number, " ".join(groups), "-".join(groups)]


_PHONE_REGIONS = {
    "en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR", "es_ES": "ES", "en_CA": "CA", "ja_JP": "JP",
    "nl_NL": "NL", "pl_PL": "PL", "it_IT": "IT", "pt_PT": "PT", "en_IE": "IE", "en_IN": "IN", "en_AU": "AU",
}  # fmt: skip
# Regions whose numbers are written nationally in the corpus: the ones PrivacyConfig.phone_regions lists.
# Numbers of other regions appear in international form only (a national number is ambiguous without them).
NATIONAL_PHONE_REGIONS = frozenset({"US", "GB", "DE", "FR", "CA", "ES", "JP"})


def _phone_forms(fake: Faker, region: str, rng: random.Random) -> list[str]:
    while True:
        raw = fake.phone_number().split("x")[0]
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == region:
            break
    fmt = phonenumbers.PhoneNumberFormat
    international = phonenumbers.format_number(number, fmt.INTERNATIONAL)
    forms = [international, phonenumbers.format_number(number, fmt.E164)]
    if region in NATIONAL_PHONE_REGIONS:
        national = phonenumbers.format_number(number, fmt.NATIONAL)
        forms += [national, national.replace(" ", "")] if region != "US" else [national]
        if region == "US":
            digits = str(number.national_number)
            forms += [f"{digits[:3]}.{digits[3:6]}.{digits[6:]}", f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"]
    return [rng.choice(forms)]


def identifier_texts(
    seed: int, per_kind: int, templates: dict[str, tuple[str, ...]] = IDENTIFIER_TEMPLATES
) -> list[LabelledText]:
    """IBANs, cards, phones and e-mails in each printed form and each field form."""
    rng = random.Random(seed)
    locales = list(_PHONE_REGIONS)
    fakes = {locale: Faker(locale) for locale in locales}
    for fake in fakes.values():
        fake.seed_instance(seed)
    card_types = ("visa", "visa13", "visa19", "mastercard", "amex", "discover", "jcb", "diners", "maestro")
    iban_locales = [loc for loc in locales if hasattr(fakes[loc], "iban")]
    texts = []
    for index in range(per_kind):
        locale = locales[index % len(locales)]
        fake = fakes[locale]
        values = {
            "IBAN_CODE": rng.choice(_iban_forms(fakes[iban_locales[index % len(iban_locales)]].iban())),
            "CREDIT_CARD": rng.choice(
                _card_forms(fakes["en_US"].credit_card_number(card_types[index % len(card_types)]))
            ),
            "PHONE_NUMBER": _phone_forms(fake, _PHONE_REGIONS[locale], rng)[0],
            "EMAIL_ADDRESS": rng.choice((fake.email(), fake.free_email(), fake.company_email())),
        }
        for entity, value in values.items():
            field = ("text", "text", "path", "query")[rng.randrange(4)]
            if entity == "PHONE_NUMBER" and value.isdigit() and not value.startswith("0"):
                # A national number without separators or trunk 0 (Spanish "949229185") is a numeric id
                # in a URL; the URL rules leave bare digit runs alone (docs/privacy.md), so text only.
                field = "text"
            template = rng.choice(templates[field])
            if field == "text":
                written = value
            elif field == "path":
                written = quote(value, safe="@+")
            else:
                written = quote_plus(value, safe="@") if rng.random() < 0.5 else quote(value, safe="")
            texts.append(LabelledText(field, template.format(value=written), None, ((entity, value),)))
    return texts


def no_pii_texts(seed: int, count: int, vocabulary: NoPiiVocabulary = EVALUATION_VOCABULARY) -> list[LabelledText]:
    """Product titles, search terms, order numbers and SKUs: nothing here may change."""
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)

    def order_like() -> str:
        year = rng.choice((2025, 2026))
        if vocabulary is TUNING_VOCABULARY:
            forms = (
                f"Order #LG-{year}-{rng.randint(100000, 999999)} confirmed",
                f"SKU {rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.choice(('XS', 'M', 'XL'))}",
                f"order {rng.randint(10**12, 10**13 - 1)} status",
                f"tracking number {fake.bothify('1Z###??##########').upper()}",
                f"Invoice INV-{rng.randint(10**7, 10**8 - 1)}",
                f"item {fake.ean13()}",
                f"return label for order {rng.randint(10**15, 10**16 - 1)}",
                f"ref {fake.bothify('??##-####-####').upper()}",
            )
        elif vocabulary is SECOND_EVAL_VOCABULARY:
            forms = (
                f"Your order {rng.randint(10**9, 10**10 - 1)} has shipped",
                f"Order no. {rng.randint(10**13, 10**14 - 1)}",
                f"{fake.bothify('??-####-??').upper()} back in stock",
                f"gtin {fake.ean13()} out of stock",
                f"Booking ref {fake.bothify('??#?#?').upper()}",
                f"Receipt {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} #{rng.randint(1000, 99999)}",
                f"sku {fake.bothify('???-#####').lower()} size {rng.choice(('s', 'm', 'l'))}",
                f"parcel {fake.bothify('JD0000########').upper()} delayed",
                f"article {rng.randint(10**11, 10**12 - 1)}",
            )
        elif vocabulary is THIRD_EVAL_VOCABULARY:
            forms = (
                f"Order {rng.randint(10**15, 10**16 - 1)} dispatched",
                f"Tracking ID {fake.bothify('??#########GB').upper()}",
                f"Model {fake.bothify('??-####').upper()} manual",
                f"isbn 978{rng.randint(10**9, 10**10 - 1)}",
                f"Product code {rng.randint(10**7, 10**8 - 1)}",
                f"Confirmation {fake.bothify('###-####-###')}",
                f"Batch {year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{rng.randint(1, 99)}",
                f"SKU{rng.randint(10**8, 10**9 - 1)}",
                f"Part no. {rng.randint(10**11, 10**12 - 1)}",
            )
        else:
            forms = (
                f"Order LG{rng.randint(10**9, 10**10 - 1)} is on its way",
                f"item no {rng.randint(10**6, 10**7 - 1)}",
                f"Lot {rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                f"upc {rng.randint(10**11, 10**12 - 1)}",
                f"Gift card ending {rng.randint(1000, 9999)}",
                f"Voucher {fake.bothify('????-????-????').upper()}",
                f"Return #{rng.randint(10**5, 10**6 - 1)} received",
                f"Ticket {rng.randint(10**6, 10**7 - 1)}",
                f"Delivery slot {rng.randint(8, 11)}:00-{rng.randint(12, 18)}:00 on {year}-{rng.randint(1, 12):02d}-01",
            )
        return rng.choice(forms)

    def title() -> str:
        v = vocabulary
        product = f"{rng.choice(v.colours)} {rng.choice(v.materials)} {rng.choice(v.products)}"
        return rng.choice(v.title_forms).format(product=product)

    def search() -> str:
        words = rng.sample(vocabulary.search_words, 2)
        return f"{words[0]} {rng.choice(vocabulary.products).lower()} {words[1]}"

    def url() -> str:
        host = "https://shop.example.com"
        if vocabulary is EVALUATION_VOCABULARY:
            return rng.choice(
                (
                    f"{host}/item/{rng.randint(10**5, 10**6 - 1)}?colour=navy&size={rng.randint(6, 16)}",
                    f"{host}/search?query={quote_plus(search())}&in=all",
                    f"{host}/order/LG{rng.randint(10**9, 10**10 - 1)}/invoice.pdf",
                    f"{host}/basket?voucher={fake.bothify('????-????').upper()}",
                )
            )
        if vocabulary is THIRD_EVAL_VOCABULARY:
            return rng.choice(
                (
                    f"{host}/product/{rng.randint(10**7, 10**8 - 1)}/{fake.slug()}",
                    f"{host}/search?q={quote_plus(search())}",
                    f"{host}/track?parcel={fake.bothify('JD00##########').upper()}",
                    f"{host}/account/orders?page={rng.randint(1, 5)}&id={rng.randint(10**9, 10**10 - 1)}",
                )
            )
        return rng.choice(
            (
                f"{host}/p/{rng.randint(10**9, 10**10 - 1)}?ref=home",
                f"{host}/search?q={quote_plus(search())}&page={rng.randint(1, 9)}",
                f"{host}/orders/LG-{rng.randint(2025, 2026)}-{rng.randint(100000, 999999)}",
                f"{host}/checkout?cart={fake.uuid4()}&step={rng.randint(1, 3)}",
                f"{host}/c/{quote(rng.choice(vocabulary.products).lower().replace(' ', '-'))}?sort=price&size=12",
            )
        )

    makers = (("title", title), ("search", search), ("order", order_like), ("url", url))
    texts = []
    for index in range(count):
        field, make = makers[index % len(makers)]
        texts.append(LabelledText(field, make(), None, ()))
    return texts


def build_corpus(
    seed: int = 2026, names_per_locale: int = 60, identifiers_per_kind: int = 150, no_pii: int = 600
) -> list[LabelledText]:
    """The evaluation corpus: 19 x 60 name texts + 4 x 150 identifier texts + 600 texts without PII."""
    return (
        name_texts(seed, names_per_locale) + identifier_texts(seed, identifiers_per_kind) + no_pii_texts(seed, no_pii)
    )


_NOT_ALNUM = re.compile(r"[\W_]+")


def leaked(entity: str, value: str, template_text: str, output: str) -> bool:
    """Does any printed form of ``value`` survive in ``output`` (decoded if a URL)?

    Identifiers: the value with separators removed must not appear in the output with separators
    removed (so a half-replaced "DE89 3704 <IBAN_CODE>" or a re-spaced copy still counts); e-mails as
    written. Names: no word of the name (3+ letters, not a particle) may stand as a whole word in the
    output, unless the template itself has that word.
    """
    decoded = unquote_plus(output)
    if entity == "EMAIL_ADDRESS":
        return value.lower() in decoded.lower()
    if entity != "PERSON":
        return _NOT_ALNUM.sub("", value).lower() in _NOT_ALNUM.sub("", decoded).lower()
    fixed = set(_words(template_text.replace(value, " ")))
    kept = set(_words(decoded))
    return any(word in kept and word not in fixed for word in _words(value) if len(word) >= 3)


def _words(text: str) -> list[str]:
    return [word.lower() for word in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", text)]


@dataclass(frozen=True)
class CorpusScore:
    found: dict[str, int]  # per entity type, values not leaked
    total: dict[str, int]
    misses: list[tuple[str, str, str, str]]  # entity, culture or field, text, output (for the test report)
    no_pii_unchanged: int
    no_pii_total: int
    changed: list[tuple[str, str]]
    by_culture: dict[str, tuple[int, int]]

    def recall(self, entity: str) -> float:
        return self.found[entity] / self.total[entity]

    def report(self) -> str:
        lines = [f"{e}: recall {self.found[e]}/{self.total[e]} = {self.recall(e):.3f}" for e in sorted(self.total)]
        lines.append(
            f"no-PII texts unchanged {self.no_pii_unchanged}/{self.no_pii_total} = "
            f"{self.no_pii_unchanged / self.no_pii_total:.3f}"
        )
        lines += [f"  PERSON {c}: {f}/{t}" for c, (f, t) in sorted(self.by_culture.items())]
        return "\n".join(lines)


def score(corpus: list[LabelledText], outputs: list[str]) -> CorpusScore:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    culture_found: Counter[str] = Counter()
    culture_total: Counter[str] = Counter()
    misses, changed = [], []
    unchanged = no_pii = 0
    for item, output in zip(corpus, outputs, strict=True):
        if not item.pii:
            no_pii += 1
            if output == item.text:
                unchanged += 1
            else:
                changed.append((item.text, output))
            continue
        for entity, value in item.pii:
            total[entity] += 1
            ok = not leaked(entity, value, item.text, output)
            found[entity] += ok
            if entity == "PERSON":
                culture_total[item.culture or ""] += 1
                culture_found[item.culture or ""] += ok
            if not ok:
                misses.append((entity, item.culture or item.field, item.text, output))
    by_culture = {c: (culture_found[c], culture_total[c]) for c in culture_total}
    return CorpusScore(dict(found), dict(total), misses, unchanged, no_pii, changed, by_culture)


def tuning_corpus(seed: int = 7) -> list[LabelledText]:
    """The tuning set: the tuning templates and the first evaluation's, other seeds; never asserted on."""
    return (
        name_texts(seed, 40, TUNING_NAME_TEMPLATES)
        + name_texts(seed + 1, 40, FIRST_EVAL_NAME_TEMPLATES)
        + name_texts(seed + 2, 40, SECOND_EVAL_NAME_TEMPLATES)
        + name_texts(seed + 3, 40, THIRD_EVAL_NAME_TEMPLATES)
        + identifier_texts(seed, 150, TUNING_IDENTIFIER_TEMPLATES)
        + identifier_texts(seed + 1, 150, FIRST_EVAL_IDENTIFIER_TEMPLATES)
        + identifier_texts(seed + 2, 150, SECOND_EVAL_IDENTIFIER_TEMPLATES)
        + identifier_texts(seed + 3, 150, THIRD_EVAL_IDENTIFIER_TEMPLATES)
        + no_pii_texts(seed, 600, TUNING_VOCABULARY)
        + no_pii_texts(seed + 2, 600, SECOND_EVAL_VOCABULARY)
        + no_pii_texts(seed + 3, 600, THIRD_EVAL_VOCABULARY)
    )
