"""The `nervebot` command: build the fact store, ask questions, chat."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import paths
from .answer import DISCLAIMER
from .errors import BotError

if TYPE_CHECKING:
    from .core import Bot


def _build(args: argparse.Namespace) -> int:
    from .build import build, check

    root = Path(args.root) if args.root else paths.project_root()
    out = Path(args.db) if args.db else root / "facts.db"
    if args.check:
        same, report = check(root, out)
        for line in report.lines():
            print(line)
        if not same:
            print(f"{out} is out of date with sources/ and knowledge/: run `nervebot build` and commit facts.db")
            return 1
        print(f"{out} matches its inputs")
        return 0
    report = build(root, out)
    for line in report.lines():
        print(line)
    print(f"wrote {out}")
    return 0


def _bot(args: argparse.Namespace) -> Bot:
    from .core import Bot

    return Bot(db=args.db or None, intents=getattr(args, "intents", None) or None)


def _ask(args: argparse.Namespace) -> int:
    from .render import to_text

    if args.jsonl and args.question:
        print("nervebot: --jsonl reads its questions from stdin; give no question with it", file=sys.stderr)
        return 2
    bot = _bot(args)
    if args.jsonl:
        return _jsonl(bot)
    question = " ".join(args.question)
    if not question.strip():
        print('nervebot: give a question, e.g. nervebot ask "what causes foot drop?" (or --jsonl to read stdin)')
        return 2
    answer = bot.ask(question)
    print(answer.to_json() if args.json else to_text(answer))
    return 0


def _jsonl(bot: Bot) -> int:
    """One JSON answer per input line, in order, flushed as it goes: the stable scripting interface."""
    for number, line in enumerate(sys.stdin, 1):
        line = line.rstrip("\n")
        question, session = line, None
        if line.lstrip().startswith("{"):
            try:
                request = json.loads(line)
                question, session = request["question"], request.get("session")
                if not isinstance(question, str) or not isinstance(session, (str, type(None))):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                error = {
                    "error": f'line {number}: expected a question or a JSON object with a string "question" '
                    'and an optional string "session"',
                    "line": number,
                    "disclaimer": DISCLAIMER,
                }
                print(json.dumps(error), flush=True)
                continue
        print(bot.ask(question, session=session).to_json(), flush=True)
    return 0


def _lazy(module: str) -> Callable[[argparse.Namespace], int]:
    """Front ends import their heavy libraries only when chosen, so `nervebot ask` stays fast."""

    def run(args: argparse.Namespace) -> int:
        code: int = importlib.import_module(f"bot.{module}").run(args)
        return code

    return run


COMMANDS = ("build", "ask", "chat", "test", "slack", "discord")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nervebot",
        description="Grounded answers about lumbosacral nerve roots, each with its verbatim source sentence.",
        epilog="With no command, nervebot opens the chat: `nervebot [--db PATH]` is `nervebot chat [--db PATH]`.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("build", help="build facts.db from sources/ and knowledge/")
    p.add_argument("--check", action="store_true", help="exit 1 if facts.db no longer matches its inputs")
    p.add_argument("--root", help="the project folder holding sources/ and knowledge/ (default: this checkout)")
    p.add_argument("--db", help="where to write facts.db (default: ROOT/facts.db)")
    p.set_defaults(run=_build)

    p = sub.add_parser("ask", help="answer one question (or --jsonl: one per stdin line)")
    p.add_argument("question", nargs="*", help='the question, e.g. "what causes foot drop?"')
    p.add_argument("--json", action="store_true", help="print the Answer as one JSON object")
    p.add_argument("--jsonl", action="store_true", help='read questions or {"question", "session"} objects from stdin')
    p.add_argument("--db", help="the facts.db to use (default: $NERVEBOT_DB, else the bundled one)")
    p.add_argument("--intents", help="the intents folder to use (default: $NERVEBOT_INTENTS, else the bundled one)")
    p.set_defaults(run=_ask)

    p = sub.add_parser("chat", help="open the terminal chat (the default command)")
    p.add_argument("--db", help="the facts.db to use (default: $NERVEBOT_DB, else the bundled one)")
    p.set_defaults(run=_lazy("repl"))

    p = sub.add_parser("test", help="run *.qa.yaml regression cases and report what moved")
    p.add_argument("paths", nargs="*", help="files or folders of *.qa.yaml (default: the project's own suite)")
    p.add_argument("--tag", action="append", default=[], help="only cases with this tag (repeatable)")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML for CI")
    p.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    p.add_argument(
        "--min-accuracy", type=float, metavar="X", help="fail when the share of passing cases is below X (0-1)"
    )
    p.add_argument("--db", help="the facts.db to use (default: $NERVEBOT_DB, else the bundled one)")
    p.set_defaults(run=_lazy("runner"))

    p = sub.add_parser("slack", help="serve the bot in Slack (needs nervebot[slack])")
    p.add_argument("--http", action="store_true", help="serve the Events API over HTTP instead of Socket Mode")
    p.add_argument("--port", type=int, default=3000, help="port for --http (default 3000)")
    p.add_argument(
        "--manifest",
        nargs="?",
        const="",
        metavar="REQUEST_URL",
        help="print the Slack app manifest to create the app from (Socket Mode, or the Events API at REQUEST_URL)",
    )
    p.add_argument("--db", help="the facts.db to use (default: $NERVEBOT_DB, else the bundled one)")
    p.set_defaults(run=_lazy("slack_app"))

    p = sub.add_parser("discord", help="serve the bot in Discord (needs nervebot[discord])")
    p.add_argument("--db", help="the facts.db to use (default: $NERVEBOT_DB, else the bundled one)")
    p.set_defaults(run=_lazy("discord_app"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    given = list(sys.argv[1:] if argv is None else argv)
    if given and given[0].startswith("-") and given[0] not in ("-h", "--help", "--version"):
        # options first: `nervebot --db facts.db ask ...` is `ask --db facts.db ...`, and with no
        # command they are the chat's, the default command: `nervebot --db facts.db`
        at = next((i for i, word in enumerate(given) if word in COMMANDS), None)
        given = [given[at], *given[:at], *given[at + 1 :]] if at is not None else ["chat", *given]
    args = parser.parse_args(given)
    if args.command is None and args.version:
        from importlib.metadata import version  # only here: it costs the other commands' start-up

        print(f"nervebot {version('nervebot')}")
        return 0
    if args.command is None:
        args = parser.parse_args(["chat", *given])
    try:
        code: int = args.run(args)
    except BotError as exc:
        print(f"nervebot: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `nervebot ask ... | head -1`: the reader has gone, so stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit-time flush must not fail too
        return 128 + signal.SIGPIPE
    return code


if __name__ == "__main__":
    sys.exit(main())
