"""`nervebot ask` as a user runs it: plain text, --json, --jsonl, --db and NERVEBOT_DB."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def nervebot(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("nervebot") or str(Path(sys.executable).with_name("nervebot"))
    return subprocess.run(
        [exe, *args], input=stdin, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_ask_prints_answer_sources_and_disclaimer() -> None:
    out = nervebot("ask", "what causes foot drop?")
    assert out.returncode == 0, out.stderr
    assert "L5 nerve root" in out.stdout
    assert "Sources:" in out.stdout and "Injury of the L5 nerve root can cause" in out.stdout
    assert "Educational use only" in out.stdout


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    exe = shutil.which("nervebot") or str(Path(sys.executable).with_name("nervebot"))
    proc = subprocess.Popen(
        [exe, "ask", "--jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(b"what causes foot drop?\n")
    proc.stdin.flush()
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`: the next answer has nowhere to go
    _, err = proc.communicate(b"which nerve supplies the tibialis anterior?\n" * 50, timeout=60)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode == 141


def test_ask_json_is_one_answer_object() -> None:
    out = nervebot("ask", "--json", "which nerve supplies TA?")
    data = json.loads(out.stdout)
    assert data["status"] == "answered" and data["intent"] == "nerve_of_muscle"
    assert data["sources"][0]["document_id"] == "l5-blog-2020"


def test_jsonl_answers_each_line_in_order_with_sessions() -> None:
    lines = [
        "what causes foot drop?",
        json.dumps({"question": "what does the tibialis posterior do?", "session": "s"}),
        "{not json",
        json.dumps({"question": "which nerve supplies it?", "session": "s"}),
        "",
    ]
    out = nervebot("ask", "--jsonl", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == len(lines)
    assert rows[0]["intent"] == "causes"
    assert rows[1]["intent"] == "muscle_action"
    assert "error" in rows[2] and rows[2]["line"] == 3
    assert rows[3]["status"] == "answered" and "tibial nerve" in rows[3]["text"]
    assert rows[4]["status"] == "no_answer"
    assert all(row["disclaimer"] for row in rows)


def test_db_flag_and_env_point_at_another_store(tmp_path: Path) -> None:
    copy = tmp_path / "mine.db"
    shutil.copy(ROOT / "facts.db", copy)
    assert nervebot("ask", "--db", str(copy), "hi").returncode == 0
    missing = tmp_path / "nope.db"
    for out in (nervebot("ask", "--db", str(missing), "hi"), nervebot("ask", "hi", env={"NERVEBOT_DB": str(missing)})):
        assert out.returncode == 2
        assert "nope.db" in out.stderr and "nervebot build" in out.stderr
        assert "Traceback" not in out.stderr


def test_db_before_the_command_is_that_command_s_and_with_no_command_the_chat_s(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    for out in (nervebot("--db", str(missing), "ask", "hi"), nervebot("--db", str(missing))):
        assert out.returncode == 2 and "nope.db" in out.stderr and "Traceback" not in out.stderr
    assert "deep peroneal" in nervebot("--db", str(ROOT / "facts.db"), "ask", "which nerve supplies the TA?").stdout


@pytest.mark.parametrize("junk", [b"", b"not a database at all", b"SQLite format 3\x00" + b"\x00" * 50])
def test_broken_store_is_one_clear_line_and_exit_2(tmp_path: Path, junk: bytes) -> None:
    bad = tmp_path / "facts.db"
    bad.write_bytes(junk)
    out = nervebot("ask", "--db", str(bad), "what causes foot drop?")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_intents_flag_and_env_point_at_another_folder(tmp_path: Path) -> None:
    folder = tmp_path / "intents"
    shutil.copytree(ROOT / "intents", folder)
    assert nervebot("ask", "--intents", str(folder), "what causes foot drop?").returncode == 0
    (folder / "causes.yaml").write_text("name: causes\nexamples: [\n")
    for out in (
        nervebot("ask", "--intents", str(folder), "hi"),
        nervebot("ask", "hi", env={"NERVEBOT_INTENTS": str(folder)}),
    ):
        assert out.returncode == 2
        assert "causes.yaml" in out.stderr and "Traceback" not in out.stderr


def test_emergency_number_comes_from_the_environment() -> None:
    out = nervebot("ask", "I lost control of my bladder", env={"NERVEBOT_EMERGENCY": "000 (Australia)"})
    assert out.returncode == 0 and "000 (Australia)" in out.stdout
