"""Scripted Q&A cases (`*.qa.yaml`): load them, run them through a Bot, say what moved.

A file holds `cases:`; each case is one question (`q:` with `expect:`) or a `conversation:` of
turns asked in one session. Expectations, all optional:

    status: answered            # answered | clarify | no_answer | safety | chitchat
    intent: nerve_of_muscle     # the intent that must be chosen
    not_intent: about           # an intent that must not be chosen
    slots: {muscle: tibialis-anterior}   # slot -> entity id (or canonical name)
    min_confidence: 0.6
    says: ["deep peroneal"]     # case-insensitive substrings of the answer text
    not_says: ["L3"]
    cites: ["l5-blog-2020.body.96aa153b", "primary dorsiflexor"]  # a sentence id, or words of a cited sentence
    conflicts: true             # true: at least one conflict shown; false: none; a number: exactly that many
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .answer import Answer
from .core import Bot
from .errors import BotError
from .sentences import squash

EXPECT_KEYS = frozenset(
    {"status", "intent", "not_intent", "slots", "min_confidence", "says", "not_says", "cites", "conflicts"}
)


class QAFileError(BotError):
    """A *.qa.yaml file is malformed."""


@dataclass(frozen=True)
class Turn:
    question: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Case:
    id: str
    turns: tuple[Turn, ...]
    tags: tuple[str, ...]
    path: Path
    index: int

    @property
    def is_conversation(self) -> bool:
        return len(self.turns) > 1


@dataclass
class CaseResult:
    case: Case
    answers: list[Answer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "turn 2: expected intent X, got Y"

    @property
    def passed(self) -> bool:
        return not self.failures


def _turn(raw: Any, where: str) -> Turn:
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str):
        raise QAFileError(f"{where}: each case or turn needs `q:` with the question text")
    expect = raw.get("expect") or {}
    if not isinstance(expect, dict):
        raise QAFileError(f"{where}: `expect` must be a mapping")
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        raise QAFileError(f"{where}: unknown expectation {sorted(unknown)[0]!r}; use {', '.join(sorted(EXPECT_KEYS))}")
    return Turn(raw["q"], expect)


def load_file(path: Path) -> list[Case]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise QAFileError(f"{path}: cannot be read as YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise QAFileError(f"{path}: expected a top-level `cases:` list")
    cases = []
    for i, raw in enumerate(data["cases"], 1):
        where = f"{path}: case {i}"
        if isinstance(raw, dict) and "conversation" in raw:
            turns = tuple(_turn(t, f"{where}, turn {n}") for n, t in enumerate(raw["conversation"] or [], 1))
            if not turns:
                raise QAFileError(f"{where}: empty conversation")
        else:
            turns = (_turn(raw, where),)
        tags = tuple(str(t) for t in (raw.get("tags") or []))
        label = raw.get("id") or turns[0].question
        cases.append(Case(f"{Path(path).name}:{i}: {label}", turns, tags, Path(path), i))
    return cases


def find_files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        found.extend(sorted(p.rglob("*.qa.yaml")) if p.is_dir() else [p])
    return found


def load_cases(paths: Iterable[Path]) -> list[Case]:
    return [case for path in find_files(paths) for case in load_file(path)]


def ungrounded(answer: Answer, documents: dict[str, str]) -> list[str]:
    """Why an answered Answer is not grounded (empty when it is)."""
    problems = []
    if answer.status == "answered" and not answer.sources:
        problems.append("answered without a source sentence")
    for source in answer.sources:
        if squash(source.sentence) not in squash(documents.get(source.document_id, "")):
            problems.append(f"source [{source.number}] is not verbatim in {source.document_id}")
    if not answer.disclaimer.strip():
        problems.append("no disclaimer")
    return problems


def check(answer: Answer, expect: dict[str, Any]) -> list[str]:
    """Each way `answer` misses `expect`, as a sentence a curator can act on."""
    out = []
    got = f"(got {answer.status}, intent {answer.intent}: {answer.text[:120]!r})"
    if "status" in expect and answer.status != expect["status"]:
        out.append(f"expected status {expect['status']} {got}")
    if "intent" in expect and answer.intent != expect["intent"]:
        out.append(f"expected intent {expect['intent']}, got {answer.intent}")
    if "not_intent" in expect and answer.intent == expect["not_intent"]:
        out.append(f"must not match intent {expect['not_intent']}")
    for slot, value in (expect.get("slots") or {}).items():
        have = {s.name: s for s in answer.slots}.get(slot)
        if have is None or str(value).lower() not in (have.entity_id.lower(), have.value.lower()):
            out.append(f"expected slot {slot}={value}, got {have.entity_id if have else 'nothing'}")
    if "min_confidence" in expect and answer.confidence < float(expect["min_confidence"]):
        out.append(f"expected confidence >= {expect['min_confidence']}, got {answer.confidence}")
    text = answer.text.lower()
    for words in _list(expect.get("says")):
        if words.lower() not in text:
            out.append(f"answer should say {words!r} {got}")
    for words in _list(expect.get("not_says")):
        if words.lower() in text:
            out.append(f"answer must not say {words!r} {got}")
    for cite in _list(expect.get("cites")):
        if not any(cite == s.sentence_id or cite.lower() in s.sentence.lower() for s in answer.sources):
            out.append(f"answer should cite {cite!r}; cited {[s.sentence_id for s in answer.sources]}")
    if "conflicts" in expect:
        want, n = expect["conflicts"], len(answer.conflicts)
        if (want is True and n == 0) or (want is False and n) or (type(want) is int and n != want):
            out.append(f"expected conflicts: {want}, got {n}")
    return out


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def run_case(bot: Bot, case: Case, documents: dict[str, str]) -> CaseResult:
    result = CaseResult(case)
    session = f"qa:{case.path.name}:{case.index}"
    bot.reset(session)
    for n, turn in enumerate(case.turns, 1):
        answer = bot.ask(turn.question, session=session)
        result.answers.append(answer)
        prefix = f"turn {n} ({turn.question!r}): " if case.is_conversation else ""
        result.failures += [prefix + f for f in [*ungrounded(answer, documents), *check(answer, turn.expect)]]
    bot.reset(session)
    return result


def documents_of(bot: Bot) -> dict[str, str]:
    return {r["id"]: r["text"] for r in bot.store.query("SELECT id, text FROM documents")}


def run(bot: Bot, cases: Iterable[Case]) -> Iterator[CaseResult]:
    documents = documents_of(bot)
    for case in cases:
        yield run_case(bot, case, documents)
