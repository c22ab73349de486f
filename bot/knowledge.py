"""Read and check the curated inputs: source documents, entities, relations, facts, conflicts.

Everything wrong is reported as one line naming the file, the entry and the fix, and the build
stops before it writes anything. The result is plain data for `build.py` to store.

Facts may also come as JSON Lines, for lists too long to parse as YAML in good time (a generated
store of a million facts): every `knowledge/facts*.jsonl`, in name order, adds one fact per line
after those of facts.yaml, each a JSON object with the keys a facts.yaml entry has, checked the
same way. Not-claims and conflicts stay in facts.yaml.

A long list (a big store) is read with the help of worker processes, forked so that they start with
what this process has read. One reads the relations and entities, then documents from the back while
this process reads them from the front. Then the JSON Lines are cut into one run of lines per core,
each checked by a worker that hands its facts to the build's `store_facts` and reports only what the
rest of the check needs. If any worker finds a problem, the facts are all checked again here, in
order, so the messages are the same as ever.
"""

from __future__ import annotations

import array
import bisect
import contextlib
import hashlib
import io
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import yaml

from .errors import KnowledgeError
from .kinds import ENTITY_TYPES
from .sentences import Sentence, split_section, squash
from .text import agreeing, normalize, takes_plural

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# libyaml's parser when PyYAML was built with it (wheels are), else the pure-Python one: same results.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# JSON Lines of at least this many bytes in all (some 50,000 facts) are checked in worker processes:
# below it, starting them costs more than it saves.
_PARALLEL_BYTES = 8_000_000
_MAX_WORKERS = 8  # a build attaches each worker's facts to its database, and SQLite attaches ten at most
_agreeing = cache(agreeing)  # a few wordings, worded again for each of a million facts


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
    plural: bool  # whether its name takes a plural verb: worked out once, not for each of a million facts


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
    section_id: str  # where the sentence is, and its words: stored beside the fact, for answers to read at once
    text: str


class Fact(NamedTuple):
    id: str
    subject: str
    relation: str
    object: str
    qualifiers: tuple[str, ...]
    note: str
    claim: str
    sources: tuple[FactSource, ...]


class FactPart(NamedTuple):
    """The facts of one run of JSON lines, checked and handed to `store_facts` by a worker process."""

    facts: int
    sources: int
    cited: bytes  # one byte for each of Knowledge.sentences(), not 0 where one of the facts quotes it


# Stores one part's facts, in order, as they are checked: called in a worker process with the part's number.
StoreFacts = Callable[[int, Iterable[Fact]], None]


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
    facts: dict[str, Fact] = field(default_factory=dict)  # checked in this process, in input order
    parts: list[FactPart] = field(default_factory=list)  # stored by workers, in order, after `facts`
    conflicts: list[Conflict] = field(default_factory=list)
    not_claims: dict[str, str] = field(default_factory=dict)  # sentence id -> reason
    inputs_digest: str = ""

    def sentences(self) -> list[tuple[Section, Sentence]]:
        return [(sec, s) for doc in self.documents for sec in doc.sections for s in sec.sentences]

    def fact_count(self) -> int:
        return len(self.facts) + sum(part.facts for part in self.parts)

    def source_count(self) -> int:
        return sum(len(f.sources) for f in self.facts.values()) + sum(part.sources for part in self.parts)

    def cited(self) -> set[str]:
        """Ids of the sentences some fact quotes."""
        cited = {s.sentence_id for f in self.facts.values() for s in f.sources}
        quoted = 0  # one bit a sentence, from the parts' bytes
        for part in self.parts:
            quoted |= int.from_bytes(part.cited, "little")
        if quoted:
            sentences = self.sentences()
            flags = quoted.to_bytes(len(sentences), "little")
            cited.update(s.id for (_, s), flag in zip(sentences, flags, strict=True) if flag)
        return cited


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
    """A document's sentences by their words, and joined by newlines to find the first one holding a quote
    in one search.

    Sentences and quotes are squashed, so neither holds a newline and a match never spans two sentences.
    The sentences are kept as long strings and arrays of numbers, not as an object each: worker processes
    forked to check a big store's facts share this memory with the build, and a reference taken to an
    object writes its page, which the kernel then copies. (Reaching each quote's sentence object cost the
    workers at a million facts several seconds of copying.) For the same reason the numbers the words map
    to are `ordinals`, one list of ints shared by every document, which fills a few pages.
    """

    def __init__(self, sections: tuple[Section, ...], ordinals: list[int] | None = None) -> None:
        if ordinals is None:  # (a store's documents share one list: see `_Builder._sentence_index`)
            ordinals = list(range(sum(len(sec.sentences) for sec in sections)))
        texts: list[str] = []
        ids: list[str] = []
        self.section_ids = tuple(sec.id for sec in sections)
        self.section_of = array.array("l")  # each sentence's section, by its place in section_ids
        self.saying: dict[str, int] = {}  # a sentence's words -> the number of the first sentence of them
        for k, sec in enumerate(sections):
            for s in sec.sentences:
                self.saying.setdefault(s.text, ordinals[len(texts)])
                texts.append(s.text)
                ids.append(s.id)
                self.section_of.append(k)
        self.text = "\n".join(texts)
        self.ids = "\n".join(ids)
        self.starts = _starts(texts)  # where each sentence starts in `text`, then where one more would
        self.id_starts = _starts(ids)

    def source_of(self, quote: str) -> FactSource | None:
        """The sentence `quote` comes from: the sentence it is, when it is a whole one (most quotes are, and a
        search through a long document costs a big store seconds), else the first sentence holding it."""
        i = self.saying.get(quote)
        if i is None:
            at = self.text.find(quote) if quote else -1
            if at < 0:
                return None
            i = bisect.bisect_right(self.starts, at) - 1
            text = self.text[self.starts[i] : self.starts[i + 1] - 1]
        else:
            text = quote
        sentence_id = self.ids[self.id_starts[i] : self.id_starts[i + 1] - 1]
        return FactSource(sentence_id, quote, self.section_ids[self.section_of[i]], text)

    def sentence_ids(self) -> list[str]:
        return self.ids.split("\n") if self.ids else []


def _starts(pieces: list[str]) -> array.array[int]:
    """Where each of `pieces` starts when they are joined by newlines, then where one more would."""
    return array.array("l", itertools.accumulate((len(p) + 1 for p in pieces), initial=0))


# A document as plain values, which pickle far faster than dataclasses and NamedTuples: (id, file, title,
# date, kind, origin, text, sections), each section (id, document id, label, evidence, then the ids,
# headings, texts and references of its sentences, each joined by newlines, which none of them holds).
_PlainDocument = tuple[str, str, str, str, str, str, str, list[tuple[str, str, str, str, str, str, str, str]]]


def _plain(d: Document) -> _PlainDocument:
    sections = [
        (
            sec.id,
            sec.document_id,
            sec.label,
            sec.evidence,
            "\n".join(s.id for s in sec.sentences),
            "\n".join(s.heading for s in sec.sentences),
            "\n".join(s.text for s in sec.sentences),
            "\n".join(s.refs for s in sec.sentences),
        )
        for sec in d.sections
    ]
    return (d.id, d.file, d.title, d.date, d.kind, d.origin, d.text, sections)


def _unplain(d: _PlainDocument) -> Document:
    sections = []
    for sec_id, doc_id, label, evidence, ids, headings, texts, refs in d[7]:
        split = ids.split("\n") if ids else []
        sentences = map(
            Sentence, split, range(1, len(split) + 1), headings.split("\n"), texts.split("\n"), refs.split("\n")
        )
        sections.append(Section(sec_id, doc_id, label, evidence, tuple(sentences)))
    return Document(*d[:7], tuple(sections))


class _Claims:
    """The documents this process reads from the front and a worker from the back, one claim at a time, so
    that each reads as many as it has time for."""

    def __init__(self) -> None:
        import multiprocessing

        self._claimed = multiprocessing.get_context("fork").Array("i", 2)  # from the front, from the back

    @classmethod
    def shared(cls) -> _Claims | None:
        """Claims to share with a worker; None where processes cannot share a lock (no /dev/shm)."""
        try:
            return cls()
        except OSError:
            return None

    def next(self, count: int, from_back: bool) -> int | None:
        """The index of the next of `count` documents to read, None once every one is claimed."""
        with self._claimed.get_lock():
            front: int = self._claimed[0]
            back: int = self._claimed[1]
            if front + back >= count:
                return None
            self._claimed[from_back] += 1
            return count - 1 - back if from_back else front


class _Aside(NamedTuple):
    documents: list[_PlainDocument]
    document_errors: list[str]
    knowledge: Knowledge  # with the relations and entities
    errors: list[str]
    stopped: str | None  # the problem the relations and entities steps stopped on


class _Invalid(Exception):
    """A worker's part of the facts holds a problem: they are checked again in order, for the messages."""


class _PartResult(NamedTuple):
    part: FactPart
    hashes: array.array[int]  # of the ids of its facts: far less to hand over than the ids
    named: dict[str, Fact]  # the facts a conflict names, of those in the part


class _Builder:
    """Loads the files in order, keeping the first problem of each entry as one line."""

    def __init__(
        self,
        root: Path,
        documents_read: Callable[[list[Document]], None] | None = None,
        store_facts: StoreFacts | None = None,
    ) -> None:
        self.root = root
        self.k = Knowledge()
        self.errors: list[str] = []
        self._digest = hashlib.sha256()
        self._documents_read = documents_read
        self._documents_ok = False
        self._store_facts = store_facts
        self.workers = self._worker_count()
        self._stored: dict[str, Fact] = {}  # the facts conflicts name, of those the workers checked
        self._aside: _Aside | None = None
        self._jsonl: list[tuple[str, bytes]] | None = None  # the JSON Lines files, if read ahead

    def _worker_count(self) -> int:
        """How many worker processes check the JSON Lines facts: none for a short list or on one core, and none
        but on Linux, where a forked process may go on with what this one has read (elsewhere fork is unsafe or
        missing, and spawning a worker would have it read everything again)."""
        if self._store_facts is None or sys.platform != "linux":
            return 0
        size = sum(path.stat().st_size for path in (self.root / "knowledge").glob("facts*.jsonl"))
        cores = _cores()
        if size < _PARALLEL_BYTES or cores < 2:
            return 0
        return min(cores, _MAX_WORKERS)

    def read_aside(self, claims: _Claims) -> _Aside:
        """In a worker, while documents are read here: the relations and entities steps, as `load` runs them,
        then documents from the back."""
        stopped = None
        for step in (self.relations, self.entities):
            try:
                step()
            except KnowledgeError as exc:
                stopped = str(exc)
                break
        errors, self.errors = self.errors, []
        documents: list[_PlainDocument] = []
        try:
            entries = self._document_entries()
        except KnowledgeError:
            entries = []  # sources.yaml does not parse: `documents` says so and stops
        while (i := claims.next(len(entries), from_back=True)) is not None:
            try:
                documents.append(_plain(self._document(entries[i], f"sources/sources.yaml: document #{i + 1}")))
            except KnowledgeError as exc:
                self.error(str(exc))
        return _Aside(documents[::-1], self.errors[::-1], self.k, errors, stopped)

    def entities_read(self) -> None:
        """The relations and entities steps, as the worker that read the last documents ran them."""
        assert self._aside is not None
        _, _, k, errors, stopped = self._aside
        self.k.relations, self.k.qualifiers = k.relations, k.qualifiers
        self.k.entities, self.k.aliases, self.k.ambiguous, self.k.homonyms = (
            k.entities,
            k.aliases,
            k.ambiguous,
            k.homonyms,
        )
        for rel in ("knowledge/relations.yaml", "knowledge/entities.yaml"):  # as `read` takes them in
            path = self.root / rel
            if path.exists():
                self._digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        self.errors += errors
        if stopped is not None:
            raise KnowledgeError(stopped)

    def documents_done(self) -> None:
        self._documents_ok = not self.errors
        if not self.workers:
            self.hand_over_documents()

    def hand_over_documents(self) -> None:
        """Give the documents to `documents_read`, once, if they were read without a problem."""
        if self._documents_read is not None and self._documents_ok:
            documents_read, self._documents_read = self._documents_read, None
            documents_read(self.k.documents)

    def read(self, rel: str) -> dict[str, Any]:
        path = self.root / rel
        if path.exists():
            self._digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        return _read_yaml(path)

    def json_lines(self, rel: str, raw: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[int, Any]]:
        """(line number, value) for each non-blank line of JSON Lines file `rel`, whose bytes are `raw`, from
        the line at `start` to the one that ends at `end`; a line that is not JSON is an error."""
        end = len(raw) if end is None else end
        lines = io.BytesIO(raw)  # shares `raw`, where a slice would copy it
        lines.seek(start)
        count = raw.count(b"\n", start, end) + (start < end and raw[end - 1] != ord("\n"))
        decode = json.JSONDecoder().raw_decode
        for n, line in enumerate(itertools.islice(lines, count), raw.count(b"\n", 0, start) + 1):
            try:
                text = line.rstrip(b"\n").decode("utf-8")
                value, used = decode(text)  # a line that is one value and nothing else: the fast, common case
                if used != len(text):
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

    def documents(self, aside: _Forked[_Aside] | None = None, claims: _Claims | None = None) -> None:
        """Every document; with `aside`, a worker reading those at the back, as `claims` shares them out."""
        entries = self._document_entries()
        mine: Iterable[int] = range(len(entries))
        if claims is not None:
            mine = iter(partial(claims.next, len(entries), from_back=False), None)
        for i in mine:
            try:
                self.k.documents.append(self._document(entries[i], f"sources/sources.yaml: document #{i + 1}"))
            except KnowledgeError as exc:
                self.error(str(exc))
        if aside is not None:
            self._jsonl = self._read_jsonl()  # meanwhile
            read = aside.result()
            for plain in read.documents:
                document = _unplain(plain)
                self._digest.update(document.text.encode())  # the bytes `_document` read, as it decoded them
                self.k.documents.append(document)
            self.errors += read.document_errors
            self._aside = read._replace(documents=[])
        self._unique_ids()

    def _unique_ids(self) -> None:
        """Each document's id is its own, and so is each section's (the store keys them by id)."""
        documents: set[str] = set()
        sections: set[str] = set()
        for d in self.k.documents:
            where = f"sources/sources.yaml: document {d.id}"
            if d.id in documents:
                self.error(f"{where}: another document has this id; give each document its own")
                continue  # (and so have its sections)
            documents.add(d.id)
            for sec in d.sections:
                if sec.id in sections:
                    label = sec.id.removeprefix(f"{d.id}.")
                    self.error(f"{where}, section {label}: another section has the id {sec.id}; rename one")
                sections.add(sec.id)

    def _document_entries(self) -> list[Any]:
        meta = self.read("sources/sources.yaml")
        return list(meta.get("documents") or [])

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
                self.k.entities[ent_id] = Entity(
                    ent_id,
                    entry["type"],
                    name,
                    entry.get("description", ""),
                    aliases,
                    takes_plural(name, entry["type"]),
                )
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
        files = self._jsonl if self._jsonl is not None else self._read_jsonl()
        self._jsonl = None
        workers = self._start_workers(files, index, data.get("conflicts"))
        try:
            self.hand_over_documents()  # once the workers are forked: a fork must not copy a thread that writes
            for rel, raw in files:
                self._digest.update(rel.encode() + b"\0" + raw + b"\0")
            checked = self._finish_workers(workers)
        finally:
            for worker in workers:
                worker.stop()
        if not checked:
            for rel, raw in files:
                for n, entry in self.json_lines(rel, raw):
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

    def _read_jsonl(self) -> list[tuple[str, bytes]]:
        return [(rel, (self.root / rel).read_bytes()) for rel in _jsonl_files(self.root)]

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

    def _start_workers(
        self, files: list[tuple[str, bytes]], index: dict[str, _DocumentText], conflicts: Any
    ) -> list[_Forked[_PartResult | None]]:
        """Worker processes that check the JSON Lines facts, one run of lines each; none for a short list."""
        if not self.workers or self.errors or self._store_facts is None:
            return []
        named, store = _conflict_fact_ids(conflicts), self._store_facts
        return [
            _Forked(partial(self._check_part, n, run, files, index, named, store))
            for n, run in enumerate(_runs(files, self.workers))
        ]

    def _finish_workers(self, workers: list[_Forked[_PartResult | None]]) -> bool:
        """Note what the workers stored. False when there were none, or one found a problem, or two parts hold
        the same fact: then the facts are all to be checked here, for the messages."""
        if not workers:
            return False
        results = [worker.result() for worker in workers]
        checked = [result for result in results if result is not None]
        if len(checked) < len(results):
            return False
        # Each worker compared its facts with those of facts.yaml. A fact in two parts has the same hash in
        # both; two facts with the same hash are next to never two different facts, and only cost a check here.
        seen: set[int] = set()
        for result in checked:
            if not seen.isdisjoint(result.hashes):
                return False
            seen.update(result.hashes)
        for result in checked:
            self._stored.update(result.named)
            self.k.parts.append(result.part)
        return True

    def _check_part(
        self,
        n: int,
        run: list[tuple[int, int, int]],
        files: list[tuple[str, bytes]],
        index: dict[str, _DocumentText],
        named: set[str],
        store: StoreFacts,
    ) -> _PartResult | None:
        """In a worker: check part `n`'s lines and store its facts; None if any of them has a problem."""
        hashes: set[int] = set()  # of the facts' ids, which are not kept: a million strings take their toll
        cited: set[str] = set()
        found: dict[str, Fact] = {}
        sources = 0
        errors = len(self.errors)

        def checked() -> Iterator[Fact]:
            nonlocal sources
            for i, start, end in run:
                rel, raw = files[i]
                for _, entry in self.json_lines(rel, raw, start, end):
                    fact = self._plain_fact(entry, index)
                    if fact is None:
                        try:
                            fact = self._fact(entry, "", index)
                        except KnowledgeError:
                            raise _Invalid from None
                    key = hash(fact.id)
                    if key in hashes or fact.id in self.k.facts:
                        raise _Invalid  # a duplicate, or next to never two facts with the same hash
                    hashes.add(key)
                    sources += len(fact.sources)
                    for source in fact.sources:
                        cited.add(source.sentence_id)
                    if fact.id in named:
                        found[fact.id] = fact
                    yield fact

        try:
            store(n, checked())
        except _Invalid:
            return None
        if len(self.errors) > errors:  # a line that is not JSON
            return None
        # (from the index's strings: the documents' own sentence objects are the build's, left untouched)
        quoted = bytes(s in cited for d in self.k.documents for s in index[d.id].sentence_ids())
        return _PartResult(FactPart(len(hashes), sources, quoted), array.array("q", hashes), found)

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
        hit = doc_text.source_of(quote) if doc_text is not None else None
        if hit is None:
            return None
        return self._checked(rel, subject_entity, object_entity, qualifiers, entry, (hit,))

    def _sentence_index(self) -> dict[str, _DocumentText]:
        longest = max((sum(len(sec.sentences) for sec in doc.sections) for doc in self.k.documents), default=0)
        ordinals = list(range(longest))
        return {doc.id: _DocumentText(doc.sections, ordinals) for doc in self.k.documents}

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
            if not quote:
                raise KnowledgeError(f"{where}: the quote is blank; copy the words the document uses")
            doc_text = index.get(doc_id)
            if doc_text is None:
                raise KnowledgeError(f"{where}: unknown document {doc_id!r}; use an id from sources/sources.yaml")
            hit = doc_text.source_of(quote)
            if hit is None:
                doc = next(d for d in self.k.documents if d.id == doc_id)
                if quote in doc_text.text.replace("\n", " "):
                    problem = f"spans two sentences of {doc_id}; quote words from within one sentence"
                elif quote in squash(doc.text):
                    problem = (
                        f"is page furniture of {doc_id}, outside its content sections; "
                        f"quote a content sentence of sources/{doc.file}"
                    )
                else:
                    problem = f"is not in {doc_id}; copy the words exactly from sources/{doc.file}"
                raise KnowledgeError(f"{where}: quote {_short(quote)!r} {problem}")
            found.append(hit)
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
            self._claim(rel, qualifiers, subject.name, obj.name, subject.plural),
            sources,
        )

    def _claim(self, rel: Relation, qualifiers: tuple[str, ...], subject: str, obj: str, plural: bool) -> str:
        """How a fact reads: its relation's wording, or the wording for its first qualifier that has
        one ("is associated with"), then its other qualifiers in brackets, "not" never among them.
        The verb agrees with a plural subject ("the hamstrings perform ...")."""
        if not qualifiers:  # most facts: the relation's wording as it is
            return _agreeing(rel.reads, plural).format(subject=subject, object=obj)
        worded = next((q for q in qualifiers if q in rel.reads_when), "")
        claim = _agreeing(rel.reads_when[worded] if worded else rel.reads, plural).format(subject=subject, object=obj)
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
        ids, facts = [], []
        for side in sides:
            if not isinstance(side, dict):
                raise KnowledgeError(f"{where}: each side needs subject, relation, object (and qualifiers if any)")
            fact_id = _side_key(side)
            fact = self.k.facts.get(fact_id) or self._stored.get(fact_id)
            if fact is None:
                raise KnowledgeError(
                    f"{where}: no fact {fact_id}; match subject, relation, object and qualifiers exactly"
                )
            ids.append(fact_id)
            facts.append(fact)
        sections = [{s.sentence_id.rsplit(".", 1)[0] for s in fact.sources} for fact in facts]
        if not sections[0] - sections[1] or not sections[1] - sections[0]:
            raise KnowledgeError(
                f"{where}: both sides rest on the same source section; a conflict needs two sources that disagree"
            )
        return Conflict(conflict_id, ids[0], ids[1], str(_need(entry, "note", where)))


def _side_key(side: dict[str, Any]) -> str:
    """The id of the fact a side of a conflict names."""
    return fact_key(
        str(side.get("relation")), str(side.get("subject")), str(side.get("object")), side.get("qualifiers") or []
    )


def _conflict_fact_ids(conflicts: Any) -> set[str]:
    """The ids of the facts the conflicts of facts.yaml name, for the workers to report those facts."""
    ids = set()
    for entry in conflicts if isinstance(conflicts, list) else []:
        sides = entry.get("facts") if isinstance(entry, dict) else None
        for side in sides if isinstance(sides, list) else []:
            if isinstance(side, dict):
                with contextlib.suppress(TypeError):  # qualifiers not a list: `_conflict` stops on it in its turn
                    ids.add(_side_key(side))
    return ids


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _jsonl_files(root: Path) -> list[str]:
    return [f"knowledge/{path.name}" for path in sorted((root / "knowledge").glob("facts*.jsonl"))]


def _runs(files: list[tuple[str, bytes]], count: int) -> list[list[tuple[int, int, int]]]:
    """`files` cut into `count` runs of whole lines, in order, of about the same number of bytes each: a run
    is a list of (file index, start, end)."""
    total = sum(len(raw) for _, raw in files)
    cuts = [total * j // count for j in range(1, count)]  # where each run but the first starts, or just before
    runs: list[list[tuple[int, int, int]]] = [[] for _ in range(count)]
    offset = 0  # of the file in all files
    for i, (_, raw) in enumerate(files):
        start = 0
        while start < len(raw):
            j = bisect.bisect_right(cuts, offset + start)
            end = len(raw) if j == len(cuts) else _line_start(raw, cuts[j] - offset)
            runs[j].append((i, start, end))
            start = end
        offset += len(raw)
    return runs


def _line_start(raw: bytes, at: int) -> int:
    """Where the first line that starts at or after `at` starts (the end of `raw` if none does)."""
    if at >= len(raw):
        return len(raw)
    if raw[at - 1] == ord("\n"):
        return at
    return raw.find(b"\n", at) + 1 or len(raw)


_T = TypeVar("_T")


class _Forked(Generic[_T]):
    """A call run in a child process forked from this one, so that it starts with this process's memory."""

    def __init__(self, call: Callable[[], _T]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_send_result, args=(call, sender), daemon=True)
        self._process.start()
        sender.close()

    def result(self) -> _T:
        """What the call returned; what it raised is raised here."""
        try:
            returned, value = self._results.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"a worker process of the build stopped with exit code {self._process.exitcode}; run the build again"
            ) from None
        if not returned:
            raise value
        return value  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._results.close()


def _send_result(call: Callable[[], object], sender: Connection) -> None:
    try:
        result = (True, call())
    except BaseException as exc:  # raised again in the parent
        result = (False, exc)
    sender.send(result)
    sender.close()


def fact_key(relation: str, subject: str, obj: str, qualifiers: Iterable[str]) -> str:
    """A fact's id: the same fact gets the same id whatever order its qualifiers are listed in."""
    if not qualifiers:
        return f"{relation}:{subject}:{obj}"
    return ":".join([relation, subject, obj, *sorted(map(str, qualifiers))])


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load(
    root: Path,
    documents_read: Callable[[list[Document]], None] | None = None,
    store_facts: StoreFacts | None = None,
) -> Knowledge:
    """Read every input under `root`; raise KnowledgeError listing each problem, one per line.

    `documents_read` is called with the documents, split into sentences, as soon as they are read
    without a problem, so a build can store them while the facts are still being checked (when worker
    processes check the facts, as soon as they are started: a fork must not copy a thread that writes).
    With `store_facts`, a long JSON Lines list is checked in worker processes that store its facts
    with it, in `Knowledge.parts`.
    """
    builder = _Builder(root, documents_read, store_facts)
    # A store big enough for workers has a worker read the entities and some documents meanwhile.
    claims = _Claims.shared() if builder.workers else None
    aside = _Forked(partial(builder.read_aside, claims)) if claims else None
    steps: list[Callable[[], None]] = [builder.documents, builder.relations, builder.entities, builder.facts]
    if aside is not None:
        steps[:3] = [partial(builder.documents, aside, claims), builder.entities_read]
    try:
        for i, step in enumerate(steps):
            try:
                step()
            except KnowledgeError as exc:
                builder.error(str(exc))
                break  # a file that does not parse would make every later entry look wrong too
            if i == 0:
                builder.documents_done()
    finally:
        if aside is not None:
            aside.stop()
    if builder.errors:
        raise KnowledgeError("\n".join(builder.errors))
    builder.k.inputs_digest = builder._digest.hexdigest()
    return builder.k
