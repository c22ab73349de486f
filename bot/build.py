"""`nervebot build`: turn sources/ and knowledge/ into facts.db, or check the committed one is current."""

from __future__ import annotations

import gc
import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from .errors import KnowledgeError
from .knowledge import Document, Fact, Knowledge, load
from .store import SCHEMA_VERSION

# The schema, made with sqlite-utils. Every build runs the same statements in the same order: the
# same inputs give the same bytes. The key of facts is a unique index made after the rows are in
# (INDEXES), not a primary key: facts go in in input order (what `rowid` means), and their ids come
# in no order at all. fact_sources is a table WITHOUT ROWID, kept in the order of its key: a fact's
# sources are neighbouring rows, each with its sentence's section and text, so an answer reads its
# quotes in one walk down one tree, not from sentences scattered over a million (nor from an index,
# then the table). entities is one too, since every intent's query looks up its facts' entities by id,
# and the aliases' entity index holds the written forms an answer asks for. The two covering indexes
# give an answer's facts the same way. (At 1M facts a first answer reads 84 pages, not 127.)
TABLES: tuple[tuple[str, dict[str, type], str | tuple[str, ...] | None, list[tuple[str, str, str]]], ...] = (
    ("meta", {"key": str, "value": str}, "key", []),
    ("documents", dict.fromkeys(["id", "title", "date", "kind", "origin", "file", "sha256", "text"], str), "id", []),
    (
        "sections",
        dict.fromkeys(["id", "document_id", "label", "evidence"], str),
        "id",
        [("document_id", "documents", "id")],
    ),
    (
        "sentences",
        {"id": str, "document_id": str, "section_id": str, "position": int, "heading": str, "text": str, "refs": str},
        None,  # (its key is a unique index, made with the full-text index: see `_index_sentences`)
        [("document_id", "documents", "id"), ("section_id", "sections", "id")],
    ),
    ("entities", dict.fromkeys(["id", "type", "name", "description"], str), "id", []),
    ("aliases", dict.fromkeys(["alias", "entity_id", "written"], str), "alias", [("entity_id", "entities", "id")]),
    ("ambiguous_aliases", {"alias": str, "entity_id": str}, ("alias", "entity_id"), [("entity_id", "entities", "id")]),
    ("homonyms", {"phrase": str, "explanation": str}, "phrase", []),
    ("qualifiers", {"name": str, "shown": str}, "name", []),
    ("relations", dict.fromkeys(["name", "description", "subject_types", "object_types", "reads"], str), "name", []),
    (
        "facts",
        {
            "id": str,
            "subject": str,
            "relation": str,
            "object": str,
            "qualifiers": str,
            "negated": int,
            "note": str,
            "claim": str,
            "seq": int,  # input order: the rowid, named so that the covering indexes keep that order
        },
        "seq",
        [("subject", "entities", "id"), ("relation", "relations", "name"), ("object", "entities", "id")],
    ),
    (
        "fact_sources",
        {"fact_id": str, "sentence_id": str, "position": int, "quote": str, "section_id": str, "text": str},
        ("fact_id", "sentence_id"),  # WITHOUT ROWID
        [("fact_id", "facts", "id"), ("sentence_id", "sentences", "id"), ("section_id", "sections", "id")],
    ),
    (
        "conflicts",
        dict.fromkeys(["id", "fact_a", "fact_b", "note"], str),
        "id",
        [("fact_a", "facts", "id"), ("fact_b", "facts", "id")],
    ),
    ("not_claims", {"sentence_id": str, "reason": str}, "sentence_id", [("sentence_id", "sentences", "id")]),
)
WITHOUT_ROWID = frozenset({"entities", "fact_sources"})
# Made after the rows are in: one sorted pass each instead of a million scattered inserts. The key
# of facts is a unique index rather than a primary key for that reason.
INDEXES = """
CREATE UNIQUE INDEX "idx_facts_id"
    ON "facts" ("id");
CREATE INDEX "idx_facts_relation_object"
    ON "facts" ("relation", "object", "seq", "subject", "id", "qualifiers", "note");
CREATE INDEX "idx_facts_relation_subject"
    ON "facts" ("relation", "subject", "seq", "object", "id", "qualifiers", "note");
CREATE INDEX "idx_aliases_entity_id"
    ON "aliases" ("entity_id", "written");
CREATE INDEX "idx_conflicts_fact_a"
    ON "conflicts" ("fact_a");
CREATE INDEX "idx_conflicts_fact_b"
    ON "conflicts" ("fact_b");
"""
# What ANALYZE says of a store of a million facts (benchmarks/synth.py, 100k:1M), rounded. SQLite
# plans every query as for that store however small this one is, so the plans tests check on the
# real knowledge are those a big store gets. Without statistics it takes `relation = ?` to pick ten
# rows, and statistics measured on the 84 real facts say six: either way an intent that asks for
# `subject = :x OR subject IN (...)` can be planned as a walk through a whole relation.
PLANNER_STATS = (
    ("facts", "idx_facts_id", "1000000 1"),
    ("facts", "idx_facts_relation_object", "1000000 66667 30 1 1 1 1 1"),
    ("facts", "idx_facts_relation_subject", "1000000 66667 25 1 1 1 1 1"),
    ("fact_sources", "sqlite_autoindex_fact_sources_1", "1050000 1 1"),
    ("sentences", "idx_sentences_id", "920000 1"),
    ("sections", "sqlite_autoindex_sections_1", "13000 1"),
    ("documents", "sqlite_autoindex_documents_1", "4300 1"),
    ("entities", "sqlite_autoindex_entities_1", "21000 1"),
    ("aliases", "sqlite_autoindex_aliases_1", "100000 1"),
    ("aliases", "idx_aliases_entity_id", "100000 5 1"),
    ("ambiguous_aliases", "sqlite_autoindex_ambiguous_aliases_1", "2200 3 1"),
    ("conflicts", "sqlite_autoindex_conflicts_1", "1000 1"),
    ("conflicts", "idx_conflicts_fact_a", "1000 1"),
    ("conflicts", "idx_conflicts_fact_b", "1000 1"),
    ("not_claims", "sqlite_autoindex_not_claims_1", "4300 1"),
)


@dataclass(frozen=True)
class BuildReport:
    counts: dict[str, int]
    content_sentences: int
    covered: int
    uncovered: list[tuple[str, str]]  # (sentence id, text)

    @property
    def coverage(self) -> float:
        return self.covered / self.content_sentences if self.content_sentences else 1.0

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        out = [
            f"built: {counts}",
            f"coverage: {self.covered}/{self.content_sentences} content sentences are the source of a fact "
            f"({self.coverage:.0%})",
        ]
        out += [f"  no fact yet: {sid}  {text}" for sid, text in self.uncovered]
        return out


def _write_documents(conn: sqlite3.Connection, documents: list[Document]) -> None:
    """The schema, then the documents, their sections and sentences, in one transaction."""
    db = sqlite_utils.Database(conn)
    for name, columns, pk, foreign_keys in TABLES:
        if name in WITHOUT_ROWID:  # (which sqlite-utils cannot make)
            create = db.create_table_sql(name, columns, pk=pk, foreign_keys=foreign_keys)
            conn.execute(create.rstrip().removesuffix(";") + " WITHOUT ROWID")
        else:
            db[name].create(columns, pk=pk, foreign_keys=foreign_keys)  # type: ignore[union-attr]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (d.id, d.title, d.date, d.kind, d.origin, d.file, hashlib.sha256(d.text.encode()).hexdigest(), d.text)
            for d in documents
        ),
    )
    conn.executemany(
        "INSERT INTO sections VALUES (?, ?, ?, ?)",
        ((s.id, s.document_id, s.label, s.evidence) for d in documents for s in d.sections),
    )
    conn.executemany(
        "INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (s.id, sec.document_id, sec.id, s.position, s.heading, s.text, s.refs)
            for d in documents
            for sec in d.sections
            for s in sec.sentences
        ),
    )
    conn.execute("COMMIT")


def _index_sentences(conn: sqlite3.Connection) -> None:
    """The sentences' full-text index and their key, made while the facts are still being checked:
    statements SQLite runs without the GIL. The key is made here, in one sorted pass, rather than kept
    up while a million sentences go in, which took the main thread seven seconds at 1M facts. (A
    document's sentences are in order by rowid; no query needs more.)"""
    sqlite_utils.Database(conn)["sentences"].enable_fts(["text"], tokenize="porter")  # type: ignore[union-attr]
    conn.execute('CREATE UNIQUE INDEX "idx_sentences_id" ON "sentences" ("id")')


class _Parts:
    """The facts worker processes check, one scratch SQLite file per part, to be copied into facts.db in order.

    SQLite copies a table far faster than Python hands it rows, and the workers hand them over in parallel.
    """

    COLUMNS = (
        "id, subject, relation, object, qualifiers, negated, note, claim, "
        "position, sentence_id, quote, section_id, text"
    )

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, n: int) -> Path:
        return self.folder / f"part{n}.db"

    def store(self, n: int, facts: Iterable[Fact]) -> None:
        """In a worker: one row per source of a fact, in order, each with its fact's columns."""
        conn = sqlite3.connect(self.path(n), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(f"CREATE TABLE rows ({self.COLUMNS})")
            conn.execute("BEGIN")
            conn.executemany(
                f"INSERT INTO rows VALUES ({', '.join('?' for _ in self.COLUMNS.split(','))})",
                (
                    (*_fact_row(f), i, s.sentence_id, s.quote, s.section_id, s.text)
                    for f in facts
                    for i, s in enumerate(f.sources)
                ),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()


def _fact_row(f: Fact) -> tuple[str, str, str, str, str, int, str, str]:
    return (f.id, f.subject, f.relation, f.object, " ".join(f.qualifiers), int("not" in f.qualifiers), f.note, f.claim)


def _write_knowledge(conn: sqlite3.Connection, k: Knowledge, parts: _Parts) -> None:
    """The other rows in one transaction, in input order (which is what `rowid` means): the facts checked
    here, then those of each part, copied from its scratch file. Sources go in by fact, with their sentences."""
    for n in range(len(k.parts)):
        conn.execute(f"ATTACH DATABASE ? AS part{n}", (str(parts.path(n)),))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("inputs_sha256", k.inputs_digest)],
    )
    conn.executemany(
        "INSERT INTO entities VALUES (?, ?, ?, ?)",
        ((e.id, e.type, e.name, e.description) for e in k.entities.values()),
    )
    conn.executemany(
        "INSERT INTO aliases VALUES (?, ?, ?)",
        ((key, ent_id, written) for key, (ent_id, written) in sorted(k.aliases.items())),
    )
    conn.executemany(
        "INSERT INTO ambiguous_aliases VALUES (?, ?)",
        ((key, ent_id) for key, ids in sorted(k.ambiguous.items()) for ent_id in ids),
    )
    conn.executemany("INSERT INTO homonyms VALUES (?, ?)", sorted(k.homonyms.items()))
    conn.executemany("INSERT INTO qualifiers VALUES (?, ?)", k.qualifiers.items())
    conn.executemany(
        "INSERT INTO relations VALUES (?, ?, ?, ?, ?)",
        (
            (r.name, r.description, " ".join(r.subject_types), " ".join(r.object_types), r.reads)
            for r in k.relations.values()
        ),
    )
    conn.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)", map(_fact_row, k.facts.values()))
    for n in range(len(k.parts)):
        conn.execute(
            "INSERT INTO facts SELECT id, subject, relation, object, qualifiers, negated, note, claim, NULL "
            f"FROM part{n}.rows WHERE position = 0 ORDER BY rowid"
        )
    # in one sorted pass, in the order of the key, whichever process checked a fact: the same inputs give
    # the same bytes
    columns = "id, sentence_id, position, quote, section_id, text"
    conn.execute(f"CREATE TEMP TABLE rows ({columns})")
    conn.executemany(
        "INSERT INTO temp.rows VALUES (?, ?, ?, ?, ?, ?)",
        (
            (f.id, s.sentence_id, i, s.quote, s.section_id, s.text)
            for f in k.facts.values()
            for i, s in enumerate(f.sources)
        ),
    )
    every = " UNION ALL ".join(
        f"SELECT {columns} FROM {db}.rows" for db in ["temp", *(f"part{n}" for n in range(len(k.parts)))]
    )
    conn.execute(f"INSERT INTO fact_sources SELECT * FROM ({every}) ORDER BY id, sentence_id")
    conn.execute("DROP TABLE temp.rows")
    conn.executemany(
        "INSERT INTO conflicts VALUES (?, ?, ?, ?)", ((c.id, c.fact_a, c.fact_b, c.note) for c in k.conflicts)
    )
    conn.executemany("INSERT INTO not_claims VALUES (?, ?)", sorted(k.not_claims.items()))
    conn.execute("COMMIT")
    for n in range(len(k.parts)):
        conn.execute(f"DETACH DATABASE part{n}")


def _index_knowledge(conn: sqlite3.Connection) -> None:
    """The indexes and the planner's statistics, once every row is in."""
    conn.executescript(INDEXES)
    conn.execute("ANALYZE sqlite_master")  # creates sqlite_stat1, and nothing in it
    conn.executemany("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", PLANNER_STATS)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _report(k: Knowledge) -> BuildReport:
    sentences = k.sentences()
    cited = k.cited()
    content = [s for _, s in sentences if s.id not in k.not_claims]
    uncovered = [(s.id, s.text) for s in content if s.id not in cited]
    counts = {
        "documents": len(k.documents),
        "sentences": len(sentences),
        "entities": len(k.entities),
        "aliases": len(k.aliases),
        "facts": k.fact_count(),
        "fact sources": k.source_count(),
        "conflicts": len(k.conflicts),
    }
    return BuildReport(counts, len(content), len(content) - len(uncovered), uncovered)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Millions of small objects that never form cycles: the cyclic collector would only walk them again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(root: Path, out: Path) -> BuildReport:
    """Check every input, then write facts.db atomically (a half-built file never replaces a good one).

    The documents are stored as soon as they are read, and their sentences indexed in a thread
    while the facts are checked: SQLite builds an index without holding the GIL. The other indexes
    are built in a thread too, while the report is made and the documents freed. A long list of
    facts is checked by worker processes, which store them in scratch files for SQLite to copy in.
    A problem in any input still leaves no facts.db, only the same message.
    """
    with _no_cyclic_gc(), tempfile.TemporaryDirectory(prefix="nervebot-build-") as scratch:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp, isolation_level=None, check_same_thread=False)
        indexing = _Background()
        try:
            # A file that only replaces facts.db once it is whole needs no rollback journal.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(f"PRAGMA threads = {os.cpu_count() or 1}")  # a big sort (an index) on every core

            def documents_read(documents: list[Document]) -> None:
                _write_documents(conn, documents)
                indexing.start(_index_sentences, conn)

            parts = _Parts(Path(scratch))
            k = load(root, documents_read, parts.store)
            indexing.wait()
            _write_knowledge(conn, k, parts)
            indexing.start(_index_knowledge, conn)
            # While SQLite builds the indexes: make the report, free a big store's documents, and flush the
            # rows to disk, so that only the indexes are left to flush at the end.
            report = _report(k)
            del k
            _fsync(tmp)
            indexing.wait()
        except BaseException:
            if indexing.running():
                conn.interrupt()
                indexing.wait(reraise=False)
            conn.close()
            tmp.unlink(missing_ok=True)
            raise
        conn.close()
        _fsync(tmp)
        tmp.replace(out)
        return report


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


class _Background:
    """One call in a thread; `wait` joins it and raises what it raised."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self, call: Callable[[sqlite3.Connection], None], conn: sqlite3.Connection) -> None:
        def run() -> None:
            try:
                call(conn)
            except BaseException as exc:  # handed to the waiting thread
                self._error = exc

        self._thread = threading.Thread(target=run, name="nervebot-build-index")
        self._thread.start()

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, reraise: bool = True) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None and reraise:
            raise self._error


def dump(path: Path) -> str:
    """A canonical text form of a facts.db, so two builds compare by content, not by bytes."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(conn.iterdump())
    except sqlite3.DatabaseError as exc:
        raise KnowledgeError(f"{path}: not a readable facts.db ({exc}); run `nervebot build`") from None
    finally:
        conn.close()


def check(root: Path, committed: Path) -> tuple[bool, BuildReport]:
    """Rebuild into a temporary file and compare it with `committed`."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "facts.db"
        report = build(root, fresh)
        same = committed.exists() and dump(fresh) == dump(committed)
    return same, report
