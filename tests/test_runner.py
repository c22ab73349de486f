"""`nervebot test`, the pytest plugin and bot.testing, on small *.qa.yaml files under tmp_path."""

from __future__ import annotations

import argparse
import io
import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from bot import Bot, paths
from bot.answer import Answer, Source
from bot.cli import main
from bot.pytest_plugin import SharedBot
from bot.qa import load_cases
from bot.runner import Report, build_report, default_suite, run
from bot.testing import assert_answers, assert_grounded
from bot.text import normalize

pytest_plugins = ("pytester",)

ROOT = Path(__file__).parent.parent

PASSING = """
cases:
  - q: "which nerve supplies the tibialis anterior?"
    expect: {status: answered, intent: nerve_of_muscle, says: [deep peroneal]}
    tags: [nerve_of_muscle, plain]
  - q: "what is the capital of France?"
    expect: {status: no_answer}
    tags: [out-of-scope]
"""

FAILING = """
cases:
  - q: "which nerve supplies the tibialis anterior?"
    expect: {status: answered, intent: roots_of_muscle, says: [L3]}
    tags: [roots_of_muscle]
  - q: "how is the S1 nerve root examined?"
    expect: {status: answered, intent: root_exam, says: [ankle reflexes]}
"""


@pytest.fixture(scope="module")
def bot() -> Bot:
    return Bot()


def qa_file(folder: Path, text: str, name: str = "cases.qa.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def nervebot_test(bot: Bot, *targets: Path, **options: Any) -> tuple[int, str]:
    """Run `nervebot test` on `targets` with the shared bot; the exit code and what it printed."""
    args = argparse.Namespace(
        paths=[str(t) for t in targets], tag=[], junit=None, json=None, min_accuracy=None, db=None
    )
    for key, value in options.items():
        setattr(args, key, value)
    out = io.StringIO()
    code = run(args, bot=bot, out=out)
    return code, out.getvalue()


# --- the runner ---------------------------------------------------------------------------------------


def test_passing_cases_exit_zero_with_a_one_line_verdict(bot: Bot, tmp_path: Path) -> None:
    code, out = nervebot_test(bot, qa_file(tmp_path, PASSING))
    assert code == 0
    assert out.rstrip().splitlines()[-1] == "2 cases: 2 passed, 0 failed; accuracy 100.0%"
    assert "FAILED" not in out


def test_failure_shows_question_expectation_and_what_came_back(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(tmp_path, FAILING)
    code, out = nervebot_test(bot, path)
    assert code == 1
    block = out.split("FAILED ", 1)[1].split("\n\n")[0]
    assert f"{path}:3: which nerve supplies the tibialis anterior?  [roots_of_muscle]" in block
    assert "asked:    which nerve supplies the tibialis anterior?" in block
    assert "expected: status answered; intent roots_of_muscle; says 'L3'" in block
    assert "got:      answered, intent nerve_of_muscle" in block and "deep peroneal nerve" in block
    assert "- expected intent roots_of_muscle, got nerve_of_muscle" in block
    assert "- answer should say 'L3'" in block
    assert "2 cases: 1 passed, 1 failed; accuracy 50.0%" in out


def test_conversation_failure_names_the_turn(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(
        tmp_path,
        """
        cases:
          - id: follow-up
            conversation:
              - q: "how is the L5 nerve root examined?"
                expect: {intent: root_exam}
              - q: "and S1?"
                expect: {says: [knee jerk]}
        """,
    )
    code, out = nervebot_test(bot, path)
    assert code == 1
    assert "follow-up" in out and "turn 1 ok" in out
    assert re.search(r"turn 2\n +asked: +and S1\?\n +expected: says 'knee jerk'\n +got: +answered", out)


def test_known_failure_is_listed_apart_and_does_not_fail_the_run(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(
        tmp_path,
        """
        cases:
          - q: "which nerve supplies the tibialis anterior?"
            expect: {says: [L3]}
            xfail: "the sources never say L3 here; kept to show xfail"
          - q: "how is the S1 nerve root examined?"
            expect: {says: [ankle reflexes]}
        """,
    )
    code, out = nervebot_test(bot, path)
    assert code == 0
    assert "== 1 known failures (xfail) ==" in out
    assert "why: the sources never say L3 here; kept to show xfail" in out
    assert "now: answer should say 'L3'" in out
    assert out.rstrip().endswith("2 cases: 1 passed, 0 failed, 1 xfailed; accuracy 50.0%")


def test_known_failure_that_passes_is_an_unexpected_pass(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(
        tmp_path,
        """
        cases:
          - q: "which nerve supplies the tibialis anterior?"
            expect: {says: [deep peroneal]}
            xfail: "fixed since"
        """,
    )
    code, out = nervebot_test(bot, path)
    assert code == 0
    assert "unexpectedly passed: remove their `xfail:`" in out
    assert f"XPASS {path}:3: which nerve supplies the tibialis anterior? (xfail: fixed since)" in out
    assert "1 xpassed" in out


def test_min_accuracy_fails_below_the_share_and_counts_known_failures_as_misses(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(
        tmp_path,
        """
        cases:
          - q: "which nerve supplies the tibialis anterior?"
            expect: {says: [L3]}
            xfail: "known"
          - q: "how is the S1 nerve root examined?"
            expect: {says: [ankle reflexes]}
        """,
    )
    assert nervebot_test(bot, path, min_accuracy=0.5)[0] == 0
    code, out = nervebot_test(bot, path, min_accuracy=0.6)
    assert code == 1
    assert "accuracy 50.0% (below --min-accuracy 60.0%)" in out


def test_min_accuracy_outside_zero_to_one_is_a_usage_error(
    bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert nervebot_test(bot, qa_file(tmp_path, PASSING), min_accuracy=90)[0] == 2
    assert "--min-accuracy takes a share from 0 to 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("cases: [\n  - q: oops", "not valid YAML"),
        ("questions: []", "expected a top-level `cases:` list"),
        ("cases:\n  - expect: {status: answered}", "needs `q:`"),
        ("cases:\n  - q: hi\n    expect: {status: answred}", "`status: answred` is not a status"),
        ("cases:\n  - q: hi\n    expect: {sayz: [x]}", "unknown expectation 'sayz'"),
        ("cases:\n  - q: hi\n    tag: [x]", "unknown key 'tag'"),
        ("cases:\n  - q: hi\n    expect: {min_confidence: high}", "`min_confidence` must be a number from 0 to 1"),
        ("cases:\n  - q: hi\n    expect: {says: {a: b}}", "`says` must be a string or a list of strings"),
        ("cases:\n  - q: hi\n    xfail: true", "`xfail` needs the reason as text"),
        ("cases:\n  - conversation: []", "non-empty list of turns"),
        ("cases:\n  - {id: a, q: hi}\n  - {id: a, q: hello}", "id 'a' is already used by case 1"),
        ("cases:\n  - q: hi\n    expect: {intent: nerve_of_musle}", "no intent is called 'nerve_of_musle'"),
        (
            "cases:\n  - q: hi\n    expect: {slots: {muscle: tibialis-anteror}}",
            "no entity is called 'tibialis-anteror'",
        ),
        ("\xff\xfe", "cannot be read"),
    ],
)
def test_bad_file_is_one_line_naming_the_file_and_exit_2(
    bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    path = tmp_path / "bad.qa.yaml"
    if text.startswith("\xff"):
        path.write_bytes(b"\xff\xfe\x00cases")
    else:
        path.write_text(text, encoding="utf-8")
    code, out = nervebot_test(bot, path)
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"nervebot test: {path}") and problem in err
    assert "Traceback" not in err


def test_yaml_error_names_the_line(bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = qa_file(tmp_path, "cases:\n  - q: fine\n  - q: [unclosed\n")
    assert nervebot_test(bot, path)[0] == 2
    assert f"{path}: line 4:" in capsys.readouterr().err


def test_missing_path_is_exit_2(bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert nervebot_test(bot, tmp_path / "nope.qa.yaml")[0] == 2
    assert "nope.qa.yaml: no such file or folder" in capsys.readouterr().err


def test_folders_give_only_their_qa_files(bot: Bot, tmp_path: Path) -> None:
    qa_file(tmp_path, PASSING, "a.qa.yaml")
    (tmp_path / "deeper").mkdir()
    qa_file(tmp_path / "deeper", PASSING, "b.qa.yaml")
    qa_file(tmp_path, FAILING, "scored.eval.yaml")
    qa_file(tmp_path, FAILING, "other.yaml")
    code, out = nervebot_test(bot, tmp_path)
    assert code == 0 and "4 cases: 4 passed" in out


def test_tags_pick_cases_carrying_any_of_them(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(tmp_path, PASSING)
    assert "1 case: 1 passed" in nervebot_test(bot, path, tag=["plain"])[1]
    assert "2 cases: 2 passed" in nervebot_test(bot, path, tag=["plain", "out-of-scope"])[1]


def test_a_tag_no_case_has_lists_the_tags_there_are(
    bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert nervebot_test(bot, qa_file(tmp_path, PASSING), tag=["typo"])[0] == 2
    assert (
        "no case is tagged typo; tags in these files: nerve_of_muscle, out-of-scope, plain" in capsys.readouterr().err
    )


def test_warns_when_a_question_is_an_intent_example(bot: Bot, tmp_path: Path) -> None:
    example = next(e for i in bot.intents if i.name == "greeting" for e in i.examples)
    path = qa_file(tmp_path, f'cases:\n  - q: "{example.upper()}!"\n    expect: {{status: chitchat}}\n')
    code, out = nervebot_test(bot, path)
    assert code == 0
    assert f"warning: {path}:2: '{example.upper()}!' is an example phrasing of intent greeting" in out
    assert out.rstrip().endswith("1 warning(s)")


def test_intent_scores_and_confusion_count_expected_against_chosen(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(
        tmp_path,
        """
        cases:
          - {q: "which nerve supplies the tibialis anterior?", expect: {intent: nerve_of_muscle}}
          - {q: "which nerve supplies the hamstrings?", expect: {intent: nerve_of_muscle}}
          - {q: "which nerve supplies the gluteus medius?", expect: {intent: roots_of_muscle}}
          - {q: "what is the capital of France?", expect: {intent: about}}
          - {q: "what causes foot drop?", expect: {status: answered}}
        """,
    )
    report = build_report(bot, load_cases([path]))
    scores = {s.intent: s for s in report.scores()}
    assert set(scores) == {"about", "nerve_of_muscle", "roots_of_muscle"}
    assert (scores["nerve_of_muscle"].precision, scores["nerve_of_muscle"].recall) == (2 / 3, 1.0)
    assert scores["nerve_of_muscle"].f1 == pytest.approx(0.8)
    assert scores["roots_of_muscle"].recall == 0.0 and scores["roots_of_muscle"].precision is None
    rows, cols, counts = report.confusion()
    assert rows == ["about", "nerve_of_muscle", "roots_of_muscle"]
    assert cols == ["nerve_of_muscle", "(none)"]
    assert counts[("roots_of_muscle", "nerve_of_muscle")] == 1 and counts[("about", "(none)")] == 1
    _, out = nervebot_test(bot, path)
    assert "== intents: 2/4 turns chose the expected intent (50.0%) ==" in out
    assert re.search(r"nerve_of_muscle +0\.67 +1\.00 +0\.80 +2", out)
    assert re.search(r"roots_of_muscle +1 +\. *\n", out)
    assert "columns: 1 nerve_of_muscle, 2 (none)" in out


def test_junit_has_one_testcase_per_case_with_failure_messages(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(tmp_path, FAILING + '  - {q: "what causes foot drop?", expect: {says: [L3]}, xfail: known}\n')
    junit = tmp_path / "out" / "junit.xml"
    assert nervebot_test(bot, path, junit=str(junit))[0] == 1
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "which nerve supplies the tibialis anterior?",
        "how is the S1 nerve root examined?",
        "what causes foot drop?",
    ]
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "expected intent roots_of_muscle, got nerve_of_muscle; answer should say 'L3'"
    assert "got:      answered, intent nerve_of_muscle" in (failure.text or "")
    assert cases[0].get("line") == "3" and cases[1].find("failure") is None
    skipped = cases[2].find("skipped")
    assert skipped is not None and skipped.get("message") == "xfail: known"


def test_json_report_has_summary_scores_confusion_and_every_answer(bot: Bot, tmp_path: Path) -> None:
    path = qa_file(tmp_path, FAILING)
    report_file = tmp_path / "report.json"
    nervebot_test(bot, path, json=str(report_file), min_accuracy=0.4)
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["summary"] == {
        "cases": 2,
        "passed": 1,
        "failed": 1,
        "xfailed": 0,
        "xpassed": 0,
        "accuracy": 0.5,
        "min_accuracy": 0.4,
        "ok": False,
    }
    assert report["intents"]["root_exam"]["f1"] == 1.0
    assert report["confusion"]["expected"] == ["root_exam", "roots_of_muscle"]
    first = report["cases"][0]
    assert first["outcome"] == "failed" and first["line"] == 3 and first["tags"] == ["roots_of_muscle"]
    assert first["turns"][0]["answer"]["sources"][0]["sentence_id"].startswith("l5-blog-2020.")


def test_nervebot_test_command_runs_the_runner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(qa_file(tmp_path, PASSING))]) == 0
    assert "2 cases: 2 passed" in capsys.readouterr().out
    assert main(["test", str(qa_file(tmp_path, FAILING)), "--junit", str(tmp_path)]) == 2
    assert "cannot write the report" in capsys.readouterr().err


def test_default_suite_is_the_checkouts_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_suite() == ROOT / "tests" / "suite"
    monkeypatch.setattr(paths, "project_root", lambda: tmp_path)
    assert default_suite() is None


def test_no_suite_outside_a_checkout_says_so_and_exits_2(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(paths, "project_root", lambda: tmp_path)
    assert nervebot_test(bot)[0] == 2
    err = capsys.readouterr().err
    assert "only in a source checkout" in err and "nervebot test my_cases/" in err


def test_every_example_in_the_format_doc_passes(bot: Bot, tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "qa-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    assert len(blocks) >= 4
    for n, block in enumerate(blocks):
        qa_file(tmp_path, block, f"doc{n}.qa.yaml")
    code, out = nervebot_test(bot, tmp_path)
    assert code == 0, out
    assert "warning" not in out
    (python,) = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    exec(compile(python, "docs/qa-format.md", "exec"), {})


# --- the project's own suite --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def suite_report(bot: Bot) -> Report:
    return build_report(bot, load_cases([ROOT / "tests" / "suite"]))


def test_project_suite_passes(suite_report: Report) -> None:
    assert suite_report.ok, "\n".join(f"{r.case.where}: {r.failures}" for r in suite_report.results if not r.passed)
    assert len(suite_report.results) >= 300


def test_project_suite_asks_no_intent_example_word_for_word(suite_report: Report) -> None:
    # safety.qa.yaml is curated with bot/safety.py; `nervebot test` shows its warnings all the same.
    warnings = [w for w in suite_report.warnings if Path(w.split(":")[0]).name != "safety.qa.yaml"]
    assert warnings == []


def test_project_suite_covers_every_intent_and_status(bot: Bot, suite_report: Report) -> None:
    turns = [t for r in suite_report.results for t in r.case.turns]
    assert {i.name for i in bot.intents} <= {t.expect.get("intent") for t in turns}
    assert {"answered", "clarify", "no_answer", "chitchat"} <= {t.expect.get("status") for t in turns}
    tags = {tag for r in suite_report.results for tag in r.case.tags}
    assert {"typos", "casual", "exam", "out-of-scope", "conversation"} <= tags


def test_project_suite_shares_no_question_with_the_held_out_set(suite_report: Report) -> None:
    held_out = {
        normalize(t.question)
        for c in load_cases(sorted((ROOT / "tests" / "heldout").glob("*.eval.yaml")))
        for t in c.turns
    }
    ours = {normalize(t.question) for r in suite_report.results for t in r.case.turns}
    assert ours & held_out == set()


# --- the pytest plugin --------------------------------------------------------------------------------


@pytest.fixture
def qa_pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester whose runs load the plugin by -p only, whether or not the entry point is installed."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("NERVEBOT_DB", raising=False)
    return pytester


def test_plugin_collects_one_item_per_case_from_qa_files_only(qa_pytester: pytest.Pytester) -> None:
    qa_file(qa_pytester.path, PASSING, "test_cases.qa.yaml")
    qa_file(qa_pytester.path, FAILING, "scored.eval.yaml")
    qa_file(qa_pytester.path, FAILING, "test_other.yaml")
    result = qa_pytester.runpytest("-p", "bot.pytest_plugin", "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "test_cases.qa.yaml::which nerve supplies the tibialis anterior?",
            "test_cases.qa.yaml::what is the capital of France?",
            "2 tests collected*",
        ]
    )
    assert "eval" not in result.stdout.str() and "test_other" not in result.stdout.str()


def test_plugin_failure_is_the_curator_report_not_a_traceback(qa_pytester: pytest.Pytester) -> None:
    qa_file(qa_pytester.path, FAILING, "cases.qa.yaml")
    result = qa_pytester.runpytest("-p", "bot.pytest_plugin", "cases.qa.yaml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*cases.qa.yaml: which nerve supplies the tibialis anterior?*",
            "expected intent roots_of_muscle, got nerve_of_muscle (and 1 more)",
            "*asked:    which nerve supplies the tibialis anterior?",
            "*expected: status answered; intent roots_of_muscle; says 'L3'",
            "*got:      answered, intent nerve_of_muscle*",
            "FAILED cases.qa.yaml::which nerve supplies the tibialis anterior? - expec*",
        ]
    )
    assert "Traceback" not in result.stdout.str() and "def runtest" not in result.stdout.str()


def test_plugin_tags_select_by_marker_and_keyword(qa_pytester: pytest.Pytester) -> None:
    qa_file(qa_pytester.path, PASSING, "cases.qa.yaml")
    by_marker = qa_pytester.runpytest("-p", "bot.pytest_plugin", "--strict-markers", "-m", "out-of-scope")
    by_marker.assert_outcomes(passed=1, deselected=1)
    by_keyword = qa_pytester.runpytest("-p", "bot.pytest_plugin", "-k", "plain")
    by_keyword.assert_outcomes(passed=1, deselected=1)


def test_plugin_xfail_cases_are_expected_failures(qa_pytester: pytest.Pytester) -> None:
    qa_file(
        qa_pytester.path,
        """
        cases:
          - {q: "which nerve supplies the tibialis anterior?", expect: {says: [L3]}, xfail: "known bug"}
          - {q: "which nerve supplies the hamstrings?", expect: {says: [tibial]}, xfail: "fixed since"}
        """,
    )
    result = qa_pytester.runpytest("-p", "bot.pytest_plugin", "-rxX")
    result.assert_outcomes(xfailed=1, xpassed=1)
    result.stdout.fnmatch_lines(["*XFAIL*tibialis anterior*known bug*", "*XPASS*hamstrings*fixed since*"])


def test_plugin_bad_file_is_one_collection_error(qa_pytester: pytest.Pytester) -> None:
    qa_file(qa_pytester.path, "cases:\n  - q: hi\n    expect: {sayz: [x]}\n", "bad.qa.yaml")
    result = qa_pytester.runpytest("-p", "bot.pytest_plugin")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*bad.qa.yaml:2: case 1: unknown expectation 'sayz'*"])
    assert "Traceback" not in result.stdout.str()


def test_plugin_unknown_intent_fails_the_case_with_one_line(qa_pytester: pytest.Pytester) -> None:
    qa_file(qa_pytester.path, "cases:\n  - q: hi\n    expect: {intent: greting}\n")
    result = qa_pytester.runpytest("-p", "bot.pytest_plugin")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*case 1: no intent is called 'greting'"])


def test_plugin_shares_one_bot_built_lazily_from_nervebot_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(paths.default_db().read_bytes())
    monkeypatch.setenv("NERVEBOT_DB", str(db))
    shared = SharedBot()
    first, documents = shared.get()
    assert shared.get()[0] is first
    assert first.store.path == db and documents


def test_plugin_fixture_hands_out_the_shared_bot(qa_pytester: pytest.Pytester) -> None:
    qa_pytester.makepyfile(
        """
        from bot.testing import assert_answers

        def test_mine(nervebot_bot):
            assert_answers(nervebot_bot, "what causes foot drop?", intent="causes", says="L5")
        """
    )
    qa_pytester.runpytest("-p", "bot.pytest_plugin").assert_outcomes(passed=1)


# --- bot.testing --------------------------------------------------------------------------------------


def test_assert_answers_returns_the_answer_when_it_holds(bot: Bot) -> None:
    answer = assert_answers(bot, "which nerve supplies EHL?", intent="nerve_of_muscle", says=["deep peroneal"])
    assert answer.slots[0].entity_id == "extensor-hallucis-longus"


def test_assert_answers_message_says_what_was_expected_and_what_came_back(bot: Bot) -> None:
    with pytest.raises(AssertionError) as caught:
        assert_answers(bot, "which nerve supplies EHL?", intent="roots_of_muscle", not_says="peroneal")
    message = str(caught.value)
    assert message.splitlines()[0] == "expected intent roots_of_muscle, got nerve_of_muscle"
    assert "asked:    which nerve supplies EHL?" in message
    assert "expected: status answered; intent roots_of_muscle; not says 'peroneal'" in message
    assert "got:      answered, intent nerve_of_muscle" in message
    assert "  - answer must not say 'peroneal'" in message


def test_assert_answers_can_require_that_a_question_is_not_answered(bot: Bot) -> None:
    assert_answers(bot, "which nerve supplies the soleus?", status=None, not_status="answered")
    with pytest.raises(AssertionError, match="must not be answered"):
        assert_answers(bot, "which nerve supplies the hamstrings?", status=None, not_status="answered")


def test_assert_grounded_rejects_a_quote_that_is_not_in_its_document(bot: Bot) -> None:
    answer = bot.ask("which nerve supplies the hamstrings?")
    assert_grounded(answer, bot)
    made_up = Source(1, "l5-blog-2020", "t", "s", "e", "x", "The hamstrings are supplied by the femoral nerve.")
    forged = Answer("answered", "The femoral nerve [1].", question="q", sources=(made_up,))
    with pytest.raises(AssertionError, match=r"source \[1\] is not verbatim in l5-blog-2020"):
        assert_grounded(forged, bot)
    with pytest.raises(AssertionError, match="answered without a source sentence"):
        assert_grounded(Answer("answered", "trust me", question="q"), bot)
