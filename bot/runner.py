"""`nervebot test`: run *.qa.yaml cases and report what moved, for curators and for CI.

The summary lists each failure (asked, expected, got), the known failures (`xfail:`), per-intent
precision, recall and F1, and a confusion matrix of intents. `--junit` and `--json` write the same
report for machines. Exit codes: 0 all passed, 1 a case failed or accuracy fell below
`--min-accuracy`, 2 a case file (or an option) is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import paths
from .core import Bot
from .qa import (
    Case,
    CaseResult,
    QAFileError,
    describe,
    display_path,
    documents_of,
    load_cases,
    run_case,
    unknown_names,
)
from .text import normalize

NO_INTENT = "(none)"


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one intent over the turns that expect an intent."""

    intent: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    results: list[CaseResult]
    warnings: list[str] = field(default_factory=list)
    min_accuracy: float | None = None

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def accuracy(self) -> float:
        """The share of cases whose expectations all held; known failures count as failing."""
        return sum(r.passed for r in self.results) / len(self.results) if self.results else 0.0

    @property
    def below_floor(self) -> bool:
        return self.min_accuracy is not None and self.accuracy < self.min_accuracy

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and not self.below_floor

    def intent_pairs(self) -> list[tuple[str, str]]:
        """(expected, chosen) for every turn that expects an intent."""
        return [
            (turn.expect["intent"], answer.intent or NO_INTENT)
            for r in self.results
            for turn, answer in zip(r.case.turns, r.answers, strict=False)
            if "intent" in turn.expect
        ]

    def scores(self) -> list[Score]:
        pairs = self.intent_pairs()
        labels = sorted({label for pair in pairs for label in pair} - {NO_INTENT})
        return [
            Score(
                label,
                sum(e == label and c == label for e, c in pairs),
                sum(e != label and c == label for e, c in pairs),
                sum(e == label and c != label for e, c in pairs),
            )
            for label in labels
        ]

    def confusion(self) -> tuple[list[str], list[str], Counter[tuple[str, str]]]:
        """Rows (expected) and columns (chosen) that occur, and the count of each pair."""
        pairs = Counter(self.intent_pairs())
        rows = sorted({e for e, _ in pairs})
        cols = sorted({c for _, c in pairs}, key=lambda c: (c == NO_INTENT, c))
        return rows, cols, pairs

    def to_dict(self) -> dict[str, Any]:
        rows, cols, pairs = self.confusion()
        return {
            "summary": {
                "cases": len(self.results),
                "passed": self.count("passed"),
                "failed": self.count("failed"),
                "xfailed": self.count("xfailed"),
                "xpassed": self.count("xpassed"),
                "accuracy": round(self.accuracy, 4),
                "min_accuracy": self.min_accuracy,
                "ok": self.ok,
            },
            "intents": {
                s.intent: {
                    "precision": _round(s.precision),
                    "recall": _round(s.recall),
                    "f1": _round(s.f1),
                    "support": s.support,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for s in self.scores()
            },
            "confusion": {"expected": rows, "chosen": cols, "counts": [[pairs[(r, c)] for c in cols] for r in rows]},
            "warnings": self.warnings,
            "cases": [
                {
                    "id": r.case.id,
                    "label": r.case.label,
                    "file": display_path(r.case.path),
                    "line": r.case.line,
                    "tags": list(r.case.tags),
                    "xfail": r.case.xfail,
                    "outcome": r.outcome,
                    "failures": r.failures,
                    "seconds": round(r.seconds, 6),
                    "turns": [
                        {"question": t.question, "expect": t.expect, "answer": a.to_dict()}
                        for t, a in zip(r.case.turns, r.answers, strict=False)
                    ],
                }
                for r in self.results
            ],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# --- running -------------------------------------------------------------------------------------------


def default_suite() -> Path | None:
    """The project's own tests/suite/, when nervebot runs from a checkout (a wheel does not ship it)."""
    root = paths.project_root()
    suite = root / "tests" / "suite"
    return suite if (root / "knowledge").is_dir() and suite.is_dir() else None


def select(cases: Iterable[Case], tags: Sequence[str]) -> list[Case]:
    """Cases carrying any of `tags` (all cases when none are given)."""
    wanted = set(tags)
    return [c for c in cases if not wanted or wanted & set(c.tags)]


def example_warnings(cases: Iterable[Case], bot: Bot) -> list[str]:
    """Questions that are word for word an intent's example phrasing test recall, not understanding."""
    examples = {normalize(e): i.name for i in bot.intents for e in i.examples}
    return [
        f"{case.where}: {turn.question!r} is an example phrasing of intent {examples[normalize(turn.question)]}; "
        "reword it so the suite tests questions the bot was not shown"
        for case in cases
        for turn in case.turns
        if normalize(turn.question) in examples
    ]


def build_report(bot: Bot, cases: Sequence[Case], min_accuracy: float | None = None) -> Report:
    documents = documents_of(bot)
    results = [run_case(bot, case, documents) for case in cases]
    return Report(results, example_warnings(cases, bot), min_accuracy)


def run(args: argparse.Namespace, bot: Bot | None = None, out: TextIO | None = None) -> int:
    """The `nervebot test` command; `bot` and `out` let tests share one Bot and read the output."""
    out = out or sys.stdout
    if args.min_accuracy is not None and not 0 <= args.min_accuracy <= 1:
        print(f"nervebot test: --min-accuracy takes a share from 0 to 1, not {args.min_accuracy}", file=sys.stderr)
        return 2
    targets = [Path(p) for p in args.paths]
    if not targets:
        suite = default_suite()
        if suite is None:
            print(
                "nervebot test: the project's own suite (tests/suite/) is only in a source checkout, not in this "
                "installation; name the files or folders of *.qa.yaml to run, e.g. nervebot test my_cases/",
                file=sys.stderr,
            )
            return 2
        targets = [suite]
    missing = [p for p in targets if not p.exists()]
    if missing:
        print(f"nervebot test: {missing[0]}: no such file or folder", file=sys.stderr)
        return 2
    try:
        loaded = load_cases(targets)
    except QAFileError as exc:
        print(f"nervebot test: {exc}", file=sys.stderr)
        return 2
    cases = select(loaded, args.tag)
    if not cases:
        if not loaded:
            problem = f"no *.qa.yaml cases in {', '.join(map(str, targets))}"
        else:
            known = sorted({t for c in loaded for t in c.tags})
            problem = f"no case is tagged {' or '.join(args.tag)}; tags in these files: {', '.join(known) or 'none'}"
        print(f"nervebot test: {problem}", file=sys.stderr)
        return 2
    bot = bot or Bot(db=args.db or None)
    problems = unknown_names(cases, bot)
    if problems:
        for problem in problems:
            print(f"nervebot test: {problem}", file=sys.stderr)
        return 2
    report = build_report(bot, cases, args.min_accuracy)
    out.write(summary(report))
    try:
        if args.junit:
            write_junit(report, Path(args.junit))
        if args.json:
            write_json(report, Path(args.json))
    except OSError as exc:
        print(f"nervebot test: cannot write the report: {exc}", file=sys.stderr)
        return 2
    return 0 if report.ok else 1


# --- reporting -----------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.2f}"


def summary(report: Report) -> str:
    """The human report: warnings, failures, known failures, intent scores, confusion, one last line."""
    out: list[str] = []
    if report.warnings:
        out += ["", f"== {len(report.warnings)} warning(s) =="]
        out += [f"warning: {w}" for w in report.warnings]
    failed = [r for r in report.results if r.outcome == "failed"]
    if failed:
        out += ["", f"== {len(failed)} failed =="]
        for r in failed:
            out += ["", "FAILED " + describe(r)]
    xpassed = [r for r in report.results if r.outcome == "xpassed"]
    if xpassed:
        out += ["", f"== {len(xpassed)} unexpectedly passed: remove their `xfail:` =="]
        out += [f"XPASS {r.case.where}: {r.case.label} (xfail: {r.case.xfail})" for r in xpassed]
    xfailed = [r for r in report.results if r.outcome == "xfailed"]
    if xfailed:
        out += ["", f"== {len(xfailed)} known failures (xfail) =="]
        for r in xfailed:
            out += [f"XFAIL {r.case.where}: {r.case.label}", f"      why: {r.case.xfail}"]
            out += [f"      now: {f}" for f in r.failures]
    out += _intent_table(report)
    out += _confusion_table(report)
    out += ["", _last_line(report)]
    return "\n".join(out).lstrip("\n") + "\n"


def _intent_table(report: Report) -> list[str]:
    scores = report.scores()
    if not scores:
        return []
    pairs = report.intent_pairs()
    right = sum(e == c for e, c in pairs)
    width = max(len("intent"), *(len(s.intent) for s in scores))
    lines = ["", f"== intents: {right}/{len(pairs)} turns chose the expected intent ({right / len(pairs):.1%}) =="]
    lines.append(f"{'intent':<{width}}  precision  recall     f1  support")
    for s in scores:
        lines.append(f"{s.intent:<{width}}      {_pct(s.precision)}   {_pct(s.recall)}  {_pct(s.f1)}  {s.support:7}")
    f1s = [s.f1 for s in scores if s.f1 is not None]
    if f1s:
        lines.append(f"{'macro F1':<{width}}                        {sum(f1s) / len(f1s):5.2f}")
    return lines


def _confusion_table(report: Report) -> list[str]:
    rows, cols, pairs = report.confusion()
    if not rows:
        return []
    width = max(len(r) for r in rows)
    cell = max(3, *(len(str(n)) + 1 for n in pairs.values()))
    lines = ["", "== confusion: rows expected, columns chosen (numbered as listed below; . is 0) =="]
    number = {c: str(i) for i, c in enumerate(cols, 1)}
    lines.append(" " * (width + 2) + "".join(f"{number[c]:>{cell}}" for c in cols))
    for r in rows:
        cells = "".join(f"{pairs[(r, c)] or '.':>{cell}}" for c in cols)
        lines.append(f"{r:<{width}}  {cells}")
    lines.append("columns: " + ", ".join(f"{number[c]} {c}" for c in cols))
    return lines


def _last_line(report: Report) -> str:
    n = len(report.results)
    parts = [f"{report.count('passed')} passed", f"{report.count('failed')} failed"]
    parts += [f"{report.count(k)} {k}" for k in ("xfailed", "xpassed") if report.count(k)]
    line = f"{n} case{'' if n == 1 else 's'}: {', '.join(parts)}; accuracy {report.accuracy:.1%}"
    if report.min_accuracy is not None:
        verdict = "below" if report.below_floor else "at or above"
        line += f" ({verdict} --min-accuracy {report.min_accuracy:.1%})"
    if report.warnings:
        line += f"; {len(report.warnings)} warning(s)"
    return line


def write_junit(report: Report, path: Path) -> None:
    """One <testsuite> per file, one <testcase> per case; known failures are <skipped type="xfail">."""
    root = ET.Element("testsuites", name="nervebot")
    suites: dict[Path, ET.Element] = {}
    for r in report.results:
        case = r.case
        suite = suites.get(case.path)
        if suite is None:
            suite = suites[case.path] = ET.SubElement(root, "testsuite", name=display_path(case.path))
        testcase = ET.SubElement(
            suite,
            "testcase",
            classname=case.path.name.removesuffix(".yaml").replace(".", "_"),
            name=case.label,
            file=display_path(case.path),
            line=str(case.line),
            time=f"{r.seconds:.6f}",
        )
        if r.outcome == "failed":
            failure = ET.SubElement(testcase, "failure", message="; ".join(r.failures))
            failure.text = describe(r)
        elif r.outcome == "xfailed":
            skipped = ET.SubElement(testcase, "skipped", type="xfail", message=f"xfail: {case.xfail}")
            skipped.text = describe(r)
        elif r.outcome == "xpassed":
            ET.SubElement(testcase, "system-out").text = f"unexpectedly passed; remove `xfail: {case.xfail}`"
    for file_path, suite in suites.items():
        results = [r for r in report.results if r.case.path == file_path]
        _count_attributes(suite, results)
    _count_attributes(root, report.results)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _count_attributes(element: ET.Element, results: Sequence[CaseResult]) -> None:
    element.set("tests", str(len(results)))
    element.set("failures", str(sum(r.outcome == "failed" for r in results)))
    element.set("errors", "0")
    element.set("skipped", str(sum(r.outcome == "xfailed" for r in results)))
    element.set("time", f"{sum(r.seconds for r in results):.6f}")
