"""Split a source section into the sentences the bot may quote, each with a stable id.

The rules are tuned to medical web pages: bullet items are sentences even without a full stop,
a full stop only ends a sentence when a space and a capital (or the end) follow, so "Dr.Oracle",
"L4/L5", "(L4-L5)", ">90%" and "0.5" stay whole, and citation numbers stuck to the end of a
sentence ("torque 2.") stay with it and are also recorded as references.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

BULLETS = "\u2022\u25cf\u25aa\u25e6\u2023*\u2013-"
ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "prof", "e.g", "i.e", "etc", "vs", "al", "fig", "no", "approx", "cf"}
)

_BULLET = re.compile(rf"^\s*[{re.escape(BULLETS)}]\s+")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[]?[A-Z0-9])")
_CITATION = re.compile(r"\s(\d{1,2}(?:\s*,\s*\d{1,2})*)[.!?]$")


class Sentence(NamedTuple):  # a big store has a million: a NamedTuple costs half a frozen dataclass
    id: str
    position: int
    heading: str
    text: str
    refs: str


def squash(text: str) -> str:
    """Collapse runs of whitespace: verbatim comparison ignores layout, never characters."""
    return " ".join(text.split())  # what `\s+` matches, str.split() splits on (and is five times faster)


def sentence_id(prefix: str, text: str) -> str:
    """A content hash, so an id survives edits elsewhere in the document."""
    return f"{prefix}.{hashlib.sha1(squash(text).encode()).hexdigest()[:8]}"


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and stripped[-1] not in ".!?:;," and len(stripped.split()) <= 12


_LONGEST_ABBREVIATION = max(map(len, ABBREVIATIONS))


def _ends_with_abbreviation(chunk: str) -> bool:
    """Whether the last word of a squashed chunk is an abbreviation: "... see Dr." (a million sentences
    ask, so a long last word is turned away before it is lowered)."""
    word = chunk[chunk.rfind(" ") + 1 :].rstrip(".")
    return len(word) <= _LONGEST_ABBREVIATION and word.lower() in ABBREVIATIONS


def split_text(text: str) -> list[str]:
    """Sentences of one paragraph or bullet item, in order, each squashed."""
    pieces: list[str] = []
    for chunk in _BOUNDARY.split(squash(text)):
        if pieces and _ends_with_abbreviation(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {chunk}"
        else:
            pieces.append(chunk)
    return [p for p in pieces if p]


def split_section(text: str, prefix: str) -> list[Sentence]:
    """Headings label what follows; paragraphs and bullet items are split into sentences."""
    heading = ""
    blocks: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if _BULLET.match(line):
            blocks.append((heading, _BULLET.sub("", line, count=1)))
        elif _is_heading(line):
            heading = line.strip()
        else:
            blocks.append((heading, line))
    sentences: list[Sentence] = []
    seen: dict[str, int] = {}
    for block_heading, block in blocks:
        for piece in split_text(block):
            refs = _CITATION.search(piece) if piece[-2:-1].isdigit() else None  # no digit, no citation
            base = f"{prefix}.{hashlib.sha1(piece.encode()).hexdigest()[:8]}"  # sentence_id(), piece being squashed
            seen[base] = seen.get(base, 0) + 1
            sentences.append(  # (id, position, heading, text, refs): by position, for a million of them
                Sentence(
                    base if seen[base] == 1 else f"{base}-{seen[base]}",
                    len(sentences) + 1,
                    block_heading,
                    piece,
                    refs.group(1).replace(" ", "") if refs else "",
                )
            )
    return sentences
