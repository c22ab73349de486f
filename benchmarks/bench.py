"""Print how fast nervebot answers: warm `Bot.ask` latency and the cold start of `nervebot ask`.

    python benchmarks/bench.py [--rounds N] [--json FILE]

The questions are the project's dev set (tests/dev), asked in order with their sessions, so the mix
holds exact questions, typos, follow-ups and out-of-scope ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot import Bot
from bot.qa import load_cases

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the question mix (default 20)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    started = time.perf_counter()
    bot = Bot()
    load_ms = (time.perf_counter() - started) * 1000
    turns = [
        (f"bench:{c.index}", t.question)
        for c in load_cases(sorted((ROOT / "tests" / "dev").glob("*.eval.yaml")))
        for t in c.turns
    ]
    for session, question in turns:  # warm up caches once
        bot.ask(question, session=session)
    timings = []
    for _ in range(args.rounds):
        for session, question in turns:
            t0 = time.perf_counter_ns()
            bot.ask(question, session=session)
            timings.append((time.perf_counter_ns() - t0) / 1e6)
    cli = shutil.which("nervebot") or str(Path(sys.executable).with_name("nervebot"))
    cold = []
    for _ in range(7):
        t0 = time.perf_counter()
        subprocess.run([cli, "ask", "what causes foot drop?"], check=True, capture_output=True)
        cold.append((time.perf_counter() - t0) * 1000)
    figures = {
        "questions": len(timings),
        "bot_load_ms": round(load_ms, 1),
        "ask_p50_ms": round(percentile(timings, 50), 4),
        "ask_p99_ms": round(percentile(timings, 99), 4),
        "ask_max_ms": round(max(timings), 4),
        "ask_mean_ms": round(statistics.fmean(timings), 4),
        "questions_per_second": round(1000 / statistics.fmean(timings)),
        "cli_cold_start_median_ms": round(statistics.median(cold), 1),
    }
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
