"""Accuracy on question sets written apart from the intents' example phrasings.

tests/dev/ is the development set; tests/heldout/ is never copied into intents/ and is reported as
held-out accuracy. Every answered Answer in both must be grounded. Run with `-s` to see the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Bot
from bot.qa import CaseResult, load_cases, run

TESTS = Path(__file__).parent
FLOORS = {"dev": 0.82, "heldout": 0.85}


@pytest.fixture(scope="module")
def bot() -> Bot:
    return Bot()


def _results(bot: Bot, folder: str) -> list[CaseResult]:
    return list(run(bot, load_cases(sorted((TESTS / folder).glob("*.eval.yaml")))))


@pytest.mark.parametrize("folder", sorted(FLOORS))
def test_accuracy_stays_above_its_floor(bot: Bot, folder: str) -> None:
    results = _results(bot, folder)
    passed = sum(r.passed for r in results)
    accuracy = passed / len(results)
    print(f"\n{folder}: {passed}/{len(results)} cases ({accuracy:.1%})")
    assert accuracy >= FLOORS[folder], "\n".join(f"{r.case.id}: {r.failures}" for r in results if not r.passed)


@pytest.mark.parametrize("folder", sorted(FLOORS))
def test_every_answered_answer_is_grounded(bot: Bot, folder: str) -> None:
    results = _results(bot, folder)
    ungrounded = [
        (r.case.id, f)
        for r in results
        for f in r.failures
        if "verbatim" in f or "without a source" in f or "disclaimer" in f
    ]
    assert ungrounded == []
    answered = [a for r in results for a in r.answers if a.status == "answered"]
    assert answered and all(a.sources for a in answered)


def test_no_held_out_question_is_an_intent_example(bot: Bot) -> None:
    examples = {e.lower() for intent in bot.intents for e in intent.examples}
    cases = load_cases(sorted((TESTS / "heldout").glob("*.eval.yaml")))
    questions = [t.question.lower().strip(" ?!.") for c in cases for t in c.turns]
    assert [q for q in questions if q in examples] == []
