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


def takes_plural(name: str, kind: str) -> bool:
    """Whether a thing's name takes a plural verb: a group, or a name ending in a plural word."""
    words = name.split()
    last = words[-1] if words else ""
    return kind == "muscle_group" or (last.endswith("s") and not last.endswith(("us", "is", "ss")))


def agreeing(template: str, plural: bool) -> str:
    """A wording starting "{subject} <verb>" with the verb agreeing with a plural subject:
    "{subject} performs {object}" -> "{subject} perform {object}", "is" -> "are"."""
    if not plural or not template.startswith("{subject} "):
        return template
    verb, _, rest = template[len("{subject} ") :].partition(" ")
    if verb in _PLURAL_VERBS:
        verb = _PLURAL_VERBS[verb]
    elif verb.endswith("ies"):
        verb = verb[:-3] + "y"
    elif verb.endswith(("shes", "ches", "sses", "xes")):
        verb = verb[:-2]
    elif verb.endswith("s") and not verb.endswith("ss"):
        verb = verb[:-1]
    return " ".join(["{subject}", verb, *([rest] if rest else [])])


_PLURAL_VERBS = {"is": "are", "has": "have", "was": "were", "does": "do"}
