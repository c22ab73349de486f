"""Bot.ask end to end on the real facts.db and intents: grounding, conflicts, clarify, refusals."""

from __future__ import annotations

import json
import re
import threading

import pytest

from bot import DISCLAIMER, Answer, Bot
from bot.core import Remembered
from bot.qa import documents_of, ungrounded


@pytest.fixture(scope="module")
def bot() -> Bot:
    return Bot()


@pytest.fixture(scope="module")
def documents(bot: Bot) -> dict[str, str]:
    return documents_of(bot)


def test_foot_drop_answer_quotes_the_blog_verbatim(bot: Bot, documents: dict[str, str]) -> None:
    answer = bot.ask("what causes foot drop?")
    assert answer.status == "answered"
    assert answer.intent == "causes"
    assert "L5 nerve root" in answer.text and "tibialis anterior" in answer.text
    assert answer.sources and not ungrounded(answer, documents)
    assert {s.document_id for s in answer.sources} == {"l5-blog-2020"}


def test_typo_in_muscle_name_still_finds_nerve(bot: Bot) -> None:
    answer = bot.ask("which nerve supplies the tibialis anterir")
    assert answer.status == "answered"
    assert answer.slots[0].entity_id == "tibialis-anterior"
    assert "deep peroneal nerve" in answer.text
    assert any("anterir" in note for note in answer.notes)


@pytest.mark.parametrize(
    ("question", "entity"),
    [
        ("what causes trendelenberg gait", "trendelenburg-gait"),
        ("nerve supply of glutues medius", "gluteus-medius"),
        ("what causes foot dorp", "foot-drop"),
        ("what does the hamstirngs do", "hamstrings"),
        ("tibialisanterior nerve supply", "tibialis-anterior"),  # run together
        ("what gives you a footdrop", "foot-drop"),
        ("which root does dorsi flexion", "ankle-dorsiflexion"),  # split apart
    ],
)
def test_typos_resolve_to_the_right_entity(bot: Bot, question: str, entity: str) -> None:
    answer = bot.ask(question)
    assert answer.status == "answered", answer.text
    assert entity in {s.entity_id for s in answer.slots}


@pytest.mark.parametrize("question", ["which pizza topping is best?", "is the regional theatre open?"])
def test_english_words_a_few_letters_from_ours_are_not_mended_into_them(bot: Bot, question: str) -> None:
    answer = bot.ask(question)  # "topping" is not "dropping", "regional" not "region", "theatre" not "there"
    assert answer.status != "answered", answer.text
    assert not any("Read" in note for note in answer.notes), answer.notes


def test_a_distant_typo_is_mended_where_it_completes_a_name(bot: Bot) -> None:
    answer = bot.ask("what causes trendelenburg gate?")
    assert answer.status == "answered"
    assert [s.entity_id for s in answer.slots] == ["trendelenburg-gait"]


@pytest.mark.parametrize(
    ("question", "intent", "says"),
    [
        ("is the knee reflex L4 or S1?", "exam_root", "L4 nerve root"),
        ("glute max: superior or inferior gluteal nerve?", "nerve_of_muscle", "inferior gluteal nerve"),
        ("is the ankle reflex an L4 test?", "exam_root", "S1 nerve root"),
        ("is the EHL an S1 muscle?", "roots_of_muscle", "L5 nerve root"),
        ("does S1 help with dorsiflexion?", "roots_for_movement", "S1 nerve root"),
    ],
)
def test_a_choice_or_claim_is_answered_with_the_kind_of_thing_it_asks_about(
    bot: Bot, question: str, intent: str, says: str
) -> None:
    answer = bot.ask(question)
    assert (answer.status, answer.intent) == ("answered", intent), answer.text
    assert says in answer.text


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("does the deep peroneal nerve supply the EDL?", ["deep peroneal nerve", "extensor digitorum longus"]),
        ("is the tibialis anterior supplied by L5?", ["tibialis anterior", "L5 nerve root"]),
        ("does the tibial nerve supply the hamstrings?", ["tibial nerve", "hamstrings"]),
    ],
)
def test_two_sides_of_one_claim_are_answered_without_asking_which(bot: Bot, question: str, named: list[str]) -> None:
    answer = bot.ask(question)  # either reading settles the claim: both names are in the answer
    assert answer.status == "answered", answer.text
    assert all(name in answer.text for name in named), answer.text


def test_a_choice_with_a_side_the_sources_lack_is_answered_with_a_note(bot: Bot) -> None:
    answer = bot.ask("tibialis anterior: deep or superficial peroneal nerve?")
    assert (answer.status, answer.intent) == ("answered", "nerve_of_muscle"), answer.text
    assert "deep peroneal nerve" in answer.text
    assert any("not the superficial peroneal nerve" in note for note in answer.notes)


def test_the_l5_vertebra_is_not_the_l5_root(bot: Bot) -> None:
    answer = bot.ask("what does the L5 vertebra articulate with?")
    assert answer.status == "no_answer"
    assert "not the L5 vertebra" in answer.text


def test_a_list_of_roots_is_answered_root_by_root_with_one_numbering(bot: Bot) -> None:
    answer = bot.ask("how are the L4, L5 and S1 roots examined?")
    assert answer.status == "answered", answer.text
    for said in ("knee strength and reflexes", "great toe and foot dorsiflexion strength", "ankle reflexes"):
        assert said in answer.text
    assert [s.entity_id for s in answer.slots] == ["L4", "L5", "S1"]
    numbers = [s.number for s in answer.sources]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len({s.sentence_id for s in answer.sources}) == len(numbers)  # a sentence shared by two roots once
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert marks == set(numbers)


def test_a_choice_is_not_a_list(bot: Bot) -> None:
    answer = bot.ask("which root supplies the tibialis anterior, L4 or S1?")  # one muscle, two offered roots
    assert (answer.status, answer.intent) == ("answered", "roots_of_muscle"), answer.text
    assert len(answer.slots) == 1


def test_abbreviations_are_aliases(bot: Bot) -> None:
    assert "deep peroneal nerve" in bot.ask("what innervates EHL?").text
    assert "inferior gluteal nerve" in bot.ask("nerve to glute max").text


def test_all_muscles_of_l5_are_listed_not_just_the_first(bot: Bot) -> None:
    text = bot.ask("which muscles does the L5 nerve root supply?").text
    for muscle in (
        "tibialis anterior",
        "extensor hallucis longus",
        "extensor digitorum longus",
        "tibialis posterior",
        "hamstrings",
        "gluteus maximus",
        "gluteus medius",
        "gluteus minimus",
    ):
        assert muscle in text


def test_dorsiflexion_root_shows_the_conflict_with_both_sources(bot: Bot) -> None:
    answer = bot.ask("which root is responsible for dorsal extension of the foot?")
    assert answer.status == "answered"
    assert answer.conflicts
    assert "disagree" in answer.text
    sections = {s.section for s in answer.sources}
    assert any("research" in s for s in sections) and any("guideline" in s for s in sections)
    for conflict in answer.conflicts:
        assert len(conflict.sides) == 2 and all(side.sources for side in conflict.sides)


def test_each_root_is_named_once_with_its_details_and_sources_numbered_in_reading_order(bot: Bot) -> None:
    answer = bot.ask("which root is responsible for dorsal extension of the foot?")
    listed, disagreement = answer.text.split(" The sources disagree: ")
    assert listed.count("L5 nerve root") == 1 and "primarily [" in listed
    first_seen = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", listed)))
    assert first_seen == sorted(first_seen)  # [1] is read before [2], and so on
    assert re.search(r" \[\d+\](\[\d+\])*\.", disagreement)  # each note's marks before its full stop


def test_about_a_root_tells_everything_the_other_answers_would(bot: Bot) -> None:
    answer = bot.ask("tell me about the L5 nerve root")
    assert answer.intent == "about"
    for said in ("supplies these muscles", "top of the foot", "Trendelenburg gait", "sciatic nerve", "examined"):
        assert said in answer.text
    assert len(answer.facts) > 12  # not cut short
    assert answer.text.count("The sources disagree") == 1


def test_ambiguous_muscle_name_asks_which_one(bot: Bot) -> None:
    answer = bot.ask("which nerve supplies the gluteus?")
    assert answer.status == "clarify"
    assert set(answer.options) == {"gluteus maximus", "gluteus medius", "gluteus minimus"}


def test_clarification_is_answered_in_the_same_session(bot: Bot) -> None:
    bot.ask("which nerve supplies the gluteus?", session="clarify-1")
    answer = bot.ask("medius", session="clarify-1")
    assert answer.status == "answered"
    assert "superior gluteal nerve" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "what is the capital of France?",
        "tell me a joke",
        "what does the soleus do?",
        "what is the Trendelenburg position used for in surgery?",
        "how do I bake bread",
    ],
)
def test_out_of_scope_is_not_answered(bot: Bot, question: str) -> None:
    answer = bot.ask(question)
    assert answer.status == "no_answer", answer.text
    assert not answer.sources
    assert answer.disclaimer == DISCLAIMER


def test_follow_up_reuses_the_previous_question(bot: Bot) -> None:
    bot.ask("how is the L5 nerve root examined?", session="follow-1")
    answer = bot.ask("and S1?", session="follow-1")
    assert answer.intent == "root_exam"
    assert "ankle reflexes" in answer.text


def test_pronoun_refers_to_the_last_muscle(bot: Bot) -> None:
    bot.ask("what does the tibialis posterior do?", session="follow-2")
    answer = bot.ask("which nerve supplies it?", session="follow-2")
    assert answer.status == "answered"
    assert "tibial nerve" in answer.text


def test_sessions_do_not_leak_into_each_other(bot: Bot) -> None:
    bot.ask("what does the tibialis posterior do?", session="a")
    assert bot.ask("which nerve supplies it?", session="b").status == "no_answer"


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "?!"])
def test_empty_questions_get_a_clear_message(bot: Bot, question: str) -> None:
    answer = bot.ask(question)
    assert answer.status == "no_answer"
    assert "question" in answer.text


def test_very_long_question_is_cut_with_a_note(bot: Bot) -> None:
    answer = bot.ask("what causes foot drop " * 10_000)
    assert any("cut" in note for note in answer.notes)


def test_sql_text_in_a_question_is_just_words(bot: Bot) -> None:
    answer = bot.ask("'; DROP TABLE facts; --")
    assert answer.status == "no_answer"
    assert bot.ask("what causes foot drop?").status == "answered"


def test_chitchat_says_what_it_can_answer(bot: Bot) -> None:
    for question in ("hello", "thanks!", "help"):
        answer = bot.ask(question)
        assert answer.status == "chitchat"
        assert answer.disclaimer


def test_red_flag_symptoms_get_the_safety_message(bot: Bot) -> None:
    answer = bot.ask("I suddenly can't control my bladder and my back hurts")
    assert answer.status == "safety"
    assert "emergency" in answer.text and "911" in answer.text
    assert not answer.sources


def test_answer_is_frozen_and_serialises_to_json(bot: Bot) -> None:
    answer = bot.ask("where does the tibialis posterior run?")
    with pytest.raises(AttributeError):
        answer.text = "changed"  # type: ignore[misc]
    data = json.loads(answer.to_json())
    assert data["status"] == "answered" and data["disclaimer"] == DISCLAIMER
    assert data["sources"][0]["sentence"] in documents_of(bot)[data["sources"][0]["document_id"]]
    assert set(data) >= {"status", "text", "intent", "slots", "confidence", "sources", "conflicts", "suggestions"}


def test_concurrent_asks_match_a_single_thread(bot: Bot) -> None:
    questions = ["what causes foot drop?", "which nerve supplies TA", "how is S1 examined?", "hi", "soleus?"] * 40
    expected = [bot.ask(q).to_dict() for q in questions]
    results: list[list[Answer]] = [[] for _ in range(8)]

    def work(slot: list[Answer]) -> None:
        slot.extend(bot.ask(q) for q in questions)

    threads = [threading.Thread(target=work, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results:
        assert [a.to_dict() for a in got] == expected


def test_why_gives_the_chain_from_root_to_sign(bot: Bot, documents: dict[str, str]) -> None:
    bot.ask("what causes foot drop?", session="why-1")
    answer = bot.ask("why?", session="why-1")
    assert answer.status == "answered" and answer.intent == "why"
    for step in (
        "supplies tibialis anterior",
        "deep peroneal nerve innervates",
        "performs ankle dorsiflexion",
        "foot drop",
    ):
        assert step in answer.text
    assert not ungrounded(answer, documents)


def test_why_without_a_previous_answer_is_not_answered(bot: Bot) -> None:
    assert bot.ask("why?", session="why-2").status == "no_answer"


def test_tell_me_more_widens_to_everything_about_the_subject(bot: Bot) -> None:
    bot.ask("where does the tibialis posterior run?", session="more-1")
    answer = bot.ask("tell me more", session="more-1")
    assert answer.intent == "about"
    assert "inverting the foot" in answer.text and "tibial nerve" in answer.text
    again = bot.ask("tell me more", session="more-1")
    assert again.status == "no_answer" and "everything my two sources say about the tibialis posterior" in again.text


def test_why_shows_the_conflicts_its_chain_touches(bot: Bot) -> None:
    bot.ask("what causes foot drop?", session="why-3")
    answer = bot.ask("why?", session="why-3")
    assert answer.conflicts and "disagree" in answer.text
    assert any("research" in s.section for s in answer.sources)


def test_slotless_topic_carries_over_to_a_short_follow_up(bot: Bot) -> None:
    bot.ask("how does dorsiflexion weakness recover after decompressive surgery?", session="recovery-1")
    answer = bot.ask("and who does better?", session="recovery-1")
    assert answer.intent == "surgery_recovery"
    assert "younger" in answer.text.lower()


def test_swapped_letters_in_a_short_word_are_mended() -> None:
    answer = Bot().ask("top of teh foot numbness, which root?")
    assert answer.status == "answered" and "L5" in answer.text
    assert any('"teh"' in note for note in answer.notes)


def test_a_claim_the_sources_do_not_make_is_settled_by_what_the_other_thing_is_linked_with(bot: Bot) -> None:
    answer = bot.ask("is the ankle jerk an L5 reflex?")
    assert answer.status == "answered"
    assert answer.text.startswith("My sources do not link the L5 nerve root with")
    said = answer.text.split("[1]")[0]  # the other side first: the ankle reflex tests S1
    assert "S1 nerve root" in said and "ankle reflexes" in said
    assert {s.entity_id for s in answer.slots} >= {"L5", "plantarflexion-ankle-reflex"}


def test_a_follow_up_naming_one_word_of_another_name_asks_the_last_question_about_that_thing(bot: Bot) -> None:
    first = bot.ask("what does the superior gluteal nerve supply", session="swap")
    assert "gluteus medius" in first.text
    then = bot.ask("and the inferior one?", session="swap")
    assert then.status == "answered" and then.intent == "muscles_of_nerve"
    assert [s.entity_id for s in then.slots] == ["inferior-gluteal-nerve"]
    assert "gluteus maximus" in then.text and "gluteus medius" not in then.text


def test_a_follow_up_asking_for_a_kind_of_thing_takes_what_was_talked_about_that_has_one(bot: Bot) -> None:
    bot.ask("what's the main dorsiflexor of the ankle", session="kind")
    nerve = bot.ask("which nerve is that?", session="kind")
    assert (nerve.intent, [s.entity_id for s in nerve.slots]) == ("nerve_of_muscle", ["tibialis-anterior"])
    assert "deep peroneal nerve" in nerve.text
    root = bot.ask("and which root?", session="kind")  # the nerve's roots are not given; the muscle's are
    assert root.status == "answered" and "L5" in root.text


def _counted(size: int) -> tuple[Remembered[str], list[str]]:
    computed: list[str] = []

    def compute(question: str) -> str:
        computed.append(question)
        return question.upper()

    return Remembered(compute, size), computed


def test_a_question_is_remembered_from_its_second_asking() -> None:
    remembered, computed = _counted(2)
    assert [remembered("a") for _ in range(4)] == ["A"] * 4
    assert computed == ["a", "a"]  # read on its first two askings, then remembered
    assert len(remembered) == 1


def test_more_questions_asked_again_than_places_keep_most_of_them_remembered() -> None:
    # (least recently used alone read 8 of these 20 askings: a question kept pushed out one asked soon after)
    remembered, computed = _counted(3)
    for _ in range(3):
        for question in "abcd":
            remembered(question)
    computed.clear()
    for _ in range(5):
        for question in "abcd":
            remembered(question)
    assert len(computed) == 5  # three of the four are remembered; one is read each time


def test_one_off_questions_do_not_push_out_those_asked_again() -> None:
    remembered, computed = _counted(2)
    for question in ("a", "b", "a", "b"):  # both asked twice: kept
        remembered(question)
    for n in range(50):  # a stream of questions asked once each (typos, rare wordings)
        remembered(f"once {n}")
    computed.clear()
    remembered("a")
    remembered("b")
    assert computed == []


def test_a_question_asked_more_often_takes_the_least_recently_used_place_and_size_zero_keeps_nothing() -> None:
    remembered, computed = _counted(2)
    for question in ("a", "a", "b", "b", "c", "c"):  # all places taken: "c", asked as often as "a", waits
        remembered(question)
    computed.clear()
    remembered("a")
    assert computed == [] and len(remembered) == 2
    remembered("c")  # its third asking: more often than "b", now the least recently used
    computed.clear()
    remembered("b")
    remembered("c")
    assert computed == ["b"] and len(remembered) == 2
    nothing, computed = _counted(0)
    for _ in range(3):
        nothing("a")
    assert computed == ["a"] * 3 and len(nothing) == 0
