"""Text normalisation shared by the builder (aliases) and the matcher (questions)."""

from __future__ import annotations

import re
import unicodedata

ARTICLES = frozenset({"the", "a", "an"})
_APOSTROPHES = re.compile("['`\u2019\u2018\u00b4]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def tokens(text: str) -> list[str]:
    """Casefolded ASCII-ish word tokens without articles: "The L4/L5 disc's" -> [l4, l5, discs]."""
    if text.isascii():
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKC", text).casefold()
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    folded = _APOSTROPHES.sub("", folded)
    return [t for t in _NON_WORD.split(folded) if t and t not in ARTICLES]


def normalize(text: str) -> str:
    """The key an alias is stored and looked up under."""
    return " ".join(tokens(text))
