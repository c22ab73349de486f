"""The Answer every front end renders, and how query rows become its grounded text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .store import Quoted, Row

Status = Literal["answered", "clarify", "no_answer", "safety", "chitchat"]
STATUSES: tuple[Status, ...] = ("answered", "clarify", "no_answer", "safety", "chitchat")
CONFLICT_LEAD = " The sources disagree: "  # where an answer's text starts its account of conflicts
DISCLAIMER = (
    "Educational use only, not medical advice: nervebot quotes two sources and cannot assess a person. "
    "For symptoms or care decisions, see a clinician."
)


@dataclass(frozen=True)
class Source:
    """One quoted sentence: verbatim from its document."""

    number: int
    document_id: str
    title: str
    section: str
    evidence_level: str
    sentence_id: str
    sentence: str


@dataclass(frozen=True)
class ConflictSide:
    claim: str
    fact_id: str
    sources: tuple[int, ...]  # numbers into Answer.sources


@dataclass(frozen=True)
class Conflict:
    id: str
    note: str
    sides: tuple[ConflictSide, ...]


@dataclass(frozen=True)
class Slot:
    name: str
    entity_id: str
    value: str  # the entity's canonical name
    said: str  # the words in the question


@dataclass(frozen=True)
class Answer:
    status: Status
    text: str
    question: str = ""
    intent: str | None = None
    slots: tuple[Slot, ...] = ()
    confidence: float = 0.0
    sources: tuple[Source, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    disclaimer: str = DISCLAIMER
    suggestions: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # for clarify: the readings to choose from
    related: tuple[Source, ...] = ()  # for no_answer: sentences that may still be useful reading
    notes: tuple[str, ...] = ()  # how the question was read: corrections, cut input, context used
    runner_up: str | None = None
    facts: tuple[str, ...] = field(default=(), repr=False)  # ids of the facts behind the text

    @property
    def answered(self) -> bool:
        return self.status == "answered"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the shape `nervebot ask --json` prints."""
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def join_items(items: Sequence[str], sep: str = "; ", final: str = " and ") -> str:
    """'a', 'a and b', 'a; b and c': lists read as prose, whatever their length."""
    if len(items) <= 2:
        return final.join(items)
    return sep.join(items[:-1]) + final + items[-1]


class Citations:
    """Numbers sources in first-use order so text can say [1], [2] beside each item."""

    def __init__(self, by_fact: dict[str, list[Quoted]]) -> None:
        self.by_fact = by_fact
        self.sources: list[Source] = []
        self._numbers: dict[str, int] = {}
        self._labels: dict[str, None] = {}  # in first-use order

    def cite(self, fact_id: str) -> list[int]:
        numbers: list[int] = []
        for sid, sentence, place in self.by_fact.get(fact_id, ()):
            number = self._numbers.get(sid)
            if number is None:
                number = self._numbers[sid] = len(self.sources) + 1
                document_id, title, _, label, evidence = place
                self.sources.append(Source(number, document_id, title, label, evidence, sid, sentence))
                self._labels[label] = None
            if number not in numbers:
                numbers.append(number)
        return numbers

    def according(self) -> str:
        return "according to " + join_items([f"the {label}" for label in self._labels], ", ")


def numbered(sources: Sequence[Source]) -> str:
    """A run of sources by their numbers: "[22]", "[18] to [27]"."""
    first, last = sources[0].number, sources[-1].number
    return f"[{first}]" if len(sources) == 1 else f"[{first}] to [{last}]"


def follow_on(sources: Sequence[Source]) -> str:
    """What a chat message says of the sources that did not fit in it."""
    return f"{numbered(sources)} {'follows' if len(sources) == 1 else 'follow'} in the next message."


def marks(numbers: Sequence[int]) -> str:
    return f"[{numbers[0]}]" if len(numbers) == 1 else "".join(f"[{n}]" for n in numbers)


def render_items(
    rows: Sequence[Row], citations: Citations, qualifier_words: dict[str, str], merge: bool = True
) -> tuple[list[str], list[str]]:
    """Rows to display items: 'deep peroneal nerve [1]'. Rows that state a negation come back apart.

    An item is named once, each of its details with the sentences that give it: "L5 nerve root [1]
    (primarily [2][3])". Items said the same way by the same sentences are named together ("L3 nerve
    root and L4 nerve root (...) [4][5]"), unless `merge` is off, as for items that are whole claims,
    which are shown without details. Sources are numbered in the order the text cites them.
    """
    said: dict[tuple[str, bool], dict[str, list[str]]] = {}  # (item, negated) -> detail -> its facts
    stated, denied = _by_negation(rows)
    for row, quals in (*stated, *denied):  # the rows that state a negation after the rest
        detail = row.get("detail") or ""  # what the row links, then how the source qualifies it
        how = row.get("note") or (", ".join([qualifier_words.get(q, q) for q in quals if q != "not"]) if quals else "")
        if how:
            detail = f"{detail}, {how}" if detail else how
        facts = said.setdefault((str(row["item"]), "not" in quals), {}).setdefault(detail if merge else "", [])
        facts.append(str(row["fact_id"]))
    by_fact = citations.by_fact
    grouped: dict[tuple[object, bool], list[tuple[str, dict[str, list[str]]]]] = {}
    for (item, negated), details in said.items():
        # the sentences behind each detail: items said alike by the same sentences go together
        if merge:
            how_said = tuple(
                (d, frozenset([q[0] for f in fs for q in by_fact.get(f, ())])) for d, fs in details.items()
            )
            grouped.setdefault((how_said, negated), []).append((item, details))
        else:
            grouped[item, negated] = [(item, details)]
    positive: list[str] = []
    negative: list[str] = []
    for (_, negated), members in grouped.items():
        items = " and ".join([item for item, _ in members])
        details = members[0][1] if merge else {"": [f for _, d in members for fs in d.values() for f in fs]}
        # a detail that only repeats the item ("focused neurologic examination (a focused ...)") is dropped
        bare = ""
        cited = []
        for d, fs in details.items():
            if d:
                bare = bare or _bare(items)
                if _bare(d) == bare:
                    d = ""
            cited.append((d, tuple(sorted(_cited(citations, fs)))))
        (negative if negated else positive).append(items + _described(cited))
    return positive, negative


def _by_negation(rows: Sequence[Row]) -> tuple[list[tuple[Row, list[str]]], list[tuple[Row, list[str]]]]:
    """Each row with its qualifiers, in order: those that do not state a negation, then those that do."""
    stated: list[tuple[Row, list[str]]] = []
    denied: list[tuple[Row, list[str]]] = []
    for row in rows:
        quals = str(row.get("qualifiers") or "").split()
        (denied if "not" in quals else stated).append((row, quals))
    return stated, denied


def _bare(text: str) -> str:
    return " ".join(w for w in text.casefold().split() if w not in ("a", "an", "the"))


def _cited(citations: Citations, facts: Sequence[str]) -> list[int]:
    if len(facts) == 1:
        return citations.cite(facts[0])  # its numbers are distinct already
    numbers: list[int] = []
    for fact in facts:
        numbers.extend(n for n in citations.cite(fact) if n not in numbers)
    return numbers


def _described(how: Sequence[tuple[str, tuple[int, ...]]]) -> str:
    """An item's details and their sources: " (primarily) [2]", or " [1] (primarily [2][3])" when the
    details come from different sentences."""
    if len(how) == 1:
        detail, numbers = how[0]
        return (f" ({detail})" if detail else "") + (f" {marks(numbers)}" if numbers else "")
    if len({numbers for _, numbers in how}) == 1:
        details = "; ".join(d for d, _ in how if d)
        return (f" ({details})" if details else "") + (f" {marks(how[0][1])}" if how[0][1] else "")
    plain = [n for detail, numbers in how if not detail for n in numbers]
    detailed = "; ".join(f"{detail} {marks(numbers)}".strip() for detail, numbers in how if detail)
    return (f" {marks(plain)}" if plain else "") + f" ({detailed})"
