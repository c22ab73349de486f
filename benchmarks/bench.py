"""Print how fast nervebot answers, how much memory it takes and how long its store takes to build.

    python benchmarks/bench.py [--rounds N] [--json FILE]
    python benchmarks/bench.py --sizes 1k:10k,10k:100k,100k:1M [--workdir DIR] [--json FILE]

The questions are the project's dev set (tests/dev), asked in order with their sessions, so the mix
holds exact questions, paraphrases, typos, follow-ups and out-of-scope ones; each round adds a fresh
typo (derived deterministically) to every answerable single question. Each store is measured in
child processes pinned to one core: warm `Bot.ask` latency (p50, p99, max, per kind of question),
throughput, peak RSS (VmHWM) of a process that loads the Bot and asks the mix (made there a round at
a time, so the peak is the Bot's and not tens of thousands of questions waiting), and held-out accuracy
(tests/heldout) beside the timings. The Bot remembers the reading of questions it has seen, so the
mix is timed again by a Bot that remembers nothing (`remember=0`): the `_new_` figures are for
questions never asked before. Around them: the build time of the store (the median of `--builds`
builds, three by default, with the fastest and slowest), the cold start of
`nervebot ask` as a process, and a naive baseline timed in the same run (rapidfuzz `extractOne` of
the question against every example phrasing and alias), so the figures also read as ratios that
survive a noisy machine.

`--sizes ALIASES:FACTS,...` adds synthetic stores made by benchmarks/synth.py (the real knowledge
merged with generated entities, aliases and facts), built with `nervebot build --root DIR --db OUT`,
one column each, plus questions about the generated facts. A build that takes longer than
`--build-timeout` seconds is stopped and reported.
"""

from __future__ import annotations

import argparse
import array
import heapq
import json
import os
import platform
import random
import re
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synth import generate, parse_count, typo_of

from bot.qa import Case, check, load_cases

ROOT = Path(__file__).resolve().parent.parent
COLD_QUESTION = "what causes foot drop?"
CATEGORIES = ("exact", "paraphrase", "typo", "follow-up", "out-of-scope", "synthetic")
OUT_OF_SCOPE_TAGS = frozenset(
    {"out-of-scope", "not-in-sources", "unknown-muscle", "other-level", "trap", "safety", "red-flag"}
    | {"personal-advice", "drug"}
)
PARAPHRASE_TAGS = frozenset({"casual", "word-order", "synonym", "abbrev", "exam", "clarify"})
SYNTHETIC_PER_ROUND = 40
MORE_OFFERED = 'say "more"'  # how an answer says its facts go on past this page
ORDER = (
    *("entities", "aliases", "facts", "sentences", "db_mb", "synth_s", "build_s", "build_s_min", "build_s_max"),
    "build_rss_mb",
    *("questions", "bot_load_ms", "ask_p50_ms", "ask_p99_ms", "ask_max_ms", "ask_mean_ms"),
    *("ask_p50_new_ms", "ask_p99_new_ms"),
    *("questions_per_second", "cli_cold_start_median_ms", "rss_mb"),
    *(f"ask_{p}_{kind}_ms" for kind in CATEGORIES for p in ("p50", "p99")),
    *("baseline_choices", "baseline_p50_ms", "baseline_p99_ms", "baseline_rss_mb"),
    *("ask_p50_vs_baseline", "ask_p99_vs_baseline", "heldout_accuracy", "dev_accuracy", "synthetic_accuracy"),
    "synthetic_paged_accuracy",
)
# (figure, column, limit, "<=" or "<"): the targets of issue 8.
TARGETS = (
    ("ask_p50_ms", "shipped", 0.1, "<="),
    ("ask_p99_ms", "shipped", 0.5, "<="),
    ("ask_p50_new_ms", "shipped", 0.1, "<="),
    ("ask_p99_new_ms", "shipped", 0.5, "<="),
    ("cli_cold_start_median_ms", "shipped", 150.0, "<="),
    ("rss_mb", "shipped", 60.0, "<"),
    ("ask_p99_ms", "100k:1M", 1.0, "<="),
    ("ask_p99_new_ms", "100k:1M", 1.0, "<="),
    ("rss_mb", "100k:1M", 150.0, "<="),
    ("build_s", "100k:1M", 30.0, "<="),
)
Figures = dict[str, Any]
# The processes timed run as installed ones do: pip compiles the modules to bytecode, and a shell with
# PYTHONDONTWRITEBYTECODE set had every `nervebot ask` compile them again (167 ms, against 126 with them).
INSTALLED = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
Slow = tuple[float, str, str]  # milliseconds, kind of question, question


@dataclass(frozen=True, slots=True)
class Mix:
    """How to make the question mix. The parent reads the cases and hands the measured process their
    questions alone (`plan`); that process makes the rounds one at a time as it asks them, so it holds
    one round of questions, and neither tens of thousands of them nor the cases' expectations."""

    rounds: int
    seed: int
    synthetic: Path | None = None

    def plan(self) -> dict[str, Any]:
        """The mix as JSON: each case's kind, name and questions, and the words a typo may land in."""
        dev = [_asked(c, category(c.tags)) for c in load_cases(sorted((ROOT / "tests" / "dev").glob("*.eval.yaml")))]
        extra = [_asked(c, "synthetic", "synthetic") for c in load_cases([self.synthetic])] if self.synthetic else []
        domain = sorted(domain_words(ROOT / "facts.db"))
        return {"rounds": self.rounds, "seed": self.seed, "dev": dev, "synthetic": extra, "domain": domain}


class Planned:
    """A mix's rounds, made from its plan in the measured process."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan

    def __iter__(self) -> Iterator[list[Turn]]:
        return iter_mix(self.plan)


@dataclass(frozen=True, slots=True)
class Turn:
    category: str
    session: str | None  # conversations only; a single question is asked without one
    question: str
    last: bool = False  # the conversation ends here, so the Bot forgets it (untimed)


# --- the question mix ---------------------------------------------------------------------------------


def category(tags: Iterable[str]) -> str:
    tags = set(tags)
    if tags & OUT_OF_SCOPE_TAGS:
        return "out-of-scope"
    if "typo" in tags:
        return "typo"
    if tags & PARAPHRASE_TAGS:
        return "paraphrase"
    return "exact"


def with_typo(question: str, domain: frozenset[str], rng: random.Random) -> str | None:
    """The question with its longest domain word mistyped, or None when it names no domain word."""
    words = [w for w in re.findall(r"[A-Za-z]+", question) if len(w) >= 5 and w.lower() in domain]
    if not words:
        return None
    word = max(words, key=len)
    return question.replace(word, typo_of(word, rng), 1)


def iter_mix(plan: dict[str, Any]) -> Iterator[list[Turn]]:
    """Round 0 warms the caches; every round asks the dev set, new typos and a slice of synthetic questions."""
    seed, domain, extra = plan["seed"], frozenset(plan["domain"]), plan["synthetic"]
    for r in range(plan["rounds"] + 1):
        turns: list[Turn] = []
        for kind, name, questions, talk, answerable in plan["dev"]:
            turns += conversation(questions, talk, kind, f"r{r}:{name}")
            if answerable and not talk and kind in ("exact", "paraphrase"):
                mistyped = with_typo(questions[0], domain, random.Random(f"{seed}:{r}:{name}"))
                if mistyped:
                    turns.append(Turn("typo", None, mistyped))
        for k in range(SYNTHETIC_PER_ROUND if extra else 0):
            kind, name, questions, talk, _ = extra[(r * SYNTHETIC_PER_ROUND + k) % len(extra)]
            turns += conversation(questions, talk, kind, f"r{r}:{name}", follow_up="synthetic")
        yield turns


def _asked(case: Case, kind: str, named: str = "") -> tuple[str, str, list[str], bool, bool]:
    """What the mix needs of a case: its kind, a name for its session and typos, its questions, whether
    it is a conversation, and whether its first answer is expected (only those get typos)."""
    answerable = case.turns[0].expect.get("status", "answered") == "answered"
    name = f"{named or case.path.name}:{case.index}"
    return kind, name, [t.question for t in case.turns], case.is_conversation, answerable


def conversation(
    questions: Sequence[str], talk: bool, kind: str, session: str, follow_up: str = "follow-up"
) -> list[Turn]:
    if not talk:
        return [Turn(kind, None, questions[0])]
    last = len(questions) - 1
    return [Turn(kind if n == 0 else follow_up, session, q, n == last) for n, q in enumerate(questions)]


def domain_words(db: Path) -> frozenset[str]:
    """Words of the shipped store's aliases: where a derived typo lands."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return frozenset(w for (alias,) in conn.execute("SELECT alias FROM aliases") for w in alias.split())
    finally:
        conn.close()


# --- child processes ----------------------------------------------------------------------------------


def paged(bot: Any, case: Case) -> bool:
    """Whether a question's first answer, and the pages "more" lists after it, say what it expects:
    a generated thing has dozens of facts of a kind, so the one asked about is often past the first page."""
    question, expect = case.turns[0].question, case.turns[0].expect
    session = f"paged:{case.path.name}:{case.index}"
    try:
        answer = bot.ask(question, session=session)
        if check(answer, {k: v for k, v in expect.items() if k != "says"}):
            return False
        says = expect.get("says") or []
        wanted = {w.lower() for w in ([says] if isinstance(says, str) else says)}
        while True:
            wanted = {w for w in wanted if w not in answer.text.lower()}
            if not wanted or MORE_OFFERED not in answer.text:
                return not wanted
            answer = bot.ask("more", session=session)
    finally:
        bot.reset(session)


def pin_to_one_core() -> None:
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def child_ask(
    db: Path, mix: Iterable[list[Turn]], evals: dict[str, list[Path]], remember: int | None = None
) -> Figures:
    """In a fresh process on one core: load the Bot, ask the mix, then score the evaluation sets.

    The Bot remembers as many questions as it does by default; with `remember=0` it keeps no reading
    of questions it has seen, so every question is timed as if it were new, and accuracy is left out.
    """
    pin_to_one_core()
    from bot import Bot
    from bot.qa import load_cases, run

    started = time.perf_counter()
    bot = Bot(db=db) if remember is None else Bot(db=db, remember=remember)
    load_ms = (time.perf_counter() - started) * 1000
    timed, wall = time_mix(bot, mix)
    rss = peak_rss_mb()  # of a Bot answering; scoring accuracy then loads every document's text besides
    accuracy = {}
    for name, paths in evals.items() if remember != 0 else ():
        results = list(run(bot, load_cases(paths)))
        accuracy[name] = sum(r.passed for r in results) / len(results) if results else None
        if name == "synthetic" and results:
            accuracy["synthetic_paged"] = sum(paged(bot, r.case) for r in results) / len(results)
    timings = list(timed.ms)
    by_kind: dict[str, list[float]] = {c: [] for c in CATEGORIES}
    for ms, kind in zip(timed.ms, timed.kinds, strict=True):
        by_kind[CATEGORIES[kind]].append(ms)
    return {
        "load_ms": load_ms,
        "timings": timings,
        "wall_s": wall,
        "by_kind": {c: (percentile(v, 50), percentile(v, 99), len(v)) for c, v in by_kind.items() if v},
        "slowest": [(round(ms, 3), kind, question) for ms, _, kind, question in sorted(timed.slowest, reverse=True)],
        "accuracy": accuracy,
        "_rss_asking_mb": rss,
    }


@dataclass
class Timed:
    """Every timed turn, in order, kept as plain numbers: a tuple a turn would be the measured process's
    largest allocation after the Bot (seven megabytes over 86,000 turns), and counted as the Bot's memory."""

    ms: array.array[float] = field(default_factory=lambda: array.array("d"))
    kinds: array.array[int] = field(default_factory=lambda: array.array("B"))  # indexes into CATEGORIES
    slowest: list[tuple[float, int, str, str]] = field(default_factory=list)  # a heap: (ms, turn, kind, question)


def time_mix(bot: Any, mix: Iterable[list[Turn]], keep: int = 8) -> tuple[Timed, float]:
    """Ask round 0 to warm up, then time every later turn; the seconds in all."""
    timed = Timed()
    wall = 0.0
    for r, turns in enumerate(mix):
        for turn in turns:
            t0 = time.perf_counter_ns()
            bot.ask(turn.question, session=turn.session)
            elapsed = time.perf_counter_ns() - t0
            if turn.last and turn.session:
                bot.reset(turn.session)
            if r == 0:
                continue
            ms = elapsed / 1e6
            timed.ms.append(ms)
            timed.kinds.append(CATEGORIES.index(turn.category))
            wall += elapsed / 1e9
            if len(timed.slowest) < keep or ms > timed.slowest[0][0]:
                slow = (ms, len(timed.ms), turn.category, turn.question)
                (heapq.heappush if len(timed.slowest) < keep else heapq.heapreplace)(timed.slowest, slow)
    return timed, wall


def child_baseline(db: Path, intents: Path, mix: Iterable[list[Turn]], budget_s: float) -> Figures:
    """The naive matcher: every question scored against every example phrasing and alias."""
    pin_to_one_core()
    import yaml
    from rapidfuzz import fuzz, process, utils

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    choices = [a for (a,) in conn.execute("SELECT alias FROM aliases UNION ALL SELECT alias FROM ambiguous_aliases")]
    conn.close()
    for path in sorted(intents.glob("*.yaml")):
        choices += [str(e) for e in yaml.safe_load(path.read_text(encoding="utf-8")).get("examples") or []]
    timings: list[float] = []
    started = time.perf_counter()
    for r, turns in enumerate(mix):
        for turn in turns if r else ():
            t0 = time.perf_counter_ns()
            process.extractOne(turn.question, choices, scorer=fuzz.WRatio, processor=utils.default_process)
            timings.append((time.perf_counter_ns() - t0) / 1e6)
        if time.perf_counter() - started > budget_s:
            break
    return {"timings": timings, "choices": len(choices)}


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """VmHWM, the peak resident set of a process's own image, in MB (None where /proc has no answer).

    Not getrusage(RUSAGE_CHILDREN).ru_maxrss: Linux carries a parent's peak across fork and exec
    into the child's ru_maxrss, so a child of a big parent reports the parent's size, not its own.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def run_child(args: list[str], timeout: float | None = None) -> tuple[int | None, float, float]:
    """Run a process; return its exit status (None if stopped at `timeout`), seconds and peak RSS in MB."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=INSTALLED)
        status: int | None = None
        peak = 0.0
        while True:
            peak = max(peak, peak_rss_mb(proc.pid) or 0.0)  # a high-water mark: the last read is the peak
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(wait_status)
                break
            if timeout is not None and time.perf_counter() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)  # the group this call started, nothing else
                _, _, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        proc.returncode = -signal.SIGKILL if status is None else status
        if status not in (0, None):
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise SystemExit(f"bench: {' '.join(args[:3])} ... failed with status {status}")
    return status, seconds, peak or usage.ru_maxrss / 1024


def in_child(mode: str, db: Path, mix: Mix, extra: dict[str, Any]) -> tuple[Figures, float]:
    with tempfile.TemporaryDirectory() as tmp:
        request = Path(tmp) / "request.json"
        result = Path(tmp) / "result.json"
        request.write_text(json.dumps({"mode": mode, "db": str(db), "mix": mix.plan(), **extra}))
        run_child([sys.executable, __file__, "--child", str(request), str(result)])
        figures: Figures = json.loads(result.read_text())
    return figures, figures.pop("_rss_mb")


def child_main(request_path: Path, result_path: Path) -> int:
    request = json.loads(request_path.read_text())
    mix = Planned(request.pop("mix"))
    db = Path(request["db"])
    if request["mode"] == "ask":
        evals = {name: [Path(p) for p in paths] for name, paths in request["evals"].items()}
        figures = child_ask(db, mix, evals, request.get("remember"))
    else:
        figures = child_baseline(db, Path(request["intents"]), mix, request["budget_s"])
    asking = figures.pop("_rss_asking_mb", None)
    figures["_rss_mb"] = asking or peak_rss_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result_path.write_text(json.dumps(figures))
    return 0


# --- one store ----------------------------------------------------------------------------------------


def nervebot() -> str:
    return str(Path(sys.executable).with_name("nervebot"))


def build_store(root: Path, db: Path, timeout: float, runs: int) -> Figures:
    """`nervebot build --root ROOT --db DB`, `runs` times: the median seconds (a string when a build was
    stopped at the timeout), the fastest and slowest, and the highest peak RSS. This machine's build time
    varies by a tenth from run to run. Writes still pending from earlier steps (the generator's files, an
    earlier build) are flushed first, so that a build is not charged for them."""
    seconds: list[float] = []
    peak = 0.0
    for _ in range(runs):
        os.sync()
        status, took, rss = run_child([nervebot(), "build", "--root", str(root), "--db", str(db)], timeout)
        peak = max(peak, rss)
        if status is None:
            return {"build_s": f">{timeout:.0f} (stopped)", "build_rss_mb": peak}
        seconds.append(took)
    return {
        "build_s": statistics.median(seconds),
        "build_s_min": min(seconds),
        "build_s_max": max(seconds),
        "build_rss_mb": peak,
    }


def cold_start(db: Path) -> float:
    """Median wall time of `nervebot ask` as a fresh process (fewer runs when each takes seconds), after
    an untimed first run that writes any bytecode missing (`INSTALLED`)."""
    args = [nervebot(), "ask", "--db", str(db), COLD_QUESTION]
    subprocess.run(args, check=True, capture_output=True, env=INSTALLED)
    times: list[float] = []
    while len(times) < (7 if not times or times[0] < 2000 else 3):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=INSTALLED)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def store_counts(db: Path) -> Figures:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        count = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("entities", "aliases", "facts")}
        count["sentences"] = conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
    finally:
        conn.close()
    return {**count, "db_mb": db.stat().st_size / 2**20}


def measure(db: Path, mix: Mix, synthetic: Path | None, baseline_budget: float) -> tuple[Figures, list[Slow]]:
    """Every run-time figure of one built store."""
    evals = {"heldout": sorted((ROOT / "tests" / "heldout").glob("*.eval.yaml"))}
    evals["dev"] = sorted((ROOT / "tests" / "dev").glob("*.eval.yaml"))
    if synthetic:
        evals["synthetic"] = [synthetic]
    asked, rss = in_child("ask", db, mix, {"evals": {k: [str(p) for p in v] for k, v in evals.items()}})
    new, _ = in_child("ask", db, mix, {"evals": {}, "remember": 0})
    base, base_rss = in_child("baseline", db, mix, {"intents": str(ROOT / "intents"), "budget_s": baseline_budget})
    timings, base_t = asked["timings"], base["timings"]
    mean = statistics.fmean(timings)
    figures: Figures = {
        "questions": len(timings),
        "bot_load_ms": asked["load_ms"],
        "ask_p50_ms": percentile(timings, 50),
        "ask_p99_ms": percentile(timings, 99),
        "ask_max_ms": max(timings),
        "ask_mean_ms": mean,
        "ask_p50_new_ms": percentile(new["timings"], 50),
        "ask_p99_new_ms": percentile(new["timings"], 99),
        "questions_per_second": len(timings) / asked["wall_s"],
        "cli_cold_start_median_ms": cold_start(db),
        "rss_mb": rss,
    }
    for kind in CATEGORIES:
        if kind in asked["by_kind"]:
            p50, p99, _ = asked["by_kind"][kind]
            figures[f"ask_p50_{kind}_ms"] = p50
            figures[f"ask_p99_{kind}_ms"] = p99
    figures |= {
        "baseline_choices": base["choices"],
        "baseline_p50_ms": percentile(base_t, 50),
        "baseline_p99_ms": percentile(base_t, 99),
        "baseline_rss_mb": base_rss,
        "ask_p50_vs_baseline": figures["ask_p50_ms"] / percentile(base_t, 50),
        "ask_p99_vs_baseline": figures["ask_p99_ms"] / percentile(base_t, 99),
    }
    figures |= {f"{name}_accuracy": value for name, value in asked["accuracy"].items()}
    return figures, new["slowest"]


# --- the report ---------------------------------------------------------------------------------------


def show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.3f}"


def table(columns: dict[str, Figures]) -> str:
    names = sorted(
        dict.fromkeys(n for figures in columns.values() for n in figures),
        key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER),
    )
    labels = list(columns)
    growth = len(labels) > 1
    header = ["", *labels, *(["growth"] if growth else [])]
    rows = [header]
    for name in names:
        values = [columns[label].get(name) for label in labels]
        row = [name, *(show(v) for v in values)]
        if growth:  # from the first column to the last that has a number
            numbers = [v for v in values if isinstance(v, int | float)]
            grew = len(numbers) > 1 and numbers[0] and isinstance(values[0], int | float)
            row.append(f"x{numbers[-1] / numbers[0]:.3g}" if grew else "")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        if n == 0 and not growth and len(labels) == 1:
            continue  # a single store prints as before: one figure a line
        lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
    return "\n".join(line.rstrip() for line in lines)


def target_lines(columns: dict[str, Figures]) -> list[str]:
    out = []
    for figure, label, limit, op in TARGETS:
        value = columns.get(label, {}).get(figure)
        if value is None:
            if label in columns:
                out.append(f"  {label:<8} {figure} {op} {limit}: not measured")
            continue
        if not isinstance(value, int | float):
            out.append(f"  {label:<8} {figure} {op} {limit}: {value} MISSED")
            continue
        met = value <= limit if op == "<=" else value < limit
        out.append(f"  {label:<8} {figure} {op} {limit}: {show(value)} {'met' if met else 'MISSED'}")
    return out


def environment() -> Figures:
    import rapidfuzz

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "bot", "intents"], capture_output=True
    )
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "rapidfuzz": rapidfuzz.__version__,
        "cpu": model,
        "cores": os.cpu_count(),
        "commit": commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else ""),
    }


def parse_sizes(text: str) -> list[tuple[str, int, int]]:
    sizes = []
    for part in text.split(","):
        aliases, _, facts = part.partition(":")
        sizes.append((part.strip(), parse_count(aliases), parse_count(facts)))
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the question mix (default 20)")
    parser.add_argument("--scale-rounds", type=int, default=5, help="passes for each synthetic store (default 5)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--sizes", help="synthetic stores to add, ALIASES:FACTS,..., e.g. 1k:10k,10k:100k,100k:1M")
    parser.add_argument("--workdir", type=Path, help="where synthetic stores go (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="keep a store already built in --workdir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--build-timeout", type=float, default=300, help="stop a build after this long (s)")
    parser.add_argument("--builds", type=int, default=3, help="build each store this many times (the median)")
    parser.add_argument("--baseline-seconds", type=float, default=20, help="time budget of the naive baseline")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(*args.child)
    shipped = ROOT / "facts.db"
    columns: dict[str, Figures] = {}
    slowest: dict[str, list[Slow]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        built = build_store(ROOT, Path(tmp) / "facts.db", args.build_timeout, args.builds)
        figures, slowest["shipped"] = measure(shipped, Mix(args.rounds, args.seed), None, 5.0)
        columns["shipped"] = {**store_counts(shipped), **figures, **built}
        print(f"measured shipped store ({ROOT / 'facts.db'})", file=sys.stderr)
        workdir = args.workdir or Path(tmp)
        for label, n_aliases, n_facts in parse_sizes(args.sizes) if args.sizes else []:
            columns[label] = measure_size(label, workdir, n_aliases, n_facts, args, slowest)
    print(table(columns))
    targets = target_lines(columns)
    if len(columns) > 1 or any("MISSED" in t or "met" in t for t in targets):
        print("\ntargets (issue 8):")
        print("\n".join(targets))
    if len(columns) > 1:
        print("\nslowest new questions at the largest size:")
        for ms, kind, question in slowest[list(columns)[-1]][:5]:
            print(f"  {ms:9.2f} ms  {kind:<12} {question}")
    if args.json:
        report = {
            **columns["shipped"],
            "sizes": columns,
            "slowest": slowest,
            "environment": environment(),
            "rounds": args.rounds,
            "scale_rounds": args.scale_rounds,
            "seed": args.seed,
        }
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


def measure_size(
    label: str,
    workdir: Path,
    n_aliases: int,
    n_facts: int,
    args: argparse.Namespace,
    slowest: dict[str, list[Slow]],
) -> Figures:
    folder = workdir / f"synth-{label.replace(':', '-')}"
    db = folder / "facts.db"
    manifest, timing = folder / "synth.json", folder / "build.json"
    reuse = args.reuse and db.exists() and manifest.exists()
    if reuse:
        made = json.loads(manifest.read_text())
        reuse = (
            made["seed"] == args.seed and made["requested"].items() >= {"aliases": n_aliases, "facts": n_facts}.items()
        )
    column: Figures = {}
    if reuse:
        print(f"{label}: reusing {db}", file=sys.stderr)
        column = json.loads(timing.read_text()) if timing.exists() else {}
    else:
        print(f"{label}: generating {folder}", file=sys.stderr)
        column["synth_s"] = generate(folder, n_aliases, n_facts, seed=args.seed).seconds
        print(f"{label}: building {db}", file=sys.stderr)
        column |= build_store(folder, db, args.build_timeout, args.builds)
        if isinstance(column["build_s"], str):
            print(f"{label}: build stopped after {args.build_timeout:.0f} s", file=sys.stderr)
            return column
        timing.write_text(json.dumps(column) + "\n")  # so --reuse can still show how long the build took
    synthetic = folder / "synthetic.eval.yaml"
    print(f"{label}: measuring", file=sys.stderr)
    figures, slowest[label] = measure(
        db, Mix(args.scale_rounds, args.seed, synthetic), synthetic, args.baseline_seconds
    )
    return {**store_counts(db), **figures, **column}


if __name__ == "__main__":
    raise SystemExit(main())
