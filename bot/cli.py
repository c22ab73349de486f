"""The `nervebot` command: build the fact store, ask questions, chat."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import paths
from .errors import BotError


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nervebot",
        description="Grounded answers about lumbosacral nerve roots, each with its verbatim source sentence.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("build", help="build facts.db from sources/ and knowledge/")
    p.add_argument("--check", action="store_true", help="exit 1 if facts.db no longer matches its inputs")
    p.add_argument("--root", help="the project folder holding sources/ and knowledge/ (default: this checkout)")
    p.add_argument("--db", help="where to write facts.db (default: ROOT/facts.db)")
    p.set_defaults(run=_build)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        code: int = args.run(args)
    except BotError as exc:
        print(f"nervebot: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
