"""Assertions for embedders' own tests, with the same readable messages as `nervebot test`.

    from bot import Bot
    from bot.testing import assert_answers, assert_grounded

    bot = Bot()
    answer = assert_answers(bot, "what causes foot drop?", intent="causes", says="L5")
    assert_grounded(bot.ask("which nerve supplies EHL?"), bot)

Each helper raises AssertionError naming what was expected and what came back, and returns the
Answer so a test can go on to check anything else about it.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from .answer import Answer, Status
from .core import Bot
from .qa import came_back, check, documents_of, expectation, ungrounded

_DOCUMENTS: weakref.WeakKeyDictionary[Bot, dict[str, str]] = weakref.WeakKeyDictionary()


def _documents(bot: Bot) -> dict[str, str]:
    if bot not in _DOCUMENTS:
        _DOCUMENTS[bot] = documents_of(bot)
    return _DOCUMENTS[bot]


def _message(question: str, expect: dict[str, Any], answer: Answer, problems: list[str]) -> str:
    lines = [
        f"asked:    {question}",
        f"expected: {expectation(expect)}",
        f"got:      {came_back(answer)}",
    ]
    return "\n".join([problems[0], *lines, *(f"  - {p}" for p in problems)])


def assert_grounded(answer: Answer, bot: Bot) -> None:
    """An answered Answer quotes at least one sentence, each verbatim in its document, with the disclaimer."""
    __tracebackhide__ = True
    problems = ungrounded(answer, _documents(bot))
    if problems:
        raise AssertionError(_message(answer.question, {}, answer, problems))


def assert_answers(
    bot: Bot,
    question: str,
    *,
    session: str | None = None,
    status: Status | None = "answered",
    not_status: Status | Sequence[Status] | None = None,
    intent: str | None = None,
    not_intent: str | Sequence[str] | None = None,
    slots: dict[str, str] | None = None,
    min_confidence: float | None = None,
    says: str | Sequence[str] = (),
    not_says: str | Sequence[str] = (),
    cites: str | Sequence[str] = (),
    conflicts: bool | int | None = None,
) -> Answer:
    """Ask `question` and check the answer like a *.qa.yaml case would; return the Answer.

    `status` defaults to "answered"; pass `status=None` to accept any status (for instance with
    `not_status="answered"` for "must not be answered"). Every answer must also be grounded.
    """
    __tracebackhide__ = True
    expect: dict[str, Any] = {}
    for key, value in (
        ("status", status),
        ("not_status", not_status),
        ("intent", intent),
        ("not_intent", not_intent),
        ("slots", slots),
        ("min_confidence", min_confidence),
        ("conflicts", conflicts),
    ):
        if value is not None:
            expect[key] = value if isinstance(value, str | bool | int | float | dict) else list(value)
    for key, words in (("says", says), ("not_says", not_says), ("cites", cites)):
        if words:
            expect[key] = [words] if isinstance(words, str) else list(words)
    answer = bot.ask(question, session=session)
    problems = [*ungrounded(answer, _documents(bot)), *check(answer, expect)]
    if problems:
        raise AssertionError(_message(question, expect, answer, problems))
    return answer
