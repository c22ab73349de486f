"""A synthetic store (benchmarks/synth.py, a thousand aliases and ten thousand facts) built through
the same `nervebot build`: its generated facts come as JSON Lines, and the real questions keep
their real answers among them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import Bot
from bot.build import build
from bot.core import MAX_FACTS
from bot.discord_app import to_discord_embed
from bot.intents import load_intents
from bot.slack_app import to_slack_blocks
from bot.store import Store

REPO_ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "project"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "synth.py"), str(out), "--aliases", "1000", "--facts", "10000"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.fixture(scope="module")
def synthetic_db(synthetic: Path) -> Path:
    build(synthetic, synthetic / "facts.db")
    return synthetic / "facts.db"


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real") / "facts.db"
    build(REPO_ROOT, out)
    return out


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_generated_facts_are_written_as_json_lines(synthetic):
    lines = (synthetic / "knowledge" / "facts.synthetic.jsonl").read_text(encoding="utf-8").splitlines()
    real = yaml.safe_load((REPO_ROOT / "knowledge" / "facts.yaml").read_text(encoding="utf-8"))["facts"]
    assert len(lines) + len(real) == 10_000
    assert {"subject", "relation", "object"} <= json.loads(lines[0]).keys()


def test_synthetic_store_holds_every_fact_asked_for(synthetic, synthetic_db):
    made = json.loads((synthetic / "synth.json").read_text(encoding="utf-8"))["counts"]
    assert count(synthetic_db, "SELECT count(*) FROM facts") == made["facts"] == 10_000
    assert count(synthetic_db, "SELECT count(*) FROM aliases") == made["aliases"]


def test_real_question_keeps_its_answer_in_a_synthetic_store(synthetic_db, real_db):
    question = "which nerve supplies the tibialis anterior?"
    big, small = Bot(db=synthetic_db).ask(question), Bot(db=real_db).ask(question)
    assert big.status == small.status == "answered"
    assert big.text == small.text


def test_intents_are_planned_alike_for_the_real_and_a_synthetic_store(synthetic_db, real_db):
    for intent in load_intents(REPO_ROOT / "intents", Store(real_db)):
        if not intent.sql.strip():
            continue
        params = dict.fromkeys(intent.slots, "L5")
        plans = []
        for db in (real_db, synthetic_db):
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                plans.append([r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {intent.sql}", params)])
            finally:
                conn.close()
        assert plans[0] == plans[1], intent.name


def test_related_reading_leaves_out_a_word_thousands_of_sentences_hold(synthetic_db):
    store = Store(synthetic_db)
    assert count(synthetic_db, "SELECT count(*) FROM sentences_fts WHERE sentences_fts MATCH 'the'") > 2000
    found = store.related(["the", "malleolus"])
    assert found and all("malleolus" in r["sentence"].lower() for r in found)


def test_related_reading_of_common_words_alone_still_finds_sentences(synthetic_db):
    found = Store(synthetic_db).related(["the"], limit=3)
    assert len(found) == 3 and all("the" in r["sentence"].lower().split() for r in found)


def test_an_answer_of_thousands_of_facts_lists_a_page_and_more_lists_the_next_until_none_is_left(synthetic_db):
    stated = count(synthetic_db, "SELECT count(*) FROM facts WHERE relation IN ('improves_after', 'recovery_factor')")
    assert stated > 100
    bot = Bot(db=synthetic_db)
    answer = bot.ask("recovery after decompressive surgery", session="s")
    assert answer.intent == "surgery_recovery"
    assert len(answer.facts) == MAX_FACTS
    assert f'The sources state {stated - MAX_FACTS} more facts like these: say "more" to list them.' in answer.text
    listed = list(answer.facts)
    while "more" in answer.text:
        answer = bot.ask("more", session="s")
        assert answer.status == "answered" and answer.intent == "surgery_recovery"
        assert 0 < len(answer.facts) <= MAX_FACTS
        assert answer.sources
        listed += answer.facts
    assert len(listed) == len(set(listed)) == stated


# discord.py's import warns that audioop is deprecated (see test_discord); only that is excused
@pytest.mark.filterwarnings("ignore:'audioop' is deprecated:DeprecationWarning")
def test_every_page_of_a_long_answer_fits_a_discord_embed_and_a_slack_message_with_all_its_sources(synthetic_db):
    bot = Bot(db=synthetic_db)
    answer = bot.ask("recovery after decompressive surgery", session="s")
    pages = 1
    while True:
        embed = to_discord_embed(answer).to_dict()
        assert not embed["description"].endswith("\u2026"), f"page {pages} cut short in Discord"
        blocks = json.dumps(to_slack_blocks(answer)["blocks"])
        assert "not shown here" not in blocks, f"page {pages} leaves sources out in Slack"
        if 'say "more"' not in answer.text:
            break
        assert 'say \\"more\\"' in blocks and 'say "more"' in embed["description"]  # how many are left, shown
        answer, pages = bot.ask("more", session="s"), pages + 1
    assert pages > 2


def test_an_overview_ends_its_page_at_a_part_too_long_to_list_whole_and_more_goes_on_without_losing_a_fact(
    synthetic_db, monkeypatch
):
    (muscle,) = Store(synthetic_db).query(
        """SELECT e.name FROM facts f JOIN entities e ON e.id = f.subject
           WHERE e.type = 'muscle' GROUP BY e.id ORDER BY count(*) DESC, e.id LIMIT 1"""
    )
    question = f"tell me about the {muscle['name']}"
    bot = Bot(db=synthetic_db)
    answer = bot.ask(question, session="s")
    assert answer.intent == "about" and 'say "more"' in answer.text
    assert not to_discord_embed(answer).to_dict()["description"].endswith("\u2026")
    listed = list(answer.facts)
    while 'say "more"' in answer.text:
        answer = bot.ask("more", session="s")
        assert answer.status == "answered" and answer.intent == "about" and answer.sources
        listed += answer.facts
    monkeypatch.setattr("bot.core.MAX_FACTS", 10**6)  # every fact on one page: what the pages must add up to
    whole = Bot(db=synthetic_db).ask(question)
    assert 'say "more"' not in whole.text
    assert len(listed) == len(set(listed)) and set(listed) == set(whole.facts)
