"""The sentence splitter: what becomes a quotable sentence, with which heading, refs and id."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.sentences import split_section, squash


def texts(section: str) -> list[str]:
    return [s.text for s in split_section(section, "doc.sec")]


# --- Bullet lists -------------------------------------------------------------------------------


def test_each_bullet_item_is_a_sentence_without_its_marker_or_a_full_stop():
    section = (
        "Key points to consider in the examination include:\n"
        "  • Evaluation of knee strength and reflexes for L4 nerve root function\n"
        "  - Assessment of great toe and foot dorsiflexion strength for L5 nerve root function\n"
        "  * Examination of foot plantarflexion and ankle reflexes for S1 nerve root function\n"
    )
    assert texts(section) == [
        "Key points to consider in the examination include:",
        "Evaluation of knee strength and reflexes for L4 nerve root function",
        "Assessment of great toe and foot dorsiflexion strength for L5 nerve root function",
        "Examination of foot plantarflexion and ankle reflexes for S1 nerve root function",
    ]


def test_bullet_item_holding_two_sentences_gives_two_sentences():
    section = (
        "  • Distribution of sensory symptoms to determine the affected nerve root. In clinical practice, "
        "identifying the specific nerve root is essential, as mentioned in 1 and 1.\n"
    )
    assert texts(section) == [
        "Distribution of sensory symptoms to determine the affected nerve root.",
        "In clinical practice, identifying the specific nerve root is essential, as mentioned in 1 and 1.",
    ]


# --- Full stops that do not end a sentence ----------------------------------------------------------


def test_spinal_levels_with_slash_stay_in_one_sentence():
    section = "Most herniations occur at the L4/L5 and L5/S1 levels. The L5 root is often hit."
    assert texts(section) == ["Most herniations occur at the L4/L5 and L5/S1 levels.", "The L5 root is often hit."]


def test_bracketed_level_range_stays_with_its_sentence():
    section = (
        "Its innervation comes from the posterior tibial nerve (L4-L5). "
        "The function of the tibialis posterior is to invert the foot."
    )
    assert texts(section) == [
        "Its innervation comes from the posterior tibial nerve (L4-L5).",
        "The function of the tibialis posterior is to invert the foot.",
    ]


def test_percentage_with_greater_than_sign_stays_in_one_sentence():
    assert texts("In >90% of cases the herniation is at L4/L5 or L5/S1. Few are higher.") == [
        "In >90% of cases the herniation is at L4/L5 or L5/S1.",
        "Few are higher.",
    ]


def test_dr_oracle_without_a_space_does_not_split():
    assert texts("Dr.Oracle assumes no liability for clinical decisions.") == [
        "Dr.Oracle assumes no liability for clinical decisions."
    ]


def test_dr_with_a_space_before_the_name_does_not_end_the_sentence():
    assert texts("Dr. Oracle answered the question. It cited two studies.") == [
        "Dr. Oracle answered the question.",
        "It cited two studies.",
    ]


def test_full_stop_before_a_lowercase_word_does_not_split():
    assert texts("The posterior tibial n. supplies the tibialis posterior. It inverts the foot.") == [
        "The posterior tibial n. supplies the tibialis posterior.",
        "It inverts the foot.",
    ]


def test_decimal_number_does_not_split():
    assert texts("The deficit improved by 0.5 grades at 6 weeks. Later gains were small.") == [
        "The deficit improved by 0.5 grades at 6 weeks.",
        "Later gains were small.",
    ]


# --- Citation numbers -----------------------------------------------------------------------------


def test_citation_number_at_sentence_end_stays_in_text_and_becomes_refs():
    (sentence,) = split_section("  • Stimulation of these roots can produce dorsiflexion torque 2.\n", "doc.sec")
    assert sentence.text == "Stimulation of these roots can produce dorsiflexion torque 2."
    assert sentence.refs == "2"


def test_two_citation_numbers_become_comma_joined_refs():
    (sentence,) = split_section("They are associated with plantar flexion and other movements 2, 3.", "doc.sec")
    assert sentence.text.endswith("movements 2, 3.")
    assert sentence.refs == "2,3"


def test_citation_then_next_sentence_splits_after_the_number():
    section = "These roots can produce dorsiflexion torque 2. The L5 roots are associated with plantar flexion 2."
    assert texts(section) == [
        "These roots can produce dorsiflexion torque 2.",
        "The L5 roots are associated with plantar flexion 2.",
    ]


def test_citations_mid_sentence_neither_split_nor_count_as_refs():
    section = "According to the evidence provided by 1 and 1, a focused neurologic examination should include it."
    (sentence,) = split_section(section, "doc.sec")
    assert sentence.text == section
    assert sentence.refs == ""


def test_sentence_without_citation_has_no_refs():
    (sentence,) = split_section("The L5 nerve root gives sensory innervation to the top of the foot.", "doc.sec")
    assert sentence.refs == ""


# --- Headings ---------------------------------------------------------------------------------------


def test_short_line_without_final_punctuation_heads_the_sentences_after_it():
    section = (
        "Associated Movements and Nerve Roots\n"
        "  • The L3 and L4 nerve roots are associated with dorsiflexion torque 2.\n"
        "  • The S1 roots are associated with plantar flexion 2.\n"
        "Clinical Implications\n"
        "Decompressive surgery can lead to significant improvements 4. Younger patients recover better 4.\n"
    )
    assert [(s.heading, s.text) for s in split_section(section, "doc.sec")] == [
        (
            "Associated Movements and Nerve Roots",
            "The L3 and L4 nerve roots are associated with dorsiflexion torque 2.",
        ),
        ("Associated Movements and Nerve Roots", "The S1 roots are associated with plantar flexion 2."),
        ("Clinical Implications", "Decompressive surgery can lead to significant improvements 4."),
        ("Clinical Implications", "Younger patients recover better 4."),
    ]


def test_sentences_before_any_heading_have_an_empty_heading():
    (sentence,) = split_section("The L5 nerve root is part of the lumbosacral plexus.", "doc.sec")
    assert sentence.heading == ""


def test_positions_count_from_one_in_document_order():
    sentences = split_section("Heading Here\nFirst one. Second one.\n  • Third one\n", "doc.sec")
    assert [s.position for s in sentences] == [1, 2, 3]


# --- Stable ids -------------------------------------------------------------------------------------


def test_same_text_gets_the_same_id():
    first = split_section("The L5 nerve root is part of the lumbosacral plexus.", "blog.body")
    again = split_section("Intro Heading\n  The L5 nerve root   is part of the\tlumbosacral plexus.  ", "blog.body")
    assert first[0].id == again[-1].id


def test_different_text_gets_a_different_id():
    (a,) = split_section("The L5 nerve root is part of the lumbosacral plexus.", "blog.body")
    (b,) = split_section("The L4 nerve root is part of the lumbosacral plexus.", "blog.body")
    assert a.id != b.id


def test_id_is_prefixed_with_its_section():
    (sentence,) = split_section("The L5 nerve root is part of the lumbosacral plexus.", "blog.body")
    assert sentence.id.startswith("blog.body.")


def test_id_survives_a_sentence_inserted_before_it():
    before = split_section("It is part of the plexus. It supplies many muscles.", "blog.body")
    after = split_section("A new opening sentence. It is part of the plexus. It supplies many muscles.", "blog.body")
    assert [(s.text, s.id) for s in before] == [(s.text, s.id) for s in after[1:]]
    assert [s.position for s in after[1:]] == [2, 3]


# --- Against the real sources -----------------------------------------------------------------------


def real_sentences(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT s.id, s.text, d.file FROM sentences s JOIN documents d ON d.id = s.document_id ORDER BY s.rowid"
        ).fetchall()
    finally:
        conn.close()


def test_every_built_sentence_occurs_verbatim_in_its_source_file(built_db, project):
    sentences = real_sentences(built_db)
    assert sentences
    for sentence_id, text, file in sentences:
        original = squash((project / "sources" / file).read_text(encoding="utf-8"))
        assert squash(text) in original, f"{sentence_id} is not verbatim in {file}: {text!r}"


@pytest.mark.parametrize(
    ("furniture", "file"),
    [
        ("Personalize", "droracle-2025.txt"),
        ("Medical Advisory Board", "droracle-2025.txt"),
        ("Have a follow-up question?", "droracle-2025.txt"),
        ("Dr.Oracle assumes no liability", "droracle-2025.txt"),
        ("Monday, May 18, 2020", "l5-blog-2020.txt"),
    ],
)
def test_page_furniture_never_becomes_a_sentence(built_db, project, furniture, file):
    assert furniture in (project / "sources" / file).read_text(encoding="utf-8")
    assert [text for _, text, _ in real_sentences(built_db) if furniture in text] == []
