"""The terminal chat: a prompt-toolkit REPL over `Bot.ask`, and plain answers when stdin is piped."""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText, StyleAndTextTuples, to_plain_text
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.output import Output, create_output
from prompt_toolkit.shortcuts import print_formatted_text
from prompt_toolkit.styles import Style

from . import safety
from .answer import CONFLICT_LEAD, DISCLAIMER, Answer, Source
from .core import Bot
from .errors import BotError
from .render import to_text

COMMANDS = {
    "/help": "what you can type",
    "/sources": "the full sources of the last answer",
    "/why": "how the last question was understood",
    "/examples": "one sample question for each kind of question",
    "/clear": "forget the conversation, so follow-ups start afresh",
    "/quit": "leave (so does Ctrl-D)",
}
# Typed bare, these words can only mean the command ("why" and "help" go to the bot, which answers them).
BARE_COMMANDS = {
    "quit": "/quit",
    "exit": "/quit",
    "/exit": "/quit",
    "clear": "/clear",
    "sources": "/sources",
    "examples": "/examples",
}
BANNER_EXAMPLES = (
    "what causes foot drop?",
    "which nerve supplies the tibialis anterior?",
    "how is the S1 nerve root examined?",
)
MAX_WIDTH = 100
PROMPT = FormattedText([("class:prompt", "ask> ")])
STYLE = Style.from_dict(
    {
        "prompt": "bold",
        "title": "bold",
        "example": "ansicyan",
        "command": "ansicyan",
        "safety": "bold",
        "note": "italic ansibrightblack",
        "cite": "ansicyan",
        "where": "ansibrightblack",
        "evidence": "ansiyellow",
        "conflict": "bold ansired",
        "side": "ansired",
        "heading": "bold",
        "disclaimer": "dim italic",
        "error": "ansired",
    }
)
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_]?)|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text with terminal escape sequences and control characters removed; newlines kept, tabs made spaces."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text)).replace("\t", " ")


def history_path(environ: Mapping[str, str] = os.environ) -> Path:
    """$XDG_DATA_HOME/nervebot/history, else ~/.local/share/nervebot/history."""
    base = environ.get("XDG_DATA_HOME") or os.path.join(environ.get("HOME") or str(Path.home()), ".local", "share")
    return Path(base) / "nervebot" / "history"


def open_history(path: Path) -> History:
    """History kept in `path`, or only for this run when that file cannot be read and written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+b"):
            pass
    except OSError:
        return InMemoryHistory()
    return PrivateHistory(str(path))


def _ignore_mouse() -> KeyBindings:
    """The chat uses no mouse; and a pasted colour code ("\x1b[0m") looks to the terminal parser
    like a mouse report, which prompt_toolkit's own handler fails on. Such reports are dropped."""
    bindings = KeyBindings()

    @bindings.add(Keys.Vt100MouseEvent)
    def _(event: KeyPressEvent) -> None:
        pass

    return bindings


_IGNORE_MOUSE = _ignore_mouse()


class PrivateHistory(FileHistory):
    """File history that never writes down a question about someone's own health or an emergency:
    it can be recalled in this session, but it is not left on disk."""

    def store_string(self, string: str) -> None:
        if not safety.assess(string).kind:
            super().store_string(string)


class ChatCompleter(Completer):
    """Completes the chat's commands at the start of a line, and entity names anywhere in a question."""

    def __init__(
        self, names: Iterable[str], commands: Mapping[str, str] = COMMANDS, primary: Iterable[str] = ()
    ) -> None:
        self.names = sorted(set(names), key=str.casefold)
        self.commands = commands
        # while typing, only these (the entities' own names) pop up; Tab offers every alias as well
        self.primary = [n for n in self.names if n in set(primary)] or self.names

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        if before.startswith("/"):
            if " " not in before:
                for command, meta in self.commands.items():
                    if command.startswith(before.lower()):
                        yield Completion(command, -len(before), display_meta=meta)
            return
        # Names run to several words ("tibialis anterior"): try what follows each recent word start,
        # longest first, and offer only the names that continue the longest stretch that matches.
        starts = [m.start() for m in re.finditer(r"(?<![\w'])\w", before)][-4:]
        asked = complete_event.completion_requested
        for start in starts:
            typed = before[start:]
            folded = typed.casefold()
            # one letter and Tab: the short names only ("L" -> L3, L4, L5), else half the list
            shortest = 1 if asked else 2
            longest = 3 if len(folded.strip()) < 2 else 1000
            if len(folded.strip()) < shortest:
                continue
            names = [
                n
                for n in (self.names if asked else self.primary)
                if n.casefold().startswith(folded) and n.casefold() != folded and len(n) <= longest
            ]
            if names:
                seen: set[str] = set()
                for name in names:
                    if name.casefold() not in seen:
                        seen.add(name.casefold())
                        yield Completion(name, -len(typed))
                return


@dataclass(frozen=True)
class Reply:
    """What one line typed into the chat produced: an answer to print, or the output of a command."""

    fragments: StyleAndTextTuples = field(default_factory=list)
    answer: Answer | None = None
    leave: bool = False


class Chat:
    """One conversation at the terminal: a prompt-toolkit session reading lines, `Bot.ask` answering.

    `input` and `prompt_output` drive the prompt (tests pass a pipe input and a DummyOutput);
    `output` is where the chat prints its banner, answers and commands (default: stdout). The
    prompt is built on first use, so piped mode shares the commands without a terminal.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        input: Input | None = None,
        output: Output | None = None,
        prompt_output: Output | None = None,
        history: History | None = None,
    ) -> None:
        self.bot = bot
        self.session_id = f"repl:{uuid.uuid4().hex}"
        self.last: Answer | None = None
        self.output = output
        self._prompt_io = (input, prompt_output or output)
        self._history = history
        self._prompt: PromptSession[str] | None = None

    @property
    def prompt(self) -> PromptSession[str]:
        if self._prompt is None:
            input, output = self._prompt_io
            self._prompt = PromptSession(
                PROMPT,
                history=self._history if self._history is not None else InMemoryHistory(),
                auto_suggest=AutoSuggestFromHistory(),
                completer=ChatCompleter(self.bot.vocabulary(), primary=self.bot.names()),
                complete_while_typing=True,
                bottom_toolbar=self.toolbar,
                style=STYLE,
                input=input,
                output=output,
                key_bindings=_IGNORE_MOUSE,
            )
        return self._prompt

    # -- the loop -------------------------------------------------------------------------------------
    def run(self) -> int:
        """Greet, then read and answer lines until /quit or Ctrl-D."""
        self.greet()
        while self.turn():
            pass
        return 0

    def greet(self) -> None:
        self.show(banner(self.width))

    def turn(self) -> bool:
        """Read one line and answer it; False once the person leaves."""
        try:
            text = self.prompt.prompt()
        except KeyboardInterrupt:
            return True  # Ctrl-C drops the line being typed
        except EOFError:
            return False
        reply = self.reply(text)
        if reply.answer is not None:
            self.show([("", "\n"), *render_answer(reply.answer, self.width)])
        elif reply.fragments:
            self.show([("", "\n"), *reply.fragments, ("", "\n")])
        return not reply.leave

    def reply(self, text: str) -> Reply:
        """Run a command, or ask the bot; the same in the prompt and when stdin is piped."""
        line = text.strip()
        if not line:
            return Reply()
        word = BARE_COMMANDS.get(line.lower().rstrip("!.?"), line.split()[0].lower())
        if word.startswith("/") and word not in COMMANDS:
            # Any unambiguous start of a command runs it: /s is /sources, /q is /quit.
            matches = [c for c in COMMANDS if c.startswith(word)]
            word = matches[0] if len(matches) == 1 else word
        if word == "/quit":
            return Reply(leave=True)
        if word == "/help":
            return Reply(render_help(self.width))
        if word == "/sources":
            return Reply(render_sources(self.last, self.width))
        if word == "/why":
            return Reply(render_why(self.last, self.width))
        if word == "/examples":
            return Reply(render_examples(self.bot.examples()))
        if word == "/clear":
            self.bot.reset(self.session_id)
            self.last = None
            return Reply([("", "Conversation cleared: the next question starts afresh.\n")])
        if word.startswith("/") and len(line) < 30 and " " not in line:
            return Reply([("class:error", f"There is no command {line}. "), ("", "Type /help to see the commands.\n")])
        try:
            answer = self.bot.ask(line, session=self.session_id)
        except BotError as exc:
            return Reply([("class:error", f"nervebot: {exc}\n")])
        self.last = answer
        return Reply(answer=answer)

    # -- what the screen shows -------------------------------------------------------------------------
    @property
    def width(self) -> int:
        if self.output is None:
            return MAX_WIDTH
        try:
            columns = self.output.get_size().columns
        except OSError:
            columns = MAX_WIDTH
        return max(40, min(columns - 2, MAX_WIDTH))

    def show(self, fragments: StyleAndTextTuples) -> None:
        clean = [(style, printable(text)) for style, text, *_ in fragments]
        print_formatted_text(FormattedText(clean), end="", style=STYLE, output=self.output, flush=True)

    def toolbar(self) -> StyleAndTextTuples:
        last = self.last
        if last is not None and last.status == "clarify" and last.options:
            hint = f" Reply with a number (1-{len(last.options)}) or a name"
        elif last is not None and last.sources:
            count = f"{len(last.sources)} sources" if len(last.sources) > 1 else "source"
            hint = f" /sources: the {count} in full | /why: how I read it | /clear: new topic"
        else:
            hint = " Tab: complete names | Up: earlier questions | /help: commands"
        return [("class:bottom-toolbar.text", f"{hint} | Ctrl-D: quit ")]


# -- rendering: Answer -> styled fragments ------------------------------------------------------------
def _fill(text: str, width: int, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        text,
        width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def _source_lines(source: Source, width: int, told: set[str] | None = None) -> StyleAndTextTuples:
    """A quoted source; its section's evidence level only the first time the section comes up (`told`)."""
    head = f"  [{source.number}] "
    quote = _fill(f"\u201c{source.sentence}\u201d", width, " " * len(head), first=" " * len(head))
    where = _fill(f"{source.section} ({source.document_id})", width, " " * len(head))
    lines: StyleAndTextTuples = [("class:cite", head), ("", quote[len(head) :] + "\n"), ("class:where", where + "\n")]
    if told is not None and source.section in told:
        return lines
    if told is not None:
        told.add(source.section)
    label = " " * len(head) + "evidence: "
    evidence = _fill(label + source.evidence_level, width, " " * len(label), first="")
    return [*lines, ("class:where", label), ("class:evidence", evidence[len(label) :] + "\n")]


def _disclaimer(text: str, width: int) -> StyleAndTextTuples:
    return [("class:disclaimer", _fill(text, width) + "\n")]


def render_answer(answer: Answer, width: int) -> StyleAndTextTuples:
    """The answer, its notes, conflicts, quoted sources and suggestions, then the disclaimer."""
    text = answer.text
    if answer.conflicts and CONFLICT_LEAD in text:
        text = text.split(CONFLICT_LEAD)[0]
    out: StyleAndTextTuples = [("class:safety" if answer.status == "safety" else "", _fill(text, width) + "\n")]
    for note in answer.notes:
        out.append(("class:note", _fill(f"({note})", width) + "\n"))
    for number, option in enumerate(answer.options, 1):
        out += [("class:cite", f"  {number}. "), ("", f"{option}\n")]
    if answer.options:
        out.append(("class:note", "(Reply with a number or a name.)\n"))
    if answer.conflicts:
        out += _conflict_lines(answer, width)
    if answer.sources:
        out.append(("class:heading", "\nSources\n"))
        told: set[str] = set()
        for source in answer.sources:
            out += _source_lines(source, width, told)
    if answer.related:
        out.append(("class:heading", "\nRelated reading (not an answer)\n"))
        for source in answer.related:
            out += _source_lines(source, width)
    if answer.suggestions and answer.status != "answered":
        out.append(("class:heading", "\nYou could ask\n"))
        for suggestion in answer.suggestions:
            out += [("", "  "), ("class:example", f"{suggestion}\n")]
    out.append(("", "\n"))
    out += _disclaimer(answer.disclaimer, width)
    out.append(("", "\n"))
    return out


def _conflict_lines(answer: Answer, width: int) -> StyleAndTextTuples:
    """Each disagreement once, with the claims on each side and the sources they cite."""
    sides: dict[str, dict[str, tuple[int, ...]]] = {}
    for conflict in answer.conflicts:
        claims = sides.setdefault(conflict.note, {})
        for side in conflict.sides:
            claims.setdefault(side.claim, tuple(sorted(side.sources)))
    out: StyleAndTextTuples = [("class:conflict", "\n! The sources disagree\n")]
    for note, claims in sides.items():
        out.append(("class:conflict", _fill(note, width, "  ") + "\n"))
        for claim, numbers in claims.items():
            cited = "".join(f"[{n}]" for n in numbers)
            out.append(("class:side", _fill(f"- {claim} {cited}", width, "      ", first="    ") + "\n"))
    return out


def banner(width: int) -> StyleAndTextTuples:
    """What the chat can answer, three questions to try, the commands and the disclaimer."""
    about = (
        "I answer questions about the L5 nerve root and its neighbours (L3, L4, S1): the muscles and nerves "
        "they supply, foot drop, Trendelenburg gait, how the roots are examined, disc herniation levels and "
        "recovery after surgery. Every answer quotes its source sentences."
    )
    title = "nervebot: lumbosacral nerve roots, answered from quoted sources"
    out: StyleAndTextTuples = [("class:title", _fill(title, width) + "\n")]
    out.append(("", _fill(about, width) + "\n\nTry:\n"))
    for example in BANNER_EXAMPLES:
        out += [("", "  "), ("class:example", f"{example}\n")]
    how = (
        "Follow-ups work (\u201cand L4?\u201d, \u201cwhat does it do?\u201d). Type /help for the commands; "
        "Tab completes names; Ctrl-D leaves."
    )
    out.append(("", "\n" + _fill(how, width) + "\n\n"))
    out += _disclaimer(DISCLAIMER, width)
    out.append(("", "\n"))
    return out


def render_help(width: int) -> StyleAndTextTuples:
    out: StyleAndTextTuples = [("", "Type a question in plain words, or a command:\n")]
    for command, meta in COMMANDS.items():
        out += [("class:command", f"  {command:<10}"), ("", f" {meta}\n")]
    keys = (
        "Keys: Tab completes muscle, nerve and root names; Up and Down walk earlier questions; "
        "Right takes the grey suggestion; Ctrl-C drops the line; Ctrl-D leaves."
    )
    out.append(("", "\n" + _fill(keys, width) + "\n"))
    return out


def render_examples(examples: Iterable[str]) -> StyleAndTextTuples:
    out: StyleAndTextTuples = [("", "One question of each kind I can answer:\n")]
    for example in examples:
        out += [("", "  "), ("class:example", f"{example}\n")]
    return out


NOTHING_ASKED = "Nothing asked since the chat began or was cleared: ask a question"


def render_sources(answer: Answer | None, width: int) -> StyleAndTextTuples:
    """Every source of the last answer in full: the sentence, its document, section, evidence and id."""
    if answer is None:
        return [("", f"{NOTHING_ASKED}, then /sources shows where its answer comes from.\n")]
    sources = answer.sources or answer.related
    if not sources:
        return [("", "The last answer quoted no sources: it was not answered from them.\n")]
    out: StyleAndTextTuples = []
    if not answer.sources:
        out.append(("class:heading", "Related reading (not an answer)\n"))
    for source in sources:
        head = f"[{source.number}] "
        out += [
            ("class:cite", head),
            ("", _fill(f"\u201c{source.sentence}\u201d", width, " " * len(head))[len(head) :] + "\n"),
        ]
        pad = " " * len(head)
        for label, value in (
            ("document", f"{source.title} ({source.document_id})"),
            ("section", source.section),
            ("evidence", source.evidence_level),
            ("sentence", source.sentence_id),
        ):
            out += [
                ("class:where", f"{pad}{label}: "),
                (
                    "class:evidence" if label == "evidence" else "",
                    _fill(value, width, pad + " " * (len(label) + 2), first=""),
                ),
                ("", "\n"),
            ]
    return out


def render_why(answer: Answer | None, width: int) -> StyleAndTextTuples:
    """How the last question was read: status, intent, slots, confidence, the runner-up and notes."""
    if answer is None:
        return [("", f"{NOTHING_ASKED}, then /why shows how I read it.\n")]
    slots = "; ".join(
        f"{slot.name} = {slot.value}"
        + (f' (you wrote "{slot.said}")' if slot.said.casefold() != slot.value.casefold() else "")
        for slot in answer.slots
    )
    rows = [
        ("question", answer.question),
        ("status", answer.status),
        ("intent", answer.intent or "none"),
        ("slots", slots or "none"),
        ("confidence", f"{answer.confidence:.2f}"),
        ("runner-up", answer.runner_up or "none"),
        *(("note", note) for note in answer.notes),
    ]
    out: StyleAndTextTuples = [("class:heading", "How I read the last question\n")]
    for label, value in rows:
        out += [
            ("class:where", f"  {label:<12}"),
            ("", _fill(value, width, " " * 14, first="") + "\n"),
        ]
    return out


# -- entry points ---------------------------------------------------------------------------------------
def answer_lines(bot: Bot, stdin: BinaryIO, stdout: TextIO) -> int:
    """Piped mode: one question per line, plain answers, one conversation; commands work too. Each
    answer follows its question, echoed after "> ", so a saved transcript reads as the chat did."""
    chat = Chat(bot)
    first = True
    for raw in stdin:
        line = raw.decode("utf-8", errors="replace")
        reply = chat.reply(line)
        if reply.leave:
            break
        if reply.answer is None and not reply.fragments:
            continue
        text = to_text(reply.answer) if reply.answer is not None else to_plain_text(reply.fragments).rstrip("\n")
        asked = printable(" ".join(line.split()))
        stdout.write(("" if first else "\n") + f"> {asked}\n" + printable(text) + "\n")
        stdout.flush()
        first = False
    return 0


def run(args: argparse.Namespace) -> int:
    """`nervebot` and `nervebot chat`: the prompt on a terminal, plain answers when piped."""
    bot = Bot(db=getattr(args, "db", None) or None)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        try:
            return answer_lines(bot, sys.stdin.buffer, sys.stdout)
        except BrokenPipeError:
            # The reader went away (`| head`); say nothing more and do not complain at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    return Chat(bot, output=create_output(), history=open_history(history_path())).run()
