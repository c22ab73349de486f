"""The terminal chat: conversations typed into a real prompt-toolkit session on a pipe input, the real
`nervebot` command in a pseudo-terminal, and the plain mode when stdin is piped."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
import yaml
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import to_plain_text
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.plain_text import PlainTextOutput

from bot import DISCLAIMER, Answer, Bot
from bot.repl import BANNER_EXAMPLES, Chat, ChatCompleter, history_path, open_history, printable, render_why

CONVERSATIONS = sorted((Path(__file__).parent / "conversations").glob("*.yaml"))
TURN_KEYS = {"type", "keys", "shows", "hides", "leaves"}
NERVEBOT = Path(sys.executable).parent / "nervebot"
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def bot() -> Bot:
    return Bot()


class Typist:
    """A Chat on a pipe input: type keys, then read what the chat printed since the last look."""

    def __init__(self, bot: Bot, pipe: PipeInput, history: Any = None) -> None:
        self.pipe = pipe
        self.screen = io.StringIO()
        self.chat = Chat(
            bot,
            input=pipe,
            prompt_output=DummyOutput(),
            output=PlainTextOutput(self.screen),
            history=history if history is not None else InMemoryHistory(),
        )
        self.seen = 0

    def press(self, keys: str) -> bool:
        """Send keys and let the chat take one turn; False when the chat has ended."""
        self.pipe.send_text(keys)
        return self.chat.turn()

    def type(self, line: str) -> str:
        self.press(line + "\r")
        return self.printed()

    def printed(self) -> str:
        text = self.screen.getvalue()
        new, self.seen = text[self.seen :], len(text)
        return new.replace("\r\n", "\n")


@pytest.fixture
def typist(bot: Bot) -> Iterator[Typist]:
    with create_pipe_input() as pipe:
        yield Typist(bot, pipe)


# -- conversations as data ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", CONVERSATIONS, ids=lambda p: p.stem)
def test_conversation(path: Path, typist: Typist) -> None:
    turns = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(turns, list) and turns, f"{path.name}: expected a list of turns"
    typist.chat.greet()
    banner = typist.printed()
    for number, turn in enumerate(turns, 1):
        assert set(turn) <= TURN_KEYS, f"{path.name} turn {number}: unknown keys {set(turn) - TURN_KEYS}"
        if "type" in turn or "keys" in turn:
            keys = turn["type"] + "\r" if "type" in turn else turn["keys"]
            going = typist.press(keys)
            shown = _words(typist.printed())
        else:  # a turn that types nothing reads the banner
            keys, going, shown = "", True, _words(banner)
        where = f"{path.name} turn {number} ({keys!r})"
        for text in turn.get("shows", []):
            assert _words(text) in shown, f"{where}: expected {text!r} in:\n{shown}"
        for text in turn.get("hides", []):
            assert _words(text) not in shown, f"{where}: did not expect {text!r} in:\n{shown}"
        assert going is not turn.get("leaves", False), f"{where}: leaves should be {turn.get('leaves', False)}"


def test_conversation_files_exist() -> None:
    assert len(CONVERSATIONS) >= 5


# -- the chat's behaviour through a real prompt session ---------------------------------------------------
@pytest.mark.parametrize(
    ("question", "status"),
    [
        ("what causes foot drop?", "answered"),
        ("tell me about gluteus", "clarify"),
        ("what is the capital of France?", "no_answer"),
        ("I suddenly cannot control my bladder and both legs are numb", "safety"),
        ("hello", "chitchat"),
    ],
)
def test_every_printed_answer_ends_with_the_disclaimer(typist: Typist, question: str, status: str) -> None:
    shown = typist.type(question)
    assert typist.chat.last is not None and typist.chat.last.status == status
    assert _words(shown).endswith(_words(DISCLAIMER))


def test_banner_shows_three_examples_and_the_disclaimer_once(typist: Typist) -> None:
    typist.chat.greet()
    banner = typist.printed()
    assert all(example in banner for example in BANNER_EXAMPLES) and len(BANNER_EXAMPLES) == 3
    assert _words(banner).count(_words(DISCLAIMER)) == 1
    assert "/help" in banner


def test_banner_examples_are_answered(bot: Bot) -> None:
    for example in BANNER_EXAMPLES:
        assert bot.ask(example).status == "answered", example


def test_each_chat_is_its_own_conversation(bot: Bot) -> None:
    with create_pipe_input() as one, create_pipe_input() as two:
        first, second = Typist(bot, one), Typist(bot, two)
        first.type("which muscles does the L5 nerve root supply?")
        assert "Ask me a question first" in second.type("why?")
        assert "L4 nerve root supplies" in first.type("and L4?")
        assert "Ask me a question first" not in first.type("why?")


def test_toolbar_hints_follow_the_last_answer(typist: Typist) -> None:
    assert "Tab: complete names" in to_plain_text(typist.chat.toolbar())
    typist.type("tell me about gluteus")
    assert "Reply with a number (1-3)" in to_plain_text(typist.chat.toolbar())
    typist.type("2")
    assert re.search(r"/sources: the (source|\d sources) in full", to_plain_text(typist.chat.toolbar()))
    assert "Ctrl-D: quit" in to_plain_text(typist.chat.toolbar())


def test_questions_go_to_the_history_file(bot: Bot, tmp_path: Path) -> None:
    path = tmp_path / "data" / "nervebot" / "history"
    history = open_history(path)
    assert isinstance(history, FileHistory)
    with create_pipe_input() as pipe:
        Typist(bot, pipe, history=history).type("what causes foot drop?")
    assert "+what causes foot drop?" in path.read_text(encoding="utf-8")


def test_questions_about_ones_own_health_are_not_written_to_the_history_file(bot: Bot, tmp_path: Path) -> None:
    path = tmp_path / "history"
    with create_pipe_input() as pipe:
        typist = Typist(bot, pipe, history=open_history(path))
        typist.type("my foot has gone numb and I can't control my bladder")
        typist.type("is my foot drop permanent?")
        typist.type("what causes foot drop?")
    written = path.read_text(encoding="utf-8")
    assert "+what causes foot drop?" in written
    assert "bladder" not in written and "permanent" not in written


def test_nothing_typed_reaches_the_screen_unescaped(typist: Typist) -> None:
    hostile = Answer("no_answer", "x", question="\x1b]0;owned\x07why \x1b[2Jnot\x9b31m\u202e")
    typist.chat.show(render_why(hostile, 80))
    shown = typist.printed()
    assert "why not" in shown
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", shown)


def test_printable_keeps_text_and_drops_escape_sequences() -> None:
    assert printable("a\x1b[31mred\x1b[0m\tline\nnext\x07") == "ared line\nnext"


# -- history and completion ---------------------------------------------------------------------------------
def test_history_lives_in_xdg_data_home_or_local_share(tmp_path: Path) -> None:
    assert history_path({"XDG_DATA_HOME": str(tmp_path), "HOME": "/nowhere"}) == tmp_path / "nervebot" / "history"
    assert history_path({"HOME": str(tmp_path)}) == tmp_path / ".local" / "share" / "nervebot" / "history"


def test_history_that_cannot_be_written_stays_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    assert isinstance(open_history(blocker / "nervebot" / "history"), InMemoryHistory)


def _completions(completer: ChatCompleter, text: str) -> list[str]:
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]


def test_completion_finishes_names_of_several_words(bot: Bot) -> None:
    completer = ChatCompleter(bot.vocabulary())
    found = _completions(completer, "which nerve supplies tibialis ant")
    assert found[0] == "tibialis anterior"
    assert all(name.startswith("tibialis ant") for name in found)
    assert "L5 nerve root" in _completions(completer, "what does l5")


def test_tab_after_one_letter_offers_the_roots_and_typing_pops_up_only_proper_names(bot: Bot) -> None:
    completer = ChatCompleter(bot.vocabulary(), primary=bot.names())
    # (names written in capitals start with a capital: the roots, and the one such abbreviation, LDH)
    assert _completions(completer, "which muscles does L") == ["L3", "L4", "L5", "LDH"]
    typing = CompleteEvent(completion_requested=False)
    popped = [c.text for c in completer.get_completions(Document("which muscles does glut"), typing)]
    assert popped == ["gluteus maximus", "gluteus medius", "gluteus minimus"]  # not "glut max", "glute med"
    assert "glut max" in _completions(completer, "which muscles does glut")


def test_completion_offers_commands_at_the_start_of_a_line(bot: Bot) -> None:
    completer = ChatCompleter(bot.vocabulary())
    assert _completions(completer, "/") == ["/help", "/sources", "/why", "/examples", "/clear", "/quit"]
    assert _completions(completer, "/so") == ["/sources"]
    assert _completions(completer, "which w") == []


# -- the real command in a pseudo-terminal -------------------------------------------------------------------
class Terminal:
    """The real `nervebot` in a pseudo-terminal, read the way a person reads the screen."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.child = pexpect.spawn(
            str(NERVEBOT), env=env, cwd=str(cwd), encoding="utf-8", codec_errors="replace", dimensions=(40, 100)
        )
        self.raw = ""
        self.seen = 0

    def wait_for(self, text: str, timeout: float = 10) -> str:
        """Read until `text` shows on the screen; returns the screen text since the last wait."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                chunk = self.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                chunk = ""
            # Answer cursor-position requests as a terminal does (prompt-toolkit sizes its toolbar by them).
            self.child.send("\x1b[1;1R" * chunk.count("\x1b[6n"))
            self.raw += chunk
            shown = _words(ANSI.sub("", self.raw[self.seen :]).replace("\x08", ""))
            if _words(text) in shown:
                self.seen = len(self.raw)
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never showed; the screen had:\n{shown}")

    def ask(self, line: str, until: str = f"{DISCLAIMER} ask>") -> str:
        """Type a line and Enter; by default wait for a whole answer: its disclaimer, then the prompt."""
        self.child.send(line + "\r")
        return self.wait_for(until)

    def leave(self) -> int:
        self.child.sendcontrol("d")
        self.child.expect(pexpect.EOF, timeout=10)
        self.child.close()
        assert self.child.exitstatus is not None
        return self.child.exitstatus


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    """terminal(NO_COLOR="1"): start the real command with HOME and XDG_DATA_HOME under tmp_path."""
    started: list[Terminal] = []

    def start(**env: str) -> Terminal:
        started.append(Terminal(_env(tmp_path, **env), tmp_path))
        return started[-1]

    yield start
    for term in started:
        if term.child.isalive():
            term.child.terminate(force=True)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    return {**env, **extra}


def _colours(raw: str) -> set[str]:
    """The colour codes among the SGR sequences in `raw` (30-37, 90-97, 38;5;n...), not bold or dim."""
    found = set()
    for params in SGR.findall(raw):
        for code in params.split(";"):
            if code.isdigit() and (30 <= int(code) <= 37 or 40 <= int(code) <= 47 or 90 <= int(code) <= 107):
                found.add(code)
            if code in ("38", "48"):
                found.add(code)
    return found


def test_terminal_session_without_colour(terminal: Callable[..., Terminal], tmp_path: Path) -> None:
    term = terminal(NO_COLOR="1")
    banner = term.wait_for("ask>")
    assert "what causes foot drop?" in banner and "Educational use only" in banner
    assert "Ctrl-D: quit" in term.wait_for("Ctrl-D: quit")

    shown = term.ask("which muscles does the L5 nerve root supply?")
    assert "the L5 nerve root supplies these muscles" in shown and "evidence:" in shown
    shown = term.ask("and L4?")
    assert "the L4 nerve root supplies the tibialis posterior" in shown
    assert "Read as a follow-up" in shown

    term.child.send("which nerve supplies tibialis ant")
    term.wait_for("tibialis anterior")  # the completion menu is open, with the proper name only
    term.child.send("\t")  # takes the first name; uncompleted, "tibialis ant" would get "which do you mean"
    shown = term.ask("")
    assert "the tibialis anterior is innervated by the deep peroneal nerve" in shown

    shown = term.ask("/why", until="runner-up")
    assert "question which nerve supplies tibialis anterior" in shown
    assert "intent nerve_of_muscle" in shown and "muscle = tibialis anterior" in shown
    shown = term.ask("/sources", until="sentence: l5-blog-2020.")
    assert "document: Anatomy of L5 Nerve Root Muscle Innervation (l5-blog-2020)" in shown

    term.child.send("a line I change my mind about")
    term.wait_for("a line I change my mind about")
    term.child.sendcontrol("c")
    shown = term.ask("/clear", until="Conversation cleared")
    assert "don't cover" not in shown
    shown = term.ask("what about tibialis posterior?")
    assert "Read as a follow-up" not in shown

    assert _colours(term.raw) == set()
    assert term.leave() == 0
    history = (tmp_path / "data" / "nervebot" / "history").read_text(encoding="utf-8")
    assert "+and L4?" in history and "+/why" in history


def test_a_pasted_colour_code_is_dropped_not_a_crash(terminal: Callable[..., Terminal]) -> None:
    term = terminal(NO_COLOR="1")
    term.wait_for("ask>")
    # "\x1b[0m" parses as a mouse report, and prompt_toolkit's own mouse handler raised on it
    shown = term.ask("what causes \x1b[31mfoot drop\x1b[0m?")
    assert "L5 nerve root" in shown
    assert "Press ENTER" not in term.raw and "Traceback" not in term.raw


def test_terminal_session_in_colour_with_unwritable_history(terminal: Callable[..., Terminal], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    term = terminal(XDG_DATA_HOME=str(tmp_path / "file"))
    term.wait_for("ask>")
    shown = term.ask("which root is responsible for dorsal extension of the foot?")
    assert "! The sources disagree" in shown and "evidence:" in shown
    assert "Traceback" not in shown
    assert re.search(r"\x1b\[[0-9;]*31[0-9;]*m\r*\n*! The sources disagree", term.raw)  # conflicts in red
    assert re.search(r"\x1b\[[0-9;]*\b2\b[0-9;]*mEducational use only", term.raw)  # the disclaimer dimmed
    assert term.leave() == 0


# -- piped: one question a line, plain answers -----------------------------------------------------------------
def _pipe(tmp_path: Path, stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(NERVEBOT), *args], input=stdin, capture_output=True, cwd=tmp_path, env=_env(tmp_path), timeout=60
    )


def test_piped_lines_are_one_plain_conversation(tmp_path: Path) -> None:
    stdin = b"which nerve supplies the tibialis anterior?\n\nwhat about tibialis posterior?\n/why\n"
    out = _pipe(tmp_path, stdin)
    text = _words(out.stdout.decode())
    assert out.returncode == 0 and out.stderr == b""
    assert "innervated by the deep peroneal nerve" in text
    assert "> what about tibialis posterior?\nAccording to" in out.stdout.decode()  # each answer after its question
    assert "the tibialis posterior is innervated by the tibial nerve" in text
    assert "intent nerve_of_muscle" in text
    assert text.count(_words(DISCLAIMER)) == 2  # once per answer, no banner
    assert "Try:" not in text and "\x1b" not in out.stdout.decode()
    assert not (tmp_path / "data").exists()  # no prompt, no history


def test_piped_mode_strips_escapes_and_survives_bad_bytes(tmp_path: Path) -> None:
    out = _pipe(tmp_path, b"\x1b]0;owned\x07what causes \x1b[2Jfoot drop?\x07\n\xff\xfe\n/nope\x1b[31m\n")
    assert out.returncode == 0 and out.stderr == b""
    assert b"foot drop can be caused by" in out.stdout
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", out.stdout)


def test_chat_with_a_missing_db_says_what_to_do(tmp_path: Path) -> None:
    out = _pipe(tmp_path, b"what causes foot drop?\n", "chat", "--db", str(tmp_path / "missing.db"))
    assert out.returncode == 2
    assert out.stderr.startswith(b"nervebot: ")
