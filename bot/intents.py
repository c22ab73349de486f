"""Load intents/*.yaml and check each one against the fact store before any question is asked."""

from __future__ import annotations

import re
import sqlite3
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import IntentError, StoreError
from .kinds import ENTITY_TYPES
from .store import Store

TEMPLATE_KEYS = ("one", "many", "none")
# Fields every template may use besides its slots: {is} and {s} agree with the first slot's number
# ("the hamstrings are", "the tibialis anterior performs").
# {is} and {s} agree in number with the first slot's entity; {harm_of} is "injury of " before a
# root or nerve, "weakness of " before a muscle or movement, nothing before a sign ("the foot drop").
# A chitchat reply may use {documents}: each source section, its document, date and evidence level.
REPLY_FIELDS = frozenset({"documents"})
SHARED_FIELDS = frozenset({"according", "items", "count", "is", "s", "harm_of"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SQL_PARAM = re.compile(r"(?<!:):([A-Za-z_]\w*)")
# libyaml's safe loader where PyYAML was built with it (its wheels are): ten times faster at startup.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Intent:
    name: str
    description: str
    kind: str  # "query" or "chitchat"
    title: str
    slots: dict[str, tuple[str, ...]]
    examples: tuple[str, ...]
    sql: str
    answer: dict[str, str]
    suggest: tuple[str, ...]
    reply: str
    path: Path
    merge: bool = True  # list items that share a source and detail as one ("L4 and L5 ...")
    answers: tuple[str, ...] = ()  # entity types of the results
    # ... where they depend on the type of the thing asked about: a muscle is part of a group, a root of a nerve
    answers_by_type: dict[str, tuple[str, ...]] = field(default_factory=dict)
    gathers: tuple[str, ...] = ()  # intents whose answers for the same entity make up this one's
    otherwise: str = ""  # the intent asked about the same entity when this one finds nothing
    replies: tuple[tuple[frozenset[str], str], ...] = ()  # chitchat: (words, the reply to a message with any)

    def answer_types(self, asked_about: Iterable[str]) -> frozenset[str]:
        """The entity types of the results about things of these types."""
        by_type = self.answers_by_type
        return (
            frozenset(t for a in asked_about for t in by_type.get(a, self.answers))
            if by_type
            else frozenset(self.answers)
        )


def _checked_reply(path: Path, label: str, reply: object) -> str:
    text = str(reply)
    try:
        unknown = _fields(text) - REPLY_FIELDS
    except ValueError as exc:
        raise _fail(path, f"{label} is malformed ({exc})") from None
    if unknown:
        raise _fail(path, f"{label} uses {{{unknown.pop()}}}; a reply may use only {sorted(REPLY_FIELDS)}")
    return text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _fail(path: Path, problem: str) -> IntentError:
    return IntentError(f"{path}: {problem}")


def load_intent(path: Path) -> Intent:
    """Parse one file; every problem names the file and what to change."""
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        raise _fail(path, f"{where} not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise _fail(path, "expected a mapping with name, examples and sql")
    for key in ("name", "description", "examples"):
        if not data.get(key):
            raise _fail(path, f"missing `{key}`")
    if data["name"] != path.stem:
        raise _fail(path, f"name {data['name']!r} differs from the file name; rename one")
    kind = data.get("kind", "query")
    slots = {str(k): tuple(v) if isinstance(v, list) else (str(v),) for k, v in (data.get("slots") or {}).items()}
    for slot, types in slots.items():
        bad = [t for t in types if t not in ENTITY_TYPES]
        if bad:
            raise _fail(path, f"slot {slot} has unknown type {bad[0]!r}; use one of {', '.join(ENTITY_TYPES)}")
    examples = tuple(str(e) for e in data["examples"])
    for example in examples:
        unknown = set(_PLACEHOLDER.findall(example)) - set(slots)
        if unknown:
            raise _fail(path, f"example {example!r} uses {{{unknown.pop()}}}, which is not a slot")
    if kind == "chitchat":
        if not data.get("reply"):
            raise _fail(path, "a chitchat intent needs `reply`")
        reply = _checked_reply(path, "reply", data["reply"])
        replies = []  # a reply of its own for a message with any of these words ("bye" is not "hello")
        for n, item in enumerate(data.get("replies") or [], 1):
            if not isinstance(item, dict) or not item.get("words") or not item.get("reply"):
                raise _fail(path, f"replies item {n} needs `words` (a list) and `reply`")
            words = frozenset(str(w).lower() for w in item["words"])
            replies.append((words, _checked_reply(path, f"replies item {n}", item["reply"])))
        return Intent(
            data["name"], data["description"], kind, "", {}, examples, "", {}, (), reply, path, replies=tuple(replies)
        )
    if kind != "query":
        raise _fail(path, f"unknown kind {kind!r}; use query or chitchat")
    sql = str(data.get("sql") or "").strip()
    if not sql:
        raise _fail(path, "missing `sql`")
    params = set(_SQL_PARAM.findall(sql))
    if params != set(slots):
        missing, extra = set(slots) - params, params - set(slots)
        problem = (
            f"slot {missing.pop()} is never used as :{'name'}" if missing else f"parameter :{extra.pop()} is not a slot"
        )
        raise _fail(path, f"sql {problem}; make the :parameters and the slots agree")
    answer = data.get("answer") or {}
    for key in TEMPLATE_KEYS:
        if not answer.get(key):
            raise _fail(path, f"answer needs a `{key}` template")
    allowed = SHARED_FIELDS | set(slots)
    title = str(data.get("title") or "")
    suggest = tuple(str(s) for s in data.get("suggest") or [])
    for label, template in [*answer.items(), ("title", title), *(("suggest", s) for s in suggest)]:
        try:
            unknown = _fields(template) - allowed
        except ValueError as exc:
            raise _fail(path, f"{label} template is malformed ({exc})") from None
        if unknown:
            raise _fail(
                path, f"{label} template uses {{{unknown.pop()}}}; use a slot or one of {sorted(SHARED_FIELDS)}"
            )
    merge = bool(data.get("merge", True))
    declared = data.get("answers") or []
    if isinstance(declared, dict):  # {type of the thing asked about: types of the results}
        by_type = {str(k): tuple(str(t) for t in v or []) for k, v in declared.items()}
    else:
        by_type = {"": tuple(str(t) for t in declared)}
    answers = tuple(dict.fromkeys(t for types in by_type.values() for t in types))
    bad = [t for t in (*answers, *by_type) if t and t not in ENTITY_TYPES]
    if bad:
        raise _fail(path, f"answers has unknown type {bad[0]!r}; use one of {', '.join(ENTITY_TYPES)}")
    by_type.pop("", None)
    gathers = tuple(str(g) for g in data.get("gathers") or [])
    if gathers and len(slots) != 1:
        raise _fail(path, "gathers needs an intent with one slot: other intents are asked about its entity")
    otherwise = str(data.get("otherwise") or "")
    if otherwise and len(slots) != 1:
        raise _fail(path, "otherwise needs an intent with one slot: the other intent is asked about its entity")
    return Intent(
        data["name"],
        data["description"],
        kind,
        title,
        slots,
        examples,
        sql,
        answer,
        suggest,
        "",
        path,
        merge,
        answers,
        by_type,
        gathers,
        otherwise,
    )


def load_intents(folder: Path, store: Store) -> list[Intent]:
    """All intents, each SQL prepared against the store so a bad column fails now, not mid-chat."""
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        raise IntentError(f"{folder}: no intent files; reinstall nervebot or point at a folder of intents/*.yaml")
    intents = [load_intent(p) for p in files]
    for intent in intents:
        if intent.sql:
            try:
                columns = set(store.columns(intent.sql))
            except (StoreError, sqlite3.Error) as exc:
                raise _fail(intent.path, f"sql does not run on {store.path.name} ({exc}); fix the query") from None
            if not {"fact_id", "item"} <= columns:
                raise _fail(intent.path, "sql must return `fact_id` and `item` columns")
    one_slot = {i.name for i in intents if len(i.slots) == 1 and i.kind == "query" and not i.gathers}
    for intent in intents:
        unknown = [g for g in intent.gathers if g not in one_slot]
        if unknown:
            raise _fail(intent.path, f"gathers {unknown[0]!r}, which is not an intent with one slot; check the name")
    answerable = {i.name for i in intents if len(i.slots) == 1 and i.kind == "query"}
    for intent in intents:
        if intent.otherwise and intent.otherwise not in answerable - {intent.name}:
            raise _fail(
                intent.path, f"otherwise {intent.otherwise!r} is not another intent with one slot; check the name"
            )
    return intents
