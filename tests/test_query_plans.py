"""Every query asked while answering reads the big tables through an index, so a store of a million
facts answers as fast as the shipped one.

The build writes the planner statistics of a big store into every facts.db, so SQLite plans each
query here, on the real 84 facts, as it does on a million: what these tests see is what a big store
gets. A plan may scan a tiny table (relations, a constant row), never a big one, not even through a
covering index: that still reads every row's key.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import Bot
from bot.build import build
from bot.intents import load_intents
from bot.qa import load_cases
from bot.store import Store

REPO_ROOT = Path(__file__).parent.parent
# The tables that grow with the knowledge; `sentences_fts` only through MATCH.
BIG_TABLES = frozenset(
    {"facts", "fact_sources", "sentences", "sentences_fts", "sections", "documents", "conflicts", "not_claims"}
)
_SOURCE = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?(?:\s+(?:AS\s+)?(\w+))?', re.IGNORECASE)
_KEYWORDS = frozenset({"where", "join", "on", "order", "group", "limit", "union", "left", "inner", "cross", "natural"})


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plans") / "facts.db"
    build(REPO_ROOT, out)
    return out


def plan(db: Path, sql: str, params: dict[str, str] | None = None) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params or {})]
    finally:
        conn.close()


def tables_named(sql: str) -> dict[str, str]:
    """Alias (or bare name) -> table, for every table the SQL reads."""
    names: dict[str, str] = {}
    for table, alias in _SOURCE.findall(sql):
        names[table.lower()] = table.lower()
        if alias and alias.lower() not in _KEYWORDS:
            names[alias.lower()] = table.lower()
    return names


def full_scans(sql: str, lines: list[str]) -> list[str]:
    """Plan lines that read a whole big table: a SCAN of it, through an index or not."""
    if re.search(r"\bIN \(\)", sql):
        return []  # SQLite reads `x IN ()` as false and visits no row, whatever the plan says
    names = tables_named(sql)
    bad = []
    for line in lines:
        found = re.match(r"SCAN (\S+)(.*)", line)
        if not found:
            continue
        table = names.get(found[1].lower().rsplit(".", 1)[-1], found[1].lower())
        if table not in BIG_TABLES:
            continue
        if "VIRTUAL TABLE INDEX" in found[2] and re.search(r":\S*M", found[2]):
            continue  # full-text search through MATCH
        bad.append(line)
    return bad


def relation_only(lines: list[str]) -> list[str]:
    """Plan lines that narrow facts by relation alone: a fifteenth of a big store, walked row by row."""
    return [line for line in lines if line.startswith("SEARCH") and line.endswith("(relation=?)")]


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """Every SELECT the store's connection runs meanwhile, with its parameters filled in."""
    seen: list[str] = []
    conn = store._conn()
    conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        conn.set_trace_callback(None)
    seen[:] = [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def intents_with_sql(db: Path) -> list[tuple[str, str, dict[str, str]]]:
    return [
        (i.name, i.sql, dict.fromkeys(i.slots, "L5"))
        for i in load_intents(REPO_ROOT / "intents", Store(db))
        if i.sql.strip()
    ]


def test_planner_statistics_are_those_of_a_big_store(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        [(stat,)] = conn.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'idx_facts_id'").fetchall()
        [(real,)] = conn.execute("SELECT count(*) FROM facts").fetchall()
    finally:
        conn.close()
    assert real < 1000 <= 1_000_000 <= int(stat.split()[0])


# Intents that read a table from its start, and why that stays cheap at any size.
BOUNDED = {"disagreements": "lists the first 100 conflicts, in rowid order, then looks each fact up by id"}


def test_every_intent_reads_facts_through_an_index(db):
    failures = {}
    for name, sql, params in intents_with_sql(db):
        lines = plan(db, sql, params)
        bad = [] if name in BOUNDED else full_scans(sql, lines) + (relation_only(lines) if params else [])
        if bad:
            failures[name] = bad
    assert failures == {}


def test_the_store_finds_sources_conflicts_and_chains_through_indexes(db):
    store = Store(db)
    facts = [r["id"] for r in store.query("SELECT id FROM facts WHERE relation IN ('produces', 'weakness_of')")]
    facts += [r["fact_a"] for r in store.query("SELECT fact_a FROM conflicts")]
    with statements(store) as seen:
        assert store.sources(facts) and store.conflicts(facts) and store.endpoints(facts) and store.chain(facts)
        assert store.related(["dorsiflexion", "foot", "root"])
    assert len(seen) >= 7
    failures = {sql: bad for sql in seen if (bad := full_scans(sql, lines := plan(db, sql)) + relation_only(lines))}
    assert failures == {}


def test_a_full_text_search_asked_again_is_answered_without_reading_the_store(db):
    store = Store(db)
    with statements(store) as seen:
        first = store.related(["dorsiflexion", "foot"])
    assert first and seen
    with statements(store) as again:
        assert store.related(["dorsiflexion", "foot"]) == first
    assert again == []
    with statements(store) as other:
        assert store.related(["gluteus", "medius"]) != first
    assert other


def test_answering_the_regression_suite_reads_only_through_indexes(db):
    bot = Bot(db=db)
    cases = load_cases(sorted((REPO_ROOT / "tests" / "suite").glob("*.qa.yaml")))
    with statements(bot.store) as seen:
        for case in cases:
            for turn in case.turns:
                bot.ask(turn.question, session=case.id)
    assert len(seen) > 50
    failures = {sql: bad for sql in dict.fromkeys(seen) if (bad := full_scans(sql, plan(db, sql)))}
    assert failures == {}


def test_a_scan_of_facts_is_caught():
    sql = "SELECT f.id FROM facts f JOIN entities e ON e.id = f.subject WHERE f.note LIKE 'x%'"
    assert full_scans(sql, ["SCAN f", "SEARCH e USING INDEX sqlite_autoindex_entities_1 (id=?)"]) == ["SCAN f"]
    assert full_scans(sql, ["SCAN f USING COVERING INDEX idx_facts_subject"]) == [
        "SCAN f USING COVERING INDEX idx_facts_subject"
    ]
    assert full_scans("SELECT name FROM relations", ["SCAN relations"]) == []
    assert full_scans("SELECT id FROM facts WHERE id IN ()", ["SCAN facts"]) == []
