"""Hostile and odd input: every one gets a sensible answer or a clear message, fast, through the
Python API, `nervebot ask` and `nervebot ask --jsonl`, and none of it reaches a terminal, a template
or a query unescaped."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import Answer, Bot
from bot.answer import STATUSES
from bot.core import MAX_QUESTION_CHARS

ROOT = Path(__file__).parent.parent
FAST_SECONDS = 0.25  # generous: a typical ask takes well under a millisecond

BAD_INPUTS: dict[str, str] = {
    "empty": "",
    "whitespace": " \t\r\n \u00a0\u3000 ",
    "nul-bytes": "what causes\x00 foot drop?\x00",
    "control-chars": "\x01\x02\x07what\x08 causes foot drop\x7f\x85?",
    "emoji": "what causes foot drop? \U0001f9b6\U0001f915",
    "only-emoji": "\U0001f9b6\U0001f915\U0001f642",
    # "what causes foot drop?" in Arabic
    "right-to-left": "\u0645\u0627 \u0633\u0628\u0628 \u0627\u0644\u0642\u062f\u0645 "
    "\u0627\u0644\u0645\u062a\u062f\u0644\u064a\u0629\u061f",
    "rtl-override": "what causes foot drop \u202e?pord toof",
    "mixed-scripts": "\u043a\u0430\u043a\u043e\u0439 \u043d\u0435\u0440\u0432 supplies the tibialis anterior? \u8db3",
    "combining-marks": "what causes foot dro\u0301p?",
    "sql": "'; DROP TABLE facts; --",
    "sql-in-question": "which nerve supplies EHL'; DELETE FROM facts WHERE 1=1; --",
    "sql-union": "tibialis anterior' UNION SELECT sql FROM sqlite_master --",
    "format-attribute": "{0.__class__}",
    "format-mro": "what causes {sign.__class__.__mro__}",
    "jinja": "{{7*7}}",
    "printf": "%s%n%x",
    "template-field": "{items}",
    "slot-field": "which nerve supplies the {muscle}?",
    "slack-channel": "<!channel> what causes foot drop?",
    "slack-user": "<@U024BE7LH> which root supplies EHL?",
    "discord-everyone": "@everyone which nerve supplies TA?",
    "discord-role": "@here <@&123456789> hi",
    "ansi-colour": "\x1b[31mwhat causes foot drop?\x1b[0m",
    "osc-title": "\x1b]0;pwned\x07which root supplies EHL?",
    "clear-screen": "\x1b[2J\x1b[Hhello",
    "c1-csi": "\x9b31mwhat causes foot drop?",
    "long-line": "what causes foot drop? " * 5000,
}
# argv cannot carry NUL; one of each other kind is enough for the command-line check
ARGV_INPUTS = (
    "empty",
    "whitespace",
    "control-chars",
    "right-to-left",
    "rtl-override",
    "mixed-scripts",
    "sql",
    "format-attribute",
    "jinja",
    "printf",
    "slack-channel",
    "discord-everyone",
    "ansi-colour",
    "osc-title",
    "c1-csi",
    "long-line",
)
TEMPLATE_INPUTS = ("format-attribute", "format-mro", "jinja", "printf", "template-field", "slot-field")
MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "@everyone", "@here", "<@")
# What a terminal or a chat client would act on: C0/C1 controls (ESC, CSI, BEL ...) and bidi overrides.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("db") / "facts.db"
    shutil.copy(ROOT / "facts.db", copy)
    return copy


@pytest.fixture(scope="module")
def bot(db: Path) -> Bot:
    return Bot(db=db)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _shown(answer: Answer) -> list[str]:
    """Everything a front end renders or a script reads back, the echoed question included."""
    return list(_strings(answer.to_dict()))


def _unsafe_chars(text: str) -> list[str]:
    return [c for c in text if (unicodedata.category(c) == "Cc" and c != "\n") or c in _BIDI]


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gets_a_clear_reply_fast(bot: Bot, name: str) -> None:
    start = time.perf_counter()
    answer = bot.ask(BAD_INPUTS[name], session=f"bad-{name}")
    elapsed = time.perf_counter() - start
    assert answer.status in STATUSES
    assert answer.text.strip() and answer.disclaimer.strip()
    assert elapsed < FAST_SECONDS, f"{name} took {elapsed * 1000:.1f} ms"


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_no_control_or_bidi_character_survives_into_the_answer(bot: Bot, name: str) -> None:
    answer = bot.ask(BAD_INPUTS[name])
    for text in _shown(answer):
        assert _unsafe_chars(text) == [], f"{name}: {text!r}"
    assert "\\u001b" not in answer.to_json() and "\\u009b" not in answer.to_json()


@pytest.mark.parametrize("name", TEMPLATE_INPUTS)
def test_template_and_format_text_is_never_expanded(bot: Bot, name: str) -> None:
    answer = bot.ask(BAD_INPUTS[name])
    shown = " ".join(_shown(answer))
    for expansion in ("<class", "__mro__", "object at 0x", "49", "{muscle}", "tibialis anterior"):
        assert expansion not in answer.text, f"{name} expanded to {answer.text!r}"
    assert "%n" not in answer.text and "Traceback" not in shown
    assert answer.status == "no_answer"


@pytest.mark.parametrize("name", ["slack-channel", "slack-user", "discord-everyone", "discord-role"])
def test_mentions_in_a_question_are_never_echoed_into_the_answer(bot: Bot, name: str) -> None:
    answer = bot.ask(BAD_INPUTS[name])
    rendered = [answer.text, *answer.notes, *answer.options, *answer.suggestions]
    assert not [m for m in MENTIONS for text in rendered if m in text]


def test_mention_prefix_does_not_stop_the_real_question_being_answered(bot: Bot) -> None:
    assert bot.ask(BAD_INPUTS["slack-channel"]).intent == "causes"
    assert bot.ask(BAD_INPUTS["discord-everyone"]).intent == "nerve_of_muscle"


def test_sql_text_is_only_words_and_the_store_is_untouched(bot: Bot, db: Path) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    (facts,) = bot.store.query("SELECT count(*) AS n FROM facts")
    for name in ("sql", "sql-in-question", "sql-union"):
        answer = bot.ask(BAD_INPUTS[name])
        assert "CREATE TABLE" not in answer.text and "sqlite_master" not in answer.text
    assert bot.store.query("SELECT count(*) AS n FROM facts") == [facts]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert bot.ask("what causes foot drop?").status == "answered"


@pytest.mark.parametrize("name", ["empty", "whitespace", "only-emoji"])
def test_nothing_to_read_gets_a_prompt_for_a_question(bot: Bot, name: str) -> None:
    answer = bot.ask(BAD_INPUTS[name])
    assert answer.status == "no_answer"
    assert "question" in answer.text and answer.suggestions


@pytest.mark.parametrize("name", ["right-to-left", "cyrillic", "japanese"])
def test_a_question_in_another_script_gets_the_prompt_not_a_slot_question(bot: Bot, name: str) -> None:
    question = {
        "right-to-left": BAD_INPUTS["right-to-left"],
        "cyrillic": "\u043a\u0430\u043a\u043e\u0439 \u043d\u0435\u0440\u0432",
        "japanese": "\u8db3\u304c\u4e0b\u5782\u3059\u308b\u539f\u56e0\u306f\uff1f",
    }[name]
    answer = bot.ask(question)
    assert answer.status == "no_answer"
    assert not answer.text.startswith("I need to know which")


def test_control_characters_and_escapes_are_stripped_not_fatal(bot: Bot) -> None:
    for name in ("nul-bytes", "control-chars", "ansi-colour", "c1-csi", "rtl-override"):
        answer = bot.ask(BAD_INPUTS[name])
        assert answer.intent == "causes", name
    assert bot.ask(BAD_INPUTS["osc-title"]).intent == "roots_of_muscle"
    assert bot.ask(BAD_INPUTS["clear-screen"]).status == "chitchat"


def test_a_megabyte_question_is_cut_at_the_documented_length_with_a_note(bot: Bot) -> None:
    question = "which nerve supplies the tibialis anterior? " + "x" * 1_000_000
    start = time.perf_counter()
    answer = bot.ask(question)
    assert time.perf_counter() - start < FAST_SECONDS
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert f"cut to its first and last {MAX_QUESTION_CHARS // 2} or so characters" in " ".join(answer.notes)
    assert answer.intent == "nerve_of_muscle"


def test_a_long_case_is_read_by_its_two_ends(bot: Bot) -> None:
    findings = "A 45 year old man has foot drop after lifting a heavy box at work. "
    answer = bot.ask(
        findings + "He also mentions that the pain is dull and worse in the evening. " * 12 + "Which root is involved?"
    )
    assert answer.status == "answered", answer.text
    assert "L5 nerve root" in answer.text


def test_a_question_at_the_limit_is_not_cut(bot: Bot) -> None:
    at_limit = ("what causes foot drop" + "?" * MAX_QUESTION_CHARS)[:MAX_QUESTION_CHARS]
    assert not any("cut" in n for n in bot.ask(at_limit).notes)
    assert any("cut" in n for n in bot.ask(at_limit + "?").notes)


def test_a_red_flag_at_the_end_of_a_long_message_is_still_an_emergency(bot: Bot) -> None:
    answer = bot.ask("I hurt my back lifting boxes. " * 20 + "Now I cannot control my bladder.")
    assert "emergency" in answer.text


# --- The command line --------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NERVEBOT_DB"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _nervebot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def test_jsonl_answers_every_bad_input_on_its_own_line(tmp_path: Path) -> None:
    names = sorted(BAD_INPUTS)
    lines = [json.dumps({"question": BAD_INPUTS[n], "session": n}) for n in names]
    raw = [n for n in names if "\n" not in BAD_INPUTS[n] and "\r" not in BAD_INPUTS[n]]  # also as plain lines
    lines += [BAD_INPUTS[n] for n in raw]
    lines.append(json.dumps({"question": "what causes foot drop? " + "y" * 1_000_000}))
    out = subprocess.run(
        _nervebot("ask", "--jsonl"),
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=tmp_path,
        env=_env(),
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "\x1b" not in out.stdout and "\x9b" not in out.stdout
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == len(lines)
    for number, (line, row) in enumerate(zip(lines, rows, strict=True), 1):
        assert row["disclaimer"]
        if "error" in row:  # a plain line starting with "{" is read as JSON: "{items}" is refused clearly
            assert line.startswith("{") and row["error"].startswith(f"line {number}:")
        else:
            assert row["status"] in STATUSES
    assert rows[-1]["notes"] and "cut" in rows[-1]["notes"][0]


def test_ask_command_handles_every_bad_input(tmp_path: Path) -> None:
    """`nervebot ask` once per kind of input (--jsonl above takes them all), started together."""
    usable = {n: BAD_INPUTS[n] for n in ARGV_INPUTS}
    usable["long-line"] = BAD_INPUTS["long-line"][:100_000]  # one argv string may not exceed 128 KiB
    runs = {
        name: subprocess.Popen(
            _nervebot("ask", question),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=_env(),
        )
        for name, question in usable.items()
    }
    for name, proc in runs.items():
        stdout_bytes, stderr_bytes = proc.communicate(timeout=120)
        stdout, stderr = stdout_bytes.decode("utf-8", "replace"), stderr_bytes.decode("utf-8", "replace")
        assert "Traceback" not in stderr, f"{name}: {stderr}"
        assert b"\x1b" not in stdout_bytes and b"\xc2\x9b" not in stdout_bytes, name
        if usable[name].strip():
            assert proc.returncode == 0, f"{name}: {stderr}"
            assert "Educational use only" in stdout, name
        else:  # nothing to ask: a usage message, as for any missing argument
            assert proc.returncode == 2 and "give a question" in stdout, name
