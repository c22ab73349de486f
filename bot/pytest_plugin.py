"""A pytest plugin: each case of each `*.qa.yaml` file is a test item with a curator-readable failure.

Registered through the package's `pytest11` entry point, so any project that installs nervebot
gets it: `pytest` collects `*.qa.yaml` files (that suffix only; `*.eval.yaml` sets are left to
their own tests), tags become keywords and markers (`pytest -m typos`, `-k out-of-scope`), and a
case with `xfail: "why"` is an expected failure. One Bot is built for the whole session, on first
use, from `NERVEBOT_DB` when it is set. nervebot itself is imported only then, so the plugin costs
nothing in test runs without Q&A files. (PYTEST_DONT_REWRITE: it has no asserts to rewrite.)
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

    from .core import Bot
    from .qa import Case, CaseResult

SUFFIX = ".qa.yaml"
# Tags that would change how pytest runs an item if they became markers; they stay keywords only.
_PYTEST_MARKS = frozenset(
    {"skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings", "parameterize", "parametrise"}
)


class QACaseFailed(Exception):
    """A case's expectations did not hold; carries the result so the report can show it."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__("; ".join(result.failures))
        self.result = result


class SharedBot:
    """One Bot (and the documents its answers are checked against) per test session, built lazily."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: tuple[Bot, dict[str, str]] | None = None

    def get(self) -> tuple[Bot, dict[str, str]]:
        with self._lock:
            if self._value is None:
                from .core import Bot
                from .qa import documents_of

                bot = Bot()  # honours NERVEBOT_DB
                self._value = (bot, documents_of(bot))
            return self._value


_SHARED = pytest.StashKey[SharedBot]()
_MARKERS = pytest.StashKey[set[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SHARED] = SharedBot()
    config.stash[_MARKERS] = set()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> QAFile | None:
    if file_path.name.endswith(SUFFIX):
        qa_file: QAFile = QAFile.from_parent(parent, path=file_path)
        return qa_file
    return None


@pytest.fixture(scope="session")
def nervebot_bot(request: pytest.FixtureRequest) -> Bot:
    """The session's shared Bot, for your own tests beside the Q&A files (see bot.testing)."""
    return request.config.stash[_SHARED].get()[0]


class QAFile(pytest.File):
    """A *.qa.yaml file; a malformed one is one collection error naming the file and the problem."""

    def collect(self) -> list[QAItem]:
        from .qa import QAFileError, load_file

        try:
            cases = load_file(self.path)
        except QAFileError as exc:
            raise self.CollectError(str(exc)) from None
        items = []
        seen: dict[str, int] = {}
        for case in cases:
            name = case.label.replace("::", ":").replace("\n", " ")
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} [{seen[name]}]"
            items.append(QAItem.from_parent(self, name=name, case=case))
        return items


class QAItem(pytest.Item):
    """One case: its turns asked in one session of the shared Bot."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # pytest's from_parent hands its own arguments through
        self.case = case
        for tag in case.tags:
            self.keywords[tag] = True
            if tag and tag not in _PYTEST_MARKS and not tag.startswith("_"):
                registered = self.config.stash[_MARKERS]
                if tag not in registered:  # so --strict-markers accepts tags as markers
                    self.config.addinivalue_line("markers", f"{tag}: Q&A cases tagged {tag}")
                    registered.add(tag)
                self.add_marker(getattr(pytest.mark, tag))
        if case.xfail:
            self.add_marker(pytest.mark.xfail(reason=case.xfail, raises=QACaseFailed))

    def runtest(self) -> None:
        from .qa import QAFileError, run_case, unknown_names

        bot, documents = self.config.stash[_SHARED].get()
        problems = unknown_names([self.case], bot)
        if problems:
            raise QAFileError("; ".join(problems))
        result = run_case(bot, self.case, documents)
        if not result.passed:
            raise QACaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        from .qa import QAFileError, describe

        if isinstance(excinfo.value, QACaseFailed):
            failures = excinfo.value.result.failures
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            return f"{failures[0]}{more}\n{describe(excinfo.value.result)}"
        if isinstance(excinfo.value, QAFileError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.case.line - 1 if self.case.line else None, f"{self.path.name}: {self.case.label}"
