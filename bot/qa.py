"""Scripted Q&A cases (`*.qa.yaml`): load them, run them through a Bot, say what moved.

The format is documented, with examples, in docs/qa-format.md. In short: a file holds `cases:`;
each case is one question (`q:` with `expect:`) or a `conversation:` of turns asked in one
session, with optional `id:`, `tags:` and `xfail: "why"`. Expectations, all optional:

    status: answered            # answered | clarify | no_answer | safety | chitchat
    not_status: answered        # "must not be answered" (one status or a list)
    intent: nerve_of_muscle     # the intent that must be chosen
    not_intent: about           # an intent (or a list) that must not be chosen
    slots: {muscle: tibialis-anterior}   # slot -> entity id (or canonical name)
    min_confidence: 0.6
    says: ["deep peroneal"]     # case-insensitive substrings of the answer text
    not_says: ["L3"]
    cites: ["l5-blog-2020.body.96aa153b", "primary dorsiflexor"]  # a sentence id, or words of a cited sentence
    conflicts: true             # true: at least one conflict shown; false: none; a number: exactly that many

Every turn is also checked for grounding: an answered Answer quotes at least one sentence, each
quote is verbatim in its document, and the disclaimer is there.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .answer import STATUSES, Answer
from .core import Bot
from .errors import BotError
from .sentences import squash

EXPECT_KEYS_ORDER = (
    "status",
    "not_status",
    "intent",
    "not_intent",
    "slots",
    "min_confidence",
    "says",
    "not_says",
    "cites",
    "conflicts",
)
EXPECT_KEYS = frozenset(EXPECT_KEYS_ORDER)
CASE_KEYS = frozenset({"q", "expect", "conversation", "id", "tags", "xfail"})
TURN_KEYS = frozenset({"q", "expect"})
FOLLOW_UP_INTENTS = frozenset({"why"})  # chosen by the conversation, not by an intents/*.yaml file

Outcome = Literal["passed", "failed", "xfailed", "xpassed"]


class QAFileError(BotError):
    """A *.qa.yaml file is malformed."""


@dataclass(frozen=True)
class Turn:
    question: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Case:
    id: str  # "file.qa.yaml:3: label": file name, position and label
    turns: tuple[Turn, ...]
    tags: tuple[str, ...]
    path: Path
    index: int  # 1-based position in its file
    line: int = 0  # where the case starts in its file
    label: str = ""  # the case's `id:`, else its question (a conversation's, joined by " / ")
    xfail: str | None = None  # why this case is a known failure

    @property
    def is_conversation(self) -> bool:
        return len(self.turns) > 1

    @property
    def where(self) -> str:
        """`path:line`, relative to the current folder when inside it: what an editor opens."""
        return f"{display_path(self.path)}:{self.line}"


@dataclass
class CaseResult:
    case: Case
    answers: list[Answer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "turn 2 ('and S1?'): expected intent X, got Y"
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def outcome(self) -> Outcome:
        if self.case.xfail:
            return "xpassed" if self.passed else "xfailed"
        return "passed" if self.passed else "failed"


def display_path(path: Path) -> str:
    """Relative to the current folder when inside it (what an editor opens), else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- loading -----------------------------------------------------------------------------------------


def _strings(value: Any, key: str, where: str) -> list[str]:
    """A string or a list of strings, as a list; anything else is the curator's mistake."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise QAFileError(f"{where}: `{key}` must be a string or a list of strings")


def _check_expect(expect: dict[str, Any], where: str) -> None:
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise QAFileError(f"{where}: unknown expectation {name!r}; use {', '.join(sorted(EXPECT_KEYS))}")
    for key in ("status", "not_status"):
        if key in expect:
            for status in _strings(expect[key], key, where):
                if status not in STATUSES:
                    raise QAFileError(f"{where}: `{key}: {status}` is not a status; use one of {', '.join(STATUSES)}")
    if "intent" in expect and not isinstance(expect["intent"], str):
        raise QAFileError(f"{where}: `intent` must be one intent name")
    for key in ("not_intent", "says", "not_says", "cites"):
        if key in expect:
            _strings(expect[key], key, where)
    slots = expect.get("slots", {})
    if not isinstance(slots, dict) or not all(isinstance(v, str) for v in slots.values()):
        raise QAFileError(f"{where}: `slots` must map slot names to entity ids, e.g. {{muscle: tibialis-anterior}}")
    if "min_confidence" in expect:
        value = expect["min_confidence"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise QAFileError(f"{where}: `min_confidence` must be a number from 0 to 1")
    if "conflicts" in expect:
        value = expect["conflicts"]
        if not isinstance(value, bool) and not (isinstance(value, int) and value >= 0):
            raise QAFileError(f"{where}: `conflicts` must be true, false or a count")


def _turn(raw: Any, where: str, keys: frozenset[str] = TURN_KEYS) -> Turn:
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str) or not raw["q"].strip():
        raise QAFileError(f"{where}: each case or turn needs `q:` with the question text")
    unknown = set(raw) - keys
    if unknown:
        raise QAFileError(f"{where}: unknown key {sorted(unknown)[0]!r}; use {', '.join(sorted(keys))}")
    expect = raw.get("expect") or {}
    if not isinstance(expect, dict):
        raise QAFileError(f"{where}: `expect` must be a mapping")
    _check_expect(expect, where)
    return Turn(raw["q"], expect)


def _parse(path: Path) -> tuple[Any, list[int]]:
    """The file's data and the line where each item of its `cases:` list starts."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QAFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QAFileError(f"{path}: cannot be read ({exc})") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise QAFileError(f"{path}:{where} not valid YAML ({problem}); fix the syntax") from None
    finally:
        loader.dispose()
    lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "cases" and isinstance(value, yaml.SequenceNode):
                lines = [item.start_mark.line + 1 for item in value.value]
    return data, lines


def load_file(path: Path) -> list[Case]:
    path = Path(path)
    data, lines = _parse(path)
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise QAFileError(f"{path}: expected a top-level `cases:` list")
    cases = []
    labels: dict[str, int] = {}
    for i, raw in enumerate(data["cases"], 1):
        line = lines[i - 1] if i <= len(lines) else 0
        where = f"{path}:{line}: case {i}" if line else f"{path}: case {i}"
        if not isinstance(raw, dict):
            raise QAFileError(f"{where}: a case is a mapping with `q:` or `conversation:`")
        unknown = set(raw) - CASE_KEYS
        if unknown:
            raise QAFileError(f"{where}: unknown key {sorted(unknown)[0]!r}; use {', '.join(sorted(CASE_KEYS))}")
        if "conversation" in raw:
            if "q" in raw or "expect" in raw:
                raise QAFileError(f"{where}: a case has either `q:` or `conversation:`, not both")
            turns_raw = raw["conversation"]
            if not isinstance(turns_raw, list) or not turns_raw:
                raise QAFileError(f"{where}: `conversation` must be a non-empty list of turns")
            turns = tuple(_turn(t, f"{where}, turn {n}") for n, t in enumerate(turns_raw, 1))
        else:
            turns = (_turn(raw, where, CASE_KEYS),)
        tags_raw = raw.get("tags") or []
        if not isinstance(tags_raw, list) or not all(isinstance(t, str | int) for t in tags_raw):
            raise QAFileError(f"{where}: `tags` must be a list of words, e.g. [typos, casual]")
        xfail = raw.get("xfail")
        if xfail is not None and (not isinstance(xfail, str) or not xfail.strip()):
            raise QAFileError(f'{where}: `xfail` needs the reason as text, e.g. xfail: "reads EHL as a nerve"')
        explicit = raw.get("id")
        if explicit is not None and not isinstance(explicit, str | int):
            raise QAFileError(f"{where}: `id` must be a short name")
        if explicit is not None:
            label = str(explicit)
        else:
            label = _clip(" / ".join(t.question for t in turns), 100) if len(turns) > 1 else turns[0].question
        if explicit is not None:
            if str(explicit) in labels:
                raise QAFileError(f"{where}: id {explicit!r} is already used by case {labels[str(explicit)]}")
            labels[str(explicit)] = i
        cases.append(
            Case(
                f"{path.name}:{i}: {label}",
                turns,
                tuple(str(t) for t in tags_raw),
                path,
                i,
                line,
                label,
                xfail.strip() if xfail else None,
            )
        )
    return cases


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Folders give their *.qa.yaml files (recursively); a file named on its own is taken as it is."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        found.extend(sorted(p.rglob("*.qa.yaml")) if p.is_dir() else [p])
    return found


def load_cases(paths: Iterable[Path]) -> list[Case]:
    return [case for path in find_files(paths) for case in load_file(path)]


def unknown_names(cases: Iterable[Case], bot: Bot) -> list[str]:
    """Intent and entity names the bot does not know: a typo there would fail (or pass) forever."""
    intents = {i.name for i in bot.intents} | FOLLOW_UP_INTENTS
    entities = {e.lower() for e in bot.entities} | {row["name"].lower() for row in bot.entities.values()}
    problems = []
    for case in cases:
        for n, turn in enumerate(case.turns, 1):
            where = f"{case.where}: case {case.index}" + (f", turn {n}" if case.is_conversation else "")
            named = [turn.expect["intent"]] if "intent" in turn.expect else []
            named += _list(turn.expect.get("not_intent"))
            problems += [f"{where}: no intent is called {name!r}" for name in named if name not in intents]
            for slot, value in (turn.expect.get("slots") or {}).items():
                if value.lower() not in entities:
                    problems.append(
                        f"{where}: slot {slot}: no entity is called {value!r} (see knowledge/entities.yaml)"
                    )
    return problems


# --- checking ------------------------------------------------------------------------------------------


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
    if "status" in expect and answer.status != expect["status"]:
        out.append(f"expected status {expect['status']}, got {answer.status} ({_clip(answer.text, 80)!r})")
    if answer.status in _list(expect.get("not_status")):
        out.append(f"must not be {answer.status}, but was ({_clip(answer.text, 80)!r})")
    if "intent" in expect and answer.intent != expect["intent"]:
        out.append(f"expected intent {expect['intent']}, got {answer.intent}")
    if answer.intent is not None and answer.intent in _list(expect.get("not_intent")):
        out.append(f"must not match intent {answer.intent}")
    have = {s.name: s for s in answer.slots}
    for slot, value in (expect.get("slots") or {}).items():
        got = have.get(slot)
        if got is None or str(value).lower() not in (got.entity_id.lower(), got.value.lower()):
            out.append(f"expected slot {slot}={value}, got {got.entity_id if got else 'nothing'}")
    if "min_confidence" in expect and answer.confidence < float(expect["min_confidence"]):
        out.append(f"expected confidence >= {expect['min_confidence']}, got {answer.confidence}")
    text = answer.text.lower()
    out += [f"answer should say {w!r}" for w in _list(expect.get("says")) if w.lower() not in text]
    out += [f"answer must not say {w!r}" for w in _list(expect.get("not_says")) if w.lower() in text]
    for cite in _list(expect.get("cites")):
        if not any(cite == s.sentence_id or cite.lower() in s.sentence.lower() for s in answer.sources):
            out.append(f"answer should cite {cite!r}; cited {[s.sentence_id for s in answer.sources] or 'nothing'}")
    if "conflicts" in expect:
        want, n = expect["conflicts"], len(answer.conflicts)
        if (want is True and n == 0) or (want is False and n) or (type(want) is int and n != want):
            out.append(f"expected conflicts: {str(want).lower()}, got {n}")
    return out


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _clip(text: str, width: int) -> str:
    return textwrap.shorten(text, width, placeholder=" ...") if text else ""


def run_case(bot: Bot, case: Case, documents: dict[str, str]) -> CaseResult:
    result = CaseResult(case)
    session = f"qa:{case.path.name}:{case.index}"
    bot.reset(session)
    started = time.perf_counter()
    for n, turn in enumerate(case.turns, 1):
        answer = bot.ask(turn.question, session=session)
        result.answers.append(answer)
        prefix = f"turn {n} ({turn.question!r}): " if case.is_conversation else ""
        result.failures += [prefix + f for f in [*ungrounded(answer, documents), *check(answer, turn.expect)]]
    result.seconds = time.perf_counter() - started
    bot.reset(session)
    return result


def documents_of(bot: Bot) -> dict[str, str]:
    return {r["id"]: r["text"] for r in bot.store.query("SELECT id, text FROM documents")}


def run(bot: Bot, cases: Iterable[Case]) -> Iterator[CaseResult]:
    documents = documents_of(bot)
    for case in cases:
        yield run_case(bot, case, documents)


# --- describing ----------------------------------------------------------------------------------------


def expectation(expect: dict[str, Any]) -> str:
    """An expect mapping as one line of prose: "status answered; intent causes; says 'L5'"."""
    if not expect:
        return "a grounded answer (no other expectations)"
    parts = []
    for key in sorted(expect, key=EXPECT_KEYS_ORDER.index):
        value = expect[key]
        if key == "slots":
            parts.append("slots " + ", ".join(f"{k}={v}" for k, v in value.items()))
        elif key in ("says", "not_says", "cites"):
            parts.append(f"{key.replace('_', ' ')} " + ", ".join(repr(v) for v in _list(value)))
        elif key in ("not_status", "not_intent"):
            parts.append(f"{key.replace('_', ' ')} " + " or ".join(_list(value)))
        elif key == "conflicts":
            parts.append(f"conflicts {str(value).lower()}")
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return "; ".join(parts)


def came_back(answer: Answer) -> str:
    """What the bot answered, in one line: status, intent, confidence, runner-up and the text's start."""
    head = f"{answer.status}, intent {answer.intent or '(none)'} ({answer.confidence:.2f})"
    if answer.runner_up:
        head += f", runner-up {answer.runner_up}"
    if answer.conflicts:
        head += f", {len(answer.conflicts)} conflict(s)"
    return f"{head}: {_clip(answer.text, 160)!r}"


def describe(result: CaseResult) -> str:
    """A failed (or unexpectedly passing) case as a block a curator can act on without rerunning it."""
    case = result.case
    tags = f"  [{', '.join(case.tags)}]" if case.tags else ""
    out = [f"{case.where}: {case.label}{tags}"]
    if case.xfail:
        out.append(f"  xfail: {case.xfail}")
    for n, turn in enumerate(case.turns, 1):
        answer = result.answers[n - 1] if n <= len(result.answers) else None
        prefix = f"turn {n} ({turn.question!r}): " if case.is_conversation else ""
        problems = [f[len(prefix) :] for f in result.failures if f.startswith(prefix)] if prefix else result.failures
        indent = "  "
        if case.is_conversation:
            out.append(f"  turn {n}{' ok' if not problems else ''}")
            indent = "    "
        out.append(f"{indent}asked:    {turn.question}")
        if problems or not case.is_conversation:
            out.append(f"{indent}expected: {expectation(turn.expect)}")
            if answer is not None:
                out.append(f"{indent}got:      {came_back(answer)}")
            out += [f"{indent}  - {p}" for p in problems]
    return "\n".join(out)
