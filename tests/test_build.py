"""`nervebot build`: the facts.db it writes, the errors it stops on, and the read-only store over it."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from bot import knowledge, store
from bot.build import _Parts, build, dump
from bot.errors import KnowledgeError, StoreError
from bot.sentences import split_section, squash
from bot.store import Store

REPO_ROOT = Path(__file__).parent.parent


def rows(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- What the build writes --------------------------------------------------------------------------

EXPECTED_TABLES = (
    "documents",
    "sections",
    "sentences",
    "entities",
    "aliases",
    "ambiguous_aliases",
    "relations",
    "facts",
    "fact_sources",
    "conflicts",
    "not_claims",
    "meta",
)

EXPECTED_FOREIGN_KEYS = {
    ("sections", "document_id", "documents", "id"),
    ("sentences", "document_id", "documents", "id"),
    ("sentences", "section_id", "sections", "id"),
    ("aliases", "entity_id", "entities", "id"),
    ("ambiguous_aliases", "entity_id", "entities", "id"),
    ("facts", "subject", "entities", "id"),
    ("facts", "relation", "relations", "name"),
    ("facts", "object", "entities", "id"),
    ("fact_sources", "fact_id", "facts", "id"),
    ("fact_sources", "sentence_id", "sentences", "id"),
    ("conflicts", "fact_a", "facts", "id"),
    ("conflicts", "fact_b", "facts", "id"),
    ("not_claims", "sentence_id", "sentences", "id"),
}


@pytest.mark.parametrize("table", EXPECTED_TABLES)
def test_build_fills_table(built_db, table):
    [(count,)] = rows(built_db, f"SELECT count(*) FROM [{table}]")
    assert count > 0


def test_build_writes_every_table_the_store_requires(built_db):
    names = {name for (name,) in rows(built_db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(store.TABLES) <= names


def test_build_declares_foreign_keys(built_db):
    declared = {
        (table, fk[3], fk[2], fk[4])
        for table in {t for t, *_ in EXPECTED_FOREIGN_KEYS}
        for fk in rows(built_db, f"PRAGMA foreign_key_list([{table}])")
    }
    assert declared >= EXPECTED_FOREIGN_KEYS


def test_built_db_passes_foreign_key_check(built_db):
    assert rows(built_db, "PRAGMA foreign_key_check") == []


def test_build_sets_user_version_to_store_schema_version(built_db):
    assert rows(built_db, "PRAGMA user_version") == [(store.SCHEMA_VERSION,)]


def test_a_qualifier_with_its_own_wording_reads_that_way_and_is_not_bracketed(built_db):
    claims = {c for (c,) in rows(built_db, "SELECT claim FROM facts WHERE relation = 'produces'")}
    assert "L3 nerve root is associated with ankle dorsiflexion" in claims  # research: "associated with"
    assert "S1 nerve root is not responsible for ankle dorsiflexion" in claims
    assert "L5 nerve root is responsible for ankle dorsiflexion (primarily)" in claims
    assert not any("(associated" in c or "not)" in c for c in claims)


def test_sentence_fts_index_answers_match_query(built_db):
    found = rows(
        built_db,
        """SELECT s.text FROM sentences_fts f JOIN sentences s ON s.rowid = f.rowid
           WHERE sentences_fts MATCH ? ORDER BY s.rowid""",
        ("malleolus",),
    )
    assert len(found) == 1
    assert "runs behind the medial malleolus" in found[0][0]


def test_fact_sources_point_at_sentences_that_hold_their_quote(built_db):
    pairs = rows(built_db, "SELECT fs.quote, s.text FROM fact_sources fs JOIN sentences s ON s.id = fs.sentence_id")
    assert pairs
    assert [(q, t) for q, t in pairs if squash(q) not in t] == []


def test_fact_sources_hold_their_sentence_word_for_word_and_a_fact_s_sources_together(built_db):
    copies = rows(
        built_db,
        """SELECT fs.text = s.text AND fs.section_id = s.section_id FROM fact_sources fs
           JOIN sentences s ON s.id = fs.sentence_id""",
    )
    assert len(copies) == rows(built_db, "SELECT count(*) FROM fact_sources")[0][0] > 100
    assert {ok for (ok,) in copies} == {1}
    # a fact's sources are neighbouring rows: the table is a tree kept in the order of its key, fact first
    [(create,)] = rows(built_db, "SELECT sql FROM sqlite_master WHERE name = 'fact_sources'")
    assert create.endswith("WITHOUT ROWID")
    key = {name: place for _, name, _, _, _, place in rows(built_db, "PRAGMA table_info(fact_sources)") if place}
    assert key == {"fact_id": 1, "sentence_id": 2}


# --- Validation: one line naming the file, the entry and the fix, exit 2, nothing written -----------


def build_fails_with(run_nervebot, project: Path, tmp_path: Path, *fragments: str) -> str:
    out = tmp_path / "out" / "facts.db"
    result = run_nervebot("build", "--root", project, "--db", out)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("nervebot: ")
    for fragment in fragments:
        assert fragment in line
    assert not out.exists()
    return line


def new_fact(**overrides: object) -> dict[str, object]:
    """A fact the real knowledge does not have yet, with a quote that is in its document."""
    fact: dict[str, object] = {
        "subject": "L5",
        "relation": "produces",
        "object": "hip-extension",
        "qualifiers": ["possible"],
        "source": "l5-blog-2020",
        "quote": "The L5 nerve root also innervates the muscles that cause hip extension",
    }
    fact.update(overrides)
    return fact


def add_fact(edit_yaml, fact: dict[str, object]) -> None:
    edit_yaml("knowledge/facts.yaml", lambda data: data["facts"].append(fact))


def test_new_fact_used_below_is_valid_on_its_own(edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact())
    build(project, tmp_path / "facts.db")
    assert rows(tmp_path / "facts.db", "SELECT claim FROM facts WHERE id = 'produces:L5:hip-extension:possible'")


def test_quote_not_in_its_document_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(quote="The L5 nerve root controls every muscle of the leg."))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "(L5 produces hip-extension)",
        "is not in l5-blog-2020",
        "copy the words exactly from sources/l5-blog-2020.txt",
    )


def test_blank_quote_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(quote="   "))
    build_fails_with(
        run_nervebot, project, tmp_path, "knowledge/facts.yaml", "(L5 produces hip-extension)", "the quote is blank"
    )


def test_a_quote_comes_from_the_sentence_it_is_or_else_the_first_that_holds_it():
    text = "Heading\nThe note says foot drop is common. Foot drop is common. Foot drop is common."
    section = knowledge.Section("doc.a", "doc", "part A", "notes", tuple(split_section(text, "doc.a")))
    first, whole, again = section.sentences
    document = knowledge._DocumentText((section,))
    assert document.source_of("Foot drop is common.").sentence_id == whole.id  # not the first that holds it
    assert document.source_of("foot drop is common.").sentence_id == first.id
    assert document.source_of("drop is common.").sentence_id == first.id
    assert again.id != whole.id
    assert document.source_of("") is None
    assert document.source_of("Foot drop is rare.") is None


def test_two_documents_with_one_id_are_a_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    edit_yaml("sources/sources.yaml", lambda data: data["documents"].append(copy.deepcopy(data["documents"][0])))
    build_fails_with(run_nervebot, project, tmp_path, "sources/sources.yaml: document ", "another document has this id")


def test_two_sections_with_one_id_are_a_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    def repeat_a_section(data):
        sections = data["documents"][0]["sections"]
        sections.append({**sections[-1], "start": sections[0]["start"], "end": sections[0]["end"]})

    edit_yaml("sources/sources.yaml", repeat_a_section)
    line = build_fails_with(run_nervebot, project, tmp_path, "another section has the id")
    assert ", section " in line


def test_quote_found_only_in_page_furniture_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(source="droracle-2025", quote="Help us tailor your experience"))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "(L5 produces hip-extension)",
        "is page furniture",
        "quote a content sentence of sources/droracle-2025.txt",
    )


def test_unknown_entity_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(subject="L7"))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "(L7 produces hip-extension)",
        "unknown subject entity 'L7'",
        "add it to knowledge/entities.yaml",
    )


def test_unknown_relation_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(relation="controls"))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "(L5 controls hip-extension)",
        "unknown relation 'controls'",
        "use one from knowledge/relations.yaml",
    )


def test_unknown_qualifier_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(qualifiers=["definitely"]))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "(L5 produces hip-extension)",
        "unknown qualifier 'definitely'",
        "use one from knowledge/relations.yaml",
    )


def test_entity_type_the_relation_does_not_take_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(subject="tibialis-anterior"))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "(tibialis-anterior produces hip-extension)",
        "subject tibialis-anterior is a muscle, but produces takes root",
    )


def claim_sciatic(data):
    (nerve,) = [e for e in data["entities"] if e["id"] == "deep-peroneal-nerve"]
    nerve["aliases"].append("sciatic")


def test_alias_claimed_by_two_entities_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    edit_yaml("knowledge/entities.yaml", claim_sciatic)
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/entities.yaml",
        "entity deep-peroneal-nerve",
        "alias 'sciatic' is already claimed by sciatic-nerve",
        "keep it on one entity or list it under `ambiguous`",
    )


def test_duplicate_fact_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    edit_yaml("knowledge/facts.yaml", lambda data: data["facts"].append(copy.deepcopy(data["facts"][0])))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "duplicate fact",
        "list both quotes under one entry's `sources`",
    )


def test_conflict_naming_a_missing_fact_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    conflict = {
        "id": "l5-dorsiflexion-vs-inversion",
        "facts": [
            {"subject": "L5", "relation": "produces", "object": "ankle-dorsiflexion", "qualifiers": ["primary"]},
            {"subject": "L5", "relation": "produces", "object": "foot-inversion"},
        ],
        "note": "made up for the test",
    }
    edit_yaml("knowledge/facts.yaml", lambda data: data["conflicts"].append(conflict))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "conflict l5-dorsiflexion-vs-inversion",
        "no fact produces:L5:foot-inversion",
        "match subject, relation, object and qualifiers exactly",
    )


def test_conflict_whose_sides_share_one_section_is_one_line_error(run_nervebot, edit_yaml, project, tmp_path):
    conflict = {
        "id": "l3-vs-l4",
        "facts": [
            {"subject": "L3", "relation": "produces", "object": "ankle-dorsiflexion", "qualifiers": ["associated"]},
            {"subject": "L4", "relation": "produces", "object": "ankle-dorsiflexion", "qualifiers": ["associated"]},
        ],
        "note": "both sides come from the research section",
    }
    edit_yaml("knowledge/facts.yaml", lambda data: data["conflicts"].append(conflict))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        "conflict l3-vs-l4",
        "both sides rest on the same source section",
    )


def test_bad_yaml_is_one_line_error_with_its_line_number(run_nervebot, project, tmp_path):
    facts = project / "knowledge" / "facts.yaml"
    lines_before = facts.read_text(encoding="utf-8").count("\n")
    with facts.open("a", encoding="utf-8") as fh:
        fh.write("  - {subject: L5, relation: produces\n")
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.yaml",
        f"line {lines_before + 2} is not valid YAML",
        "fix the syntax",
    )


def test_failed_build_leaves_the_previous_db_untouched(edit_yaml, project, built_db, run_nervebot):
    before = sha256(built_db)
    add_fact(edit_yaml, new_fact(subject="L7"))
    result = run_nervebot("build", "--root", project, "--db", built_db)
    assert result.returncode == 2
    assert sha256(built_db) == before


def test_a_bad_fact_found_while_the_sentences_are_indexed_leaves_no_file_behind(edit_yaml, project, tmp_path):
    add_fact(edit_yaml, new_fact(subject="L7"))
    out = tmp_path / "out" / "facts.db"
    with pytest.raises(KnowledgeError, match="L7"):
        build(project, out)
    assert list(out.parent.iterdir()) == []


# --- Reproducibility and --check ----------------------------------------------------------------------


def test_two_builds_give_identical_bytes(project, tmp_path):
    first, second = tmp_path / "a" / "facts.db", tmp_path / "b" / "facts.db"
    build(project, first)
    build(project, second)
    assert first.read_bytes() == second.read_bytes()


def test_two_builds_give_identical_dumps(project, tmp_path):
    first, second = tmp_path / "a" / "facts.db", tmp_path / "b" / "facts.db"
    build(project, first)
    build(project, second)
    assert dump(first) == dump(second)
    assert "CREATE TABLE" in dump(first)


def test_check_passes_on_a_fresh_build(run_nervebot, project, tmp_path):
    db = tmp_path / "facts.db"
    assert run_nervebot("build", "--root", project, "--db", db).returncode == 0
    result = run_nervebot("build", "--check", "--root", project, "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches its inputs" in result.stdout


def test_check_fails_after_an_alias_is_added(run_nervebot, replace_text, project, tmp_path):
    db = tmp_path / "facts.db"
    assert run_nervebot("build", "--root", project, "--db", db).returncode == 0
    before = sha256(db)
    replace_text("knowledge/entities.yaml", "aliases: [L3, ", "aliases: [L3, third lumbar, ")
    result = run_nervebot("build", "--check", "--root", project, "--db", db)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "out of date" in result.stdout
    assert "run `nervebot build`" in result.stdout
    assert sha256(db) == before


def test_check_fails_when_there_is_no_db(run_nervebot, project, tmp_path):
    result = run_nervebot("build", "--check", "--root", project, "--db", tmp_path / "missing.db")
    assert result.returncode == 1
    assert not (tmp_path / "missing.db").exists()


# --- Conflicts ----------------------------------------------------------------------------------------


def test_l5_dorsiflexion_vs_plantar_flexion_conflict_is_stored(built_db):
    assert rows(built_db, "SELECT fact_a, fact_b FROM conflicts WHERE id = 'l5-dorsiflexion-vs-plantar-flexion'") == [
        ("produces:L5:ankle-dorsiflexion:primary", "produces:L5:plantar-flexion:associated:primary")
    ]


def test_l5_conflict_sides_come_from_different_sections(built_db):
    def sections(side: str) -> set[object]:
        return {
            section
            for (section,) in rows(
                built_db,
                f"""SELECT DISTINCT s.section_id FROM conflicts c
                    JOIN fact_sources fs ON fs.fact_id = c.{side}
                    JOIN sentences s ON s.id = fs.sentence_id
                    WHERE c.id = 'l5-dorsiflexion-vs-plantar-flexion'""",
            )
        }

    dorsiflexion, plantar_flexion = sections("fact_a"), sections("fact_b")
    assert dorsiflexion
    assert dorsiflexion <= {"l5-blog-2020.body", "droracle-2025.guideline"}
    assert plantar_flexion == {"droracle-2025.research"}


# --- Coverage -----------------------------------------------------------------------------------------


def test_real_knowledge_covers_every_content_sentence(project, tmp_path):
    report = build(project, tmp_path / "facts.db")
    assert report.uncovered == []
    assert report.covered == report.content_sentences > 0
    assert report.coverage == 1.0


def test_cli_reports_full_coverage(run_nervebot, project, tmp_path):
    result = run_nervebot("build", "--root", project, "--db", tmp_path / "facts.db")
    assert result.returncode == 0, result.stderr
    assert "(100%)" in result.stdout
    assert "no fact yet" not in result.stdout


SENSORY_SENTENCE = "The L5 nerve root gives sensory innervation to the top of the foot."


def drop_sensory_fact(edit_yaml) -> None:
    """Remove the only fact quoting SENSORY_SENTENCE."""

    def drop(data):
        kept = [f for f in data["facts"] if f["relation"] != "sensory_area"]
        assert len(kept) == len(data["facts"]) - 1
        data["facts"] = kept

    edit_yaml("knowledge/facts.yaml", drop)


def test_deleting_a_sentences_only_fact_reports_it_uncovered(edit_yaml, project, tmp_path):
    drop_sensory_fact(edit_yaml)
    report = build(project, tmp_path / "facts.db")
    assert [text for _, text in report.uncovered] == [SENSORY_SENTENCE]
    assert report.covered == report.content_sentences - 1


def test_cli_names_the_uncovered_sentence(run_nervebot, edit_yaml, project, tmp_path):
    drop_sensory_fact(edit_yaml)
    result = run_nervebot("build", "--root", project, "--db", tmp_path / "facts.db")
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if "no fact yet" in line]
    assert line.endswith(SENSORY_SENTENCE)
    assert "l5-blog-2020.body." in line
    assert "(100%)" not in result.stdout


# --- The read-only store ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO meta (key, value) VALUES ('x', 'y')",
        "UPDATE facts SET note = 'edited'",
        "DELETE FROM facts",
        "DROP TABLE facts",
    ],
)
def test_store_refuses_writes_and_leaves_file_unchanged(built_db, sql):
    before = sha256(built_db)
    with pytest.raises(StoreError):
        Store(built_db).query(sql)
    assert sha256(built_db) == before


def test_store_answers_a_select(built_db):
    assert Store(built_db).query("SELECT name FROM entities WHERE id = :id", {"id": "L5"}) == [
        {"name": "L5 nerve root"}
    ]


def assert_asks_for_rebuild(path: Path) -> None:
    with pytest.raises(StoreError, match="run `nervebot build`"):
        Store(path)


def test_store_on_missing_file_says_to_build(tmp_path):
    assert_asks_for_rebuild(tmp_path / "facts.db")


def test_store_on_text_file_says_to_build(tmp_path):
    path = tmp_path / "facts.db"
    path.write_text("facts go here\n" * 100, encoding="utf-8")
    assert_asks_for_rebuild(path)


@pytest.mark.parametrize("size", [100, 4096, 65536])
def test_store_on_truncated_file_says_to_build(built_db, tmp_path, size):
    data = built_db.read_bytes()
    assert len(data) > size
    path = tmp_path / "truncated.db"
    path.write_bytes(data[:size])
    assert_asks_for_rebuild(path)


def test_store_on_wrong_user_version_says_to_build(built_db):
    conn = sqlite3.connect(built_db)
    try:
        conn.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    finally:
        conn.close()
    assert_asks_for_rebuild(built_db)


# --- Non-editable install -----------------------------------------------------------------------------


def run_ok(*cmd: str | Path, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"NERVEBOT_DB", "PYTHONPATH", "VIRTUAL_ENV"}}
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run_ok(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, REPO_ROOT, cwd=dist)
    (path,) = dist.glob("nervebot-*.whl")
    return path


@pytest.mark.slow
def test_wheel_bundles_facts_db_and_intents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/_data/facts.db" in names
    assert any(name.startswith("bot/_data/intents/") for name in names)


@pytest.mark.slow
def test_installed_wheel_finds_its_bundled_facts_db(wheel, tmp_path):
    venv = tmp_path / "venv"
    run_ok(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run_ok(python, "-m", "pip", "install", "--no-deps", wheel, cwd=tmp_path)
    run_ok(python, "-m", "pip", "install", "rapidfuzz", "prompt-toolkit", "PyYAML", cwd=tmp_path)
    site_packages = Path(
        run_ok(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip()
    )
    printed = run_ok(python, "-c", "from bot import paths; print(paths.default_db())", cwd=tmp_path).strip()
    db = Path(printed)
    assert db.is_relative_to(site_packages)
    assert db.is_file()


def test_quote_spanning_two_sentences_says_so(run_nervebot, edit_yaml, project, tmp_path):
    quote = "Distribution of sensory symptoms to determine the affected nerve root. In clinical practice"
    add_fact(edit_yaml, new_fact(source="droracle-2025", quote=quote))
    build_fails_with(run_nervebot, project, tmp_path, "knowledge/facts.yaml", "spans two sentences")


def test_qualifier_order_does_not_hide_a_duplicate(run_nervebot, edit_yaml, project, tmp_path):
    def duplicate(data):
        fact = next(f for f in data["facts"] if f.get("qualifiers") == ["primary", "associated"])
        data["facts"].append({**fact, "qualifiers": ["associated", "primary"]})

    edit_yaml("knowledge/facts.yaml", duplicate)
    build_fails_with(run_nervebot, project, tmp_path, "knowledge/facts.yaml", "duplicate fact")


def test_unparsable_entities_file_is_one_line_not_a_cascade(run_nervebot, project, tmp_path):
    path = project / "knowledge" / "entities.yaml"
    path.write_text(path.read_text() + "  - {id: broken\n")
    out = run_nervebot("build", "--root", str(project), "--db", str(tmp_path / "facts.db"))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "entities.yaml" in out.stderr


def test_repeated_sentence_gets_its_own_id():
    sentences = split_section("The same words. Other words. The same words.", "doc.body")
    ids = [s.id for s in sentences]
    assert len(set(ids)) == 3 and ids[2] == ids[0] + "-2"


# --- Facts as JSON Lines, for generated lists too long for YAML -------------------------------------


def write_jsonl(project: Path, name: str, *lines: str) -> None:
    (project / "knowledge" / name).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def test_fact_from_json_lines_is_stored_like_the_same_fact_in_yaml(edit_yaml, project, tmp_path):
    write_jsonl(project, "facts.extra.jsonl", "", json.dumps(new_fact()))
    build(project, tmp_path / "jsonl.db")
    add_fact(edit_yaml, new_fact())
    (project / "knowledge" / "facts.extra.jsonl").unlink()
    build(project, tmp_path / "yaml.db")
    same = [line for line in dump(tmp_path / "yaml.db").splitlines() if "inputs_sha256" not in line]
    assert [line for line in dump(tmp_path / "jsonl.db").splitlines() if "inputs_sha256" not in line] == same


def test_json_lines_facts_come_after_the_yaml_ones_in_file_name_order(project, tmp_path):
    write_jsonl(project, "facts.b.jsonl", json.dumps(new_fact(qualifiers=["possible"])))
    write_jsonl(project, "facts.a.jsonl", json.dumps(new_fact(qualifiers=["also"])))
    build(project, tmp_path / "facts.db")
    last = rows(tmp_path / "facts.db", "SELECT id FROM facts ORDER BY rowid DESC LIMIT 2")
    assert last == [("produces:L5:hip-extension:possible",), ("produces:L5:hip-extension:also",)]


def test_json_lines_file_is_an_input_of_the_check(run_nervebot, project, tmp_path):
    db = tmp_path / "facts.db"
    build(project, db)
    write_jsonl(project, "facts.extra.jsonl", json.dumps(new_fact()))
    assert run_nervebot("build", "--check", "--root", project, "--db", db).returncode == 1


def test_json_lines_line_that_is_not_json_is_one_line_error(run_nervebot, project, tmp_path):
    write_jsonl(project, "facts.extra.jsonl", json.dumps(new_fact()), '{"subject": "L5", "relation": ')
    build_fails_with(
        run_nervebot, project, tmp_path, "knowledge/facts.extra.jsonl: line 2 is not valid JSON", "fix the syntax"
    )


def test_json_lines_fact_is_checked_like_a_yaml_fact(run_nervebot, project, tmp_path):
    write_jsonl(project, "facts.extra.jsonl", json.dumps(new_fact(quote="The L5 root moves the whole leg.")))
    build_fails_with(
        run_nervebot,
        project,
        tmp_path,
        "knowledge/facts.extra.jsonl: line 1 (L5 produces hip-extension)",
        "is not in l5-blog-2020",
    )


def test_json_lines_fact_already_in_yaml_is_a_duplicate(run_nervebot, project, tmp_path):
    first = yaml.safe_load((project / "knowledge" / "facts.yaml").read_text(encoding="utf-8"))["facts"][0]
    write_jsonl(project, "facts.extra.jsonl", json.dumps(first))
    build_fails_with(run_nervebot, project, tmp_path, "knowledge/facts.extra.jsonl: line 1", "duplicate fact")


def test_json_lines_with_spaces_around_a_value_still_read(project, tmp_path):
    write_jsonl(project, "facts.extra.jsonl", "  " + json.dumps(new_fact()) + " \r")
    build(project, tmp_path / "facts.db")
    assert rows(tmp_path / "facts.db", "SELECT 1 FROM facts WHERE id = 'produces:L5:hip-extension:possible'")


# --- A long JSON Lines list is checked in worker processes -------------------------------------------


@pytest.fixture
def in_workers(monkeypatch):
    """Check even a short JSON Lines list in worker processes, three of them whatever the machine has; the
    worker that reads the entities reads every document but the first, however fast this process is."""
    claim = knowledge._Claims.next

    def only_the_first_here(claims, count, from_back):
        return None if not from_back and claims._claimed[0] else claim(claims, count, from_back)

    def use_workers() -> None:
        monkeypatch.setattr(knowledge, "_PARALLEL_BYTES", 0)
        monkeypatch.setattr(knowledge, "_cores", lambda: 3)
        monkeypatch.setattr(knowledge._Claims, "next", only_the_first_here)

    return use_workers


def facts_as_json_lines(edit_yaml, project: Path, *extra: str) -> list[str]:
    """Move the real facts from facts.yaml to two JSON Lines files, then `extra` lines; the lines written."""
    facts = yaml.safe_load((project / "knowledge" / "facts.yaml").read_text(encoding="utf-8"))["facts"]
    edit_yaml("knowledge/facts.yaml", lambda data: data.update(facts=[]))
    lines = [json.dumps(fact) for fact in facts] + list(extra)
    write_jsonl(project, "facts.a.jsonl", *lines[:30])
    write_jsonl(project, "facts.b.jsonl", *lines[30:])
    return lines


def test_facts_checked_in_worker_processes_give_the_same_bytes_and_report(in_workers, edit_yaml, project, tmp_path):
    drop_sensory_fact(edit_yaml)
    facts_as_json_lines(edit_yaml, project)
    here = build(project, tmp_path / "here" / "facts.db")
    in_workers()
    workers = build(project, tmp_path / "workers" / "facts.db")
    assert (tmp_path / "workers" / "facts.db").read_bytes() == (tmp_path / "here" / "facts.db").read_bytes()
    assert workers == here
    assert [text for _, text in workers.uncovered] == [SENSORY_SENTENCE]


def test_workers_store_the_json_lines_facts_a_part_each(in_workers, edit_yaml, project, tmp_path):
    lines = facts_as_json_lines(edit_yaml, project)
    in_workers()
    k = knowledge.load(project, store_facts=_Parts(tmp_path).store)
    assert not k.facts
    assert [part.facts > 0 for part in k.parts] == [True, True, True]
    assert k.fact_count() == len(lines)
    assert [len(rows(_Parts(tmp_path).path(n), "SELECT * FROM rows")) for n in range(3)] == [
        part.sources for part in k.parts
    ]


def errors_here_and_in_workers(in_workers, project, db):
    """The build's error message without workers, then with them."""
    with pytest.raises(KnowledgeError) as here:
        build(project, db)
    in_workers()
    with pytest.raises(KnowledgeError) as workers:
        build(project, db)
    return str(here.value), str(workers.value)


@pytest.mark.parametrize(
    "bad",
    [
        json.dumps(new_fact(quote="The L5 root moves the whole leg.")),
        json.dumps(new_fact(subject="L7")),
        '{"subject": "L5", "relation": ',
        "[1, 2]",
    ],
)
def test_a_problem_a_worker_finds_reads_as_it_does_without_workers(in_workers, edit_yaml, project, tmp_path, bad):
    lines = facts_as_json_lines(edit_yaml, project)
    write_jsonl(project, "facts.b.jsonl", *lines[30:50], bad, *lines[50:], lines[3])  # and a duplicate of a fact
    here, workers = errors_here_and_in_workers(in_workers, project, tmp_path / "facts.db")
    assert workers == here
    assert len(here.splitlines()) == 2
    assert not (tmp_path / "facts.db").exists()


def test_facts_a_worker_gives_up_on_are_all_checked_here_and_stored_once(
    in_workers, edit_yaml, project, tmp_path, monkeypatch
):
    """As when two facts of two parts have the same hash, and are two facts after all."""
    facts_as_json_lines(edit_yaml, project)
    build(project, tmp_path / "here" / "facts.db")
    in_workers()
    check_part = knowledge._Builder._check_part

    def give_up_the_last(builder, n, *args):
        result = check_part(builder, n, *args)
        return None if n == 2 else result

    monkeypatch.setattr(knowledge._Builder, "_check_part", give_up_the_last)
    build(project, tmp_path / "workers" / "facts.db")
    assert (tmp_path / "workers" / "facts.db").read_bytes() == (tmp_path / "here" / "facts.db").read_bytes()


def break_a_document(index: int):
    def change(data):
        data["documents"][index]["sections"][0]["start"] = "Words no document has."

    return change


@pytest.mark.parametrize(
    ("relative", "change"),
    [
        ("sources/sources.yaml", break_a_document(0)),
        ("sources/sources.yaml", break_a_document(-1)),  # one of those a worker reads with the entities
        ("sources/sources.yaml", lambda data: data["documents"].append(copy.deepcopy(data["documents"][0]))),
        ("knowledge/entities.yaml", claim_sciatic),
        ("knowledge/relations.yaml", lambda data: data["relations"]["supplies"].update(subject=["bone"])),
    ],
)
def test_a_problem_in_the_documents_or_entities_reads_as_it_does_without_workers(
    in_workers, edit_yaml, project, tmp_path, relative, change
):
    facts_as_json_lines(edit_yaml, project)
    edit_yaml(relative, change)
    here, workers = errors_here_and_in_workers(in_workers, project, tmp_path / "facts.db")
    assert workers == here
    assert not (tmp_path / "facts.db").exists()


def test_a_fact_in_two_workers_parts_is_a_duplicate(in_workers, edit_yaml, project, tmp_path):
    lines = facts_as_json_lines(edit_yaml, project)
    write_jsonl(project, "facts.b.jsonl", *lines[30:], lines[0])
    in_workers()
    with pytest.raises(KnowledgeError, match=r"^knowledge/facts.b.jsonl: line \d+ \(.*\): duplicate fact"):
        build(project, tmp_path / "facts.db")


# --- A big store's start: a full integrity check reads every page, so only what starts read is checked


@pytest.fixture
def big_store_check(monkeypatch):
    """Treat every facts.db as too big to check whole."""
    monkeypatch.setattr(store, "_FULL_CHECK_BYTES", 0)


def test_big_store_passes_the_short_check(big_store_check, built_db):
    assert Store(built_db).query("SELECT name FROM entities WHERE id = 'L5'") == [{"name": "L5 nerve root"}]


def test_big_store_missing_its_last_page_says_to_build(big_store_check, built_db, tmp_path):
    data = built_db.read_bytes()
    path = tmp_path / "truncated.db"
    path.write_bytes(data[:-4096])
    with pytest.raises(StoreError, match=r"corrupt .* run `nervebot build`"):
        Store(path)


def test_big_store_with_a_damaged_alias_table_says_to_build(big_store_check, built_db):
    conn = sqlite3.connect(built_db)
    try:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'aliases'").fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    data = bytearray(built_db.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + page_size] = bytes((i * 7 + 13) & 0xFF for i in range(page_size - 8))
    built_db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="run `nervebot build`"):
        Store(built_db)


def test_a_claim_s_verb_agrees_with_a_plural_subject(built_db: Path) -> None:
    claims = {c for (c,) in rows(built_db, "SELECT claim FROM facts WHERE relation IN ('performs', 'part_of')")}
    assert "hip abductors perform hip abduction" in claims
    assert "gluteus medius is part of hip abductors" in claims
    assert not any(c.startswith(("hamstrings performs", "hamstrings is ")) for c in claims)
