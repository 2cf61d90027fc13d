"""Shapes of text that make an NER PERSON guess a product phrase rather than a name.

spaCy's small English model labels Title-Case product names PERSON ("<Teal Cashmere> Fleece Gilet",
"Buy Slate <Cotton Chelsea> Boots online"). A name rarely sits inside a longer run of capitalised words on
its line, and a text without a lower-case word is a title, where a "name" filling a whole segment is the
product. Names in titles are found by their cues instead (``privacy.name_context``). Pure string rules.
"""

from __future__ import annotations

import regex

_WORD_AT_START = regex.compile(r"^[ \t]*(\p{L}[\p{L}'’-]*)")
_WORD_AT_END = regex.compile(r"(\p{L}[\p{L}'’-]*)[ \t]*$")
_SEGMENT_BREAK = regex.compile(r"[|–—:()\n]| - ")
_LOWER_WORD = regex.compile(r"(?<![\p{L}\p{N}'’-])\p{Ll}[\p{L}'’-]*")
_CUES_BEFORE_A_NAME = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "hiya",
        "dear",
        "thanks",
        "thank",
        "cheers",
        "regards",
        "best",
        "love",
        "yours",
        "sincerely",
        "welcome",
        "call",
        "ask",
        "contact",
        "email",
        "message",
        "tell",
        "meet",
        "attn",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "sir",
        "madam",
        "congratulations",
        "congrats",
        "sorry",
        "signed",
        "from",
        "to",
        "for",
        "by",
    ]
)
_FUNCTION_WORDS = frozenset(["of", "for", "and", "the", "with", "by", "to", "in", "on", "at", "a", "an", "or", "x"])


def ner_person_in_product_text(text: str, start: int, end: int) -> bool:
    """True for an NER PERSON guess that is part of a product phrase, not a name (module docstring)."""
    line_start = max(text.rfind("\n", 0, start) + 1, 0)
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    after = _WORD_AT_START.match(text[end:line_end])
    if after and after.group(1)[0].isupper():
        return True
    before = _WORD_AT_END.search(text[line_start:start])
    if before and before.group(1)[0].isupper():
        head = text[line_start : before.start() + line_start].rstrip()
        # "Thanks Ana Walker", "Dear Chloe Nguyen": a cue word opening the sentence may stand before a name
        # ("Buy <Burgundy Cashmere> online" is no such cue).
        opens_sentence = not head or head[-1] in ".!?,;:"
        if not (opens_sentence and before.group(1).lower() in _CUES_BEFORE_A_NAME):
            return True
    if any(word not in _FUNCTION_WORDS for word in _LOWER_WORD.findall(text)):
        return False
    # A text without lower-case words (a product title): a name filling a whole segment is a product.
    segment_start = max((m.end() for m in _SEGMENT_BREAK.finditer(text, 0, start)), default=0)
    following = _SEGMENT_BREAK.search(text, end)
    segment_end = following.start() if following else len(text)
    return text[segment_start:start].strip() == "" and text[end:segment_end].strip() == ""
