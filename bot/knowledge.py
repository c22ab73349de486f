"""Read and check the curated inputs: source documents, entities, relations, facts, conflicts.

Everything wrong is reported as one line naming the file, the entry and the fix, and the build
stops before it writes anything. The result is plain data for `build.py` to store.

Facts may also come as JSON Lines, for lists too long to parse as YAML in good time (a generated
store of a million facts): every `knowledge/facts*.jsonl`, in name order, adds one fact per line
after those of facts.yaml, each a JSON object with the keys a facts.yaml entry has, checked the
same way. Not-claims and conflicts stay in facts.yaml.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .errors import KnowledgeError
from .sentences import Sentence, split_section, squash
from .text import normalize

# libyaml's parser when PyYAML was built with it (wheels are), else the pure-Python one: same results.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ENTITY_TYPES = (
    "root",
    "plexus",
    "nerve",
    "muscle",
    "muscle_group",
    "movement",
    "sign",
    "region",
    "exam",
    "condition",
    "level",
    "procedure",
    "factor",
)


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    document_id: str
    label: str
    evidence: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    file: str
    title: str
    date: str
    kind: str
    origin: str
    text: str
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    type: str
    name: str
    description: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Relation:
    name: str
    description: str
    subject_types: tuple[str, ...]
    object_types: tuple[str, ...]
    reads: str
    reads_when: dict[str, str]  # qualifier -> how a fact with it reads ("not": "... is not responsible for ...")


# Facts and their sources are NamedTuples: a big store makes a million of each, at half a dataclass's cost.
class FactSource(NamedTuple):
    sentence_id: str
    quote: str


class Fact(NamedTuple):
    id: str
    subject: str
    relation: str
    object: str
    qualifiers: tuple[str, ...]
    note: str
    claim: str
    sources: tuple[FactSource, ...]


@dataclass(frozen=True, slots=True)
class Conflict:
    id: str
    fact_a: str
    fact_b: str
    note: str


@dataclass
class Knowledge:
    documents: list[Document] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (entity id, as written)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    homonyms: dict[str, str] = field(default_factory=dict)  # key -> why it is not the look-alike
    relations: dict[str, Relation] = field(default_factory=dict)
    qualifiers: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    not_claims: dict[str, str] = field(default_factory=dict)  # sentence id -> reason
    inputs_digest: str = ""

    def sentences(self) -> list[tuple[Section, Sentence]]:
        return [(sec, s) for doc in self.documents for sec in doc.sections for s in sec.sentences]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: missing; every knowledge file is required") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise KnowledgeError(
            f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax"
        ) from None
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return data


def _need(entry: dict[str, Any], key: str, where: str) -> Any:
    if not isinstance(entry, dict) or entry.get(key) in (None, ""):
        raise KnowledgeError(f"{where}: missing `{key}`; add it")
    return entry[key]


class _DocumentText:
    """A document's sentences joined by newlines, to find the first one holding a quote in one search.

    Sentences and quotes are squashed, so neither holds a newline and a match never spans two sentences.
    """

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences
        self.text = "\n".join(s.text for s in sentences)
        self.starting_at: dict[int, Sentence] = {}
        start = 0
        for s in sentences:
            self.starting_at[start] = s
            start += len(s.text) + 1

    def first_holding(self, quote: str) -> Sentence | None:
        """The first sentence that holds `quote`, as trying each sentence in turn would find."""
        found = self.text.find(quote) if self.sentences else -1
        return None if found < 0 else self.starting_at[self.text.rfind("\n", 0, found) + 1]


class _Builder:
    """Loads the files in order, keeping the first problem of each entry as one line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.k = Knowledge()
        self.errors: list[str] = []
        self._digest = hashlib.sha256()

    def read(self, rel: str) -> dict[str, Any]:
        path = self.root / rel
        if path.exists():
            self._digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        return _read_yaml(path)

    def read_lines(self, rel: str) -> Iterator[tuple[int, Any]]:
        """(line number, value) for each non-blank line of a JSON Lines file; a line that is not JSON is an error."""
        raw = (self.root / rel).read_bytes()
        self._digest.update(rel.encode() + b"\0" + raw + b"\0")
        decode = json.JSONDecoder().raw_decode
        for n, line in enumerate(io.BytesIO(raw), 1):
            try:
                text = line.rstrip(b"\n").decode("utf-8")
                value, end = decode(text)  # a line that is one value and nothing else: the fast, common case
                if end != len(text):
                    raise ValueError(text)
            except UnicodeDecodeError:
                self.error(f"{rel}: line {n} is not UTF-8 text; save the file as UTF-8")
                continue
            except ValueError:
                if not text.strip():
                    continue
                try:
                    value = json.loads(text)  # spaces around the value, or the error to report
                except json.JSONDecodeError as exc:
                    self.error(f"{rel}: line {n} is not valid JSON ({exc.msg}); fix the syntax")
                    continue
            yield n, value

    def error(self, message: str) -> None:
        self.errors.append(message)

    def documents(self) -> None:
        meta = self.read("sources/sources.yaml")
        for i, entry in enumerate(meta.get("documents") or []):
            where = f"sources/sources.yaml: document #{i + 1}"
            try:
                self.k.documents.append(self._document(entry, where))
            except KnowledgeError as exc:
                self.error(str(exc))

    def _document(self, entry: dict[str, Any], where: str) -> Document:
        doc_id = _need(entry, "id", where)
        where = f"sources/sources.yaml: document {doc_id}"
        path = self.root / "sources" / _need(entry, "file", where)
        if not path.exists():
            raise KnowledgeError(f"{where}: file {path.name} not found in sources/; copy the document there")
        raw = path.read_bytes()
        self._digest.update(raw)
        text = raw.decode("utf-8")
        sections = []
        for sec in entry.get("sections") or []:
            sec_id = _need(sec, "id", where)
            start, end = _need(sec, "start", where), _need(sec, "end", where)
            for marker in (start, end):
                if text.count(marker) != 1:
                    raise KnowledgeError(
                        f"{where}, section {sec_id}: marker {marker!r} must occur exactly once in {path.name}; "
                        "quote a longer, unique stretch of the document"
                    )
            a, b = text.index(start), text.index(end) + len(end)
            if b <= a:
                raise KnowledgeError(f"{where}, section {sec_id}: `end` comes before `start`; swap or fix them")
            sentences = split_section(text[a:b], f"{doc_id}.{sec_id}")
            sections.append(
                Section(
                    id=f"{doc_id}.{sec_id}",
                    document_id=doc_id,
                    label=_need(sec, "label", where),
                    evidence=_need(sec, "evidence", where),
                    sentences=tuple(sentences),
                )
            )
        return Document(
            id=doc_id,
            file=path.name,
            title=_need(entry, "title", where),
            date=str(_need(entry, "date", where)),
            kind=_need(entry, "kind", where),
            origin=_need(entry, "origin", where),
            text=text,
            sections=tuple(sections),
        )

    def relations(self) -> None:
        data = self.read("knowledge/relations.yaml")
        for name, entry in (data.get("relations") or {}).items():
            where = f"knowledge/relations.yaml: relation {name}"
            try:
                types = [*_need(entry, "subject", where), *_need(entry, "object", where)]
                unknown = [t for t in types if t not in ENTITY_TYPES]
                if unknown:
                    raise KnowledgeError(
                        f"{where}: unknown entity type {unknown[0]!r}; use one of {', '.join(ENTITY_TYPES)}"
                    )
                self.k.relations[name] = Relation(
                    name=name,
                    description=_need(entry, "description", where),
                    subject_types=tuple(entry["subject"]),
                    object_types=tuple(entry["object"]),
                    reads=_need(entry, "reads", where),
                    reads_when={str(q): str(t) for q, t in (entry.get("reads_when") or {}).items()},
                )
            except KnowledgeError as exc:
                self.error(str(exc))
        self.k.qualifiers = {str(k): str(v) for k, v in (data.get("qualifiers") or {}).items()}

    def entities(self) -> None:
        data = self.read("knowledge/entities.yaml")
        for i, entry in enumerate(data.get("entities") or []):
            where = f"knowledge/entities.yaml: entity #{i + 1}"
            try:
                ent_id = str(_need(entry, "id", where))
                where = f"knowledge/entities.yaml: entity {ent_id}"
                if ent_id in self.k.entities:
                    raise KnowledgeError(f"{where}: id used twice; rename one or merge them")
                if entry.get("type") not in ENTITY_TYPES:
                    raise KnowledgeError(
                        f"{where}: unknown type {entry.get('type')!r}; use one of {', '.join(ENTITY_TYPES)}"
                    )
                name = str(_need(entry, "name", where))
                aliases = tuple(str(a) for a in [name, *(entry.get("aliases") or [])])
                self.k.entities[ent_id] = Entity(ent_id, entry["type"], name, entry.get("description", ""), aliases)
                for alias in aliases:
                    self._alias(alias, ent_id, where)
            except KnowledgeError as exc:
                self.error(str(exc))
        for alias, ids in (data.get("ambiguous") or {}).items():
            where = f"knowledge/entities.yaml: ambiguous {alias!r}"
            key = normalize(str(alias))
            missing = [i for i in ids if i not in self.k.entities]
            if missing:
                self.error(f"{where}: unknown entity {missing[0]!r}; use an id from the entities list")
            elif key in self.k.aliases:
                owner = self.k.aliases[key][0]
                self.error(f"{where}: is already an alias of {owner}; remove it from one of the two")
            elif len(ids) < 2:
                self.error(f"{where}: lists fewer than two entities; make it an alias instead")
            else:
                self.k.ambiguous[key] = tuple(ids)
        for phrase, why in (data.get("homonyms") or {}).items():
            key = normalize(str(phrase))
            if key in self.k.aliases:
                self.error(
                    f"knowledge/entities.yaml: homonym {phrase!r} is also an alias of "
                    f"{self.k.aliases[key][0]}; keep one"
                )
            else:
                self.k.homonyms[key] = str(why)

    def _alias(self, alias: str, ent_id: str, where: str) -> None:
        key = normalize(alias)
        if not key:
            raise KnowledgeError(f"{where}: alias {alias!r} has no letters or digits; remove it")
        owner = self.k.aliases.get(key)
        if owner and owner[0] != ent_id:
            raise KnowledgeError(
                f"{where}: alias {alias!r} is already claimed by {owner[0]}; keep it on one entity "
                "or list it under `ambiguous`"
            )
        if not owner:
            self.k.aliases[key] = (ent_id, alias)

    def facts(self) -> None:
        data = self.read("knowledge/facts.yaml")
        index = self._sentence_index()
        for i, entry in enumerate(data.get("facts") or []):
            self._add_fact(entry, partial("knowledge/facts.yaml: fact #{}".format, i + 1), index)
        for path in sorted((self.root / "knowledge").glob("facts*.jsonl")):
            rel = f"knowledge/{path.name}"
            for n, entry in self.read_lines(rel):
                self._add_fact(entry, partial("{}: line {}".format, rel, n), index)
        for i, entry in enumerate(data.get("not_claims") or []):
            where = f"knowledge/facts.yaml: not_claims #{i + 1}"
            try:
                (source,) = self._sources({"sources": [entry]}, where, index)
                self.k.not_claims[source.sentence_id] = _need(entry, "reason", where)
            except KnowledgeError as exc:
                self.error(str(exc))
        for i, entry in enumerate(data.get("conflicts") or []):
            where = f"knowledge/facts.yaml: conflict #{i + 1}"
            try:
                self.k.conflicts.append(self._conflict(entry, where))
            except KnowledgeError as exc:
                self.error(str(exc))

    def _add_fact(self, entry: Any, where: Callable[[], str], index: dict[str, _DocumentText]) -> None:
        """Add one fact; `where` names it, made only for a message (a million facts have no use for it)."""
        fact = self._plain_fact(entry, index)
        if fact is None or fact.id in self.k.facts:
            try:
                fact = self._fact(entry, where(), index)
            except KnowledgeError as exc:
                self.error(str(exc))
                return
        if fact.id in self.k.facts:
            self.error(f"{where()} ({fact.id}): duplicate fact; list both quotes under one entry's `sources`")
        else:
            self.k.facts[fact.id] = fact

    def _plain_fact(self, entry: Any, index: dict[str, _DocumentText]) -> Fact | None:
        """The fact `_fact` makes of an entry with one `source` and `quote` that passes every check, in
        as few steps as a million facts want; None for anything else, which `_fact` reads and explains."""
        if type(entry) is not dict or entry.get("sources"):
            return None
        subject, relation, obj = entry.get("subject"), entry.get("relation"), entry.get("object")
        doc_id, quote = entry.get("source"), entry.get("quote")
        if not (type(subject) is type(relation) is type(obj) is type(doc_id) is type(quote) is str):
            return None
        rel, subject_entity, object_entity = (
            self.k.relations.get(relation),
            self.k.entities.get(subject),
            self.k.entities.get(obj),
        )
        if (
            rel is None
            or subject_entity is None
            or object_entity is None
            or subject_entity.type not in rel.subject_types
            or object_entity.type not in rel.object_types
            or not (relation and doc_id and quote)
        ):
            return None
        listed = entry.get("qualifiers")
        qualifiers: tuple[str, ...] = ()
        if listed:
            if type(listed) is not list or not all(type(q) is str and q in self.k.qualifiers for q in listed):
                return None
            qualifiers = tuple(listed)
        doc_text = index.get(doc_id)
        quote = squash(quote)
        hit = doc_text.first_holding(quote) if doc_text is not None else None
        if hit is None:
            return None
        return self._checked(rel, subject_entity, object_entity, qualifiers, entry, (FactSource(hit.id, quote),))

    def _sentence_index(self) -> dict[str, _DocumentText]:
        return {doc.id: _DocumentText([s for sec in doc.sections for s in sec.sentences]) for doc in self.k.documents}

    def _sources(self, entry: dict[str, Any], where: str, index: dict[str, _DocumentText]) -> tuple[FactSource, ...]:
        raw = entry.get("sources") or (
            [{"document": entry.get("source"), "quote": entry.get("quote")}] if entry.get("quote") else []
        )
        if not raw:
            raise KnowledgeError(f"{where}: no source; add `source:` and `quote:` with the words the document uses")
        found: list[FactSource] = []
        for src in raw:
            doc_id = _need(src, "document", where)
            quote = squash(str(_need(src, "quote", where)))
            doc_text = index.get(doc_id)
            if doc_text is None:
                raise KnowledgeError(f"{where}: unknown document {doc_id!r}; use an id from sources/sources.yaml")
            hit = doc_text.first_holding(quote)
            if hit is None:
                doc = next(d for d in self.k.documents if d.id == doc_id)
                if quote in " ".join(s.text for s in index[doc_id].sentences):
                    problem = f"spans two sentences of {doc_id}; quote words from within one sentence"
                elif quote in squash(doc.text):
                    problem = (
                        f"is page furniture of {doc_id}, outside its content sections; "
                        f"quote a content sentence of sources/{doc.file}"
                    )
                else:
                    problem = f"is not in {doc_id}; copy the words exactly from sources/{doc.file}"
                raise KnowledgeError(f"{where}: quote {_short(quote)!r} {problem}")
            found.append(FactSource(hit.id, quote))
        return tuple(found)

    def _fact(self, entry: dict[str, Any], where: str, index: dict[str, _DocumentText]) -> Fact:
        # Run once per fact, a million times for a big store: plain lookups, messages only on the way out.
        subject = str(_need(entry, "subject", where))
        relation = str(_need(entry, "relation", where))
        obj = str(_need(entry, "object", where))
        where = f"{where} ({subject} {relation} {obj})"
        rel = self.k.relations.get(relation)
        if rel is None:
            raise KnowledgeError(
                f"{where}: unknown relation {relation!r}; use one from knowledge/relations.yaml or add it there"
            )
        subject_entity, object_entity = self.k.entities.get(subject), self.k.entities.get(obj)
        if (
            subject_entity is None
            or object_entity is None
            or subject_entity.type not in rel.subject_types
            or object_entity.type not in rel.object_types
        ):
            raise self._role_error(where, rel, subject, obj)
        listed = entry.get("qualifiers")
        qualifiers = tuple(str(q) for q in listed) if listed else ()
        for q in qualifiers:
            if q not in self.k.qualifiers:
                raise KnowledgeError(f"{where}: unknown qualifier {q!r}; use one from knowledge/relations.yaml")
        return self._checked(rel, subject_entity, object_entity, qualifiers, entry, self._sources(entry, where, index))

    def _checked(
        self,
        rel: Relation,
        subject: Entity,
        obj: Entity,
        qualifiers: tuple[str, ...],
        entry: dict[str, Any],
        sources: tuple[FactSource, ...],
    ) -> Fact:
        """A checked fact, with the ids the entities and the relation hold: one string each, not one per fact."""
        note = entry.get("note")
        return Fact(
            fact_key(rel.name, subject.id, obj.id, qualifiers),
            subject.id,
            rel.name,
            obj.id,
            qualifiers,
            str(note) if note else "",
            self._claim(rel, qualifiers, subject.name, obj.name),
            sources,
        )

    def _claim(self, rel: Relation, qualifiers: tuple[str, ...], subject: str, obj: str) -> str:
        """How a fact reads: its relation's wording, or the wording for its first qualifier that has
        one ("is associated with"), then its other qualifiers in brackets, "not" never among them."""
        worded = next((q for q in qualifiers if q in rel.reads_when), "")
        claim = (rel.reads_when[worded] if worded else rel.reads).format(subject=subject, object=obj)
        shown = [self.k.qualifiers[q] for q in qualifiers if q not in ("not", worded)]
        return f"{claim} ({', '.join(shown)})" if shown else claim

    def _role_error(self, where: str, rel: Relation, subject: str, obj: str) -> KnowledgeError:
        """The first of a fact's two entities that is unknown or of a type its relation does not take."""
        for role, ent_id, allowed in (("subject", subject, rel.subject_types), ("object", obj, rel.object_types)):
            ent = self.k.entities.get(ent_id)
            if ent is None:
                return KnowledgeError(f"{where}: unknown {role} entity {ent_id!r}; add it to knowledge/entities.yaml")
            if ent.type not in allowed:
                return KnowledgeError(
                    f"{where}: {role} {ent_id} is a {ent.type}, but {rel.name} takes {'/'.join(allowed)}"
                )
        raise AssertionError("both entities are known and of the types the relation takes")

    def _conflict(self, entry: dict[str, Any], where: str) -> Conflict:
        conflict_id = str(_need(entry, "id", where))
        where = f"knowledge/facts.yaml: conflict {conflict_id}"
        sides = _need(entry, "facts", where)
        if not isinstance(sides, list) or len(sides) != 2:
            raise KnowledgeError(f"{where}: `facts` must list exactly two facts, one per side")
        ids = []
        for side in sides:
            if not isinstance(side, dict):
                raise KnowledgeError(f"{where}: each side needs subject, relation, object (and qualifiers if any)")
            fact_id = fact_key(
                str(side.get("relation")),
                str(side.get("subject")),
                str(side.get("object")),
                side.get("qualifiers") or [],
            )
            if fact_id not in self.k.facts:
                raise KnowledgeError(
                    f"{where}: no fact {fact_id}; match subject, relation, object and qualifiers exactly"
                )
            ids.append(fact_id)
        sections = [{s.sentence_id.rsplit(".", 1)[0] for s in self.k.facts[i].sources} for i in ids]
        if not sections[0] - sections[1] or not sections[1] - sections[0]:
            raise KnowledgeError(
                f"{where}: both sides rest on the same source section; a conflict needs two sources that disagree"
            )
        return Conflict(conflict_id, ids[0], ids[1], str(_need(entry, "note", where)))


def fact_key(relation: str, subject: str, obj: str, qualifiers: Iterable[str]) -> str:
    """A fact's id: the same fact gets the same id whatever order its qualifiers are listed in."""
    if not qualifiers:
        return f"{relation}:{subject}:{obj}"
    return ":".join([relation, subject, obj, *sorted(map(str, qualifiers))])


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load(root: Path, documents_read: Callable[[list[Document]], None] | None = None) -> Knowledge:
    """Read every input under `root`; raise KnowledgeError listing each problem, one per line.

    `documents_read` is called with the documents, split into sentences, as soon as they are read
    without a problem, so a build can store them while the facts are still being checked.
    """
    builder = _Builder(root)
    for step in (builder.documents, builder.relations, builder.entities, builder.facts):
        try:
            step()
        except KnowledgeError as exc:
            builder.error(str(exc))
            break  # a file that does not parse would make every later entry look wrong too
        if step == builder.documents and documents_read and not builder.errors:
            documents_read(builder.k.documents)
    if builder.errors:
        raise KnowledgeError("\n".join(builder.errors))
    builder.k.inputs_digest = builder._digest.hexdigest()
    return builder.k
