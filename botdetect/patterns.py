"""Many UA patterns in one compiled regex: literals in a character trie, real regexes as named groups.

Python's ``re`` tries every branch of a plain alternation at every position, so a list of a
thousand patterns joined by ``|`` costs ~0.5 ms per UA. Most patterns of a bot list are literals:
those go into one trie (``trie_regex``, one branch per next character), and only the real
regexes stay an alternation, compiled apart from the trie. Patterns anchored at the start
(``^Java\\/``) are tried once, at position 0, in a regex of their own. Case-insensitive lists are matched on the
lowercased UA (literals lowercased, regexes wrapped in ``(?i:...)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

_REGEX_METACHARACTERS = frozenset(".^$*+?{}[]()|\\")


def literal_of(pattern: str) -> str | None:
    """The plain text a pattern matches, or None when it is a real regex."""
    chars: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escaped = pattern[index + 1 : index + 2]
            if not escaped or escaped.isalnum():  # \d, \s, \b ...: a real regex
                return None
            chars.append(escaped)
            index += 2
            continue
        if char in _REGEX_METACHARACTERS:
            return None
        chars.append(char)
        index += 1
    return "".join(chars) or None


def trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, branching on one character at a time, longest first."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)



def _anchored_body(pattern: str) -> str | None:
    """The pattern without its leading ``^`` when it is anchored as a whole (no ``|``), else None."""
    if pattern.startswith("^") and "|" not in pattern:
        return pattern[1:]
    return None


class PatternMatcher(Generic[T]):
    """Find which of many (pattern, value) entries match a UA.

    ``matches`` returns the values of the entries hit: anchored entries, then literals left to
    right (non-overlapping, longest at a position: a literal inside a longer one that matched at
    the same position is not reported), then the other regexes left to right. Enough for yes/no
    and category decisions.
    """

    def __init__(
        self, entries: Iterable[tuple[str, T]], *, ignore_case: bool = False, lowercase_patterns: bool = False
    ) -> None:
        """``ignore_case``: match the lowercased UA; ``lowercase_patterns``: the regexes are written
        for lowercased text already, so they need no ``(?i:...)`` (cheaper)."""
        self.ignore_case = ignore_case
        self._by_literal: dict[str, list[T]] = {}
        self._by_group: dict[str, T] = {}
        floating: list[str] = []
        anchored: list[str] = []
        count = 0
        for pattern, value in entries:
            count += 1
            literal = literal_of(pattern)
            if literal is not None:
                key = literal.lower() if ignore_case else literal
                self._by_literal.setdefault(key, []).append(value)
                continue
            group = f"p{len(self._by_group)}"
            self._by_group[group] = value
            body = _anchored_body(pattern)
            branch = body if body is not None else pattern
            if ignore_case and not lowercase_patterns:
                branch = f"(?i:{branch})"
            (anchored if body is not None else floating).append(f"(?P<{group}>{branch})")
        # Three regexes, not one: joined to the trie, the regex branches stop ``re`` from skipping
        # ahead to the characters a literal can start with (~140 us per UA instead of ~30).
        self._literals = re.compile(trie_regex(self._by_literal)) if self._by_literal else None
        self._floating = re.compile("|".join(floating)) if floating else None
        self._anchored = re.compile("|".join(anchored)) if anchored else None
        self.entry_count = count

    def matches(self, user_agent: str) -> list[T]:
        text = user_agent.lower() if self.ignore_case else user_agent
        found: list[T] = []
        if self._anchored is not None:
            hit = self._anchored.match(text)
            if hit is not None and hit.lastgroup is not None:
                found.append(self._by_group[hit.lastgroup])
        if self._literals is not None:
            for hit in self._literals.finditer(text):
                found.extend(self._by_literal.get(hit.group(), ()))
        if self._floating is not None:
            found.extend(self._by_group[hit.lastgroup] for hit in self._floating.finditer(text) if hit.lastgroup)
        return found

    def first(self, user_agent: str) -> T | None:
        """The value of the first entry hit (anchored ones first), or None: one search, no scan to the end."""
        text = user_agent.lower() if self.ignore_case else user_agent
        if self._anchored is not None:
            hit = self._anchored.match(text)
            if hit is not None and hit.lastgroup is not None:
                return self._by_group[hit.lastgroup]
        if self._literals is not None:
            hit = self._literals.search(text)
            if hit is not None:
                return self._by_literal[hit.group()][0]
        if self._floating is not None:
            hit = self._floating.search(text)
            if hit is not None and hit.lastgroup is not None:
                return self._by_group[hit.lastgroup]
        return None
