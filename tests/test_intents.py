"""The intent loader refuses malformed intents with one line naming the file and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import Bot, IntentError

ROOT = Path(__file__).parent.parent


@pytest.fixture
def intents(tmp_path: Path) -> Path:
    folder = tmp_path / "intents"
    shutil.copytree(ROOT / "intents", folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("= :muscle", "= :musle", "parameter :musle is not a slot"),
        ("{according}, the {muscle} {is} innervated by the {items}.", "{according} {nerve}", "uses {nerve}"),
        ("FROM facts f", "FROM factz f", "sql does not run"),
        ("  muscle: [muscle, muscle_group]", "  muscle: [musle]", "unknown type 'musle'"),
        ("examples:", "examples: [", "not valid YAML"),
        ("answers: [nerve]", "answers: [nerf]", "answers has unknown type 'nerf'"),
        ("answers: [nerve]", "answers: {musle: [nerve]}", "answers has unknown type 'musle'"),
    ],
)
def test_bad_intent_is_refused_with_file_and_fix(intents: Path, old: str, new: str, message: str) -> None:
    _edit(intents / "nerve_of_muscle.yaml", old, new)
    with pytest.raises(IntentError) as err:
        Bot(intents=intents)
    assert "nerve_of_muscle.yaml" in str(err.value)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("otherwise", "message"), [("abuot", "otherwise 'abuot'"), ("disagreements", "otherwise")])
def test_an_intent_to_ask_otherwise_must_be_another_with_one_slot(intents: Path, otherwise: str, message: str) -> None:
    _edit(intents / "disagreements_about.yaml", "otherwise: about", f"otherwise: {otherwise}")
    with pytest.raises(IntentError, match=message) as err:
        Bot(intents=intents)
    assert "disagreements_about.yaml" in str(err.value)


def test_intent_sql_that_writes_is_refused(intents: Path) -> None:
    path = intents / "part_of.yaml"
    text = path.read_text()
    start = text.index("sql: |")
    end = text.index("answer:")
    path.write_text(text[:start] + "sql: |\n  DELETE FROM facts WHERE id = :thing\n" + text[end:])
    with pytest.raises(IntentError, match=r"part_of\.yaml"):
        Bot(intents=intents)


def test_every_shipped_intent_loads_and_runs(tmp_path: Path) -> None:
    bot = Bot()
    names = {i.name for i in bot.intents}
    assert {"causes", "nerve_of_muscle", "roots_of_muscle", "muscles_of_nerve", "root_exam"} <= names


def test_answer_types_are_read_from_the_file(intents: Path) -> None:
    bot = Bot(intents=intents)
    assert next(i for i in bot.intents if i.name == "nerve_of_muscle").answers == ("nerve",)


def test_answer_types_can_depend_on_what_is_asked_about(intents: Path) -> None:
    part_of = next(i for i in Bot(intents=intents).intents if i.name == "part_of")
    assert part_of.answer_types(["muscle"]) == {"muscle_group"}
    assert part_of.answer_types(["root"]) == {"plexus", "nerve"}
    assert set(part_of.answers) == {"plexus", "nerve", "muscle_group"}


def test_intent_sql_without_subject_and_object_gives_the_same_answers(intents: Path) -> None:
    for path in intents.glob("*.yaml"):
        text = path.read_text()
        path.write_text(text.replace(", f.subject, f.object,", ",").replace(", p.subject, p.object,", ","))
    shipped, plain = Bot(), Bot(intents=intents)
    assert "fact_id, f.subject" not in (intents / "causes.yaml").read_text()
    questions = [
        "what causes foot drop?",
        "which nerve supplies it?",
        "which muscles does the L5 nerve root supply?",
        "which nerve supplies them?",
        "tell me about the tibialis anterior",
        "what does it do?",
    ]
    for question in questions:
        assert plain.ask(question, session="s") == shipped.ask(question, session="s")
