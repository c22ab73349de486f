"""Faults outside the question: a broken facts.db or intents file stops the bot with one clear line
and exit code 2; the runtime can never write to facts.db; many threads get the answers one gets."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import Bot, IntentError, StoreError
from bot.store import Store

ROOT = Path(__file__).parent.parent
FIX_STORE = "nervebot build"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NERVEBOT_DB"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _ask(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env or _env(),
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- facts.db faults ---------------------------------------------------------------------------------


def _missing(path: Path) -> None:
    path.unlink()


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(8192, 8192 + 4 * 4096):  # a few pages past the header, overwritten with noise
        data[i] = (i * 7 + 13) & 0xFF
    path.write_bytes(bytes(data))


def _older_schema(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 0")
    conn.close()


def _not_a_database(path: Path) -> None:
    path.write_text("id,name\nL5,L5 nerve root\n" * 200, encoding="utf-8")


def _missing_table(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE conflicts")
    conn.close()


STORE_FAULTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing": (_missing, "not found"),
    "truncated": (_truncated, "corrupt"),
    "header-only": (_header_only, "corrupt"),
    "corrupt": (_corrupt, "corrupt"),
    "older-schema": (_older_schema, "schema version 0"),
    "not-a-database": (_not_a_database, "not an SQLite database"),
    "missing-table": (_missing_table, "missing table conflicts"),
}


@pytest.mark.parametrize("fault", sorted(STORE_FAULTS))
def test_broken_store_stops_with_one_clear_line_and_exit_2(tmp_path: Path, fault: str) -> None:
    db = tmp_path / "facts.db"
    shutil.copy(ROOT / "facts.db", db)
    damage, says = STORE_FAULTS[fault]
    damage(db)
    out = _ask("--db", db, "what causes foot drop?", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert str(db) in out.stderr and says in out.stderr and FIX_STORE in out.stderr


@pytest.mark.parametrize("fault", sorted(STORE_FAULTS))
def test_broken_store_raises_store_error_from_the_python_api(tmp_path: Path, fault: str) -> None:
    db = tmp_path / "facts.db"
    shutil.copy(ROOT / "facts.db", db)
    STORE_FAULTS[fault][0](db)
    with pytest.raises(StoreError, match=FIX_STORE):
        Bot(db=db)


def test_broken_store_named_by_the_environment_is_reported_the_same_way(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(ROOT / "facts.db", db)
    _older_schema(db)
    out = _ask("hi", cwd=tmp_path, env={**_env(), "NERVEBOT_DB": str(db)})
    assert out.returncode == 2 and str(db) in out.stderr and FIX_STORE in out.stderr


# --- intents faults ----------------------------------------------------------------------------------


def _bad_yaml(folder: Path) -> Path:
    path = folder / "causes.yaml"
    path.write_text("name: causes\nexamples: [what causes {sign}\nsql: SELECT 1\n", encoding="utf-8")
    return path


def _with_sql(sql: str) -> Callable[[Path], Path]:
    """Replace the query of intents/causes.yaml (one slot, :sign), keeping the rest of the file."""

    def damage(folder: Path) -> Path:
        path = folder / "causes.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["sql"] = sql
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return damage


INTENT_FAULTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "bad-yaml": (_bad_yaml, "fix the syntax"),
    "unknown-column": (
        _with_sql("SELECT id AS fact_id, no_such_column AS item FROM facts WHERE object = :sign"),
        "fix the query",
    ),
    "sql-syntax": (_with_sql("SELEKT id AS fact_id, subject AS item FROM facts WHERE object = :sign"), "fix the query"),
    "writing-sql": (_with_sql("DELETE FROM facts WHERE object = :sign"), "fix the query"),
}


@pytest.mark.parametrize("fault", sorted(INTENT_FAULTS))
def test_broken_intent_file_is_named_with_its_fix_by_the_python_api(tmp_path: Path, fault: str) -> None:
    folder = tmp_path / "intents"
    shutil.copytree(ROOT / "intents", folder)
    damage, fix = INTENT_FAULTS[fault]
    path = damage(folder)
    with pytest.raises(IntentError) as caught:
        Bot(intents=folder)
    message = str(caught.value)
    assert str(path) in message and fix in message and "\n" not in message
    assert caught.value.exit_code == 2


@pytest.fixture
def installed_copy(tmp_path: Path) -> Path:
    """A copy of the package beside its own intents/ and facts.db: `nervebot` has no --intents flag,
    so this is how a user's broken intents folder reaches the command."""
    root = tmp_path / "install"
    shutil.copytree(ROOT / "bot", root / "bot", ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copytree(ROOT / "intents", root / "intents")
    shutil.copy(ROOT / "facts.db", root / "facts.db")
    return root


def _copy_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NERVEBOT_DB"}
    env["PYTHONPATH"] = str(root)
    return env


def test_installed_copy_answers_before_it_is_broken(installed_copy: Path) -> None:
    out = _ask("what causes foot drop?", cwd=installed_copy, env=_copy_env(installed_copy))
    assert out.returncode == 0, out.stderr
    assert "L5 nerve root" in out.stdout


@pytest.mark.parametrize("fault", sorted(INTENT_FAULTS))
def test_broken_intent_file_stops_the_command_with_one_line_and_exit_2(installed_copy: Path, fault: str) -> None:
    damage, fix = INTENT_FAULTS[fault]
    path = damage(installed_copy / "intents")
    out = _ask("what causes foot drop?", cwd=installed_copy, env=_copy_env(installed_copy))
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert str(path) in out.stderr and fix in out.stderr


# --- the runtime cannot write ------------------------------------------------------------------------

WRITES = [
    "INSERT INTO facts (id) VALUES ('evil')",
    "UPDATE entities SET name = 'evil'",
    "DELETE FROM facts",
    "DROP TABLE facts",
    "CREATE TABLE evil (x)",
    "ALTER TABLE facts ADD COLUMN evil",
    "PRAGMA writable_schema = ON",
    "PRAGMA user_version = 99",
    "PRAGMA query_only = OFF",
    "PRAGMA journal_mode = DELETE",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
]


@pytest.fixture
def store_copy(tmp_path: Path) -> tuple[Store, Path, str]:
    db = tmp_path / "facts.db"
    shutil.copy(ROOT / "facts.db", db)
    db.chmod(0o644)  # writable on disk: only the connection may stop a write
    return Store(db), db, _sha(db)


def _attach(tmp_path: Path) -> str:
    return f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other"


@pytest.mark.parametrize("sql", [*WRITES, "ATTACH"])
def test_store_query_refuses_every_write(store_copy: tuple[Store, Path, str], tmp_path: Path, sql: str) -> None:
    store, db, before = store_copy
    with pytest.raises(StoreError):
        store.query(_attach(tmp_path) if sql == "ATTACH" else sql)
    assert _sha(db) == before
    assert not (tmp_path / "other.db").exists()


@pytest.mark.parametrize("sql", [*WRITES, "ATTACH"])
def test_the_connection_the_store_holds_refuses_every_write(
    store_copy: tuple[Store, Path, str], tmp_path: Path, sql: str
) -> None:
    store, db, before = store_copy
    conn = store._conn()
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute(_attach(tmp_path) if sql == "ATTACH" else sql)
    with pytest.raises(sqlite3.DatabaseError):
        conn.executescript(f"BEGIN; {_attach(tmp_path) if sql == 'ATTACH' else sql}; COMMIT;")
    assert _sha(db) == before


def test_read_only_open_holds_even_without_the_authorizer_and_query_only(store_copy: tuple[Store, Path, str]) -> None:
    """Three locks: the authorizer, `PRAGMA query_only` and `mode=ro`. Lift the first two; the third holds."""
    store, db, before = store_copy
    conn = store._conn()
    conn.set_authorizer(None)
    conn.execute("PRAGMA query_only = OFF")
    for sql in (
        "INSERT INTO facts (id) VALUES ('evil')",
        "DELETE FROM facts",
        "DROP TABLE facts",
        "PRAGMA user_version = 99",
    ):
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute(sql)
    assert _sha(db) == before
    conn.close()


def test_each_thread_gets_its_own_read_only_connection(store_copy: tuple[Store, Path, str]) -> None:
    store, db, before = store_copy
    errors: list[BaseException] = []

    def write() -> None:
        try:
            store.query("DELETE FROM facts")
        except StoreError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 4
    assert _sha(db) == before


# --- concurrency -------------------------------------------------------------------------------------

SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("what causes foot drop?",),
    ("which nerve supplies TA?",),
    ("how is S1 examined?",),
    ("what does the soleus do?",),
    ("hi",),
    ("numbness in my groin",),
    ("should I have surgery?",),
    ("what does the tibialis posterior do?", "which nerve supplies it?", "where does it run?"),
    ("how is the L5 nerve root examined?", "and S1?", "what about L4?"),
    ("which nerve supplies the gluteus?", "medius"),
    ("nerve to EDL?", "and EHL?", "what root do they share?"),
    ("which root is responsible for dorsal extension of the foot?", "thanks"),
    ("what muscles does the superior gluteal nerve supply?", "and the inferior gluteal?"),
)
THREADS = 16
TOTAL_ASKS = 10_000


def _workload() -> list[tuple[str | None, int]]:
    """(session, script) conversations adding up to exactly TOTAL_ASKS questions; every third
    one-question script is asked without a session, as `nervebot ask` does."""
    plan: list[tuple[str | None, int]] = []
    asked = i = 0
    while asked < TOTAL_ASKS:
        index = i % len(SCRIPTS)
        if asked + len(SCRIPTS[index]) > TOTAL_ASKS:
            index = 0  # a one-question script fills the last gap
        session = None if len(SCRIPTS[index]) == 1 and i % 3 == 0 else f"conv-{i}"
        plan.append((session, index))
        asked += len(SCRIPTS[index])
        i += 1
    return plan


def test_sixteen_threads_get_exactly_the_answers_one_thread_gets() -> None:
    """The reference is one thread asking each conversation once in a fresh session: conversations
    are independent, so any difference under threads is a race (a shared connection, a torn
    session, a matcher cache)."""
    plan = _workload()
    assert sum(len(SCRIPTS[index]) for _, index in plan) == TOTAL_ASKS
    alone = Bot()
    expected = [[alone.ask(q, session=f"alone-{n}").to_dict() for q in script] for n, script in enumerate(SCRIPTS)]

    shared = Bot()
    results: list[list[dict[str, Any]]] = [[] for _ in plan]
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(first: int) -> None:
        start.wait()
        try:
            for k in range(first, len(plan), THREADS):
                session, index = plan[k]
                results[k] = [shared.ask(q, session=session).to_dict() for q in SCRIPTS[index]]
        except BaseException as exc:  # reported below rather than lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sum(len(answers) for answers in results) == TOTAL_ASKS
    for (session, index), got in zip(plan, results, strict=True):
        assert got == expected[index], f"{session}: {SCRIPTS[index]}"
