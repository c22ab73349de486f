"""`Bot.ask`: the whole pipeline from a question to a grounded Answer, with no front-end code."""

from __future__ import annotations

import os
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from itertools import pairwise
from pathlib import Path
from typing import Any, Generic, TypeVar

from . import paths, safety
from .answer import (
    CONFLICT_LEAD,
    Answer,
    Citations,
    Conflict,
    ConflictSide,
    Slot,
    Source,
    join_items,
    marks,
    render_items,
)
from .intents import load_intents
from .matcher import (
    ANSWER_WORDS,
    CHOICE_WORDS,
    CLAIM_STARTS,
    CLOSING_WORDS,
    DEMONSTRATIVES,
    FOLLOW_UP_LEXICAL,
    FOLLOW_UP_WORDS,
    FUNCTION_WORDS,
    INVERTED,
    NEGATIONS,
    OPENING_WORDS,
    PRONOUNS,
    SHORT_CORRECTION,
    SOURCE_WORDS,
    STAND_INS,
    VERSUS,
    Analysis,
    Matcher,
    Mention,
    Reading,
    compares,
    fill_slots,
    stem,
)
from .store import Quoted, Row, Store
from .text import normalize, takes_plural, tokens

MAX_QUESTION_CHARS = 500
ANSWER_AT = 0.45
CHITCHAT_AT = 0.55
TIE_MARGIN = 0.01
GENERAL_MARGIN = 0.1  # "tell me about X" yields to a reading this close that gives the kind of thing asked for
SOURCE_NOUNS = frozenset({"source", "sources", "reference", "references", "document", "documents", "citation", "paper"})
NAMED_WITH_THE = frozenset({"muscle", "muscle_group", "nerve", "root", "plexus", "region"})
SHORT_FOLLOW_UP = 5  # words in a follow-up that asks the last question again for one kind of thing
ANSWERABLE_MARGIN = 0.1
CASE_WHOLE_AT = 0.7  # a case read whole with less confidence than this is also read by its question
CASE_CONTEXT_AT = 0.75  # a case's question read against the case must match its intent's words this well
KEPT_READINGS = 5  # of a question's readings, the best are remembered; the rest are never consulted
# Facts listed in one answer, a page: "more" lists the next ones. Twenty fit a Discord embed's text
# (4,096 characters) and a Slack message's 50 blocks (sources that do not fit go on in the next
# message: see slack_app and discord_app). At a hundred, of 300 answers
# at a million facts Discord cut 92 short, 17 before they said how many were left, and Slack left out
# sources of 113; "more" then went on from the hundred-and-first, past facts never shown.
MAX_FACTS = 20
_MARK = re.compile(r"\[(\d+)\]")  # a citation mark in an answer's text
_JOIN = re.compile(r"\band\b|[+&]", re.IGNORECASE)
_NON_WORDS = re.compile(r"\W*")
_WORD = re.compile(r"[^\W_]+")  # a run of letters and digits
WH_WORDS = frozenset(["what", "which", "where", "how", "why", "who", "whats"])
OPTION_WORDS = frozenset(["these", "following", "options", "option"])
_WH_WORD = re.compile(r"(?:which|what|where|how|why|who)\b", re.IGNORECASE)
_LEAD = re.compile(r"According to [^,]*(?:, the [^,]*)*, ")  # "According to the blog, the ... page, "
FOCUSED = "Read as the last question, asked of one source."
BOTH_ASKED = "Read as asking for two kinds of thing, each answered in turn."
TWO_QUESTIONS = "Read as two questions, the second about the first's answer."
OTHER_KIND = 0.1  # a follow-up reading giving another kind of thing than the one asked for
UNLINKED = "My sources do not link"
NONE_DISPUTED = "Nothing about it is disputed, so what the sources say of it is given."
WEAK_NERVE = "Read as asking for the nerve of a weak muscle that the causes name."
OTHER_SIDE = "Read as a claim linking two things; the sources link neither with the other, so each is answered."
MENTIONED = "Read as asking for more than the facts stated: the other sentences that name the same thing."
NEXT_PAGE = "Read as asking for the facts the last answer left unlisted."
_SENTENCE_END = re.compile(r"(?<=[.!?])[^\w\s]*\s+(?=\S)")
QUESTION_STARTS = frozenset(["which", "what", "whats", "where", "how", "why", "who", "name", "explain", "is", "are"])
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible format characters vanish rather than become spaces, so "blad\u200bder" still reads "bladder".
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
HARM_OF = {  # what can go wrong with a thing of each type, for "what can {harm_of}the {thing} lead to?"
    **dict.fromkeys(("root", "nerve"), "injury of "),
    **dict.fromkeys(("muscle", "muscle_group", "movement"), "weakness of "),
}
PLURAL_POINTERS = frozenset(["they", "them", "their", "those", "these"])
PLURAL_MISMATCH = 3  # as if talked about three questions earlier: "they" is seldom one thing
INFLECTIONS = frozenset({"s", "es", "ed", "d", "ing", "ly", "en", "er", "ers", "ness", "al", "ally"})
WHY_LINKED = "Read as: why are the things named linked? (the chain of facts behind the link)"
FOLLOWED_UP = "Read as a follow-up to the conversation so far."
REMEMBERED_THINGS = 8  # the things a conversation's pronouns may point back at
CLAIM_LINKS = frozenset({"by", "to", "from", "of", "in", "instead"})  # "and by S1?", "what about to S1?"
LISTED_SECTIONS = 12  # the sources a reply names, in date order; the rest are counted
# "so which is right?", "who says which?" after an answer with conflicts
JUDGING_WORDS = frozenset({"right", "correct", "true", "trust", "believe", "accurate", "wrong", "reliable"})
SETTLING_WORDS = frozenset({"so", "ok", "okay", "well", "which", "one", "is", "it", "then", "now", "of", "them", "two"})
DISPUTE_WORDS = frozenset(
    {"disagree", "disagreement", "contradict", "contradiction", "conflict", "conflicting", "agree"}
)
JUDGED_LEAD = "I don't pick a side where my sources disagree; here is who says what, for you to weigh."
JUDGED_NOTE = "Read as: which side of the disagreement in the last answer is right?"
UNDISPUTED = "Nothing in that answer is disputed: no source says otherwise, so there is no side to pick."
MORE_WORDS = frozenset({"more", "elaborate", "details", "detail", "continue", "further", "expand"})
PAGING_WORDS = frozenset({"more", "show", "please", "continue"})  # "more", "show more": the facts left unlisted
NOTHING_TO_FOLLOW = {  # (with nothing asked yet, after a question with no answer)
    "why": (
        'Ask me a question first; then "why?" shows the chain of facts behind my answer.',
        "The last question had no answer, so there is no chain of facts behind it to show.",
    ),
    "more": (
        'There is nothing more to show: ask me a question first; "more" lists the facts an answer left unlisted.',
        'There is nothing more to show: "more" lists the facts an answer left unlisted.',
    ),
    "tell": (
        'Ask me a question first; then "tell me more" tells everything my sources say about its subject.',
        "The last question had no answer, so there is nothing more to tell of it.",
    ),
}
TYPE_WORDS = {
    "root": "root",
    "roots": "root",
    "nerve": "nerve",
    "nerves": "nerve",
    "muscle": "muscle",
    "muscles": "muscle",
}
MEDICINES_TEXT = (
    "My two sources don't cover medicines or doses, so I can't answer that; a pharmacist or clinician can. "
    "I can tell you which roots, nerves and muscles are involved."
)
# Things people ask about in this field that the sources never cover: a question naming one is not
# answered from the anatomy it mentions besides.
UNCOVERED_TOPICS = {
    "imaging (MRI, CT, X-ray)": frozenset(
        {"mri", "mris", "ct", "xray", "xrays", "radiograph", "radiographs", "imaging", "ultrasound", "scan", "scans"}
    ),
    "how operations are done (approach, positioning, incisions or anaesthesia)": frozenset(
        # (not "anaesthesia": over the top of the foot it is numbness)
        {
            "approach",
            "technique",
            "techniques",
            "position",
            "positioned",
            "positioning",
            "incision",
            "anaesthetic",
            "anesthetic",
            "anaesthetist",
            "anesthetist",
        }
    ),
    "nerve conduction studies or EMG": frozenset({"emg", "emgs", "electromyography", "ncs", "conduction"}),
    "how reflexes or strength are graded": frozenset({"grade", "grades", "grading", "graded", "mrc"}),
    "exercises, braces or rehabilitation": frozenset(
        {"exercise", "exercises", "stretch", "stretches", "stretching", "brace", "braces", "orthosis", "afo", "splint"}
    ),
    "special tests such as the straight leg raise": frozenset({"slr", "lasegue", "slump"}),
    "spinal fusion": frozenset({"fusion", "fusions", "fused", "arthrodesis", "tlif", "plif", "alif"}),
    # (foot drop has other causes, but the sources speak only of the nerve roots, nerves and muscles)
    "diseases of the brain or of the whole body, such as stroke or diabetes": frozenset(
        {"stroke", "strokes", "cva", "diabetes", "diabetic", "polio", "parkinsons", "parkinson", "dementia"}
    ),
}
# How a condition is treated is not covered, except recovery after decompressive surgery, which is.
TREATMENT_WORDS = frozenset({"treat", "treated", "treating", "treatment", "treatments", "therapy", "therapies", "cure"})
SURGERY_WORDS = frozenset({"surgery", "surgical", "operation", "operative", "postoperative", "postop"})
UNCOVERED_OFFER = "I can tell you which roots, nerves and muscles are involved, and how the roots are examined."
GENERIC_SUGGESTIONS = (
    "what causes foot drop?",
    "which nerve supplies the tibialis anterior?",
    "which muscles does the L5 nerve root supply?",
    "how is the S1 nerve root examined?",
)


# What a question's words say, whatever the conversation: the safety verdict, the matcher's analysis
# and best readings, and whether it asks about medicines.
Understood = tuple[safety.Verdict, Analysis, tuple[Reading, ...], bool]


@dataclass(frozen=True)
class Rendered:
    """What an intent answers for one set of entities, before a question's own words are added."""

    answered: bool
    text: str
    suggestions: tuple[str, ...]
    sources: tuple[Source, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    facts: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()  # the entities the answer is about, the question's own last
    lead: str = ""  # "According to the ..., " when the text starts with it
    unlisted: int = 0  # facts the sources state that the text leaves for "more"


@dataclass(frozen=True)
class Pending:
    """A clarifying question waiting for its answer: which entity, or which reading."""

    readings: tuple[Reading, ...]
    slot: str = ""
    options: tuple[str, ...] = ()  # entity ids when choosing an entity


@dataclass(frozen=True)
class Paged:
    """An answer that left facts unlisted: the sections it was asked of, and every fact listed so far."""

    focus: tuple[str, ...]
    shown: frozenset[str]


@dataclass(frozen=True)
class Conversation:
    reading: Reading | None = None
    entities: tuple[str, ...] = ()  # most recent last
    pending: Pending | None = None
    last: Answer | None = None
    paged: Paged | None = None  # "more" lists the next facts of the last answer


class Sessions:
    """Conversations by session id, bounded in number (least recently used go first) and in age."""

    def __init__(self, max_sessions: int = 10_000, ttl_seconds: float = 2 * 3600) -> None:
        self.max_sessions = max_sessions
        self.ttl = ttl_seconds
        self._items: OrderedDict[str, tuple[float, Conversation]] = OrderedDict()  # last touched, conversation
        self._lock = threading.Lock()

    def get(self, key: str) -> Conversation:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.ttl:
                self._items.pop(key, None)
                return Conversation()
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, conv: Conversation) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), conv)
            self._items.move_to_end(key)
            while len(self._items) > self.max_sessions:
                self._items.popitem(last=False)

    def clear(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


T = TypeVar("T")


class Remembered(Generic[T]):
    """What `compute` made of at most `size` distinct questions asked more than once, those asked most
    often kept.

    A question is kept from its second asking on. Most one-off questions (a typo, a rare wording)
    are never asked again, and keeping them would push out the ones a class keeps asking; only the
    hash of a question asked once is kept, for the `size` * SEEN_PER_KEPT most recent of them. When
    all places are taken, a question takes the place of the least recently used one only if it has
    been asked more often (TinyLFU's admission, as in Caffeine): a class asking more distinct questions
    again than there are places keeps most of them, where with least-recently-used alone each one kept
    would push out one asked again soon after. Every count is halved once per `size` * SEEN_PER_KEPT
    questions computed, so what was asked often long ago gives way.
    """

    SEEN_PER_KEPT = 4

    def __init__(self, compute: Callable[[str], T], size: int) -> None:
        self._compute = compute
        self.size = size
        self._kept: OrderedDict[str, T] = OrderedDict()
        self._asked: dict[str, int] = {}  # how often each question kept was asked
        self._seen: OrderedDict[int, int] = OrderedDict()  # hashes of questions not kept -> times asked
        self._computed = 0
        self._lock = threading.Lock()

    def __call__(self, question: str) -> T:
        with self._lock:
            if question in self._kept:
                self._kept.move_to_end(question)
                self._asked[question] += 1
                return self._kept[question]
        value = self._compute(question)
        if self.size:
            with self._lock:
                self._count(question, value)
        return value

    def _count(self, question: str, value: T) -> None:
        key = hash(question)
        asked = self._seen.pop(key, 0) + 1
        full = len(self._kept) >= self.size
        oldest = next(iter(self._kept)) if full else ""
        if asked >= 2 and (not full or asked > self._asked[oldest]):
            if full:  # the least recently used goes, and is counted as seen
                del self._kept[oldest]
                self._seen[hash(oldest)] = self._asked.pop(oldest)
            self._kept[question] = value
            self._asked[question] = asked
        else:
            self._seen[key] = asked
        while len(self._seen) > self.size * self.SEEN_PER_KEPT:
            self._seen.popitem(last=False)
        self._computed += 1
        if self._computed >= self.size * self.SEEN_PER_KEPT:  # age the counts
            self._computed = 0
            self._asked = {q: n // 2 for q, n in self._asked.items()}
            self._seen = OrderedDict((k, n // 2) for k, n in self._seen.items())

    def __len__(self) -> int:
        return len(self._kept)


def clean_question(text: object) -> str:
    """Strip what must never reach a terminal or the matcher: escapes, controls, invisible marks."""
    text = text if isinstance(text, str) else str(text)
    if len(text) > MAX_QUESTION_CHARS * 8:  # a pasted megabyte: its two ends are plenty for every check
        text = f"{text[: MAX_QUESTION_CHARS * 4]} {text[-MAX_QUESTION_CHARS * 4 :]}"
    text = _ANSI.sub(" ", text)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return " ".join(_CONTROL.sub(" ", text).split())


def cut_question(text: str) -> tuple[str, tuple[str, ...]]:
    """Very long input is read by its two ends, MAX_QUESTION_CHARS in all, with a note saying so: a
    pasted case usually opens with the findings and ends with the question."""
    if len(text) <= MAX_QUESTION_CHARS:
        return text, ()
    half = (MAX_QUESTION_CHARS - 3) // 2  # two halves and " … " between them
    head, tail = text[:half].rsplit(" ", 1)[0], text[-half:].split(" ", 1)[-1]
    note = f"Your question was long, so it was cut to its first and last {MAX_QUESTION_CHARS // 2} or so characters."
    return f"{head} … {tail}", (note,)


class Bot:
    """A grounded question-answering bot over one facts.db and one folder of intents.

    Thread-safe: the store opens one read-only connection per thread and conversations are
    swapped atomically, so many front ends can share one Bot. Up to `remember` distinct questions
    asked more than once, those asked most often, keep their reading, so one asked again skips the matcher (0
    turns that off).
    """

    def __init__(
        self,
        db: str | Path | None = None,
        intents: str | Path | None = None,
        *,
        max_sessions: int = 10_000,
        session_ttl: float = 2 * 3600,
        emergency: str | None = None,
        remember: int = 3072,
    ) -> None:
        # Where red flags send people: the argument, else $NERVEBOT_EMERGENCY, else 911/112/999 wording.
        self.emergency = emergency or os.environ.get("NERVEBOT_EMERGENCY") or safety.DEFAULT_EMERGENCY
        self.store = Store(Path(db) if db else paths.default_db())
        self.intents = load_intents(Path(intents) if intents else paths.default_intents(), self.store)
        self.entities = {e["id"]: e for e in self.store.entities()}
        self.qualifier_words = {r["name"]: r["shown"] for r in self.store.query("SELECT name, shown FROM qualifiers")}
        self.homonyms = {
            r["phrase"]: r["explanation"] for r in self.store.query("SELECT phrase, explanation FROM homonyms")
        }
        # a sign that is the weakness of something -> that muscle or movement
        self._weakness_of = {
            r["subject"]: r["object"]
            for r in self.store.query("SELECT subject, object FROM facts WHERE relation = 'weakness_of'")
        }
        self.matcher = Matcher(
            {e: row["type"] for e, row in self.entities.items()},
            [(r["alias"], r["entity_id"]) for r in self.store.aliases()],
            [(r["alias"], r["entity_id"]) for r in self.store.ambiguous()],
            self.homonyms,
            self.intents,
            self._weaknesses(),
            lru_cache(maxsize=1024)(self._performers),
            remember,
        )
        self.sessions = Sessions(max_sessions, session_ttl)
        # The store is read-only, so a query's result never changes while the Bot lives.
        self._intent_index = {intent.name: i for i, intent in enumerate(self.intents)}
        # the intents the bot asks itself for one step of a chain: which muscles perform a movement (the
        # first step of "the nerve of the dorsiflexor"), and which nerve supplies a muscle (the second of
        # "which nerve is damaged in Trendelenburg gait?", whose causes name a weak muscle)
        self._performed_by = self._step("movement", "muscle")
        self._nerve_of = self._step("muscle", "nerve")
        self.section_labels = [r["label"] for r in self.store.query("SELECT label FROM sections ORDER BY id")]
        self._reply_fields = {"documents": self._documents()}
        self._section_words = [(label, set(tokens(label))) for label in self.section_labels]
        self._sections_named = lru_cache(maxsize=64)(self._sections_named_uncached)
        self._render = lru_cache(maxsize=4096)(self._render_uncached)
        self._chain = lru_cache(maxsize=1024)(self._chain_uncached)  # "why?" after the same answer
        self._gather = lru_cache(maxsize=1024)(self._gather_uncached)
        # intent -> the intents it gathers, each with its slot and the entity types that fill it
        self._gatherers = {
            i: [
                (self._intent_index[name], *next(iter(self.intents[self._intent_index[name]].slots.items())))
                for name in intent.gathers
            ]
            for i, intent in enumerate(self.intents)
            if intent.gathers
        }
        # A question asked again (a class asks the same things) is read once more: its text decides all of it.
        self._understand = Remembered(self._understand_uncached, remember)

    def _step(self, takes: str, gives: str) -> tuple[int, str] | None:
        """The intent (and its slot) whose one slot takes a `takes` and whose answers are first a `gives`."""
        return next(
            (
                (i, slot)
                for i, intent in enumerate(self.intents)
                for slot, types in intent.slots.items()
                if len(intent.slots) == 1 and takes in types and intent.answers[:1] == (gives,)
            ),
            None,
        )

    # -- the public call ----------------------------------------------------------------------------
    def ask(self, question: str, session: str | None = None) -> Answer:
        """Answer one question; with a session id, follow-ups are read against that conversation."""
        whole = clean_question(question)
        text, notes = cut_question(whole)
        conv = self.sessions.get(session) if session else Conversation()
        answer, new_conv = self._ask_text(text, notes, conv, whole)
        parts = _two_questions(text) if answer.status in ("answered", "clarify", "no_answer") else None
        if parts is not None:
            # "which muscles flex the knee, and which nerve supplies them?": each in turn, the second
            # a follow-up to the first
            first, second = self._ask_text(parts[0], notes, conv, parts[0])
            # "them" in the second is what the first answered, not anything talked of before it
            answered = tuple(self.store.endpoints(first.facts))[-REMEMBERED_THINGS:] if first.answered else ()
            then, after = self._ask_text(parts[1], (), replace(second, entities=answered or second.entities), parts[1])
            if first.answered and then.answered and (first.intent, first.slots) != (then.intent, then.slots):
                answer, new_conv = _joined(first, then, text), after
        if session:
            self.sessions.put(session, new_conv)
        return answer

    def _ask_text(
        self, text: str, notes: tuple[str, ...], conv: Conversation, whole: str
    ) -> tuple[Answer, Conversation]:
        """One question's answer in a conversation; a case then a question is read as the question."""
        understood = self._understand(whole)
        answer, new_conv = self._answer(text, notes, conv, understood)
        question_part = _last_question(text) if answer.status in ("answered", "clarify", "no_answer") else ""
        unsure = not answer.answered or answer.confidence < CASE_WHOLE_AT
        if question_part and (unsure or PRONOUNS & set(tokens(question_part))):
            answer, new_conv = self._vignette(text, question_part, notes, understood, (answer, new_conv))
        return answer, new_conv

    def reset(self, session: str) -> None:
        """Forget a conversation."""
        self.sessions.clear(session)

    def names(self) -> list[str]:
        """Every entity's own name, and the roots as people write them ("L5"), for front ends."""
        names = {e["name"] for e in self.entities.values()}
        names |= {str(e["id"]) for e in self.entities.values() if e["type"] == "root"}
        return sorted(names, key=str.casefold)

    def vocabulary(self) -> list[str]:
        """Every entity's name and the aliases people type, for completion in front ends."""
        names = {e["name"] for e in self.entities.values()}
        names |= {r["written"] for r in self.store.query("SELECT written FROM aliases")}
        return sorted(names, key=str.casefold)

    def examples(self) -> list[str]:
        """One sample question per kind of question, each with an entity the sources can answer for."""
        samples = []
        for intent in self.intents:
            if intent.kind != "query":
                continue
            if not intent.slots:
                samples.append(intent.title)
                continue
            ((slot, types),) = intent.slots.items()
            for ent in sorted(
                self.entities,
                key=lambda e: (types.index(self.entities[e]["type"]) if self.entities[e]["type"] in types else 99, e),
            ):
                if self.entities[ent]["type"] in types and self.store.query(intent.sql, {slot: ent}):
                    samples.append(intent.title.format_map(self._names(((slot, ent),))))
                    break
        return samples

    def _vignette(
        self,
        text: str,
        question: str,
        notes: tuple[str, ...],
        understood: Understood,
        whole: tuple[Answer, Conversation],
    ) -> tuple[Answer, Conversation]:
        """A case and then a question about it ("A patient has a Trendelenburg gait. Which nerve
        supplies those muscles?"): the last sentence asked as a follow-up to the rest, where read
        whole the text has no answer or the question points back at the case."""
        _, analysis, _, medicines = understood
        if analysis.homonym or medicines:
            return whole
        # what the case names is what the question can point back at; the case is not answered itself
        asked = self._understand(question)
        own = {m.entity_ids for m in asked[1].mentions}
        named = [m for m in analysis.mentions if m.entity_ids not in own and not m.ambiguous]
        context = Conversation(entities=tuple(dict.fromkeys(m.entity_ids[0] for m in named)))
        answer, conv = self._answer(question, notes, context, asked)
        if not answer.answered or (FOLLOWED_UP in answer.notes and answer.confidence < CASE_CONTEXT_AT):
            return whole  # "Is that supported?" is too vague to be read against the case
        if whole[0].answered and answer.confidence <= whole[0].confidence:
            return whole
        read = "Read the last sentence as the question and the rest as the case it is about."
        return replace(answer, question=text, notes=(*(n for n in answer.notes if n != FOLLOWED_UP), read)), conv

    # -- pipeline -------------------------------------------------------------------------------------
    def _answer(
        self, text: str, notes: tuple[str, ...], conv: Conversation, understood: Understood
    ) -> tuple[Answer, Conversation]:
        """The answer to one question, `understood` whatever the conversation, read in this one."""
        verdict, analysis, ranked, medicines = understood
        if not analysis.words:  # (an emoji that says something, "👍", has its word)
            answer = Answer(
                "no_answer",
                "Please type a question in English about the lumbosacral nerve roots, "
                "for example: what causes foot drop?",
                question=text,
                suggestions=GENERIC_SUGGESTIONS,
                notes=notes,
            )
            return answer, conv
        if verdict.kind == "emergency":
            return Answer("safety", safety.emergency_text(self.emergency), question=text, notes=notes), Conversation()
        notes += tuple(
            dict.fromkeys(f'Read "{a}" as "{b}".' for a, b in analysis.corrections if not _same_word(a, b))
        )  # "controls" read as "control" is not news
        if verdict.kind == "advice":
            general, _ = self._respond(text, ranked[0], (), notes, Conversation(), analysis)
            # General facts only where they answer the question's own kind: not for a dose, and not
            # everything about a name ("what exercises should I do for my L5 radiculopathy?").
            relevant = general.answered and general.confidence >= 0.7 and general.intent != "about" and not medicines
            facts = f" {general.text}" if relevant else ""
            answer = replace(general, status="safety", text=safety.ADVICE_TEXT + facts, related=(), options=())
            if not facts:
                said = safety.ADVICE_TEXT.split(" What the sources")[0]
                # nothing of the general answer is shown, so neither are its facts nor how it was read
                answer = replace(answer, text=said, sources=(), conflicts=(), facts=(), notes=notes)
            return answer, replace(conv, pending=None)
        if medicines:
            answer = Answer("no_answer", MEDICINES_TEXT, question=text, notes=notes, suggestions=GENERIC_SUGGESTIONS)
            return answer, replace(conv, pending=None)
        if conv.pending:
            chosen = self._resolve_pending(conv.pending, analysis)
            if chosen is not None:
                return self._respond(text, chosen, (), notes, conv)
        if analysis.homonym and analysis.mentions and (analysis.offered or CHOICE_WORDS & set(analysis.words)):
            # "deep or superficial peroneal nerve?": the side the sources cover is answered, the other noted
            notes += (_sentence(f"{self.homonyms[analysis.homonym]}."),)
        elif analysis.homonym:
            why = self.homonyms[analysis.homonym]
            answer = Answer(
                "no_answer",
                f"I can't answer that: {why}.",
                question=text,
                suggestions=("what causes Trendelenburg gait?", *GENERIC_SUGGESTIONS[:2]),
                notes=notes,
            )
            return answer, replace(conv, pending=None)
        topic = next((t for t, cues in UNCOVERED_TOPICS.items() if cues.intersection(analysis.words)), "")
        if (
            not topic
            and TREATMENT_WORDS.intersection(analysis.words)
            and SURGERY_WORDS.isdisjoint(analysis.words)
            and all("procedure" not in m.types for m in analysis.mentions)
        ):
            topic = "treatment, besides how weakness recovers after decompressive surgery"
        if topic:
            # "MRI findings in L5 radiculopathy" is not answered with what an L5 injury leads to
            said = f"My two sources don't cover {topic}, so I can't answer that. {UNCOVERED_OFFER}"
            answer = Answer("no_answer", said, question=text, notes=notes, suggestions=GENERIC_SUGGESTIONS)
            # "what exercises help foot drop?" then "what causes it?": foot drop is what "it" means
            named = [m.entity_ids[0] for m in analysis.mentions if not m.ambiguous]
            entities = _talked_about(conv.entities, named)
            return answer, replace(conv, pending=None, entities=entities)
        asked_on = _asked_on(analysis.words) if not analysis.mentions else ""
        answered = conv.last is not None and conv.last.answered and conv.reading is not None
        if asked_on and not answered:
            # "why?" or "more" with nothing answered to ask it of
            said = NOTHING_TO_FOLLOW[asked_on][conv.last is not None]
            return Answer("no_answer", said, question=text, notes=notes, suggestions=GENERIC_SUGGESTIONS), conv
        again = None
        if answered and len(analysis.mentions) == 1:
            again = (
                self._claimed_again(notes, conv, analysis)
                or self._claimed_of_it(notes, conv, analysis)
                or self._among_answers(notes, conv, analysis)
            )
        if again is not None:
            answer, conv = again
            return replace(answer, question=text), conv
        if answered and conv.last is not None and conv.reading is not None and not analysis.mentions:
            words = set(analysis.words)
            if asked_on == "why":
                return self._why(text, notes, conv)
            if asked_on in ("more", "tell"):
                if conv.paged is not None:
                    return self._more(text, notes, conv, conv.paged)
                # past the facts left unlisted, "more" asks what "tell me more" does
                first = next(iter(conv.reading.slots.values()), None)
                names = join_items([self.entities[e]["name"] for e in first.entity_ids], ", ") if first else ""
                if names and first is not None and conv.reading.intent.name == "about":
                    besides = self._mentioned(first.entity_ids, names, conv.last, text, notes)
                    if besides is not None:
                        return besides, replace(conv, last=besides)
                    said = f"That was everything my two sources say about the {names}."
                    answer = Answer("no_answer", said, question=text, notes=notes, suggestions=conv.last.suggestions)
                    return answer, conv
                wider = self._about_first(conv.reading)
                if wider is not None:
                    return self._respond(text, wider, (), notes, conv, analysis, follow_up=True)
            if _asks_judgement(words) and (conv.last.conflicts or words & JUDGING_WORDS):
                # ("do they disagree about that?" with nothing disputed asks what the sources say of it)
                return self._judged(text, notes, conv.last), conv
            if _asks_which_source(words):
                return self._which_source(text, notes, conv.last), conv
            other = self._other_one(conv.reading) if "other" in words and len(words) <= 6 else None
            if other is None and len(words) <= 5:
                other = self._swapped(conv.reading, analysis.content)
            if other is not None:
                # "what about the other one?" after the superior gluteal nerve: the inferior one
                notes += (FOLLOWED_UP,)
                return self._respond(text, other, (), notes, conv, analysis, follow_up=True)
            if self._focus(analysis.words) and all(w in FUNCTION_WORDS for w in analysis.content):
                # "what does the research say?": the last question again, from that source alone
                again = self._respond(text, conv.reading, (), (*notes, FOCUSED), conv, analysis, follow_up=True)
                # "... say about it?" when it says nothing on the last question: what it says about the thing
                wider = None if again[0].answered or "about" not in words else self._about_first(conv.reading)
                if wider is None:
                    return again
                notes += ("Read as what one source says about the thing last asked about.",)
                return self._respond(text, wider, (), notes, conv, analysis, follow_up=True)
        readings = list(ranked)
        reread = self._the_other(analysis, conv) if "other" in analysis.words else None
        if reread is not None:  # "what about the other tibialis?" after the tibialis posterior
            analysis, readings = reread, self.matcher.rank(reread)[:KEPT_READINGS]
        top = self._with_context(readings, analysis, conv)
        if top is not readings[0]:
            alone = readings[0]
            if (top.intent.name, top.slots) != (alone.intent.name, alone.slots):  # else it is no news
                notes += (FOLLOWED_UP,)
            readings = [top, *(r for r in readings if r.intent.name != top.intent.name)]
            return self._respond(text, top, readings, notes, conv, analysis, follow_up=True)
        return self._respond(text, top, readings, notes, conv, analysis)

    def _understand_uncached(self, whole: str) -> Understood:
        """What a question's words say, whatever the conversation: the safety verdict, on the whole
        question since a red flag may come after the cut, the matcher's analysis and readings, and
        whether it asks about medicines."""
        analysis = self.matcher.analyse(cut_question(whole)[0])
        readings = tuple(self.matcher.rank(analysis)[:KEPT_READINGS])
        verdict, medicines = safety.screen(whole)
        return verdict, analysis, readings, medicines

    def _with_context(self, readings: list[Reading], analysis: Analysis, conv: Conversation) -> Reading:
        """Read elliptical follow-ups ("and L4?", "what does it do?") against the conversation."""
        top = readings[0]
        previous = conv.reading
        content = set(analysis.content) - (OPENING_WORDS - FOLLOW_UP_WORDS)  # "k and the EHL"
        if previous is not None and analysis.mentions and content <= FOLLOW_UP_WORDS:
            # "and the big toe extensor?" after the roots of a muscle: the muscle doing it
            for named in (analysis.mentions, analysis.agents):
                slots, _ = fill_slots(previous.intent, named, self.matcher.entity_types)
                if slots and len(slots) == len(named):
                    kept = {k: v for k, v in previous.slots.items() if k not in slots}
                    score = max(previous.score, top.score)
                    return previous._replace(slots={**kept, **slots}, missing=(), score=score)
        weak = top.score < (CHITCHAT_AT if top.intent.kind == "chitchat" else ANSWER_AT)  # as a reading alone
        if previous is not None and not previous.intent.slots and not analysis.mentions and weak:
            # "who does best?" after a question about recovery: the topic carries over.
            same = next((r for r in readings if r.intent.name == previous.intent.name), None)
            if same is None and len(readings) == KEPT_READINGS:  # beyond the readings kept: read again
                same = next((r for r in self.matcher.rank(analysis) if r.intent.name == previous.intent.name), None)
            if same is not None and same.lexical >= 0.2:
                return same._replace(score=max(ANSWER_AT, same.score))
        if not conv.entities or analysis.unknown or not (PRONOUNS & content or not analysis.mentions):
            return top
        if content & self.matcher.name_words and not PRONOUNS & content:
            return top  # "which nerve supplies glutt medius?" names a muscle, not one named before
        if not PRONOUNS & content and not top.missing and top.score >= ANSWER_AT:
            return top  # "what do the studies say about recovery?" is a question of its own, not about the last
        hinted = {TYPE_WORDS[b] for a, b in pairwise(analysis.words) if a in DEMONSTRATIVES and b in TYPE_WORDS}
        hinted |= {"muscle_group"} if "muscle" in hinted else set()
        # "weak hip abductors" were talked about, so "those muscles" can be the hip abductors
        talked = [e for ent in conv.entities for e in (ent, self._weakness_of.get(ent)) if e]
        plural = bool(PLURAL_POINTERS & content)
        # "it" after a list answer may be each thing listed (`_listed_last`): what it listed, read once
        listed, asked_kinds = self._answered_things(conv) if PRONOUNS & content and not plural else ((), set())
        best = top
        for reading in readings[:KEPT_READINGS]:
            if not reading.missing or reading.intent.kind != "query" or reading.lexical < FOLLOW_UP_LEXICAL:
                continue
            # "which nerve is that?" is seldom answered with muscles ("levels" are roots or disc levels)
            answers = _answer_types(reading)
            answers |= {"root"} if "level" in answers else set()
            other_kind = bool(analysis.asks_for) and analysis.asks_for.isdisjoint(answers)
            slots = dict(reading.slots)
            index = self._intent_index[reading.intent.name]
            age = 0
            for slot in reading.missing:
                types = [t for t in reading.intent.slots[slot] if not hinted or t in hinted]
                several = (
                    self._several(talked, types)
                    if plural
                    else (self._several(listed, types) if asked_kinds.isdisjoint(types) else ())
                )
                if several:
                    # "which root do they come from?" after a list of muscles: each of them
                    names = join_items([self.entities[e]["name"] for e in several], ", ")
                    kinds = tuple(dict.fromkeys(self.matcher.entity_types[e] for e in several))
                    slots[slot] = Mention(-1, -1, names, several, kinds, every=True)
                    continue
                fits = [(n, e) for n, e in enumerate(reversed(talked)) if self.matcher.entity_types[e] in types][:3]
                if len(reading.missing) == 1 and len(fits) > 1:
                    # "and its plexus?" after the roots of the sciatic nerve: the latest thing of the
                    # kind, unless the sources say nothing of it there and do of an earlier one (L5)
                    told = (f for f in fits if self._render(index, (*self._params(slots), (slot, f[1]))).answered)
                    fits = [next(told, fits[0])]
                for n, ent in fits[:1]:
                    name, kind = self.entities[ent]["name"], self.matcher.entity_types[ent]
                    slots[slot] = Mention(-1, -1, name, (ent,), (kind,))
                    # "they" is seldom one thing, unless its name is plural ("the hamstrings")
                    standing_in = plural and not DEMONSTRATIVES & content  # ("those two levels" points at levels)
                    age = max(age, n) + (PLURAL_MISMATCH if standing_in and not takes_plural(name, kind) else 0)
            # The more recently an entity was talked about, the likelier "it" means it.
            score = round(0.6 * max(reading.lexical, 0.5) + 0.4 - 0.03 * age - OTHER_KIND * other_kind, 4)
            complete = len(slots) == len(reading.intent.slots)
            if complete and score > best.score and not self._render(index, self._params(slots)).answered:
                score -= OTHER_KIND  # "which root?" about a nerve the sources give no roots for
            if complete and score > best.score:
                best = reading._replace(slots=slots, missing=(), score=score)
        # "which roots in particular?" after what causes foot dystonia: the last answer gave them
        asked = analysis.asks_for
        again = best is top and (top.missing or weak) and asked and len(analysis.words) <= SHORT_FOLLOW_UP
        if again and previous is not None and not analysis.mentions and asked <= _answer_types(previous):
            return previous._replace(score=max(previous.score, ANSWER_AT))
        return best

    @staticmethod
    def _second_kind(reading: Reading, readings: Sequence[Reading], analysis: Analysis) -> Reading | None:
        """A good reading that gives the other of two kinds of thing asked for, about the same thing."""
        asked, given = analysis.asks_for, _answer_types(reading)
        named = {ANSWER_WORDS[w] for w in analysis.words if w in ANSWER_WORDS}  # "nerve" and "roots", in words
        if len(asked & named) < 2 or not asked & given:
            return None
        for other in readings[1:4]:
            types = _answer_types(other)
            same = list(other.slots.values()) == list(reading.slots.values())
            if same and not other.missing and other.score >= ANSWER_AT and asked & types - given:
                return other
        return None

    def _weak_named(self, reading: Reading, analysis: Analysis, rendered: Rendered) -> tuple[str, ...]:
        """The muscles whose weakness an answer names, where the question asks for a nerve it gives none of."""
        if self._nerve_of is None or "nerve" not in analysis.asks_for or "nerve" in _answer_types(reading):
            return ()
        index, slot = self._nerve_of
        kinds = self.intents[index].slots[slot]
        weak = (self._weakness_of.get(e, "") for e in rendered.endpoints)
        return tuple(dict.fromkeys(t for t in weak if t and self.entities[t]["type"] in kinds))

    def _beside(self, reading: Reading, analysis: Analysis, rendered: Rendered) -> tuple[str, ...]:
        """What a question names of the kinds a reading with no slot tells of, where no fact links any of
        it to the answer's things; else nothing."""
        if reading.slots:
            return ()
        kinds = frozenset(reading.intent.answers)
        named = (m.entity_ids[0] for m in analysis.mentions if not m.ambiguous and not kinds.isdisjoint(m.types))
        beside = tuple(dict.fromkeys(named))
        if not beside or not set(beside).isdisjoint(rendered.endpoints):
            return ()
        return () if self.store.linked(beside, rendered.endpoints) else beside

    def _named(self, entity_id: str) -> Mention:
        """A mention of one entity by its name, for a reading the bot asks itself."""
        return Mention(-1, -1, self.entities[entity_id]["name"], (entity_id,), (self.matcher.entity_types[entity_id],))

    @staticmethod
    def _judged_by(reading: Reading, readings: Sequence[Reading], analysis: Analysis) -> Reading | None:
        """For a yes-or-no claim, a good reading about the same thing giving the kind of the other thing
        named, where this one gives none: "are the hip abductors L4?" is judged by their roots, not
        their members."""
        if analysis.first not in CLAIM_STARTS or len(reading.slots) != 1:
            return None
        asked = {e for m in reading.slots.values() for e in m.entity_ids}
        other = {t for m in analysis.mentions if asked.isdisjoint(m.entity_ids) and not m.ambiguous for t in m.types}
        if not other or not other.isdisjoint(_answer_types(reading)):
            return None
        return next(
            (
                r
                for r in readings[1:4]
                if list(r.slots.values()) == list(reading.slots.values())
                and not r.missing
                and r.score >= ANSWER_AT
                and not other.isdisjoint(_answer_types(r))
            ),
            None,
        )

    def _about_first(self, reading: Reading) -> Reading | None:
        """ "Tell me about" the first thing a reading was about; None when it was about nothing, is
        already that, or the intents have no "about"."""
        return self._asked_of(reading, "about")

    def _asked_of(self, reading: Reading, name: str) -> Reading | None:
        """Intent `name` asked about the first thing a reading was about; None when it was about
        nothing, is already that intent, or there is no such intent with a slot."""
        index = self._intent_index.get(name)
        first = next(iter(reading.slots.values()), None)
        if index is None or first is None or reading.intent.name == name:
            return None
        intent = self.intents[index]
        return Reading(intent, {next(iter(intent.slots)): first}, score=1.0) if intent.slots else None

    def _the_other(self, analysis: Analysis, conv: Conversation) -> Analysis | None:
        """The question with "the other X" read as the meaning of X not talked about yet, when only one is left."""
        for n, mention in enumerate(analysis.mentions):
            left = [e for e in mention.entity_ids if e not in conv.entities]
            if mention.ambiguous and len(left) == 1 and len(left) < len(mention.entity_ids):
                (entity,) = left
                chosen = replace(mention, entity_ids=(entity,), types=(self.matcher.entity_types[entity],))
                return replace(analysis, mentions=(*analysis.mentions[:n], chosen, *analysis.mentions[n + 1 :]))
        return None

    def _other_one(self, reading: Reading) -> Reading | None:
        """The last reading about the other of a pair one name can mean ("gluteal nerve": superior or
        inferior), when its one slot held one of them; else None."""
        if len(reading.slots) != 1:
            return None
        ((slot, mention),) = reading.slots.items()
        ent = self.matcher.pairs.get(mention.entity_ids[0]) if len(mention.entity_ids) == 1 else None
        if ent is None:
            return None
        return reading._replace(slots={slot: self._named(ent)}, missing=())

    def _swapped(self, reading: Reading, content: Sequence[str]) -> Reading | None:
        """The last reading about the thing whose name is its one slot's with one word changed to a word
        of this question: "and the inferior one?" after the superior gluteal nerve; else None."""
        if len(reading.slots) != 1:
            return None
        ((slot, mention),) = reading.slots.items()
        if len(mention.entity_ids) != 1:
            return None
        (was,) = mention.entity_ids
        # the name, and the words that named it ("extend the toes": "and the big toe?" is "extend the big toe")
        forms = dict.fromkeys(tuple(normalize(n).split()) for n in (self.entities[was]["name"], mention.text) if n)
        words = [w for w in content if w not in FOLLOW_UP_WORDS]
        phrases = [" ".join(words[i : i + n]) for n in (3, 2, 1) for i in range(len(words) - n + 1)]
        for said in phrases:  # "big toe" before "toe": the most particular name first
            for name in forms:
                for i in range(len(name) if len(name) > 1 else 0):
                    found = self.matcher.aliases.get(" ".join([*name[:i], said, *name[i + 1 :]]), ())
                    if len(found) == 1 and found[0] != was and self.entities[found[0]]["type"] in mention.types:
                        named = Mention(-1, -1, self.entities[found[0]]["name"], found, mention.types)
                        return reading._replace(slots={slot: named}, missing=())
        return None

    def _answered_things(self, conv: Conversation) -> tuple[list[str], set[str]]:
        """What the last answer was about, and the kinds of what its question asked about: "it" may
        mean each thing listed of another kind ("what does it do?" after the superior gluteal nerve's
        muscles is asked of both muscles, not of the last one named)."""
        asked = {e for m in (conv.reading.slots.values() if conv.reading else ()) for e in m.entity_ids}
        if conv.last is None or not asked:
            return [], set()
        return self.store.endpoints(conv.last.facts), {self.matcher.entity_types[e] for e in asked}

    def _several(self, talked: Sequence[str], types: Sequence[str]) -> tuple[str, ...]:
        """The things of one of `types` last talked about, when there were several of them: what
        "they" means after a list ("the deep peroneal nerve supplies the TA, EHL and EDL")."""
        for kind in types:
            found = tuple(dict.fromkeys(e for e in talked if self.matcher.entity_types[e] == kind))
            if len(found) > 1:
                return found
        return ()

    def _resolve_pending(self, pending: Pending, analysis: Analysis) -> Reading | None:
        """Read a reply to a clarifying question: a name, a distinguishing word, or a number."""
        if not pending.options:
            choice = _ordinal(analysis.words, len(pending.readings))
            return None if choice is None else pending.readings[choice]
        picked = {e for m in analysis.mentions for e in m.entity_ids if e in pending.options}
        if len(picked) != 1 and len(analysis.words) <= 4:
            # "medius", or its start: "the max one"
            names = {e: set(self.entities[e]["name"].split()) for e in pending.options}
            shared = set.intersection(*names.values())
            said = [w for w in analysis.words if len(w) >= 3]
            picked = {e for e, words in names.items() if any(n.startswith(w) for n in words - shared for w in said)}
        if len(picked) == 1:
            choice = pending.options.index(picked.pop())
        else:
            choice = _ordinal(analysis.words, len(pending.options))
        if choice is None:
            return None
        ent = pending.options[choice]
        reading = pending.readings[0]
        return reading._replace(slots={**reading.slots, pending.slot: self._named(ent)})

    def _respond(
        self,
        text: str,
        reading: Reading,
        readings: Sequence[Reading],
        notes: tuple[str, ...],
        conv: Conversation,
        analysis: Analysis | None = None,
        follow_up: bool = False,
    ) -> tuple[Answer, Conversation]:
        runner = next((r for r in readings if r.intent.name != reading.intent.name), None)
        # "what movements is S1 associated with?" is better told as S1's movements than everything on S1
        near = runner is not None and (
            self._close(reading, runner)
            or (bool(reading.intent.gathers) and not runner.missing and reading.score - runner.score < GENERAL_MARGIN)
        )
        if not follow_up and runner is not None and near and self._answers_what_is_asked(runner, reading, analysis):
            # of two near-equal readings, the one giving the kind of thing asked for ("which muscles ...")
            reading, runner = runner, reading
        judged = self._judged_by(reading, readings, analysis) if analysis and not follow_up else None
        if judged is not None:
            reading, runner = judged, reading
        intent = reading.intent
        base: dict[str, Any] = {
            "question": text,
            "confidence": round(min(1.0, reading.score), 3),
            "notes": notes,
            "runner_up": f"{runner.intent.name} ({runner.score:.2f})" if runner else None,
        }
        cleared = conv if conv.pending is None else replace(conv, pending=None)
        if intent.kind == "chitchat":
            if reading.score >= CHITCHAT_AT:
                typed = set(analysis.words) if analysis else set()
                negated = bool(typed & NEGATIONS)  # "no good" is not praise
                reply = next((r for words, r in intent.replies if words & typed and not negated), intent.reply)
                reply = reply.format_map(self._reply_fields) if "{" in reply else reply
                chat = Answer("chitchat", reply, intent=intent.name, suggestions=GENERIC_SUGGESTIONS[:3], **base)
                return chat, cleared
            return self._no_answer(analysis, base, cleared), cleared
        if reading.score < ANSWER_AT or reading.missing or (analysis and _unknown_asked(analysis)):
            return self._no_answer(analysis, base, cleared, reading), cleared
        for slot, mention in reading.slots.items():
            if mention.ambiguous:
                names = [self.entities[e]["name"] for e in mention.entity_ids]
                pending = Pending((reading,), slot, mention.entity_ids)
                question = f'Which do you mean by "{mention.text}": {join_items(names, ", ", " or ")}?'
                answer = Answer("clarify", question, intent=intent.name, options=tuple(names), **base)
                return answer, replace(conv, pending=pending, last=answer)
        second = self._second_kind(reading, readings, analysis) if not follow_up and analysis else None
        if second is not None and analysis is not None:
            # "name the nerve and the roots of the TP": each reading answers one of the things asked for
            in_turn = sorted((reading, second), key=partial(_asked_at, analysis.words))  # in the order asked
            first, first_told = self._query(in_turn[0], base, ())
            then, then_told = self._query(in_turn[1], base, ())
            if first.answered and then.answered:
                both = _together(first, then, (first_told, then_told), text, BOTH_ASKED)
                recent = (*first_told.endpoints, *then_told.endpoints)
                entities = _talked_about(conv.entities, recent)
                return both, Conversation(reading=in_turn[0], entities=entities, last=both)
        if (
            not follow_up
            and runner is not None
            and self._close(reading, runner)
            and not _one_claim(reading, runner)
            and not self._answers_what_is_asked(reading, runner, analysis)
            # a reading the sources cannot answer is no option: the other is answered (or it is, below)
            and all(self._query(r, base)[0].answered for r in (reading, runner))
        ):
            pair = (reading, runner)
            titles = tuple(self._title(r) for r in pair)
            question = f"Do you mean {titles[0]!r} or {titles[1]!r}?"
            answer = Answer("clarify", question, intent=intent.name, options=titles, **base)
            return answer, replace(conv, pending=Pending(pair), last=answer)
        focus = self._focus(analysis.words) if analysis else ()
        answer, rendered = self._query(reading, base, focus, self._listed(reading, analysis))
        beside = self._beside(reading, analysis, rendered) if answer.answered and analysis else ()
        if beside:
            # "does a Trendelenburg gait go away on its own?" is not answered by how dorsiflexion weakness recovers
            answer = self._no_answer(analysis, base, cleared, reading, beside)
            rendered = Rendered(False, answer.text, answer.suggestions)
        restated = answer.answered and self._restates(rendered, analysis)
        if restated and analysis is not None and analysis.first == "why":
            # "why does a weak TA cause foot drop?": not the link it names, but the facts behind it
            rendered, restated = self._chain(answer.facts, "the facts that link them are"), False
            answer = replace(
                answer,
                text=rendered.text,
                sources=rendered.sources,
                conflicts=rendered.conflicts,
                facts=rendered.facts,
                notes=(*answer.notes, WHY_LINKED),
            )
        if (not answer.answered or restated) and not follow_up:
            # A close reading the sources can answer beats one they cannot ("trendelenburg limp cause"),
            # or one that would only tell what was asked ("what should a focused neurologic exam include
            # to assess L5?" is not answered by "it assesses L5"), though not after "and L4?", whose
            # words alone say nothing of what is asked.
            for other in readings[1:3]:
                # ... and so does the other side of a claim: "is the EHL an S1 muscle?" (S1's muscles are not given)
                near = reading.score - other.score <= ANSWERABLE_MARGIN or _one_claim(reading, other)
                close = near and other.score >= ANSWER_AT
                usable = other.intent.kind == "query" and not other.missing
                if close and usable and not any(m.ambiguous for m in other.slots.values()):
                    instead = {**base, "runner_up": f"{reading.intent.name} ({reading.score:.2f})"}
                    alternative, alt_rendered = self._query(other, instead, focus)
                    if alternative.answered and not (restated and self._restates(alt_rendered, analysis)):
                        answer, rendered, reading = alternative, alt_rendered, other
                        break
        wider = self._asked_of(reading, reading.intent.otherwise) if not answer.answered else None
        if wider is not None:
            # "any disagreement about S1?": none, and what the sources say of it is the evidence
            said, said_told = self._query(wider, base, focus)
            if said.answered:
                text = f"{answer.text} {said_told.text}"
                answer = replace(said, text=text, intent=reading.intent.name, notes=(*said.notes, NONE_DISPUTED))
                rendered = replace(said_told, text=text)
        weak = self._weak_named(reading, analysis, rendered) if answer.answered and analysis else ()
        if weak and self._nerve_of is not None:
            # "which nerve is damaged in Trendelenburg gait?": the causes, then the nerve of the weak muscle among them
            index, slot = self._nerve_of
            each = [self._query(Reading(self.intents[index], {slot: self._named(e)}, score=1.0), base) for e in weak]
            told = [(nerve, nerve_told) for nerve, nerve_told in each if nerve.answered]
            if told:
                answer = _together(answer, told[0][0], (rendered, *(t for _, t in told)), text, WEAK_NERVE)
                rendered = replace(
                    rendered, endpoints=(*(e for _, t in told for e in t.endpoints), *rendered.endpoints)
                )
        lead = self._verdict(reading, analysis, answer) if answer.answered and analysis else ""
        if lead.startswith(UNLINKED):
            # "is the ankle jerk an L5 reflex?": what the ankle jerk is linked with settles it, told first
            side = next(
                (
                    r
                    for r in readings[1:4]
                    if _one_claim(reading, r)
                    and r.intent.kind == "query"
                    and r.score >= ANSWER_AT
                    and not r.missing
                    and not any(m.ambiguous for m in r.slots.values())
                ),
                None,
            )
            if side is not None:
                settled, settled_told = self._query(side, base, focus)
                if settled.answered:
                    answer = _together(answer, settled, (settled_told, rendered), text, OTHER_SIDE)
        answer = replace(answer, text=lead + answer.text) if lead else answer
        recent = rendered.endpoints or tuple(m.entity_ids[0] for m in reading.slots.values())
        entities = _talked_about(conv.entities, recent)
        paged = Paged(focus, frozenset(answer.facts)) if rendered.unlisted else None
        return answer, Conversation(reading=reading, entities=entities, last=answer, paged=paged)

    def _more(self, text: str, notes: tuple[str, ...], conv: Conversation, paged: Paged) -> tuple[Answer, Conversation]:
        """ "more" after an answer that left facts unlisted: the next ones, as many as one answer lists."""
        assert conv.reading is not None and conv.last is not None
        base = {"question": text, "confidence": conv.last.confidence, "notes": (*notes, NEXT_PAGE), "runner_up": None}
        answer, rendered = self._query(conv.reading, base, paged.focus, exclude=paged.shown)
        shown = paged.shown.union(answer.facts)
        return answer, replace(
            conv, pending=None, last=answer, paged=Paged(paged.focus, shown) if rendered.unlisted else None
        )

    def _verdict(self, reading: Reading, analysis: Analysis, answer: Answer) -> str:
        """The short answer to a yes-or-no question linking two things ("is the EHL an S1 muscle?") or
        to a choice among options ("which of these is NOT supplied by ...? (a) ... (d) ..."), from the
        facts given: which of the things named besides the one asked about they link it with."""
        asked = {e for m in reading.slots.values() for e in m.entity_ids}
        others = [m.entity_ids[0] for m in analysis.mentions if asked.isdisjoint(m.entity_ids) and not m.ambiguous]
        others = list(dict.fromkeys(others))
        if analysis.first in CLAIM_STARTS and not others and analysis.unknown and len(reading.slots) == 1:
            # "does L5 supply the gastrocnemius?": what L5 supplies, having said the other is unknown
            unknown = join_items([f'"{_as_typed(w, answer.question)}"' for w in analysis.unknown[:3]], ", ")
            return f"My sources never mention {unknown}, so they cannot say. "
        claim = analysis.first in CLAIM_STARTS and len(others) == 1
        choice = bool(analysis.offered) and len(others) > 1
        if len(reading.slots) != 1 or not answer.facts or not (choice or (claim and not analysis.offered)):
            return ""
        marks = ", ".join("?" for _ in answer.facts)
        rows = self.store.query(
            f"""SELECT id, negated, subject, object FROM facts WHERE id IN ({marks})
                AND (subject IN ({", ".join("?" for _ in others)}) OR object IN ({", ".join("?" for _ in others)}))""",
            [*answer.facts, *others, *others],
        )
        linked = {e for r in rows if not r["negated"] for e in (r["subject"], r["object"])}
        (thing,) = reading.slots.values()
        name = join_items([self._the(e) for e in thing.entity_ids], ", ")
        if choice:  # "is the knee reflex L4 or S1?": of the options, the ones the facts link it with
            yes = join_items([self._the(e) for e in others if e in linked], ", ")
            no = join_items([self._the(e) for e in others if e not in linked], ", ", " or ")
            if yes and no:
                return f"Of the options, the sources link {name} with {yes}, not {no}. "
            return f"The sources link {name} with each of the options. " if yes else ""
        if not rows:
            return f"{UNLINKED} {name} with {self._the(others[0])}. "
        # "is it true that S1 does not ...?" is answered by the facts alone: a bare "No." would say it
        # does, and "isn't L5 the root for dorsiflexion?" expects a yes to the claim without the "not"
        words = analysis.words
        negated = any(w in NEGATIONS and words[i - 1 : i] != ("or",) for i, w in enumerate(words))  # not "or not"
        # ... as is a claim put up to be judged: "yes" to "I read that DF is L4, is that wrong?" says which?
        negated = negated or analysis.challenged
        if not linked:
            return "" if negated else "No. "  # "is S1 responsible for dorsiflexion?": the research section says not
        ids = {r["id"] for r in rows if not r["negated"]}
        contested = {c[f"fact_{s}"] for c in self.store.conflicts(list(ids)) for s in "ab"}
        if len(ids) < len(rows) or ids <= contested or (negated and ids & contested):
            return "The sources disagree on this. "
        # a link one source states and another disputes is no plain yes ("is L5 responsible for dorsiflexion?")
        return "" if negated else "Yes, though the sources disagree on this. " if ids & contested else "Yes. "

    @staticmethod
    def _which_source(text: str, notes: tuple[str, ...], last: Answer) -> Answer:
        """Where the last answer comes from: each section with the numbers of its quoted sentences."""
        note = "Read as: which source says that? (the sources of the last answer)"
        return replace(last, text=_sourced(last), question=text, notes=(*notes, note), conflicts=(), suggestions=())

    def _ask_instead(
        self, asked: str, note: str, notes: tuple[str, ...], conv: Conversation
    ) -> tuple[Answer, Conversation]:
        """A follow-up answered as the whole question it stands for (`asked`), saying so in a note."""
        return self._answer(asked, (*notes, note), conv, self._understand(asked))

    def _claimed_again(
        self, notes: tuple[str, ...], conv: Conversation, analysis: Analysis
    ) -> tuple[Answer, Conversation] | None:
        """ "and by S1?" after "is the EHL supplied by L5?": the last claim again, with the one thing
        of the new name's kind swapped for it; None where the last question claimed nothing."""
        (new,) = analysis.mentions
        if conv.last is None or new.ambiguous or not set(analysis.content) <= FOLLOW_UP_WORDS | CLAIM_LINKS:
            return None
        last = self._understand(conv.last.question)[1]
        kind = self.matcher.entity_types[new.entity_ids[0]]
        same = [m for m in last.mentions if kind in m.types]  # several for "is the EHL supplied by S1 or L5?"
        if (
            last.first not in CLAIM_STARTS
            or len(last.mentions) - len(same) < 1
            or not same
            or any(m.entity_ids == new.entity_ids for m in same)
        ):
            return None
        asked = " ".join([*last.words[: same[0].start], new.text, *last.words[same[-1].end :]])
        return self._ask_instead(asked, f'Read as the last claim again: "{asked}?"', notes, conv)

    def _claimed_of_it(
        self, notes: tuple[str, ...], conv: Conversation, analysis: Analysis
    ) -> tuple[Answer, Conversation] | None:
        """ "is it also L4?" or "so it's not S1?" after the roots of the EHL: a yes-or-no question about
        the thing last asked about, asked with its name for "it"; None for anything else."""
        (new,) = analysis.mentions
        words = list(analysis.words)
        at = next((i for i, w in enumerate(words) if w in STAND_INS or w == "its"), -1)
        if at >= 0 and words[at] == "its":  # "so it's not S1?" (typed "its" is seldom "of it" here)
            words[at : at + 1] = ["it", "is"]
        if conv.reading is None or len(conv.reading.slots) != 1 or at < 0 or len(words) > SHORT_CORRECTION:
            return None
        ((_, thing),) = conv.reading.slots.items()
        if len(thing.entity_ids) != 1 or new.ambiguous or set(thing.types) & set(new.types):
            return None
        before, after = words[:at], words[at + 1 :]
        if not CLAIM_STARTS.intersection(before[-1:]) and after[:1] and after[0] in INVERTED:
            before, after = [*before, after[0]], after[1:]  # "it is not S1" asks "is the EHL not S1"
        if not CLAIM_STARTS.intersection(before[-1:]):
            return None
        name = self.entities[thing.entity_ids[0]]["name"]
        asked = " ".join([*before, normalize(name), *after])
        return self._ask_instead(asked, f'Read "{words[at]}" as the {name}: "{asked}?"', notes, conv)

    def _among_answers(
        self, notes: tuple[str, ...], conv: Conversation, analysis: Analysis
    ) -> tuple[Answer, Conversation] | None:
        """ "and L4?" after "what causes foot drop?": a name of the kind the last answer gave, not of
        the kind it was about, asks whether it is one of them ("is foot drop L4?"); None otherwise."""
        (new,) = analysis.mentions
        reading = conv.reading
        if reading is None or len(reading.slots) != 1 or new.ambiguous:
            return None
        if not set(analysis.content) <= FOLLOW_UP_WORDS | OPENING_WORDS | CLAIM_LINKS:
            return None
        ((slot, thing),) = reading.slots.items()
        kinds = set(new.types)
        if len(thing.entity_ids) != 1 or kinds & set(reading.intent.slots[slot]) or not kinds & _answer_types(reading):
            return None
        name = self.entities[thing.entity_ids[0]]["name"]
        asked = f"is {normalize(name)} {new.text}"
        return self._ask_instead(
            asked, f'Read as: is {new.text} among the answers about the {name}? ("{asked}?")', notes, conv
        )

    @staticmethod
    def _judged(text: str, notes: tuple[str, ...], last: Answer) -> Answer:
        """ "Which is right?" after an answer the sources disagree on: each side again with who says
        it, and what each source is, for the reader to weigh; no side is picked."""
        if not last.conflicts:  # "so which is right?" where nothing was disputed
            said = f"{UNDISPUTED} {_sourced(last)}"
            return replace(last, text=said, question=text, notes=(*notes, JUDGED_NOTE), suggestions=())
        cited = {n for c in last.conflicts for side in c.sides for n in side.sources}
        kinds = dict.fromkeys(
            f"The {s.section} is {_with_article(s.evidence_level)}." for s in last.sources if s.number in cited
        )
        sides = _disagreement(last.conflicts).removeprefix(CONFLICT_LEAD)
        said = f"{JUDGED_LEAD} {sides} {' '.join(kinds)}"
        return replace(last, text=said, question=text, notes=(*notes, JUDGED_NOTE), suggestions=())

    def _the(self, entity_id: str) -> str:
        """An entity's name as said in a sentence: "the tibial nerve", but "ankle dorsiflexion"."""
        entity = self.entities[entity_id]
        return f"the {entity['name']}" if entity["type"] in NAMED_WITH_THE else entity["name"]

    def _why(self, text: str, notes: tuple[str, ...], conv: Conversation) -> tuple[Answer, Conversation]:
        """The chain of facts behind the last answer, each step with its source, conflicts included."""
        assert conv.last is not None
        chain = self._chain(conv.last.facts)
        answer = Answer(
            "answered",
            chain.text,
            conflicts=chain.conflicts,
            question=text,
            intent="why",
            slots=conv.last.slots,
            confidence=1.0,
            sources=chain.sources,
            notes=(*notes, "Read as: why? (the chain of facts behind the last answer)"),
            facts=chain.facts,
        )
        # Everything the chain passes through can now be "that muscle", the question's subject still first.
        named = [s.entity_id for s in conv.last.slots]
        recent = [*(e for e in chain.endpoints if e not in named), *named]
        entities = _talked_about(conv.entities, recent)
        return answer, replace(conv, pending=None, entities=entities)

    def _chain_uncached(self, facts: tuple[str, ...], says: str = "the facts behind that answer are") -> Rendered:
        """The facts linking those of an answer, told with their sources and conflicts."""
        rows = self.store.chain(facts)
        fact_ids = [str(r["fact_id"]) for r in rows]
        conflict_rows = self.store.conflicts(fact_ids)
        citations = Citations(self.store.sources([*fact_ids, *(c[f"fact_{s}"] for c in conflict_rows for s in "ab")]))
        steps, _ = render_items(rows, citations, self.qualifier_words, merge=False)
        chain = _sentence(f"{citations.according()}, {says}: {join_items(steps)}.")
        conflicts, said = _conflicts(conflict_rows, citations)
        ids = tuple(str(r["fact_id"]) for r in rows)
        return Rendered(
            True, chain + said, (), tuple(citations.sources), conflicts, ids, tuple(self.store.endpoints(ids))
        )

    def _documents(self) -> str:
        """The sources, for a reply: each section with its document, date and evidence level (the
        first LISTED_SECTIONS of them, and a count of the rest)."""
        rows = self.store.query(
            "SELECT d.title, d.date, s.label, s.evidence FROM sections s JOIN documents d ON d.id = s.document_id"
            " ORDER BY d.date, s.id LIMIT :listed",
            {"listed": LISTED_SECTIONS + 1},
        )
        said = [f'The {r["label"]} ("{r["title"]}", {r["date"]}): {r["evidence"]}.' for r in rows[:LISTED_SECTIONS]]
        if len(rows) > LISTED_SECTIONS:  # a course's own store may hold thousands: a reply names the first
            (count,) = self.store.query("SELECT count(*) AS n FROM sections")
            said.append(f"And {count['n'] - LISTED_SECTIONS:,} more sections.")
        return " ".join(_sentence(s) for s in said)

    def _weaknesses(self) -> dict[str, str]:
        """Muscle or movement -> the sign that is its weakness; a muscle of a group with such a sign
        and none of its own gets the group's ("weak gluteus medius": weakness of the hip abductors)."""
        weak = {thing: sign for sign, thing in self._weakness_of.items()}
        groups = [g for g in weak if self.entities[g]["type"] == "muscle_group"]
        marks = ", ".join("?" for _ in groups)
        members = self.store.query(
            f"SELECT subject, object FROM facts WHERE relation = 'part_of' AND object IN ({marks}) ORDER BY rowid",
            groups,
        )
        for r in members:
            if self.entities[r["subject"]]["type"] == "muscle":
                weak.setdefault(r["subject"], weak[r["object"]])
        return weak

    def _performers(self, movement: str) -> tuple[str, ...]:
        """The muscles (and groups of them) the sources say perform a movement; asked only when a
        question names a movement by its doer, so start-up reads no 'performs' facts."""
        rows = self.store.query(
            "SELECT f.subject FROM facts f JOIN entities e ON e.id = f.subject"
            " WHERE f.relation = 'performs' AND f.object = ? AND e.type IN ('muscle', 'muscle_group')"
            " ORDER BY f.subject",
            [movement],
        )
        return tuple(r["subject"] for r in rows)

    def _linked(self, rows: Sequence[Row]) -> dict[str, tuple[str, str]]:
        """Each fact's subject and object: from the rows themselves when the intent's query returns
        them (ours all do: a second lookup is a fifth of the time a big answer spends in SQLite)."""
        if not rows:
            return {}
        if "subject" in rows[0] and "object" in rows[0]:
            return {r["fact_id"]: (r["subject"], r["object"]) for r in rows}
        ends = self.store.query(
            f"SELECT id, subject, object FROM facts WHERE id IN ({', '.join('?' for _ in rows)})",
            [r["fact_id"] for r in rows],
        )
        return {r["id"]: (r["subject"], r["object"]) for r in ends}

    def _mentioned(
        self, entity_ids: Sequence[str], names: str, last: Answer, text: str, notes: tuple[str, ...]
    ) -> Answer | None:
        """ "Tell me more" after everything the sources state about a thing: the sentences that name it
        besides the ones quoted, verbatim; None when there are none."""
        written = self._written(entity_ids)
        phrases = [self.entities[e]["name"] for e in entity_ids] + [w for e in entity_ids for w in written[e]]
        rows = self.store.mentioning(phrases, {s.sentence_id for s in last.sources})
        if not rows:
            return None
        sources = _as_sources(rows)
        them = "these sentences" if len(sources) > 1 else "this sentence"
        said = (
            f"That was every fact my two sources state about the {names}. They also name it in {them}, "
            f"quoted as written {marks([s.number for s in sources])}."
        )
        return Answer(
            "answered",
            said,
            intent="about",
            slots=last.slots,
            confidence=last.confidence,
            sources=sources,
            question=text,
            notes=(*notes, MENTIONED),
            suggestions=last.suggestions,
        )

    def _written(self, entity_ids: Iterable[str]) -> dict[str, list[str]]:
        """Entities' aliases as people write them, longest first: one query for all of an answer's
        entities, asked only when a quote names one otherwise, so start-up loads no aliases."""
        ids = list(dict.fromkeys(entity_ids))
        written: dict[str, list[str]] = {e: [] for e in ids}
        if ids:
            rows = self.store.query(
                f"SELECT entity_id, written FROM aliases WHERE entity_id IN ({', '.join('?' for _ in ids)})"
                " ORDER BY length(written) DESC, written",
                ids,
            )
            for r in rows:
                written[r["entity_id"]].append(r["written"])
        return written

    def _unsaid(self, row: Row, sources: Sequence[Quoted], linked: Sequence[str]) -> tuple[list[str], str]:
        """The fact's entities (of `linked`, its two) that its item names but its sentences do not:
        "lumbar spinal stenosis" where the source says "lumbar canal stenosis". Never a movement, whose
        other forms are verbs ("invert the foot"). With them, the sentences as one casefolded text,
        joined only when the item names one of the entities at all ("" when it names none)."""
        item = str(row["item"])
        said = ""
        unsaid = []
        for e in linked:
            entity = self.entities.get(e)
            if entity is None or entity["type"] == "movement" or entity["name"] not in item:
                continue
            said = said or " ".join(q[1] for q in sources).casefold()
            if not _says(said, entity["name"]):
                unsaid.append(e)
        return unsaid, said

    def _in_source_words(self, row: Row, said: str, unsaid: Sequence[str], written: dict[str, list[str]]) -> Row:
        """An item names a thing as its sentences (`said`) do: the `unsaid` entities by a written form
        of as many words that the sentences use."""
        item = str(row["item"])
        for ent in unsaid:
            name = self.entities[ent]["name"]
            words = len(name.split())
            form = next(
                (
                    w
                    for w in written[ent]
                    if len(w.split()) == words and _says(said, w) and _singular(w) != _singular(name)
                ),
                None,
            )
            item = item.replace(name, form) if form else item
        return row if item == row["item"] else {**row, "item": item}

    def _listed(self, reading: Reading, analysis: Analysis | None) -> tuple[Mention, ...]:
        """The other things a question names for a reading's one slot, when it lists them rather
        than offers a choice: "L4, L5 and S1", not "L4 or S1"."""
        if analysis is None or analysis.offered or len(reading.slots) != 1 or reading.intent.kind != "query":
            return ()
        ((slot, used),) = reading.slots.items()
        types = reading.intent.slots[slot]
        return tuple(
            m
            for m in analysis.mentions
            if m != used and not m.ambiguous and m.types[0] in types and m.entity_ids != used.entity_ids
        )

    def _focus(self, words: Sequence[str]) -> tuple[str, ...]:
        """The sections a question names ("the research section", "the blog"), by label; () for all.

        A section is named when its label has every source word of the question, or failing that any.
        """
        cues = frozenset(SOURCE_WORDS[w] for w in words if w in SOURCE_WORDS)
        return self._sections_named(cues) if cues else ()

    def _sections_named_uncached(self, cues: frozenset[str]) -> tuple[str, ...]:
        labels = self._section_words  # thirteen thousand in a big store: read once per set of cues
        return tuple(label for label, said in labels if cues <= said) or tuple(
            label for label, said in labels if cues & said
        )

    @staticmethod
    def _restates(rendered: Rendered, analysis: Analysis | None) -> bool:
        """Whether an answer to a wh-question links only things the question named itself (a
        question offering options is answered with one of them)."""
        if analysis is None or analysis.first not in WH_WORDS or len(analysis.mentions) < 2 or analysis.offered:
            return False
        if not OPTION_WORDS.isdisjoint(analysis.words):  # "which of these ...? A gluteus medius B ..."
            return False
        return set(rendered.endpoints) <= {e for m in analysis.mentions for e in m.entity_ids}

    @staticmethod
    def _close(reading: Reading, runner: Reading) -> bool:
        """Whether a runner-up is as good a reading as the best: complete, answerable and all but tied."""
        return (
            not runner.missing
            and runner.intent.kind == "query"
            and reading.score - runner.score < TIE_MARGIN
            and runner.score >= ANSWER_AT
        )

    @staticmethod
    def _answers_what_is_asked(reading: Reading, runner: Reading, analysis: Analysis | None) -> bool:
        """Of two close readings, only one gives the kind of thing asked for ("which muscles ...", or
        in a yes-or-no question, the kind of the other thing named: "is weak EHL a sign of L5 involvement?")."""
        asked = analysis.asks_for if analysis else frozenset()
        if analysis is not None and analysis.first in CLAIM_STARTS:
            slotted = {e for r in (reading, runner) for m in r.slots.values() for e in m.entity_ids}
            asked |= {t for m in analysis.mentions if slotted.isdisjoint(m.entity_ids) for t in m.types}
        return bool(asked & _answer_types(reading)) and not asked & _answer_types(runner)

    def _render_uncached(
        self,
        intent_index: int,
        params: tuple[tuple[str, str], ...],
        focus: tuple[str, ...] = (),
        exclude: frozenset[str] = frozenset(),
    ) -> Rendered:
        """An intent's answer for one set of entities, the same whichever words asked for it; with a
        `focus` (section labels), only the facts those sections state, and only their sentences.

        The store is read-only, so this is cached for the Bot's life: the query, its conflicts, every
        cited sentence and the entities it leads to are looked up once per intent and entities.
        """
        intent = self.intents[intent_index]
        names = self._names(params)
        suggestions = self._suggestions(intent_index, names)
        # A store far larger than ours can hold thousands of answers to one question: the first
        # MAX_FACTS are given, and the rest counted, not silently dropped.
        rows, unlisted = self.store.first_facts(intent.sql, dict(params), MAX_FACTS, exclude)
        if not rows:
            return Rendered(False, _sentence(intent.answer["none"].format_map(names)), suggestions)
        by_fact = self.store.sources(str(r["fact_id"]) for r in rows)
        if focus:
            # (a quote's place holds its section's label)
            by_fact = {f: kept for f, quoted in by_fact.items() if (kept := [q for q in quoted if q[2][3] in focus])}
        rows = [r for r in rows if r["fact_id"] in by_fact]
        linked = self._linked(rows)
        unsaid = [self._unsaid(r, by_fact[r["fact_id"]], linked.get(r["fact_id"], ())) for r in rows]
        written = self._written(e for ents, _ in unsaid for e in ents)
        rows = [
            self._in_source_words(r, said, ents, written) if ents else r
            for r, (ents, said) in zip(rows, unsaid, strict=True)
        ]
        if not rows:
            said = f"The {join_items(focus, ', ')} {'says' if len(focus) == 1 else 'say'} nothing about that"
            return Rendered(False, f"{said}; ask without naming a source to hear what the others say.", suggestions)
        fact_ids = [str(r["fact_id"]) for r in rows]
        conflict_rows = self.store.conflicts(fact_ids)
        for fact_id, quoted in self.store.sources(f for c in conflict_rows for f in (c["fact_a"], c["fact_b"])).items():
            if fact_id not in by_fact:  # the other side of a conflict keeps every source
                by_fact[fact_id] = quoted
        citations = Citations(by_fact)
        positive, negative = render_items(rows, citations, self.qualifier_words, merge=intent.merge)
        fields = {
            **names,
            "according": citations.according(),
            "items": join_items(positive),
            "count": str(len(positive)),
        }
        key = "one" if len(positive) == 1 else "many"
        text = _sentence(intent.answer[key].format_map(fields)) if positive else ""
        if negative:
            text += f" The sources say this is not the case for: {join_items(negative)}."
        if unlisted:
            text += f' The sources state {unlisted} more facts like these: say "more" to list them.'
        conflicts, said = _conflicts(conflict_rows, citations)
        facts = tuple(dict.fromkeys(fact_ids))
        named = [ent for _, ent in params]
        # the entities the facts join, in fact order: what the answer was about, for follow-ups
        found = [e for e in dict.fromkeys(e for f in facts for e in linked.get(f, ())) if e not in named]
        lead = _sentence(f"{fields['according']}, ")  # as the text says it, before any conflict is cited
        return Rendered(
            True,
            (text + said).strip(),
            suggestions,
            tuple(citations.sources),
            conflicts,
            facts,
            (*found, *named),  # the question's own subject stays the most recent
            lead if text.startswith(lead) else "",
            unlisted,
        )

    def _gather_uncached(
        self,
        intent_index: int,
        params: tuple[tuple[str, str], ...],
        focus: tuple[str, ...] = (),
        exclude: frozenset[str] = frozenset(),
    ) -> Rendered:
        """An intent made of others ("tell me about L5"): each one's answer for the entity, in the
        order it lists them, then its own facts that none of them gave, as claims.

        A part with more facts than one answer lists ends the answer, as a page: "more" goes on with
        it, then the parts after it. Listing a page of every part at once made an overview of a thing
        in a store of a million facts 80 facts long, too long for a Discord embed or a Slack message."""
        ((_, entity),) = params
        kind = self.entities[entity]["type"]
        parts: list[Rendered] = []
        for index, slot, types in self._gatherers[intent_index]:
            if kind in types and (part := self._render(index, ((slot, entity),), focus, exclude)).answered:
                parts.append(part)
                if part.unlisted:
                    return replace(_merged(parts), suggestions=self._suggestions(intent_index, self._names(params)))
        rest = self._render(intent_index, params, focus, exclude.union(f for p in parts for f in p.facts))
        if not parts:
            return rest
        return replace(_merged([*parts, *([rest] if rest.answered else [])]), suggestions=rest.suggestions)

    @staticmethod
    def _params(slots: dict[str, Mention]) -> tuple[tuple[str, str], ...]:
        """Filled slots as a rendering's parameters: each slot's first entity."""
        return tuple((k, m.entity_ids[0]) for k, m in slots.items())

    def _names(self, params: tuple[tuple[str, str], ...]) -> dict[str, str]:
        """Template fields for entities in slots: their names, and {is} and {s} agreeing with the first."""
        names = {slot: self.entities[ent]["name"] for slot, ent in params}
        first = self.entities[params[0][1]] if params else None
        plural = first is not None and _plural(first)
        return names | {
            "is": "are" if plural else "is",
            "s": "" if plural else "s",
            "harm_of": HARM_OF.get(first["type"], "") if first is not None else "",
        }

    def _suggestions(self, intent_index: int, names: dict[str, str]) -> tuple[str, ...]:
        return tuple(s.format_map(names) for s in self.intents[intent_index].suggest)

    def _title(self, reading: Reading) -> str:
        return reading.intent.title.format_map(self._names(self._params(reading.slots)))

    def _query(
        self,
        reading: Reading,
        base: dict[str, Any],
        focus: tuple[str, ...] = (),
        listed: Sequence[Mention] = (),
        exclude: frozenset[str] = frozenset(),
    ) -> tuple[Answer, Rendered]:
        """The Answer to a reading with all its slots filled: cached rendering plus this question's own words.

        `listed`: more things named for the reading's one slot ("how are L4, L5 and S1 examined?"),
        each answered in turn, in one text with one list of sources. `exclude`: facts already listed.
        """
        params = self._params(reading.slots)
        index = self._intent_index[reading.intent.name]
        gathers = index in self._gatherers and len(params) == 1
        render = self._gather if gathers else self._render
        rendered = render(index, params, focus, exclude)
        first: list[Rendered] = []
        several = next((m for m in reading.slots.values() if m.via or m.every), None)
        if several is not None and len(params) == 1:
            if several.via and self._performed_by is not None:
                # "which nerve supplies the main dorsiflexor?": which muscles do it, then the answer for each
                performed, movement_slot = self._performed_by
                first = [self._render(performed, ((movement_slot, several.via),), focus, exclude)]
            # ... and "which nerve supplies the glutes?" is answered for each of them
            listed = [*(replace(several, entity_ids=(e,)) for e in several.entity_ids[1:]), *listed]
        if first or listed:
            ((slot, _),) = params
            each = (render(index, ((slot, m.entity_ids[0]),), focus, exclude) for m in listed)
            rendered = _merged([*first, rendered, *each])
        named = [*reading.slots.items(), *((next(iter(reading.slots)), m) for m in listed)]
        slots = tuple(Slot(s, m.entity_ids[0], self.entities[m.entity_ids[0]]["name"], m.text) for s, m in named)
        if first or listed or index in self._gatherers:
            # what the question named stays the most recent thing talked about, after all the parts
            asked = tuple(dict.fromkeys(m.entity_ids[0] for _, m in named))
            rendered = replace(rendered, endpoints=(*(e for e in rendered.endpoints if e not in asked), *asked))
        answer = Answer(
            "answered" if rendered.answered else "no_answer",
            rendered.text,
            slots=slots,
            sources=rendered.sources,
            conflicts=rendered.conflicts,
            suggestions=rendered.suggestions,
            facts=rendered.facts,
            intent=reading.intent.name,
            **base,
        )
        return answer, rendered

    def _no_answer(
        self,
        analysis: Analysis | None,
        base: dict[str, Any],
        conv: Conversation,
        reading: Reading | None = None,
        beside: Sequence[str] = (),
    ) -> Answer:
        """Saying the sources cannot answer, and why: a thing of the wrong kind (or none) named, words
        they never use, or (`beside`) things the only answer of its kind says nothing of."""
        unknown = analysis.unknown if analysis else ()
        suggestions: tuple[str, ...] = GENERIC_SUGGESTIONS
        if reading is not None and beside:
            named = join_items([self._the(e) for e in beside])
            message = f"My two sources don't say that of {named}. Nearest to it, they answer: {reading.intent.title}"
            suggestions = (reading.intent.title, *GENERIC_SUGGESTIONS[:2])
        elif reading is not None and reading.missing and reading.lexical >= 0.5 and not unknown:
            wanted = " or ".join(reading.intent.slots[reading.missing[0]][:2]).replace("_", " ")
            named = (
                join_items([f"the {self.entities[m.entity_ids[0]]['name']}" for m in analysis.mentions])
                if analysis
                else ""
            )
            if named:  # "where does the sciatic nerve run?": the sources say that of muscles only
                message = f"My two sources don't say that of {named}; they say it of a {wanted} only."
            else:
                message = f"I need to know which {wanted} you mean; please name it in your question."
        elif unknown:
            listed = ", ".join(f'"{_as_typed(w, base["question"])}"' for w in unknown[:3])
            them = "it" if len(unknown) == 1 else "them"
            message = f"I don't know {listed}: my two sources don't cover {them}, so I can't answer."
        else:
            message = "My two sources don't cover that, so I can't answer it."
        related: tuple[Source, ...] = ()
        if analysis is not None and analysis.mentions:
            words = [*analysis.content, *(w for m in analysis.mentions for w in m.text.split())]
            related = _as_sources(self.store.related(words))
        if related:
            message += " Some related reading from the sources is below."
        return Answer("no_answer", message, related=related, suggestions=suggestions, **base)


def _as_sources(rows: Sequence[Row]) -> tuple[Source, ...]:
    """Sentence rows (`Store.related`, `Store.mentioning`) as numbered Sources."""
    return tuple(
        Source(i, r["document_id"], r["title"], r["label"], r["evidence"], r["sentence_id"], r["sentence"])
        for i, r in enumerate(rows, 1)
    )


def _as_typed(word: str, question: str) -> str:
    """A word of the question as it was typed ("C5", "France"), not as it was matched ("c5")."""
    typed = next((w for w in _WORD.findall(question) if w.lower() == word), None)
    return typed or word


def _unknown_asked(analysis: Analysis) -> bool:
    """Whether the question asks what something unknown is, or how it differs from what we know."""
    return _defines_unknown(analysis) or _compares_unknown(analysis)


def _compares_unknown(analysis: Analysis) -> bool:
    """ "common peroneal palsy vs L5 radic - how to tell them apart": one side is not in the sources,
    so they cannot be told apart from them (what they say of L5 is no answer)."""
    versus = not VERSUS.isdisjoint(analysis.words)
    return (versus or compares(analysis.words)) and len(analysis.mentions) == 1 and bool(analysis.unknown)


def _defines_unknown(analysis: Analysis) -> bool:
    """Whether the question asks what something unknown is: "what is spondylolisthesis at L5/S1?" is
    not answered with what the sources say of L5 ("what is the usual reason ...", "what's a major
    flexor of the knee?" may be)."""
    words = analysis.words
    if words[:2] not in (("what", "is"), ("what", "are")) or len(words) < 3 or words[2] not in analysis.unknown:
        return False
    return len(words) == 3 or words[3] in FUNCTION_WORDS


def _asked_on(words: Sequence[str]) -> str:
    """What a follow-up of follow-up words alone asks of the last answer: "why" ("how come?"), "more"
    (the facts it left unlisted: "more", "next"), "tell" (wider: "tell me more", "elaborate"), or ""."""
    said = set(words)
    if ("why" in said and len(said) <= 5) or (said & {"come", "so"} and "how" in said and len(said) <= 4):
        return "why"  # "why?", "how come?", "how so?"
    if said & MORE_WORDS and said <= MORE_WORDS | FOLLOW_UP_WORDS | {"tell", "me", "please", "it", "that", "show"}:
        return "more" if said <= PAGING_WORDS else "tell"
    return ""


def _talked_about(earlier: Sequence[str], recent: Iterable[str]) -> tuple[str, ...]:
    """The things a conversation has talked about, most recent last: `recent` after the earlier ones."""
    latest = tuple(dict.fromkeys(recent))
    return (*(e for e in earlier if e not in latest), *latest)[-REMEMBERED_THINGS:]


def _sourced(answer: Answer) -> str:
    """Where an answer comes from: each section, with its document's title the first time, and the
    numbers of its quoted sentences."""
    by_section: dict[str, list[int]] = {}
    titled: dict[str, str] = {}  # each document's title, said after its first section
    for source in answer.sources:
        by_section.setdefault(source.section, []).append(source.number)
        titled.setdefault(source.title, source.section)
    named = {section: f' ("{title}")' for title, section in titled.items()}
    parts = [f"the {section}{named.get(section, '')} {marks(numbers)}" for section, numbers in by_section.items()]
    return f"That answer comes from {join_items(parts, ', ')}; the sentences are quoted below."


def _asks_judgement(words: Collection[str]) -> bool:
    """Whether a short follow-up asks which side of a disagreement is right: "so which is right?",
    "who says which?", "which one should I believe?", "so which is it?"."""
    said = set(words)
    judged = bool(said & JUDGING_WORDS and said & {"which", "who", "one", "side", "source", "sources"})
    settle = {"which", "it"} <= said <= SETTLING_WORDS  # "so which one is it then?"
    return len(said) <= 8 and (judged or settle or {"who", "says"} <= said or bool(said & DISPUTE_WORDS))


def _with_article(phrase: str) -> str:
    """ "an AI-generated summary", "an educational blog post": a phrase with "a" or "an" before it."""
    return f"{'an' if phrase[:1].lower() in tuple('aeiou') else 'a'} {phrase}"


def _asks_which_source(words: Collection[str]) -> bool:
    """Whether a short follow-up asks where the last answer comes from: "which source says that?",
    "where is that from?", "where does it say that?" (not "what are your sources?", which asks about them all)."""
    said = set(words)
    if said & DISPUTE_WORDS:
        return False  # "do the sources disagree about that?" asks what they say of it
    if said & SOURCE_NOUNS and said <= SOURCE_NOUNS | {"please", "the", "your", "which", "what"}:
        return True  # "source?", "sources please", "which source?"
    if {"says", "who"} <= said and len(said) <= 3:
        return True  # "says who?"
    pointed = bool(said & {"that", "this", "it", "says", "say", "said"})
    sourced = bool(said & SOURCE_NOUNS) or {"where", "from"} <= said or {"where", "you", "get"} <= said
    sourced = sourced or ("where" in said and bool(said & {"say", "says", "said", "written", "stated"}))
    return len(words) <= 8 and pointed and sourced


def _asked_at(words: Sequence[str], reading: Reading) -> int:
    """Where the question first asks for a kind of thing the reading gives ("nerve" in "name the nerve ...")."""
    types = _answer_types(reading)
    return next((i for i, w in enumerate(words) if ANSWER_WORDS.get(w) in types), len(words))


def _answer_types(reading: Reading) -> frozenset[str]:
    return reading.intent.answer_types(t for m in reading.slots.values() for t in m.types)


def _two_questions(text: str) -> tuple[str, str] | None:
    """A question and a second one joined by "and" ("which muscles are weak, and which nerve
    supplies them?"), as two questions; None when there is no such join."""
    for join in reversed(list(_JOIN.finditer(text))):
        before = text[: join.start()]
        gap = _NON_WORDS.match(text, join.end())  # ", and - which": punctuation either side
        if gap is None or not _NON_WORDS.fullmatch(before[-1:]) or not _WH_WORD.match(text, gap.end()):
            continue  # "L4+L5", "and the other one"
        first, second = before.rstrip(" \t,;:-+&"), text[gap.end() :].strip()
        return (first, second) if len(tokens(first)) > 1 and len(tokens(second)) > 1 else None
    return None


def _joined(first: Answer, then: Answer, text: str) -> Answer:
    """Two answers as one: the texts in turn, sources numbered once across them, conflicts once."""
    return _together(first, then, (_as_rendered(first), _as_rendered(then)), text, TWO_QUESTIONS)


def _together(first: Answer, then: Answer, renderings: Sequence[Rendered], text: str, note: str) -> Answer:
    both = _merged(renderings)
    notes = (*first.notes, *(n for n in then.notes if n not in (*first.notes, FOLLOWED_UP)), note)
    return replace(
        first,
        text=both.text,
        question=text,
        sources=both.sources,
        conflicts=both.conflicts,
        facts=both.facts,
        slots=(*first.slots, *then.slots),
        confidence=min(first.confidence, then.confidence),
        suggestions=both.suggestions,
        notes=notes,
    )


def _as_rendered(answer: Answer) -> Rendered:
    lead = _LEAD.match(answer.text)
    return Rendered(
        answer.answered,
        answer.text,
        answer.suggestions,
        answer.sources,
        answer.conflicts,
        answer.facts,
        lead=lead[0] if lead else "",
    )


def _same_word(typed: str, read: str) -> bool:
    """Whether a mend only dropped an ending: "controls" read as "control", "commonly" as "common"."""
    return stem(typed) == stem(read) or (typed.startswith(read) and typed[len(read) :] in INFLECTIONS)


def _last_question(text: str) -> str:
    """The last sentence of a text of several, if it asks something; else ""."""
    if not _SENTENCE_END.search(text):
        return ""  # one sentence: the common case, answered whole
    # (a closing "Thanks!" is no sentence of the case's, nor its question)
    parts = [part for part in _SENTENCE_END.split(text) if tokens(part) and not CLOSING_WORDS.issuperset(tokens(part))]
    *case, last = parts or [""]
    words = tokens(last)
    asks = last.endswith("?") or (bool(words) and words[0] in QUESTION_STARTS)
    return last if case and asks and len(words) > 1 else ""


def _plural(entity: Row) -> bool:
    """Whether an entity's name takes a plural verb: a group, or a name ending in a plural word."""
    return takes_plural(str(entity["name"]), str(entity["type"]))


def _singular(name: str) -> str:
    """A name with each word's plural "s" dropped: "hamstrings" and "hamstring" are one name."""
    return " ".join(w.casefold().removesuffix("s") for w in name.split())


def _merged(each: Sequence[Rendered]) -> Rendered:
    """Several renderings as one: texts in turn, sources numbered once across them, conflicts once."""
    sources: list[Source] = []
    number: dict[str, int] = {}  # sentence id -> its number in the merged list
    texts: list[str] = []
    conflicts: dict[str, Conflict] = {}
    suggestions: list[str] = []
    lead = ""
    for rendered in each:
        text = rendered.text.split(CONFLICT_LEAD)[0]  # the conflicts are told once, at the end
        if rendered.lead and rendered.lead == lead:  # "According to the blog" once for what it says in turn
            text = _sentence(text.removeprefix(lead))
        lead = rendered.lead
        renumber: dict[int, int] = {}
        for source in rendered.sources:
            if source.sentence_id not in number:
                number[source.sentence_id] = len(sources) + 1
                sources.append(replace(source, number=len(sources) + 1))
            renumber[source.number] = number[source.sentence_id]
        texts.append(_MARK.sub(partial(_renumbered, renumber), text))
        for c in rendered.conflicts:
            sides = tuple(replace(side, sources=tuple(renumber[n] for n in side.sources)) for side in c.sides)
            conflicts.setdefault(c.id, replace(c, sides=sides))
        suggestions += rendered.suggestions
    return Rendered(
        any(r.answered for r in each),
        " ".join(texts) + _disagreement(list(conflicts.values())),
        tuple(dict.fromkeys(suggestions)),
        tuple(sources),
        tuple(conflicts.values()),
        tuple(dict.fromkeys(f for r in each for f in r.facts)),
        tuple(dict.fromkeys(e for r in each for e in r.endpoints)),
        unlisted=sum(r.unlisted for r in each),
    )


def _renumbered(renumber: dict[int, int], mark: re.Match[str]) -> str:
    return f"[{renumber.get(int(mark[1]), mark[1])}]"


def _says(text: str, name: str) -> bool:
    """Whether casefolded `text` has `name` as whole words (no regex: names are many, each used once)."""
    name = name.casefold()
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        start = text.find(name, start + 1)
    return False


def _one_claim(a: Reading, b: Reading) -> bool:
    """Two readings that each take a different one of the things a question names are two sides of
    one claim ("does the deep peroneal nerve supply the EDL?"): either answer settles it."""
    named_a = {m.entity_ids for m in a.slots.values()}
    named_b = {m.entity_ids for m in b.slots.values()}
    return bool(named_a and named_b) and not named_a & named_b


def _ordinal(words: Sequence[str], n: int) -> int | None:
    table = {"1": 0, "first": 0, "2": 1, "second": 1, "b": 1, "3": 2, "third": 2, "c": 2, "last": n - 1}
    hits = [table[w] for w in words if w in table and table[w] < n]
    return hits[0] if len(hits) == 1 and len(words) <= 4 else None


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def _conflicts(rows: Sequence[Row], citations: Citations) -> tuple[tuple[Conflict, ...], str]:
    """Both sides of each disagreement the answer touches, cited, and the sentence that says so."""
    conflicts = tuple(
        Conflict(
            c["id"],
            c["note"],
            tuple(ConflictSide(c[f"claim_{s}"], c[f"fact_{s}"], tuple(citations.cite(c[f"fact_{s}"]))) for s in "ab"),
        )
        for c in rows
    )
    return conflicts, _disagreement(conflicts)


def _disagreement(conflicts: Sequence[Conflict]) -> str:
    """The text's account of its conflicts: each note once, its marks before the full stop."""
    if not conflicts:
        return ""
    notes = []
    for c in _distinct_notes(list(conflicts)):
        cited = marks(sorted({n for side in c.sides for n in side.sources}))
        notes.append(f"{c.note.removesuffix('.')} {cited}." if c.note.endswith(".") else f"{c.note} {cited}")
    return CONFLICT_LEAD + " ".join(notes)


def _distinct_notes(conflicts: list[Conflict]) -> list[Conflict]:
    seen: set[str] = set()
    out = []
    for c in conflicts:
        if c.note not in seen:
            seen.add(c.note)
            out.append(c)
    return out
