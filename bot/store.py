"""Read-only access to facts.db: opened with `mode=ro`, guarded by an authorizer that only lets
SELECTs through, one connection per thread. Nothing a user types reaches SQL text."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from .errors import StoreError

SCHEMA_VERSION = 3
TABLES = (
    "meta",
    "documents",
    "sections",
    "sentences",
    "entities",
    "aliases",
    "ambiguous_aliases",
    "homonyms",
    "qualifiers",
    "relations",
    "facts",
    "fact_sources",
    "conflicts",
    "not_claims",
)
_READ_ONLY_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
_FTS_WORD = re.compile(r"[0-9A-Za-z]{3,}")
_PHRASE_WORD = re.compile(r"[0-9A-Za-z]+")  # every word of a name ("L5 nerve root"), however short
# A word in more sentences than this says little about which to read, and ranking them all is slow.
_COMMON_WORD = 2000  # a word in this many sentences is left out of related reading's search
_RANKED = 200  # the sentences a full-text search ranks, at most
_HELD_TERMS = 20_000  # terms whose sentence count is remembered
_SEARCHES_HELD = 1024  # full-text searches whose results are remembered
# The rows past an answer's first facts are counted as they come up to this many; past it, SQLite
# counts them all again in one statement, which beats handing over thousands but not a few dozen.
_COUNTED_HERE = 100
# `quick_check` reads every page: instant for the shipped store, seconds for a million facts. Past
# this size only the tables every start reads are checked (SQLite itself refuses a file shorter
# than its header says); damage elsewhere stops the query that meets it, with the same advice.
_FULL_CHECK_BYTES = 64 * 2**20
_STARTUP_TABLES = ("meta", "entities", "aliases", "ambiguous_aliases", "homonyms", "qualifiers", "relations")
_REBUILD = "run `nervebot build` in a checkout, or point --db / NERVEBOT_DB at a good facts.db"

Row = dict[str, Any]
# Where a sentence comes from, by section id: (document id, title, date, section label, evidence).
Place = tuple[str, str, str, str, str]
# A sentence as an answer quotes it: (sentence id, its text, its place).
Quoted = tuple[str, str, Place]


def _dicts(names: list[str], rows: list[tuple[Any, ...]]) -> list[Row]:
    if len(set(names)) < len(names):  # a name given twice means its first column, as sqlite3.Row has it
        keep = {name: i for i, name in reversed(list(enumerate(names)))}
        return [{name: row[i] for name, i in keep.items()} for row in rows]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _only_reads(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    """SQLite's authorizer: reads, functions, reading pragmas and `quick_check(table)` only.

    FTS5's constructor asks for UPDATE on sqlite_master while it reads its schema; the connection
    is opened `mode=ro` with `query_only`, so that request cannot write and is let through.
    """
    if action in _READ_ONLY_ACTIONS or (action == sqlite3.SQLITE_PRAGMA and (arg2 is None or arg1 == "quick_check")):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


class Store:
    """A checked, read-only facts.db."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        # A full-text search the store has answered once, answered again from memory: the store never
        # changes, a class asks the same things, and one search of a million sentences takes a millisecond.
        self._ranked = lru_cache(maxsize=_SEARCHES_HELD)(self._ranked_uncached)
        self._holding = lru_cache(maxsize=_HELD_TERMS)(self._holding_uncached)
        if not self.path.is_file():
            raise StoreError(f"{self.path}: facts.db not found; {_REBUILD}")
        with self.path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise StoreError(f"{self.path}: not an SQLite database; {_REBUILD}")
        conn = self._conn()
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in TABLES if t not in present]
            ok = "ok" if missing else self._integrity(conn)
            if not missing and ok == "ok":
                self._read_small_tables(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: unreadable or corrupt ({exc}); {_REBUILD}") from None
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version}, this nervebot needs {SCHEMA_VERSION}; {_REBUILD}")
        if missing or ok != "ok":
            what = f"missing table {missing[0]}" if missing else f"integrity check says {ok}"
            raise StoreError(f"{self.path}: damaged ({what}); {_REBUILD}")

    def _integrity(self, conn: sqlite3.Connection) -> str:
        """What `quick_check` says: of the whole file if it is small, else of the tables every start reads."""
        if self.path.stat().st_size <= _FULL_CHECK_BYTES:
            return str(conn.execute("PRAGMA quick_check").fetchone()[0])
        for table in _STARTUP_TABLES:
            (ok,) = conn.execute(f"PRAGMA quick_check({table})").fetchone()
            if ok != "ok":
                return str(ok)
        return "ok"

    def _read_small_tables(self, conn: sqlite3.Connection) -> None:
        """Hold what every answer joins and few rows say: each section's place (a few thousand rows
        for a million facts) and the facts in any conflict. The sources of an answer's facts are
        then read from two tables, not four, and most answers need no conflicts query at all."""
        shared: dict[str, str] = {}  # one string for each date and evidence label, not one a row
        documents = {
            d: (d, title, shared.setdefault(date, date))
            for d, title, date in conn.execute("SELECT id, title, date FROM documents")
        }
        self._places: dict[str, Place] = {
            sec: (*documents[doc], label, shared.setdefault(evidence, evidence))
            for sec, doc, label, evidence in conn.execute("SELECT id, document_id, label, evidence FROM sections")
        }
        self._relations = [name for (name,) in conn.execute("SELECT name FROM relations")]
        self._in_conflict = frozenset(f for pair in conn.execute("SELECT fact_a, fact_b FROM conflicts") for f in pair)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(f"file:{self.path.resolve()}?mode=ro", uri=True)
                conn.execute("PRAGMA query_only = ON")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: cannot open ({exc}); {_REBUILD}") from None
            conn.set_authorizer(_only_reads)
            self._local.conn = conn
        return conn

    def query(self, sql: str, params: dict[str, Any] | Sequence[Any] = ()) -> list[Row]:
        """Run one read-only statement with bound parameters."""
        return _dicts(*self._tuples(sql, params))

    def first_facts(
        self, sql: str, params: dict[str, Any], limit: int, skip: Collection[str] = frozenset()
    ) -> tuple[list[Row], int]:
        """The first `limit` rows of a statement whose `fact_id` is not in `skip`, and how many more
        there are: an answer lists a hundred facts of thousands without holding, or even reading, every row."""
        try:
            cursor = self._conn().execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            at = names.index("fact_id")
            rows: Iterator[tuple[Any, ...]] = (r for r in cursor if r[at] not in skip) if skip else cursor
            first = list(islice(rows, limit))
            more = sum(1 for _ in islice(rows, _COUNTED_HERE + 1))
            if more > _COUNTED_HERE:  # thousands more: SQLite counts them, far faster than rows handed over
                skipped = {f"_skip{i}": fact for i, fact in enumerate(skip)}
                unless = f" WHERE fact_id NOT IN ({', '.join(':' + k for k in skipped)})" if skipped else ""
                (total,) = self._conn().execute(f"SELECT count(*) FROM ({sql}){unless}", params | skipped).fetchone()
                more = total - len(first)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: query failed ({exc}); {_REBUILD}") from None
        return _dicts(names, first), more

    def _tuples(self, sql: str, params: dict[str, Any] | Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows as tuples: a row becomes a dict only where a caller wants one."""
        try:
            cursor = self._conn().execute(sql, params)
            rows = cursor.fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: query failed ({exc}); {_REBUILD}") from None
        return [d[0] for d in cursor.description or ()], rows

    def columns(self, sql: str) -> list[str]:
        """Prepare `sql` without reading rows: raises for bad SQL, unknown columns or any write."""
        params = dict.fromkeys(re.findall(r"(?<!:):([A-Za-z_]\w*)", sql))
        cursor = self._conn().execute(f"SELECT * FROM ({sql}) LIMIT 0", params)
        return [d[0] for d in cursor.description]

    # Lookups the matcher and the answer builder share.
    def entities(self) -> list[Row]:
        return self.query("SELECT id, type, name, description FROM entities ORDER BY id")

    def aliases(self) -> list[Row]:
        return self.query("SELECT alias, entity_id FROM aliases ORDER BY alias")

    def ambiguous(self) -> list[Row]:
        return self.query("SELECT alias, entity_id FROM ambiguous_aliases ORDER BY alias, entity_id")

    def sources(self, fact_ids: Iterable[str]) -> dict[str, list[Quoted]]:
        """The sentences behind each fact, by fact in the order given, each fact's in its own order.

        A fact's sources are neighbouring rows of fact_sources, each holding its sentence's text and
        section, so an answer's quotes come from one table in one pass. They come back as tuples,
        with their place shared: an answer at a big store cites sixty of them.
        """
        ids = list(dict.fromkeys(fact_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        _, found = self._tuples(
            f"SELECT fact_id, position, sentence_id, text, section_id FROM fact_sources WHERE fact_id IN ({marks})",
            ids,
        )
        found.sort(key=itemgetter(1))  # by position: each fact's list is then in its own order
        by_fact: dict[str, list[Quoted]] = {fact_id: [] for fact_id in ids}
        places = self._places
        for fact_id, _, sentence_id, sentence, section_id in found:
            by_fact[fact_id].append((sentence_id, sentence, places[section_id]))
        return {fact_id: quoted for fact_id, quoted in by_fact.items() if quoted}

    def conflicts(self, fact_ids: Iterable[str]) -> list[Row]:
        ids = [f for f in dict.fromkeys(fact_ids) if f in self._in_conflict]
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return self.query(
            f"""SELECT c.id, c.note, c.fact_a, a.claim AS claim_a, c.fact_b, b.claim AS claim_b
                FROM conflicts c JOIN facts a ON a.id = c.fact_a JOIN facts b ON b.id = c.fact_b
                WHERE c.fact_a IN ({marks}) OR c.fact_b IN ({marks})
                ORDER BY c.id""",
            ids + ids,
        )

    def endpoints(self, fact_ids: Iterable[str]) -> list[str]:
        """The entities the facts join, in fact order: what an answer was about, for follow-ups."""
        ids = list(dict.fromkeys(fact_ids))
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self.query(f"SELECT id, subject, object FROM facts WHERE id IN ({marks})", ids)
        order = {fid: i for i, fid in enumerate(ids)}
        rows.sort(key=lambda r: order[r["id"]])
        return list(dict.fromkeys(e for r in rows for e in (r["subject"], r["object"])))

    def linked(self, these: Collection[str], those: Collection[str]) -> bool:
        """Whether one fact joins one of `these` to one of `those`, either way round."""
        if not these or not those:
            return False
        rel, a, b = (", ".join("?" for _ in group) for group in (self._relations, these, those))
        found = self.query(  # by relation and then name, as the facts are indexed
            f"""SELECT 1 FROM facts WHERE relation IN ({rel}) AND subject IN ({a}) AND object IN ({b})
                UNION ALL
                SELECT 1 FROM facts WHERE relation IN ({rel}) AND object IN ({a}) AND subject IN ({b})
                LIMIT 1""",
            [*self._relations, *these, *those, *self._relations, *these, *those],
        )
        return bool(found)

    def chain(self, fact_ids: Iterable[str], limit: int = 12) -> list[Row]:
        """The facts that link the entities of `fact_ids`: root to nerve to muscle to movement to sign.

        The entities behind the facts are widened once along `weakness_of` (a weakness and what is
        weak), `innervates` (the nerve of a muscle) and `performs` (what a weak muscle does: why its
        weakness drops the foot); every fact joining two of them is returned, in the order a student
        would follow it.
        """
        ids = list(dict.fromkeys(fact_ids))
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        seed = self.query(f"SELECT subject, object FROM facts WHERE id IN ({marks})", ids)
        nodes = {n for r in seed for n in (r["subject"], r["object"])}
        for relation, pick in (("weakness_of", ("subject", "object")), ("innervates", ("subject",))):
            marks = ", ".join("?" for _ in nodes)
            found = self.query(  # two lookups, not `subject IN (...) OR object IN (...)`: one index each
                f"""SELECT subject, object FROM facts WHERE relation = ? AND subject IN ({marks})
                    UNION ALL
                    SELECT subject, object FROM facts WHERE relation = ? AND object IN ({marks})""",
                [relation, *nodes, relation, *nodes],
            )
            nodes |= {r[key] for r in found for key in pick}
            if relation == "weakness_of":
                weak = [r["object"] for r in found]
                marks = ", ".join("?" for _ in weak)
                done = self.query(
                    f"SELECT object FROM facts WHERE relation = 'performs' AND subject IN ({marks})", weak
                )
                nodes |= {r["object"] for r in done}
        marks = ", ".join("?" for _ in nodes)
        return self.query(
            f"""SELECT id AS fact_id, claim AS item FROM facts
                WHERE subject IN ({marks}) AND object IN ({marks}) AND relation <> 'weakness_of'
                ORDER BY CASE relation WHEN 'part_of' THEN 0 WHEN 'supplies' THEN 1 WHEN 'innervates' THEN 2
                         WHEN 'produces' THEN 3 WHEN 'performs' THEN 4 WHEN 'injury_causes' THEN 5
                         WHEN 'can_cause' THEN 6 ELSE 7 END, rowid
                LIMIT ?""",
            [*nodes, *nodes, limit],
        )

    def related(self, words: Iterable[str], limit: int = 3) -> list[Row]:
        """Closest source sentences by full-text search: "related reading" for an unanswered question.

        Words found in thousands of sentences ("nerve", "root" in a big store) are left out while
        rarer ones remain. Only the first _RANKED sentences found are ranked, in the order the
        documents were built (ranking the two thousand that hold a rarer word took 2.6 ms at 1M facts).
        """
        terms = [w for w in words if _FTS_WORD.fullmatch(w)]
        if not terms:
            return []
        common = {t for t in set(terms) if self._holding(t) >= _COMMON_WORD}
        rare = [t for t in terms if t not in common]
        return list(self._ranked(" OR ".join(f'"{t}"' for t in rare or terms), limit))

    def mentioning(self, phrases: Iterable[str], skip: Collection[str], limit: int = 3) -> list[Row]:
        """Source sentences holding any of the phrases (a thing's names), best ranked first, but for
        those in `skip`: where the sources mention a thing besides the facts they state of it."""
        quoted = [f'"{" ".join(_PHRASE_WORD.findall(p))}"' for p in phrases if _PHRASE_WORD.search(p)]
        if not quoted:
            return []
        rows = self._ranked(" OR ".join(dict.fromkeys(quoted)), limit + len(skip))
        return [r for r in rows if r["sentence_id"] not in skip][:limit]

    def _ranked_uncached(self, match: str, limit: int) -> tuple[Row, ...]:
        """The sentences a full-text `match` finds, best first, with their document and section: of the
        first _RANKED found, since ranking thousands of them is slow."""
        rows = self.query(
            """SELECT s.id AS sentence_id, s.text AS sentence, d.id AS document_id, d.title, sec.label, sec.evidence
               FROM (SELECT rowid, rank FROM sentences_fts WHERE sentences_fts MATCH :match LIMIT :cap) f
               JOIN sentences s ON s.rowid = f.rowid
               JOIN sections sec ON sec.id = s.section_id JOIN documents d ON d.id = s.document_id
               ORDER BY f.rank LIMIT :limit""",
            {"match": match, "limit": limit, "cap": _RANKED},
        )
        return tuple(rows)

    def _holding_uncached(self, term: str) -> int:
        """How many sentences hold `term`, counted no further than `_COMMON_WORD` (remembered: counting
        a common word in a big store takes a tenth of a millisecond)."""
        rows = self.query(
            "SELECT count(*) AS n FROM (SELECT 1 FROM sentences_fts WHERE sentences_fts MATCH :term LIMIT :cap)",
            {"term": f'"{term}"', "cap": _COMMON_WORD},
        )
        return int(rows[0]["n"])
