"""From a question's text to ranked readings: which entities it names and which intent it asks.

1. Words are normalised and spelling-corrected against the domain's own vocabulary (rapidfuzz),
   so "tibialis anterir" and "foot dorp" become aliases again; ordinary words are left alone.
2. Entity mentions are the longest alias spans, exact lookups in a hash map.
3. Each intent is scored by how well the remaining words fit its example phrasings (IDF-weighted
   cosine, through an inverted index) and whether the mentions fill its typed slots.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import dropwhile, pairwise
from typing import NamedTuple

from .intents import Intent
from .text import ARTICLES, normalize, tokens

MAX_ALIAS_WORDS = 8
UNKNOWN_WEIGHT = 0.6
BIGRAM_WEIGHT = 0.2
LEX_WEIGHT = 0.6
ANSWER_TYPE_BONUS = 0.04
UNKNOWN_PENALTY = 0.1
EFFECT_PENALTY = 0.3  # a reading taking a name said as an effect for a cause
# How a question says that one thing causes another: "X causes Y", "X leads to Y", "Y is a sign of X"
CAUSE_VERBS = frozenset(["cause", "causes", "caused", "produce", "produces", "gives", "give"])
CAUSE_PAIRS = frozenset([("leads", "to"), ("lead", "to"), ("leading", "to"), ("results", "in"), ("result", "in")])
CAUSE_PAIRS |= frozenset([("associated", "with")])  # "which injury is associated with foot drop?"
SIGN_OF = frozenset([("sign", "of"), ("signs", "of"), ("symptom", "of")])  # "what is foot drop a sign of?"
_CAUSE_WORDS = "|".join([*sorted(CAUSE_VERBS), *(" ".join(p) for p in sorted(CAUSE_PAIRS))])
_CAUSING = re.compile(rf"\b(?:{_CAUSE_WORDS})\b")
_CAUSED_SLOT = re.compile(rf"\b(?:{_CAUSE_WORDS}) (?:an? |the )?\{{(\w+)\}}")
# A question naming two things checks a claim about one of them: "is the TA supplied by L5?" is about
# the TA, the more particular thing; roots, nerves and conditions are what such claims are checked against.
HUB_TYPES = frozenset({"root", "nerve", "plexus", "condition", "level"})
CLAIM_BONUS = 0.2
CLAIM_STARTS = frozenset(["is", "are", "does", "do", "did", "can", "could", "will", "would", "was", "were"])
CLAIM_ENDS = frozenset(["correct", "right", "true", "yes"])  # "IGN to GMax, SGN to GMed, correct?"
VERSUS = frozenset({"vs", "versus"})
CHOICE_WORDS = frozenset({"or"}) | VERSUS
BOTH_WORDS = frozenset({"each", "both", "they"})  # after "X vs Y", what is asked is asked of both
# "L5 vs S1 radiculopathy: how to tell them apart" asks of both, and offers no choice
COMPARE_WORDS = frozenset({"differentiate", "distinguish", "difference", "differences", "compare", "contrast"})
CHOICE_BONUS = 0.15
CHITCHAT_YIELD = 0.2
NAMED_TOPIC = 0.1  # a slotless reading gains this for each kind of thing it tells of that the question names
UNUSED_NAMES = 0.25  # a reading with no slot, of a question naming things it says nothing of, fits worse
FOLLOW_UP_LEXICAL = 0.3  # a reading missing a slot is read against the conversation only if worded this like it
AGENT_FIT = 0.95  # a muscle named by what it does fits a little less well than one named outright
AGENT_PENALTY = 0.3  # ... and asking what a movement's doer has is not asking about the movement
LOOSE_TYPO = 55  # a typo this far from a word is mended to it only where that completes a name
SHORT_TYPO = 5  # a typo in a word this long or shorter looks for candidates by one letter at each end
WEAK_WORDS = frozenset({"weak", "weakness", "weaker", "weakened", "weakening", "paralysed", "paralyzed", "paresis"})
WEAK_WORDS |= {"paralysis", "paralyses"}
BODY_PARTS = frozenset({"foot", "feet", "leg", "legs", "toe", "toes", "shin", "calf", "thigh", "skin", "body", "ankle"})
SIGN_WORDS = WEAK_WORDS | {
    "deficit",
    "deficits",
    "symptom",
    "symptoms",
    "sign",
    "signs",
}  # "what symptoms ..." asks for signs
# Words that say what kind of thing the answer is.
ANSWER_WORDS = {
    "nerve": "nerve",
    "nerves": "nerve",
    "root": "root",
    "roots": "root",
    "level": "root",
    "levels": "root",
    "segment": "root",
    "myotome": "root",
    "muscle": "muscle",
    "muscles": "muscle",
    "gait": "sign",
    "gaits": "sign",
    "movement": "movement",
    "movements": "movement",
    "action": "movement",
    "actions": "movement",
}
FUNCTION_WORDS = frozenset(
    [
        "one",  # "the big one" (a reply to "which do you mean?") names no topic
        "important",  # "the single most important thing to remember about ..."
        "crucial",
        "essential",
        "key",  # "the key things to remember about ..."
        "meant",  # "what is meant by foot drop?"
        "remember",
        "single",
        "a",
        "about",
        "above",
        "actually",
        "after",
        "afternoon",
        "again",
        "ah",
        "all",
        "already",
        "alright",
        "also",
        "always",
        "am",
        "amazing",
        "an",
        "and",
        "answer",
        "answers",
        "any",
        "anyone",
        "anything",
        "apart",
        "appreciate",
        "appreciated",
        "are",
        "arent",
        "as",
        "asap",
        "ask",
        "asked",
        "asking",
        "at",
        "awesome",
        "bad",
        "basically",
        "be",
        "because",
        "been",
        "being",
        "besides",
        "best",
        "better",
        "big",
        "bit",
        "bot",
        "both",
        "briefly",
        "brilliant",
        "btw",
        "but",
        "by",
        "came",
        "can",
        "cant",
        "chatbot",
        "come",
        "comes",
        "cool",
        "could",
        "day",
        "deal",
        "describe",
        "did",
        "didnt",
        "do",
        "does",
        "doesnt",
        "doing",
        "dont",
        "each",
        "easy",
        "else",
        "english",
        "er",
        "especially",
        "even",
        "ever",
        "everyone",
        "everything",
        "exactly",
        "excellent",
        "explain",
        "explaining",
        "explains",
        "false",
        "fantastic",
        "find",
        "fix",
        "fixed",
        "fixes",
        "for",
        "found",
        "friend",
        "from",
        "fyi",
        "generally",
        "get",
        "gets",
        "give",
        "given",
        "gives",
        "go",
        "goes",
        "going",
        "gone",
        "good",
        "got",
        "great",
        "had",
        "haha",
        "happen",
        "happened",
        "happens",
        "hard",
        "has",
        "have",
        "having",
        "he",
        "help",
        "helped",
        "helps",
        "her",
        "here",
        "hey",
        "him",
        "his",
        "hm",
        "hmm",
        "honestly",
        "hope",
        "how",
        "hows",
        "i",
        "id",
        "idk",
        "if",
        "ill",
        "im",
        "imo",
        "in",
        "into",
        "is",
        "isnt",
        "it",
        "its",
        "ive",
        "just",
        "keep",
        "keeps",
        "kept",
        "kind",
        "knew",
        "know",
        "knows",
        "let",
        "lets",
        "like",
        "liked",
        "likes",
        "literally",
        "little",
        "lol",
        "long",
        "look",
        "looking",
        "looks",
        "lot",
        "lots",
        "love",
        "lovely",
        "made",
        "mainly",
        "make",
        "makes",
        "many",
        "mate",
        "maybe",
        "me",
        "mean",
        "means",
        "more",
        "most",
        "mostly",
        "much",
        "my",
        "need",
        "needed",
        "needs",
        "nervebot",
        "never",
        "nice",
        "no",
        "nope",
        "not",
        "note",
        "notes",
        "nothing",
        "now",
        "of",
        "off",
        "often",
        "oh",
        "ok",
        "okay",
        "old",
        "older",
        "oldest",
        "omg",
        "on",
        "once",
        "only",
        "or",
        "our",
        "out",
        "own",
        "particular",
        "people",
        "perhaps",
        "person",
        "please",
        "pls",
        "plz",
        "precisely",
        "pretty",
        "probably",
        "question",
        "questions",
        "quick",
        "quickly",
        "quite",
        "really",
        "right",
        "said",
        "same",
        "saw",
        "say",
        "says",
        "see",
        "seen",
        "sees",
        "she",
        "short",
        "should",
        "show",
        "showed",
        "shows",
        "simple",
        "simply",
        "small",
        "so",
        "some",
        "somebody",
        "someone",
        "something",
        "sometimes",
        "sorry",
        "sort",
        "specific",
        "specifically",
        "still",
        "stuff",
        "such",
        "sure",
        "tbh",
        "tell",
        "than",
        "thank",
        "thanks",
        "that",
        "thats",
        "the",
        "their",
        "them",
        "then",
        "there",
        "theres",
        "these",
        "they",
        "theyre",
        "thing",
        "things",
        "think",
        "this",
        "those",
        "thought",
        "thx",
        "time",
        "times",
        "to",
        "today",
        "told",
        "too",
        "true",
        "ty",
        "type",
        "typically",
        "uh",
        "um",
        "understand",
        "up",
        "us",
        "useful",
        "usually",
        "normally",
        "anyway",
        "anyways",
        "fine",
        "figure",  # "the 90% figure"
        "specifically",
        "particularly",
        "very",
        "want",
        "wanted",
        "wants",
        "was",
        "wasnt",
        "way",
        "ways",
        "we",
        "were",
        "what",
        "whats",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whos",
        "whose",
        "why",
        "will",
        "with",
        "wonder",
        "wonderful",
        "wondering",
        "wont",
        "worse",
        "worst",
        "would",
        "wow",
        "wrong",
        "yeah",
        "yep",
        "yes",
        "yo",
        "you",
        "young",
        "younger",
        "your",
        "youre",
        "youve",
    ]
)
# Words that are English, not anatomy: never "corrected" into an alias.
# Counting words are filler too: "those two levels" names nothing the sources lack.
FUNCTION_WORDS |= frozenset(["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "both"])
# Words that point at a source rather than at anatomy ("according to the research section"): the Bot
# reads them as a focus on that source, so to the matcher they are filler.
SOURCE_WORDS = {
    "research": "research",
    "study": "research",
    "studies": "research",
    "trial": "research",
    "trials": "research",
    "guideline": "guideline",
    "guidelines": "guideline",
    "guidline": "guideline",  # (source words are not mended as names are)
    "guidlines": "guideline",
    "reserch": "research",
    "resarch": "research",
    "reseach": "research",
    "blog": "blog",
    "2020": "2020",
    "2025": "2025",
    "oracle": "oracle",
    "droracle": "oracle",
}
FUNCTION_WORDS |= frozenset([*SOURCE_WORDS, "according", "section", "sections", "page", "source", "sources"])
FUNCTION_WORDS |= frozenset(["version", "view", "take", "opinion", "stance", "account"])  # "the blog's version?"
FUNCTION_WORDS |= frozenset(["through", "via"])  # "through which nerve?"
SOURCE_NAMES = frozenset([*SOURCE_WORDS, "according", "section", "page"])
COMMON_WORDS = FUNCTION_WORDS | frozenset(
    [
        "last",  # "the last one" is not "list"
        "lost",  # ... nor is "lost" "list", "hour" "your", "read" "head" or "treat" "great"
        "hour",
        "hours",
        "read",
        "treat",
        "tall",
        "insert",
        "won",
        "slip",  # "where do discs slip?" is not "slap"
        "slips",
        "slipped",
        "ache",
        "aches",
        "adductor",
        "adductors",
        "again",
        "against",
        "ago",
        "answer",
        "apart",
        "arm",
        "arms",
        "ask",
        "back",
        "bed",
        "before",
        "below",
        "besides",
        "between",
        "biceps",
        "biggest",
        "body",
        "book",
        "both",
        "brain",
        "brevis",
        "cannot",
        "capital",
        "car",
        "cervical",
        "chair",
        "chapter",
        "chief",
        "child",
        "city",
        "class",
        "coccyx",
        "cord",
        "country",
        "day",
        "days",
        "deltoid",
        "doctor",
        "dose",
        "down",
        "drive",
        "driving",
        "drug",
        "drugs",
        "during",
        "eight",
        "evening",
        "ever",
        "every",
        "exam",
        "fasciae",
        "femoral",
        "few",
        "fifth",
        "first",
        "five",
        "floor",
        "football",
        "four",
        "fourth",
        "further",
        "gastroc",
        "gastrocnemius",
        "get",
        "gets",
        "getting",
        "give",
        "gives",
        "go",
        "goes",
        "going",
        "got",
        "gracilis",
        "gym",
        "hand",
        "hands",
        "head",
        "hello",
        "hers",
        "hi",
        "home",
        "house",
        "hundred",
        "iliopsoas",
        "important",
        "isnt",
        "itself",
        "joke",
        "key",
        "kid",
        "largest",
        "latae",
        "lecture",
        "left",
        "like",
        "longus",
        "major",
        "make",
        "man",
        "many",
        "mate",
        "may",
        "mean",
        "means",
        "meant",
        "median",
        "mg",
        "might",
        "month",
        "morning",
        "much",
        "must",
        "myself",
        "neck",
        "needs",
        "night",
        "nine",
        "nor",
        "now",
        "nurse",
        "obturator",
        "often",
        "old",
        "one",
        "other",
        "over",
        "page",
        "pain",
        "painful",
        "pains",
        "particular",
        "patient",
        "patients",
        "pectoralis",
        "people",
        "peroneus",
        "person",
        "physio",
        "pill",
        "pills",
        "piriformis",
        "plantaris",
        "popliteus",
        "prime",
        "principal",
        "psoas",
        "quadriceps",
        "quads",
        "question",
        "questions",
        "quite",
        "radial",
        "rather",
        "result",
        "results",
        "run",
        "running",
        "sacral",
        "sartorius",
        "say",
        "sciatica",
        "second",
        "see",
        "seven",
        "shoe",
        "shoes",
        "side",
        "sides",
        "simple",
        "since",
        "sit",
        "sitting",
        "six",
        "sleep",
        "soleus",
        "specifically",
        "spinal",
        "spine",
        "sport",
        "stairs",
        "stand",
        "standing",
        "strongest",
        "student",
        "sure",
        "take",
        "taken",
        "taking",
        "teacher",
        "ten",
        "tensor",
        "test",
        "tests",
        "thank",
        "thanks",
        "thing",
        "things",
        "third",
        "thoracic",
        "though",
        "three",
        "through",
        "thus",
        "time",
        "trapezius",
        "triceps",
        "two",
        "ulnar",
        "under",
        "until",
        "upon",
        "walk",
        "walking",
        "wanted",
        "weather",
        "week",
        "weeks",
        "well",
        "whether",
        "woman",
        "work",
        "yeah",
        "year",
        "years",
        "yet",
        "yours",
    ]
)
# body words the sources never use, so never mended into ones they do ("joint" is not "point")
COMMON_WORDS |= frozenset(["joint", "joints", "bone", "bones", "skin", "ligament", "ligaments", "buttock", "buttocks"])
COMMON_WORDS |= frozenset(["limb", "limbs"])  # "the lower limb" is not a "limp"
COMMON_WORDS |= frozenset(
    ["eversion", "evert", "everts", "everted", "everting", "evertor", "evertors"]
)  # not "inversion"
FOLLOW_UP_WORDS = frozenset(
    [
        "and",
        "what",
        "about",
        "how",
        "then",
        "also",
        "same",
        "for",
        "the",
        "one",
        "with",
        "ok",
        "so",
        "or",
        "too",
        "other",
    ]
)
PRONOUNS = frozenset(["it", "its", "they", "them", "their", "this", "that", "these", "those", "one"])
EXCEPT_WORDS = frozenset(["besides", "except", "excluding", "apart", "other", "aside"])
# "hallux ext = EHL?", "nerve + roots of the TA", "@nervebot what ...": symbols read as words, a
# chat handle (ours or anyone's) as nothing
_SYMBOLS = re.compile(r"[+-]ve\b|@[\w.-]+|[=+&\U0001f44b\U0001f44d\U0001f44c\U0001f64f]", re.IGNORECASE)
SYMBOL_WORDS = {"=": " is ", "+": " and ", "&": " and ", "@": " ", "+ve": " positive ", "-ve": " negative "}
SYMBOL_WORDS |= {
    "\U0001f44b": " hi ",
    "\U0001f44d": " ok ",
    "\U0001f44c": " ok ",
    "\U0001f64f": " thanks ",
}  # wave, thumbs up, ok, thanks
OPENERS = frozenset(["so", "ok", "okay", "well", "right", "alright", "hmm", "um", "oh", "hey", "hi", "hello", "yo"])
OPENERS |= frozenset(["quick", "one", "q", "question"])  # "hey, quick one: what ..."
OPENERS |= frozenset(["btw", "actually", "anyway", "anyways", "also", "now", "ah", "uh", "er", "erm"])
OPENERS |= frozenset(["k", "kk", "wait", "sorry", "fine", "no", "nope", "yes", "yeah", "cool", "great", "thanks"])
# A short message opening with one of these may correct the last question: "sorry, not L5, I want L4"
CORRECTING = frozenset(["sorry", "no", "nope", "wait", "oops", "actually"])
SHORT_CORRECTION = 8
# What a question may end with that asks nothing more: "... thanks so much", "... again?", "... for my exam"
TAIL_MARKERS = frozenset(["please", "pls", "plz", "thanks", "thank", "thx", "ty", "cheers"])
TAIL_MARKERS |= frozenset(["exactly", "again", "briefly", "quickly", "short"])
CLOSING_WORDS = TAIL_MARKERS | {"you", "in", "advance", "so", "much", "a", "lot"}
STUDIED_FOR = frozenset(["exam", "exams", "osce", "finals", "test", "revision", "viva", "boards"])  # "... for my exam"
# A message of these alone says hello ("yo", "morning all", "hey team"), however few of them an example has.
SALUTATIONS = frozenset(["hi", "hello", "hey", "heya", "hiya", "yo", "sup", "howdy", "greetings", "morning", "evening"])
SALUTATIONS |= frozenset(["afternoon"])
ADDRESSEES = frozenset(["all", "everyone", "everybody", "folks", "guys", "team", "there", "bot", "nervebot", "good"])
GREETING_WORDS = SALUTATIONS | ADDRESSEES
# ... and a message of these alone is thanks or an acknowledgement ("cool thx", "nice one", "lol", "👍")
ACKNOWLEDGEMENTS = frozenset(["thanks", "thank", "thx", "ty", "cheers", "cool", "nice", "great", "awesome", "perfect"])
ACKNOWLEDGEMENTS |= frozenset(["ok", "okay", "kk", "lol", "haha", "brilliant", "sweet", "neat", "wow", "excellent"])
ACKNOWLEDGEMENTS |= frozenset(["yes", "yep", "yeah", "sure", "understood", "noted", "gotcha", "interesting"])
NEGATIONS = frozenset(["not", "no", "never", "isnt", "wasnt", "arent", "dont", "didnt", "doesnt"])
DISAGREEING = frozenset(["no", "nope", "nah", "wrong"])  # a message of these alone says an answer is wrong
EXAMINING = frozenset(["exam", "examination", "examine", "examining", "clinically", "bedside"])
PATIENT_WORDS = frozenset(["patient", "man", "woman", "boy", "girl", "year", "old", "pt", "client", "friend"])
ACKNOWLEDGEMENTS |= frozenset(["thankyou", "thnx", "thanx", "tysm", "tyvm", "wonderful", "fantastic", "amazing"])
ACKNOWLEDGEMENTS |= frozenset(["helpful", "useful"])
ACKNOWLEDGING_WORDS = ACKNOWLEDGEMENTS | frozenset(["you", "so", "much", "a", "lot", "one", "very", "super"])
ACKNOWLEDGING_WORDS |= frozenset(["youre", "that", "thats", "was", "is", "really", "all", "good"])
COMMON_WORDS |= OPENERS | ACKNOWLEDGING_WORDS | CORRECTING  # "wait" is not "gait", nor "nice" "nerve"
# "hey nervebot, please: is ...", and "and S1?" asked first: a follow-up's "and" says nothing of what is asked
OPENING_WORDS = OPENERS | GREETING_WORDS | {"please", "pls", "plz", "and"}
ASKING_WORDS = frozenset(["what", "which", "where", "how", "why", "who", "when", "whats", "is", "are", "does", "do"])
# "I was wondering what ...", "could you tell me which ...": the question is the part from its wh-word on
FRAME_VERBS = frozenset(["wonder", "wondering", "know", "tell", "explain", "understand"])
FRAME_WORDS = FRAME_VERBS | frozenset(
    ["i", "id", "im", "was", "am", "just", "really", "would", "like", "need", "want", "to", "can", "could"]
)
FRAME_WORDS |= frozenset(["you", "please", "me", "do", "let"])
QUESTION_WORDS = ASKING_WORDS | CLAIM_STARTS
TOLD_ABOUT = frozenset(["about", "more", "everything", "something", "anything", "all", "a", "an", "if", "whether"])
INDIRECT_WH = frozenset(["what", "which", "where", "how", "why", "who", "when"])
INVERTED = frozenset(["is", "are", "was", "were", "does", "do", "can"])  # come before the subject in a direct question
STAND_INS = frozenset(["it", "they", "them"])  # pronouns that take the place of a name
DEMONSTRATIVES = frozenset(["that", "this", "these", "those", "same"])  # "that muscle", "the same root"


SLOT = "@"
_OPTION_MARK = re.compile(r"(?:^|\s)\(?[A-Ea-e][.)][^\w\s]*(?=\s)")  # "A.", "b)", "(c)" before an option
_AMONG = re.compile(r"\bwhich (?:one )?of (?:these|those|the following)\b", re.IGNORECASE)  # "which of these: A, B, C?"
_ROOT_LIKE = re.compile(r"[ctls]\d{1,2}")
DOER_WORDS = frozenset(
    (a, b) for a in ("muscle", "muscles") for b in ("that", "which", "who", "to", "for", "doing", "used")
)  # "the muscle that extends the hallux", "the muscles for hip abduction"
# what ends a claim put up to be judged: "dorsiflexion is L4, is that wrong?" (articles are gone by then)
JUDGED_BY = tuple(
    tuple(tag.split())
    for tag in (
        "is that wrong", "is that right", "is that true", "is that correct", "is that supported",
        "is that supported by sources", "is this wrong", "is this right", "is this true", "is this correct",
        "am i wrong", "am i right", "right", "correct", "true",
    )
)  # fmt: skip
JUDGED_LAST = frozenset(tag[-1] for tag in JUDGED_BY)
REPORTING_WORDS = frozenset({"read", "taught", "heard", "say", "says", "said", "told", "thought", "learned", "learnt"})
TRUE_OR_FALSE = (["true", "or", "false"], ["true", "false"], ["t", "f"], ["is", "it", "true", "that"])
CONTRACTIONS = {
    "whats": ("what", "is"),
    "whatre": ("what", "are"),
    "wheres": ("where", "is"),
    "whos": ("who", "is"),
    "hows": ("how", "is"),
    "thats": ("that", "is"),
    # clinicians' shorthand
    "sx": ("symptoms",),
    "pt": ("patient",),
    "pts": ("patients",),
    "dx": ("diagnosis",),
    "tx": ("treatment",),
    "postop": ("after", "surgery"),
    "preop": ("before", "surgery"),
    "theyre": ("they", "are"),
    # "can't lift their big toe" names the big toe as "lift the big toe" does
    "their": ("the",),
    "his": ("the",),
    "her": ("the",),
    "u": ("you",),  # text speak
    "wat": ("what",),
    "coming": ("from",),  # "from which root it is coming?"
    "assists": ("performs",),  # "which muscle assists it?"
    "assist": ("perform",),
    "suggest": ("indicate",),  # "what does a Trendelenburg gait suggest?"
    "suggests": ("indicates",),
    "power": ("strength",),  # "DF power", "EHL power": an exam's strength
    "saying": ("say",),
    "wot": ("what",),
    "wht": ("what",),
    "thme": ("them",),
    "thm": ("them",),
    "commonest": ("most", "common"),
    "ur": ("your",),
    # everyday words for one the questions are matched on
    "nutshell": ("summary",),
    "gist": ("summary",),
    "rundown": ("summary",),
    "lowdown": ("summary",),
    "recap": ("summary",),
    "tldr": ("summary",),
    "summarise": ("summary", "of"),
    "summarize": ("summary", "of"),
    "fix": ("improve",),
    "fixes": ("improves",),
    "radic": ("radiculopathy",),
    "serves": ("supplies",),
    "hits": ("affects",),  # "a herniation that hits L5"
    "hit": ("affect",),
    "hitting": ("affecting",),
    "serve": ("supply",),
    "radics": ("radiculopathy",),
}


def _symbol_word(symbol: re.Match[str]) -> str:
    """A symbol as the word it stands for: "+ve" is "positive", "=" is "is", "@nervebot" nothing."""
    said = symbol[0].lower()
    return SYMBOL_WORDS.get(said) or SYMBOL_WORDS[said[0]]


def _excepted(words: Sequence[str], start: int) -> bool:
    """Whether the name at `start` is set aside: "besides X", "except X", "apart from X", "other than X"."""
    before = tuple(words[max(0, start - 2) : start])
    return before[-1:] in (("besides",), ("except",), ("excluding",)) or before in (
        ("apart", "from"),
        ("aside", "from"),
        ("other", "than"),
    )


def features(sequence: Sequence[str]) -> frozenset[str]:
    """Stemmed words plus adjacent pairs, so "what can cause X" and "what can X cause" differ."""
    stems = [w if w == SLOT else stem(w) for w in sequence]
    return frozenset([s for s in stems if s != SLOT] + [f"{a}_{b}" for a, b in pairwise(stems)])


def stem(word: str) -> str:
    """A tiny suffix stripper: enough to make 'innervates', 'innervated' and 'innervation' meet."""
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ations", ""), ("ation", ""), ("ions", ""), ("ion", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + repl
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Mention:
    """A span of the question that names an entity (or, if ambiguous, one of several)."""

    start: int
    end: int
    text: str
    entity_ids: tuple[str, ...]
    types: tuple[str, ...]
    via: str = ""  # for "the dorsiflexor of the ankle": the movement whose performers these are
    every: bool = False  # "the glutes", "the gluteal nerves": all the things the name may mean

    @property
    def ambiguous(self) -> bool:
        return len(self.entity_ids) > 1 and not self.via and not self.every


@dataclass(frozen=True)
class Analysis:
    """What the matcher understood of the words, before choosing an intent."""

    words: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    mentions: tuple[Mention, ...]
    homonym: str
    content: tuple[str, ...]  # words outside mentions
    sequence: tuple[str, ...]  # the words in order, each mention replaced by SLOT
    unknown: tuple[str, ...]  # content words neither English nor in the domain vocabulary
    asks_for: frozenset[str] = frozenset()  # entity types the words ask for: "which nerve ..." -> nerve
    offered: frozenset[str] = frozenset()  # entity types offered as a choice: "L4 or S1?" -> root
    agents: tuple[Mention, ...] = ()  # the mentions, with "the dorsiflexor" standing for the muscles doing it
    first: str = ""  # the question's first word after any greeting or "so": "is" in "hey, so is the TA ..."
    last: str = ""  # its last before any "thanks": "correct" in "IGN to GMax, correct? thanks"
    effects: frozenset[int] = frozenset()  # where a name said as an effect starts: "what injury causes @"
    causers: frozenset[int] = frozenset()  # ... and one said as a cause: "what does @ cause?"
    challenged: bool = False  # a claim put to the sources to judge: "I read that DF is L4, is that wrong?"


class Reading(NamedTuple):
    """One interpretation: an intent, its filled slots, and how well it fits."""

    intent: Intent
    slots: dict[str, Mention]
    missing: tuple[str, ...] = ()
    lexical: float = 0.0
    score: float = 0.0


class Matcher:
    def __init__(
        self,
        entity_types: dict[str, str],
        aliases: Iterable[tuple[str, str]],
        ambiguous: Iterable[tuple[str, str]],
        homonyms: Iterable[str],
        intents: Sequence[Intent],
        weakness: dict[str, str] | None = None,
        performers: Callable[[str], tuple[str, ...]] | None = None,
        remember: int = 3072,
    ) -> None:
        self.entity_types = entity_types
        # the same wording about other names ("which nerve supplies the @") fits the intents the same way
        self.lexical = lru_cache(maxsize=remember)(self._lexical)
        self.weakness = weakness or {}  # muscle or movement -> the sign that is its weakness
        self.performers = performers or (lambda movement: ())  # movement -> the muscles that perform it
        self.aliases: dict[str, tuple[str, ...]] = {key: (ent,) for key, ent in aliases}
        groups: dict[str, list[str]] = defaultdict(list)
        for key, ent in ambiguous:
            groups[key].append(ent)
        self.aliases.update({key: tuple(ents) for key, ents in groups.items()})
        # the other of a pair one name can mean ("gluteal nerve": superior or inferior), for "the other one"
        self.pairs = {a: b for ents in groups.values() if len(ents) == 2 for a, b in (ents, ents[::-1])}
        self.homonyms = frozenset(homonyms)
        # The first word of every alias and homonym, with the most words a name starting with it has.
        self.first_words: dict[str, int] = {}
        for key in [*self.aliases, *self.homonyms]:
            first, size = key.split()[0], min(MAX_ALIAS_WORDS, len(key.split()))
            self.first_words[first] = max(size, self.first_words.get(first, 0))
        self.intents = list(intents)
        shapes: dict[tuple[tuple[str, tuple[str, ...]], ...], int] = {}
        self._shapes: list[Intent] = []  # one intent for each distinct set of slots
        self._slot_shape: list[int] = []  # each intent's index into _shapes
        for intent in self.intents:
            shape = tuple(intent.slots.items())
            if shape not in shapes:
                shapes[shape] = len(self._shapes)
                self._shapes.append(intent)
            self._slot_shape.append(shapes[shape])
        self._answers = [frozenset(i.answers) for i in self.intents]
        # The slots an intent's examples name as an effect ("what causes {sign}"), for intents whose
        # examples speak of causing at all: a name said as an effect fits no other of their slots.
        self._effect_slots = [
            frozenset(s for e in i.examples for s in _CAUSED_SLOT.findall(e))
            if any(_CAUSING.search(e) for e in i.examples)
            else None
            for i in self.intents
        ]
        self._movement_answers = frozenset(
            t for i in self.intents if any("movement" in types for types in i.slots.values()) for t in i.answers
        )
        self._no_slots = shapes.get((), -1)
        self._unfilled = [self._fill(intent, ()) for intent in self._shapes]  # for questions naming nothing
        self._index_examples()
        alias_words = {w for key in [*self.aliases, *self.homonyms] for w in key.split()}
        self.alias_pairs = {
            f"{a} {b}" for key in self.aliases for a, b in zip(key.split(), key.split()[1:], strict=False)
        }
        self.vocabulary = alias_words | self.example_words
        # words only ever part of a name: left over in a question, they are a name not recognised
        self.name_words = frozenset(alias_words - self.example_words - COMMON_WORDS - {"muscle", "muscles"})
        self.known = self.vocabulary | COMMON_WORDS
        self._stems = {w: stem(w) for w in self.known} | {SLOT: SLOT}
        self.example_stems = {stem(w) for w in self.example_words}
        # Typos are mended towards the domain's words, and towards the longer words of the example
        # phrasings ("innervats"), never towards short everyday ones ("pain" is not "main").
        chat_words = {w for i in self.intents if i.kind == "chitchat" for e in i.examples for w in tokens(e)}
        targets = alias_words | {w for w in self.example_words if len(w) >= 6} | chat_words
        targets -= FUNCTION_WORDS - chat_words
        self._respelt = {k: v[0] for k, v in CONTRACTIONS.items() if len(k) >= 6 and len(v) == 1}  # "nutdhell"
        targets |= self._respelt.keys()
        self.topic_words = self.vocabulary - chat_words - FUNCTION_WORDS  # "conflicts", not "thanks"
        # Candidates for a typo are blocked by length and by their first or last letters, so a word
        # is scored against a few dozen others, not the whole vocabulary: a typo seldom changes both
        # ends of a word. Short words are blocked by one letter at each end, long ones by two.
        self._blocks: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(targets):
            if len(word) >= 4 and not word.isdigit():
                for key in _block_keys(word, len(word) <= SHORT_TYPO + 2, len(word) >= SHORT_TYPO - 1):
                    self._blocks[key, len(word)].append(word)
        # Three-letter words only ever have two letters swapped: "teh" is "the". Keyed by each swap.
        self._swaps: dict[str, list[str]] = defaultdict(list)
        for word in sorted(w for w in self.known if len(w) == 3 and w.isalpha()):
            for swapped in {word[1] + word[0] + word[2], word[0] + word[2] + word[1]} - {word}:
                self._swaps[swapped].append(word)
        self.correct = lru_cache(maxsize=65536)(self._correct)
        self._fill_plan = lru_cache(maxsize=4096)(self._fill_plan_uncached)

    # -- lexical index over example phrasings ------------------------------------------------------
    def _index_examples(self) -> None:
        per_intent: dict[str, set[str]] = defaultdict(set)
        examples: list[tuple[int, frozenset[str]]] = []
        for i, intent in enumerate(self.intents):
            for example in intent.examples:
                words = features(self._example_sequence(example))
                examples.append((i, words))
                per_intent[intent.name] |= words
        n = len(self.intents)
        df: dict[str, int] = defaultdict(int)
        for vocab in per_intent.values():
            for w in vocab:
                df[w] += 1
        self.idf = {w: math.log((n + 1) / d) * (BIGRAM_WEIGHT if "_" in w else 1.0) for w, d in df.items()}
        self.example_words = {
            w for i in self.intents for ex in i.examples for w in self._example_sequence(ex) if w != SLOT
        }
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)  # feature -> {example: idf squared}
        self.example_intent: list[int] = []
        self.inverse_norm: list[float] = []
        self.empty_examples: set[int] = set()
        for idx, (intent_idx, words) in enumerate(examples):
            self.example_intent.append(intent_idx)
            norm = math.sqrt(sum(self.idf[w] ** 2 for w in words))
            self.inverse_norm.append(1 / norm if norm else 0.0)
            if not words:
                self.empty_examples.add(intent_idx)
            for w in words:
                self.postings[w][idx] = self.idf[w] ** 2

    @staticmethod
    def _example_sequence(example: str) -> list[str]:
        spaced = example.replace("{", " {").replace("}", "} ")
        return [SLOT if _is_placeholder(example, w) else w for w in _spelled_out(tokens(spaced))]

    def _lexical(self, sequence: tuple[str, ...]) -> tuple[float, ...]:
        """Best cosine of the question's words and word pairs against each intent's examples."""
        best = [0.0] * len(self.intents)
        stems = self._features(sequence)
        if not stems:
            for i in self.empty_examples:
                best[i] = 1.0
            return tuple(best)
        idf = self.idf
        q_norm = math.sqrt(sum(idf.get(s, UNKNOWN_WEIGHT * (BIGRAM_WEIGHT if "_" in s else 1)) ** 2 for s in stems))
        # Start from a copy of the longest posting list (done in C), then add the others to it.
        lists = sorted((self.postings[s] for s in stems if s in self.postings), key=len, reverse=True)
        dots: dict[int, float] = dict(lists[0]) if lists else {}
        get = dots.get
        for posting in lists[1:]:
            for idx, square in posting.items():
                dots[idx] = get(idx, 0.0) + square
        example_intent, inverse_norm = self.example_intent, self.inverse_norm
        for idx, dot in dots.items():
            cos = dot * inverse_norm[idx]
            i = example_intent[idx]
            if cos > best[i]:
                best[i] = cos
        return tuple([b / q_norm for b in best])

    def _features(self, sequence: Sequence[str]) -> frozenset[str]:
        """`features`, with the stems of the known words looked up rather than worked out."""
        stems = self._stems
        stemmed = [stems.get(w) or stem(w) for w in sequence]
        return frozenset([s for s in stemmed if s != SLOT] + [f"{a}_{b}" for a, b in pairwise(stemmed)])

    # -- words and mentions -----------------------------------------------------------------------
    def _correct(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Vocabulary words a typo may have meant, best first, and the more distant ones it may have
        meant only where they complete a name with a neighbouring word ("trendelenburg gate")."""
        if word in self.known or len(word) < 3 or word.isdigit():
            return (word,), ()
        if word.endswith("s") and word[:-1] in self.vocabulary:
            return (word[:-1],), ()
        from rapidfuzz import fuzz, process  # only a question with a typo needs it: `import bot` stays quick
        from rapidfuzz.distance import DamerauLevenshtein

        cutoff = 75 if len(word) <= 5 else 80
        blocks, keys = self._blocks, _block_keys(word, len(word) <= SHORT_TYPO, len(word) > SHORT_TYPO)
        near = {w for n in range(len(word) - 2, len(word) + 3) for key in keys for w in blocks.get((key, n), ())}
        if len(word) == 3:
            # A three-letter word is only sure to be a swap ("teh" is "the"); one letter short of a
            # longer word ("drp"), it is mended only where that completes a name ("foot drop").
            swaps = self._swaps.get(word, ())
            longer = sorted(w for w in near if len(w) == 4 and DamerauLevenshtein.distance(word, w) == 1)
            return ((swaps[0],) if len(swaps) == 1 else (word,)), tuple(longer)
        # the best four by score, ties to the shorter word, then alphabetically (sets have no order);
        # a long word may also have meant a further one that completes a name ("superior glutton nerve")
        loose = LOOSE_TYPO if len(word) >= SHORT_TYPO + 1 else cutoff
        found = process.extract(word, near, scorer=fuzz.ratio, processor=None, score_cutoff=loose, limit=None)
        found.sort(key=lambda f: (-f[1], len(f[0]), f[0]))
        further = tuple(str(f[0]) for f in found if f[1] < cutoff)[:4]
        found = [f for f in found if f[1] >= cutoff]
        turned = {
            word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1) if word[i] != word[i + 1]
        }
        # two neighbouring letters swapped, the commonest slip, mended towards any longer word we know
        # ("whast"; "lost" is not "lots")
        swapped = sorted(turned & near) or (sorted(turned & self.known) if len(word) > SHORT_TYPO - 1 else [])
        options = list(dict.fromkeys([*swapped, *(str(f[0]) for f in found[:4])]))
        # One slip (a letter missing, extra, wrong or swapped) is a typo; two are only believed in a
        # long word that keeps its start: "topping" is not "dropping", nor "region" "regain".
        sure = tuple(
            o for o in options if DamerauLevenshtein.distance(word, o) <= 1 or (len(word) >= 8 and o[:3] == word[:3])
        )
        return (sure or (word,)), (*(o for o in options if o not in sure), *(() if sure else further))

    def _rejoined(self, raw: list[str]) -> list[str]:
        """Words run together or split apart where a name is meant: "tibialisanterior" is "tibialis
        anterior", "footdrop" is "foot drop", and "dorsi flexion" is "dorsiflexion"."""
        known, vocabulary = self.known, self.vocabulary
        if all(w in known for w in raw):
            return raw
        out: list[str] = []
        i = 0
        while i < len(raw):
            w = raw[i]
            after = raw[i + 1] if i + 1 < len(raw) else ""
            if w in known or w.isdigit() or len(w) < 4:
                out.append(w)
            elif out and out[-1] + w in vocabulary:  # "dorsiflex ion"
                out[-1] += w
            elif after and w + after in vocabulary:  # "dorsi flexion"
                out.append(w + after)
                i += 1
            else:
                cut = next((n for n in range(3, len(w) - 2) if f"{w[:n]} {w[n:]}" in self.alias_pairs), 0)
                out += [w[:cut], w[cut:]] if cut else [w]
            i += 1
        return out

    def _choose(self, raw: list[str]) -> list[str]:
        """Correct each word, preferring the candidate that forms an alias with its neighbours."""
        words = list(raw)
        for i, word in enumerate(raw):
            options, distant = self.correct(word)
            if len(options) > 1 or distant:
                before = words[i - 1] if i else ""
                after = raw[i + 1] if i + 1 < len(raw) else ""
                paired = [
                    o
                    for o in (*options, *distant)
                    if f"{before} {o}" in self.alias_pairs or f"{o} {after}" in self.alias_pairs
                ]
                words[i] = paired[0] if paired else options[0]
            else:
                words[i] = options[0]
        return words

    def analyse(self, text: str) -> Analysis:
        text = _SYMBOLS.sub(_symbol_word, text) if _SYMBOLS.search(text) else text
        raw = _join_root_names(_spelled_out(tokens(text)))
        if not VERSUS.isdisjoint(raw) and not BOTH_WORDS.isdisjoint(raw):  # "EHL vs EDL: what does each do?"
            raw = ["and" if w in VERSUS else w for w in raw]
        if SALUTATIONS.intersection(raw) and GREETING_WORDS.issuperset(raw):
            raw = ["hello"]
        elif ACKNOWLEDGEMENTS.intersection(raw) and ACKNOWLEDGING_WORDS.issuperset(raw):
            raw = ["thanks"]
        elif raw and DISAGREEING.issuperset(raw):
            raw = ["wrong", "answer"]  # "no", "nope": what the feedback intent answers
        elif NEGATIONS.intersection(raw) and ACKNOWLEDGEMENTS.intersection(raw) and _complains(raw):
            raw = ["wrong", "answer"]  # "that's not helpful" is no thanks (but "thanks, not bad" is)
        lead = next((i for i, w in enumerate(raw) if w not in OPENING_WORDS), 0)  # "so", "hey nervebot"
        stated = next((len(p) for p in TRUE_OR_FALSE if raw[lead : lead + len(p)] == p), 0)
        if stated:  # "true or false: the TA is supplied by L5" states a claim, and offers no choice
            raw = [*raw[:lead], "is", *raw[lead + stated :]]
        challenged = None if stated else _put_to_judge(raw[lead:])
        if challenged is not None:  # "I read that dorsiflexion is L4, is that wrong?" asks "is dorsiflexion L4?"
            raw = [*raw[:lead], *challenged]
        raw = _in_context(raw)
        if _corrects(raw):
            raw = _corrected(raw, self.aliases)  # "sorry, not L5, I want L4" is "sorry, L4"
        raw = self._rejoined(raw)
        if "your" in raw:  # "lift your big toe" names the big toe as "lift the big toe" does
            after = [*raw[1:], ""]
            raw = ["the" if w == "your" and self.first_words.get(a) else w for w, a in zip(raw, after, strict=True)]
        words = self._choose(raw)
        corrections = tuple((a, b) for a, b in zip(raw, words, strict=True) if a != b)
        words = [self._respelt.get(w, w) for w in words]  # a mended "nutshell" is spelt out as typed ones are
        if ARTICLES.intersection(words):  # a mended "teh" is an article, and articles are not matched
            kept = [i for i, w in enumerate(words) if w not in ARTICLES]
            raw, words = [raw[i] for i in kept], [words[i] for i in kept]
        mentions: list[Mention] = []
        taken = [False] * len(words)
        homonym = ""
        spans: list[tuple[int, int]] = []  # of names found, ours or homonyms
        for size, start in self._spans(words):
            if any(taken[start : start + size]):
                continue
            key = " ".join(words[start : start + size])
            if key not in self.homonyms and key.endswith("s") and key[:-1] in self.homonyms:
                key = key[:-1]
            if key in self.homonyms:
                homonym = homonym or key
                spans.append((start, start + size))
                taken[start : start + size] = [True] * size
                continue
            ents = self.aliases.get(key)
            stripped = ents is None and key.endswith("s")
            if stripped:
                ents = self.aliases.get(key[:-1])
            # (a plural "s" may have gone already, with the typos: "nerves" is read as "nerve")
            plural = stripped or (raw[start + size - 1].endswith("s") and not key.endswith("s"))
            if ents:
                # a name that could mean several things, said in the plural, means them all: "the
                # gluteal nerves" (but "glutes", itself a name, could mean any one of three)
                mentions.append(self._mention(start, start + size, ents, raw, every=plural and len(ents) > 1))
                spans.append((start, start + size))
                taken[start : start + size] = [True] * size
        mentions = _narrowed(self._resplit(mentions, words, raw), raw)
        # "does the tibial nerve supply anything besides the hamstrings?" asks about the nerve alone
        mentions = [m for m in mentions if not _excepted(words, m.start)] if EXCEPT_WORDS & set(words) else mentions
        # "the hip abductors muscles", "TA muscle": the word names nothing more, nor asks for a muscle;
        # after "the main dorsiflexor", it is part of the name where something else is asked
        other_ask = any(
            w in ANSWER_WORDS and w not in ("muscle", "muscles") for w, t in zip(words, taken, strict=True) if not t
        )
        for n, m in enumerate(mentions):
            follows = words[m.end] if m.end < len(words) and not taken[m.end] else ""
            if follows not in ("muscle", "muscles"):
                continue
            doer = other_ask and _by_doer(m)
            if doer or {"muscle", "muscle_group"}.issuperset(m.types):
                mentions[n] = replace(m, end=m.end + 1, text=f"{m.text} {raw[m.end]}")
                taken[m.end] = True
        # "superior or inferior gluteal nerve" names two nerves, "deep or superficial peroneal nerve" one:
        # either way, a choice between two of a kind
        coordinated: set[str] = set()
        for first, last in spans:
            before = first - 2
            if before >= 0 and words[before + 1] in ("or", "and") and not taken[before] and last - first > 1:
                ents = self.aliases.get(" ".join([words[before], *words[first + 1 : last]]))
                if ents:
                    mentions.append(self._mention(before, before + 1, ents, raw))
                    taken[before] = True
                    coordinated.update(mentions[-1].types if words[before + 1] == "or" else ())
        mentions.sort(key=lambda m: m.start)
        content = tuple(w for w, t in zip(words, taken, strict=True) if not t)
        starts = {m.start: m for m in mentions}
        # "that muscle" and "it" stand for something named before: to the lexical match, a slot.
        pointed = {i + 1 for i, w in enumerate(words[:-1]) if w in DEMONSTRATIVES and words[i + 1] in ANSWER_WORDS}
        stand_ins = {i for i, w in enumerate(words) if w in STAND_INS or (w in DEMONSTRATIVES and i + 1 in pointed)}
        # Filler the example phrasings never use ("and", "um") is left out of the lexical match, and so is
        # a question's opening "so" or "ok" ("so what does that muscle do?" is not thanks)
        opening = next((i for i, w in enumerate(words) if w not in OPENING_WORDS), 0)
        rest = words[opening:]
        asking = mentions or not (QUESTION_WORDS.isdisjoint(rest) and self.topic_words.isdisjoint(rest))
        opening = opening if asking else 0  # "hi all" is a greeting, "so, L5?" a question
        framed = _past_frame(words, opening)
        if words[framed : framed + 2] == ["according", "to"]:  # "according to your sources, is ...": the source
            asked_at = (i for i in range(framed + 2, min(len(words), framed + 8)) if words[i] in QUESTION_WORDS)
            framed = next(asked_at, framed)  # to answer from is told apart (`Bot._focus`), not asked
        # ... and its closing "thanks" or "please" ("is the TA supplied by L5? thanks" is not thanks)
        closing = len(words)
        if words and words[-1] in STUDIED_FOR:
            closing = next((i for i in (closing - 2, closing - 3) if i > 0 and words[i] == "for"), closing)
        while closing > framed + 1 and words[closing - 1] in CLOSING_WORDS:
            closing -= 1
        if TAIL_MARKERS.union(STUDIED_FOR).isdisjoint(words[closing:]) or not (
            mentions or self.topic_words.intersection(words[:closing])
        ):
            closing = len(words)
        sequence = tuple(
            SLOT if i in starts or i in stand_ins else w
            for i, (w, t) in enumerate(zip(words, taken, strict=True))
            if i in starts
            or (i in stand_ins and not taken[i])
            or (
                not t
                and i not in pointed
                and framed <= i < closing
                and w not in SOURCE_NAMES  # which source to answer from is not what is asked
                and (w not in FUNCTION_WORDS or self._stems.get(w) in self.example_stems)
            )
        )
        sequence = _as_direct(sequence) if framed > opening and words[opening] != "according" else sequence
        unknown = tuple(
            w
            for w in content
            if w not in self.vocabulary
            and w not in FUNCTION_WORDS
            and w not in WEAK_WORDS  # "what is weakened if ...": words of weakness the examples lack
            and (len(w) > 2 or _ROOT_LIKE.fullmatch(w))
        )  # "C5" is a root the sources never mention
        # "the muscle that extends the hallux" names a muscle by what it does, as "the dorsiflexor" does
        described = {
            m.start: m.start - 2
            for m in mentions
            if m.types[0] == "movement" and tuple(words[max(0, m.start - 2) : m.start]) in DOER_WORDS
        }
        asks_for = frozenset(
            ANSWER_WORDS[w]
            for i, w in enumerate(words)
            if w in ANSWER_WORDS
            and not taken[i]
            and i not in described.values()
            and i not in pointed  # "which nerve supplies that muscle" asks for a nerve, not a muscle
            # "nerve root" and "spinal nerve level" ask for a root, not a nerve
            and not (w in ("nerve", "nerves") and words[i + 1 : i + 2] in (["root"], ["roots"], ["level"], ["levels"]))
        )
        if any(words[i : i + 2] == ["part", "of"] and words[i + 2] in BODY_PARTS for i in range(len(words) - 2)):
            asks_for |= {"region"}  # "which part of the foot does L5 give sensation to?" (not what L5 is part of)
        if words[framed : framed + 1] == ["where"]:
            asks_for |= {"region", "level"}  # "where's the L4 one?" after L5's area; "where do discs herniate?"
        for i in range(len(sequence) - 2):
            j = i + 1 + (sequence[i + 1] in ("is", "are"))  # "what is X a sign of?", "X is a sign of what?"
            if sequence[i] == SLOT and sequence[j : j + 2] in SIGN_OF:
                sequence = (*sequence[:j], "caused", "by", *sequence[j + 2 :])
        named_at = len(sequence) - 1 - sequence[::-1].index(SLOT) if SLOT in sequence else 0  # the last name
        if sequence[:1] in (("which",), ("what",)) and mentions and mentions[0].types[0] == "movement":
            # (but "what" only before a verb in the singular: "what abducts the hip?", not "what dorsiflexion ...")
            verb = sequence[0] == "which" or (named_at == 1 and mentions[0].text.split()[0].endswith("s"))
            ending = named_at == len(sequence) - 1  # the movement ends the question
            if verb and ending and set(sequence[1:named_at]) <= {"one", "of", SLOT}:  # (SLOT: "them")
                # "which (ones) abduct the hip?" asks which muscles do it
                sequence = (sequence[0], "muscles", *sequence[named_at:])
                asks_for |= {"muscle"}
        if any(a in ("what", "which") and b in SIGN_WORDS for a, b in pairwise(words)):
            asks_for |= {"sign"}  # "what weakness does an L5 disc herniation cause?"
        if WEAK_WORDS & set(content):
            # "which muscle is the dorsiflexor that has become weak?" still asks which muscle does it
            unweakened = ("movement",) if "muscle" in asks_for else ()
            # "what muscles go weak if L5 is compressed?" asks for the weakness it leads to
            asked = next(
                (i for i, w in enumerate(words) if ANSWER_WORDS.get(w) == "muscle" and not taken[i]), len(words)
            )
            weakens = WEAK_WORDS.intersection(words[asked:]) and all("sign" not in m.types for m in mentions)
            asks_for |= {"sign"} if weakens else set()  # (... but with weak great toe extension, which muscle)
            mentions = [m if m.types[0] in unweakened else self._as_weakness(m) for m in mentions]
        # "A. tibial nerve B. deep fibular nerve": lettered options offer a choice as "or" does, and so
        # does a list after "which of these"
        options = len(_OPTION_MARK.findall(text)) >= 2 or (text.count(",") >= 2 and _AMONG.search(text) is not None)
        offered = _offered(mentions, words, options) | coordinated
        agents = tuple(self._as_performers(m, m.start in described) for m in mentions)
        return Analysis(
            tuple(words),
            corrections,
            tuple(mentions),
            homonym,
            content,
            sequence,
            unknown,
            asks_for,
            offered,
            agents if any(m.via for m in agents) else (),
            words[framed] if words else "",
            words[closing - 1] if words else "",
            frozenset(
                m.start for m in mentions if _caused(words, m) or ("sign" in m.types and _asks_what_is_weak(words))
            ),
            frozenset(m.start for m in mentions if _causing(words, m)),
            challenged is not None,
        )

    def _resplit(self, mentions: list[Mention], words: Sequence[str], raw: Sequence[str]) -> list[Mention]:
        """Longest names first can leave a fragment that names several things: "tibialis posterior
        tibial nerve" is "tibialis" + "posterior tibial nerve". Where moving the border between a
        fragment and the name after it gives two names, take them: "tibialis posterior" + "tibial nerve"."""
        if not any(m.ambiguous for m in mentions):
            return mentions
        by_start = {m.start: m for m in mentions}
        for a in [m for m in mentions if m.ambiguous]:
            b = by_start.get(a.end)
            if b is None:
                continue
            for cut in range(b.start + 1, b.end):
                left, right = (
                    self.aliases.get(" ".join(words[a.start : cut])),
                    self.aliases.get(" ".join(words[cut : b.end])),
                )
                if left and right and len(left) == len(right) == 1:
                    pair = [self._mention(a.start, cut, left, raw), self._mention(cut, b.end, right, raw)]
                    mentions = sorted([m for m in mentions if m not in (a, b)] + pair, key=lambda m: m.start)
                    break
        return mentions

    def _mention(self, start: int, end: int, ents: tuple[str, ...], raw: Sequence[str], every: bool = False) -> Mention:
        types = tuple(dict.fromkeys(self.entity_types[e] for e in ents))
        return Mention(start, end, " ".join(raw[start:end]), ents, types, every=every)

    def _spans(self, words: Sequence[str]) -> list[tuple[int, int]]:
        """(size, start) of every span that could name something, longest first, then leftmost.

        Only words that begin an alias or homonym can start one, so a question is looked up a few
        times instead of once for every window of every size.
        """
        longest = [self.first_words.get(word, 0) for word in words]
        for start, word in enumerate(words):
            if not longest[start] and word.endswith("s") and word[:-1] in self.first_words:
                longest[start] = 1  # "hamstrings" for "hamstring": only a one-word span drops a plural "s"
        n = len(words)
        return [
            (size, start)
            for size in range(min(max(longest, default=0), n), 0, -1)
            for start in range(n - size + 1)
            if longest[start] >= size
        ]

    def _as_weakness(self, mention: Mention) -> Mention:
        """With "weak" in the question, a muscle or movement stands for its weakness, a sign."""
        if len(mention.entity_ids) == 1 and mention.entity_ids[0] in self.weakness:
            return Mention(mention.start, mention.end, mention.text, (self.weakness[mention.entity_ids[0]],), ("sign",))
        return mention

    def _as_performers(self, mention: Mention, described: bool = False) -> Mention:
        """A movement named by its doer ("the primary dorsiflexor", "knee flexors", `described`: "the
        muscle that extends the hallux") may stand for the muscles that perform it, where a question
        asks something only a muscle has (its nerve)."""
        if len(mention.entity_ids) > 1 or mention.types != ("movement",):
            return mention
        if not (described or _by_doer(mention)):
            return mention
        doers = self.performers(mention.entity_ids[0])
        if not doers:
            return mention
        types = tuple(dict.fromkeys(self.entity_types[e] for e in doers))
        return Mention(mention.start, mention.end, mention.text, doers, types, via=mention.entity_ids[0])

    # -- intents -------------------------------------------------------------------------------------
    def rank(self, analysis: Analysis) -> list[Reading]:
        """Every intent as a reading of the question, best first."""
        lexical = self.lexical(analysis.sequence)
        mentions, asks_for = analysis.mentions, analysis.asks_for
        unknown_penalty = -UNKNOWN_PENALTY * len(analysis.unknown)  # "who wrote hamlet" is not small talk
        # Intents with the same slots fill them the same way: once per shape, and where no name is
        # ambiguous, once for each run of kinds of names (`_fill_plan`), the question's own names put in.
        if mentions and all(len(m.entity_ids) == 1 for m in mentions):
            filled = [
                Filled({slot: mentions[n] for slot, n in by_slot}, missing, fit, spare, taken)
                for by_slot, missing, fit, spare, taken in self._fill_plan(tuple(m.types[0] for m in mentions))
            ]
        elif mentions:
            filled = [self._fill(intent, mentions) for intent in self._shapes]
        else:
            filled = list(self._unfilled)
        offered = analysis.offered
        # A yes-or-no question naming things of two kinds states a claim about how they are linked.
        claim = (analysis.first in CLAIM_STARTS or analysis.last in CLAIM_ENDS) and len(
            {t for m in mentions for t in m.types}
        ) > 1
        claim_bonus = CLAIM_BONUS if claim else ANSWER_TYPE_BONUS
        topical = mentions or any(w in self.vocabulary and w not in FUNCTION_WORDS for w in analysis.content)
        if not topical and self._no_slots >= 0:  # "best pizza topping" names nothing of ours at all
            filled[self._no_slots] = Filled({}, (), 0.0, frozenset(), frozenset())
        readings = []
        by_agents: dict[int, Filled] = {}  # slots filled with the muscles doing a movement named by its doer
        doers = {m.via for m in analysis.agents if m.via}  # movements named by their doer
        about_movement = not asks_for or not asks_for.isdisjoint(self._movement_answers)
        effects, causers = analysis.effects, analysis.causers
        for intent, lex, shape, answers, effect_slots in zip(
            self.intents, lexical, self._slot_shape, self._answers, self._effect_slots, strict=True
        ):
            if intent.kind == "chitchat":
                if not mentions:
                    readings.append(Reading(intent, {}, (), lex, lex + unknown_penalty))
                continue
            slots, missing, fit, spare, taken = filled[shape]
            if missing and lex < FOLLOW_UP_LEXICAL and not analysis.agents:
                continue  # neither answerable nor worded enough like this kind to take a slot from context
            if missing and analysis.agents:
                # only a muscle fits: "which nerve supplies the main dorsiflexor?" asks about the muscle doing it
                if shape not in by_agents:
                    by_agents[shape] = self._fill(self._shapes[shape], analysis.agents)
                if not by_agents[shape].missing:
                    slots, missing, fit, spare, taken = by_agents[shape]
                    # ... unless something about the movement itself answers what is asked
                    fit = AGENT_FIT * fit - (AGENT_PENALTY if about_movement else 0.0)
            elif doers and asks_for.isdisjoint(answers) and any(m.entity_ids[0] in doers for m in slots.values()):
                # "which nerve supplies the dorsiflexor?" does not ask which muscles dorsiflex
                fit -= AGENT_PENALTY if asks_for else 0.0
            if intent.answers_by_type and slots:  # what a muscle is part of is a group, never a nerve
                answers = intent.answer_types(t for m in slots.values() for t in m.types)
            if mentions and not intent.slots and spare.isdisjoint(answers):
                fit -= UNUSED_NAMES  # "which root does dorsiflexion?" is not answered by a slotless intent
            elif mentions and not intent.slots:
                # ... but things of the kinds it tells of confirm it ("DF weakness post decompression")
                fit += NAMED_TOPIC * min(2, len(spare & answers))
            score = LEX_WEIGHT * lex + (1 - LEX_WEIGHT) * fit
            if asks_for and not answers and intent.slots and not missing:
                score -= ANSWER_TYPE_BONUS  # "which root ..." asks for a kind of thing this gives none of
            if answers and not missing:  # a reading that cannot be answered earns nothing
                if not asks_for.isdisjoint(answers):
                    score += ANSWER_TYPE_BONUS  # "which nerve ..." asks for a nerve
                elif asks_for:
                    score -= ANSWER_TYPE_BONUS  # ... and is not answered with a group
                if not spare.isdisjoint(answers):
                    # "does S1 help with dorsiflexion?" asks for roots; "is the TA supplied by L5?" checks
                    # the TA's roots, not L5's muscles
                    score += claim_bonus if not claim or HUB_TYPES.isdisjoint(spare & answers) else 2 * claim_bonus
                if claim and spare - HUB_TYPES and not HUB_TYPES.isdisjoint(taken):
                    # ... and "is L5 responsible for plantar flexion?" checks plantar flexion's roots, not
                    # everything about L5: a claim is about the more particular thing
                    score -= claim_bonus
            if offered:
                # "is the knee reflex L4 or S1?" asks for a root, and is not about L4 alone
                score += -2 * CHOICE_BONUS if offered.isdisjoint(answers) or missing else CHOICE_BONUS
                if not offered.isdisjoint(taken):
                    score -= CHOICE_BONUS
            if (
                effects
                and effect_slots is not None
                and any(m.start in effects for slot, m in slots.items() if slot not in effect_slots)
            ):
                score -= EFFECT_PENALTY  # "what injury causes foot drop?" asks for its causes, not its effects
            if (
                causers
                and effect_slots
                and any(m.start in causers for slot, m in slots.items() if slot in effect_slots)
            ):
                score -= EFFECT_PENALTY  # ... and "what does a weak TA cause?" for its effects
            readings.append(Reading(intent, slots, missing, lex, score))
        if not mentions:
            # small talk yields to a question of the domain its words fit as well ("where do the sources disagree?")
            best_query = max((r.lexical for r in readings if r.intent.kind == "query" and not r.missing), default=0.0)
            readings = [
                r._replace(score=r.score - CHITCHAT_YIELD)
                if r.intent.kind == "chitchat" and r.lexical <= best_query
                else r
                for r in readings
            ]
        readings.sort(key=_reading_order)
        return readings

    def _fill_plan_uncached(self, kinds: tuple[str, ...]) -> tuple[Plan, ...]:
        """How each slot shape is filled by mentions of these kinds, one thing each, as `_fill` fills it:
        each slot by the mention's index. Questions naming things of the same kinds share it (remembered),
        and a question's own mentions are put in."""
        plans: list[Plan] = []
        for intent in self._shapes:
            if not intent.slots:  # (as `_fill`: the words alone must carry it)
                plans.append(((), (), 0.5, frozenset(kinds), frozenset()))
                continue
            taken: dict[str, int] = {}  # slot -> the first mention not yet taken whose type fits
            for slot, types in intent.slots.items():
                n = next((n for n, kind in enumerate(kinds) if kind in types and n not in taken.values()), -1)
                if n >= 0:
                    taken[slot] = n
            missing = tuple(s for s in intent.slots if s not in taken)
            fit = 0.0 if missing else min(_kind_fit(intent.slots[s], kinds[n]) for s, n in taken.items())
            spare = frozenset(kind for n, kind in enumerate(kinds) if n not in taken.values())
            plans.append((tuple(taken.items()), missing, fit, spare, frozenset(kinds[n] for n in taken.values())))
        return tuple(plans)

    def _fill(self, intent: Intent, mentions: Sequence[Mention]) -> Filled:
        """An intent's slots filled from mentions, any of them ambiguous (`_fill_plan` does it by kinds)."""
        if not intent.slots:
            # Nothing named confirms the topic: the words alone must carry it.
            return Filled({}, (), 0.5, frozenset(t for m in mentions for t in m.types), frozenset())
        if not mentions:
            return Filled({}, tuple(intent.slots), 0.0, frozenset(), frozenset())
        slots, missing = fill_slots(intent, mentions, self.entity_types)
        fit = 0.0 if missing else min(_type_fit(intent, s, m, self.entity_types) for s, m in slots.items())
        used = slots.values()
        spare = frozenset(t for m in mentions if m not in used for t in m.types)
        return Filled(slots, missing, fit, spare, frozenset(t for m in used for t in m.types))


class Filled(NamedTuple):
    """An intent's slots filled from a question's mentions."""

    slots: dict[str, Mention]
    missing: tuple[str, ...]  # slots no mention fits
    fit: float  # how well the mentions' types fit the slots
    spare: frozenset[str]  # types of the mentions left over
    taken: frozenset[str]  # types of the mentions in slots


# A Filled for mentions of given kinds, each slot by its mention's index: (slot, index) pairs, then the rest.
Plan = tuple[tuple[tuple[str, int], ...], tuple[str, ...], float, frozenset[str], frozenset[str]]


def compares(words: Sequence[str]) -> bool:
    """Whether a question compares things: "how to differentiate", "tell them apart" (not "apart from")."""
    told_apart = "apart" in words and words[words.index("apart") + 1 : words.index("apart") + 2] != ["from"]
    return told_apart or not COMPARE_WORDS.isdisjoint(words)


def _offered(mentions: Sequence[Mention], words: Sequence[str], options: bool = False) -> frozenset[str]:
    """Types the question offers a choice of ("L4 or S1", "superior or inferior gluteal nerve")."""
    if (not options and not CHOICE_WORDS.intersection(words)) or compares(words):
        return frozenset()
    seen: set[str] = set()
    offered: set[str] = set()
    for mention in mentions:
        for t in set(mention.types):
            (offered if t in seen else seen).add(t)
    if "root" in offered:
        offered.add("level")  # "at L4/L5 or L5/S1": disc levels are named by the roots either side
    return frozenset(offered)


def _reading_order(reading: Reading) -> tuple[float, str]:
    return -reading.score, reading.intent.name


def fill_slots(
    intent: Intent, mentions: Sequence[Mention], entity_types: dict[str, str]
) -> tuple[dict[str, Mention], tuple[str, ...]]:
    """Give each slot the first unused mention whose type fits; report the slots left empty."""
    if not mentions:
        return {}, tuple(intent.slots)
    used: set[int] = set()
    slots: dict[str, Mention] = {}
    for slot, types in intent.slots.items():
        for n, mention in enumerate(mentions):
            if n in used:
                continue
            fitting = tuple(e for e in mention.entity_ids if entity_types[e] in types)
            if fitting:
                slots[slot] = (
                    mention if len(fitting) == len(mention.entity_ids) else _narrow(mention, fitting, entity_types)
                )
                used.add(n)
                break
    missing = tuple(s for s in intent.slots if s not in slots)
    return slots, missing


def _type_fit(intent: Intent, slot: str, mention: Mention, entity_types: dict[str, str]) -> float:
    """1.0 when the mention is the slot's first-listed type, a little less for each later one."""
    types = intent.slots[slot]
    return max(_kind_fit(types, entity_types[e]) for e in mention.entity_ids if entity_types[e] in types)


def _kind_fit(types: Sequence[str], kind: str) -> float:
    return max(0.85, 1.0 - 0.05 * types.index(kind))


def _narrow(mention: Mention, ids: tuple[str, ...], entity_types: dict[str, str]) -> Mention:
    types = tuple(dict.fromkeys(entity_types[e] for e in ids))
    return Mention(mention.start, mention.end, mention.text, ids, types)


def _block_keys(word: str, short: bool, long: bool) -> tuple[str, ...]:
    """The blocks a word is filed under or looked up in: its first and last letter, or two of each."""
    return (*((word[0], "-" + word[-1]) if short else ()), *((word[:2], "-" + word[-2:]) if long else ()))


def _by_doer(mention: Mention) -> bool:
    """Whether a mention says a doer of a movement: "dorsiflexor", "knee flexors", "foot inverter"."""
    return any(len(w) > 5 and w.endswith(("or", "ors", "er", "ers")) for w in mention.text.casefold().split())


def _narrowed(mentions: list[Mention], raw: Sequence[str]) -> list[Mention]:
    """A name that could mean several things, next to one that names one of them, is that one:
    "glutes medius" is the gluteus medius, not the glutes and then the medius."""
    if len(mentions) < 2 or not any(len(m.entity_ids) > 1 for m in mentions):
        return mentions
    out: list[Mention] = []
    for m in sorted(mentions, key=lambda m: m.start):
        last = out[-1] if out else None
        if last is not None and last.end == m.start and not last.via and not m.via:
            wide, narrow = (last, m) if len(last.entity_ids) > len(m.entity_ids) else (m, last)
            if set(narrow.entity_ids) < set(wide.entity_ids):
                text = " ".join(raw[last.start : m.end])
                out[-1] = Mention(last.start, m.end, text, narrow.entity_ids, narrow.types)
                continue
        out.append(m)
    return out


def _caused(words: Sequence[str], mention: Mention) -> bool:
    """Whether a name is said as what something causes: "... causes foot drop", "... leads to foot
    drop", "foot drop is a sign of ..."."""
    start, end = mention.start, mention.end
    before = (start >= 1 and words[start - 1] in CAUSE_VERBS) or tuple(words[max(0, start - 2) : start]) in CAUSE_PAIRS
    end += end < len(words) and words[end] in ("is", "are")  # "foot drop is a sign of what?"
    return before or tuple(words[end : end + 2]) in SIGN_OF


def _put_to_judge(words: Sequence[str]) -> list[str] | None:
    """A claim put up to be judged, as the yes-or-no question it asks: "I was taught the TA is mainly
    L4, am I wrong?" is "is the TA mainly L4?" (who said it goes); None for anything else."""
    if not words or words[-1] not in JUDGED_LAST:
        return None
    tag = next((t for t in JUDGED_BY if len(words) > len(t) and tuple(words[-len(t) :]) == t), None)
    if tag is None:
        return None
    claim = list(words[: -len(tag)])
    said = next((i for i, w in enumerate(claim[:6]) if w in REPORTING_WORDS), -1)  # "I read (that)", "a student says"
    claim = list(dropwhile(lambda w: w in ("that", "me"), claim[said + 1 :]))  # "someone told me (that)"
    verb = next((i for i, w in enumerate(claim) if w in ("is", "are")), 0)
    if not 0 < verb <= 4 or not (ASKING_WORDS - CLAIM_STARTS).isdisjoint(claim):  # "which one is right?"
        return None
    return [claim[verb], *claim[:verb], *claim[verb + 1 :]]


def _asks_what_is_weak(words: Sequence[str]) -> bool:
    """Whether a question asks which muscles have gone weak ("which muscles are weak?"): of a sign it
    names, the weak muscles are a cause ("positive Trendelenburg sign, which muscles are weak?")."""
    return any(
        a in ("which", "what") and b in ("muscle", "muscles") and not WEAK_WORDS.isdisjoint(words[i + 2 : i + 5])
        for i, (a, b) in enumerate(pairwise(words))
    )


def _causing(words: Sequence[str], mention: Mention) -> bool:
    """Whether a name is said as what causes something: "what does foot drop cause?", "what can X lead to?"."""
    start, end = mention.start, mention.end
    asked = start >= 1 and words[start - 1] in ("does", "do", "can", "could", "will", "would", "might", "may")
    return asked and ((end < len(words) and words[end] in CAUSE_VERBS) or tuple(words[end : end + 2]) in CAUSE_PAIRS)


def _complains(words: list[str]) -> bool:
    """Whether a short message of acknowledgement words is negated into a complaint: "that's not
    helpful", "not useful" (not "thanks, not bad", nor a question)."""
    thanked = not {"thanks", "thank", "thx", "ty", "cheers", "bad"}.isdisjoint(words)
    return len(words) <= SHORT_CORRECTION and not thanked and QUESTION_WORDS.isdisjoint(words)


def _corrects(words: list[str]) -> bool:
    """Whether a short message takes back part of the last question: "sorry, not L5, I want L4",
    "wait no i meant EHL" (not "wait, why is the TA not weak?", which asks a question of its own)."""
    if not words or words[0] not in CORRECTING or len(words) > SHORT_CORRECTION:
        return False
    meant = any(a == "i" and b in ("meant", "mean", "want") for a, b in pairwise(words))
    return (meant or "not" in words) and QUESTION_WORDS.isdisjoint(words)


def _in_context(words: list[str]) -> list[str]:
    """Words read as their plain forms where the rest of the message says they mean that: "how would
    you confirm it on examination?" (a test); and in a short follow-up, though not in a case, "n the
    root?" (but not "tibial n."), "what is he doing?" (but not a patient's "he"), "which nerve is
    giving to it?" (but not a knee "giving way")."""
    if "confirm" in words and not EXAMINING.isdisjoint(words):
        words = ["test" if w == "confirm" else w for w in words]
    if not words or len(words) > SHORT_CORRECTION or not PATIENT_WORDS.isdisjoint(words):
        return words
    out = ["and" if n == 0 and w == "n" else w for n, w in enumerate(words)]
    out = ["it" if w in ("he", "she", "him") else w for w in out]
    after = [*out[1:], ""]
    return ["supplies" if w == "giving" and a != "way" else w for w, a in zip(out, after, strict=True)]


def _corrected(words: list[str], aliases: Collection[str]) -> list[str]:
    """A correction of the last question without what it takes back: "no, S1 not S2" -> "no S1",
    "wait no i meant EHL" -> "wait no EHL"."""
    kept: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "not":  # the name after "not" is taken back, however many words it has
            named = (n for n in range(MAX_ALIAS_WORDS, 0, -1) if " ".join(words[i + 1 : i + 1 + n]) in aliases)
            i += 1 + next(named, 1)
            continue
        if words[i] in ("meant", "mean", "want") and kept[-1:] == ["i"]:
            kept.pop()  # "i meant", "i want"
        else:
            kept.append(words[i])
        i += 1
    return kept or words


def _past_frame(words: Sequence[str], start: int) -> int:
    """Where the question itself starts, after a frame around it: "I need to know how ..."."""
    for i in range(start, len(words)):
        if words[i] in INDIRECT_WH:
            return i if FRAME_VERBS.intersection(words[start:i]) else start
        if words[i] not in FRAME_WORDS:
            # "can you tell me the nerve of the TA", though not "tell me about ..." nor "explain it"
            told = i > start and words[i - 1] in ("know", "me") and FRAME_VERBS.intersection(words[start:i])
            return i if told and words[i] not in TOLD_ABOUT else start
    return start


def _as_direct(sequence: tuple[str, ...]) -> tuple[str, ...]:
    """An indirect question's word order made direct: "(I wonder) what @ does" is "what does @ do",
    "(tell me) how @ is tested" is "how is @ tested"."""
    at = sequence.index(SLOT) if SLOT in sequence else -1
    if at < 1 or at + 1 >= len(sequence) or sequence[at + 1] not in INVERTED:
        return sequence
    verb, rest = sequence[at + 1], sequence[at + 2 :]
    return (*sequence[:at], verb, SLOT, *(rest or (("do",) if verb in ("does", "do") else ())))


def _is_placeholder(example: str, word: str) -> bool:
    return "{" + word + "}" in example


def _spelled_out(words: list[str]) -> list[str]:
    """ "whats" (from "what's") is "what is"."""
    if CONTRACTIONS.keys().isdisjoint(words):
        return words
    return [part for w in words for part in CONTRACTIONS.get(w, (w,))]


def _join_root_names(words: list[str]) -> list[str]:
    """'L 5', 'L-5' and 's 1' were split by normalisation; put them back together."""
    out: list[str] = []
    for w in words:
        if out and out[-1] in ("l", "s") and w.isdigit() and len(w) == 1:
            out[-1] += w
        else:
            out.append(w)
    return out


def alias_key(text: str) -> str:
    return normalize(text)
