"""Write a synthetic nervebot project folder of a chosen size, for timing the bot at scale.

    python benchmarks/synth.py OUT --aliases 100000 --facts 1000000 [--seed 0]
    nervebot build --root OUT --db OUT/facts.db

OUT gets sources/ (the real documents plus generated ones whose sentences state the facts),
knowledge/ (the real relations; the real entities and facts merged with generated ones: N entities
of the real types, several aliases each, abbreviations and multi-word ones among them, families that
share an ambiguous word, and facts quoting single sentences verbatim; the generated facts go to
knowledge/facts.synthetic.jsonl, one a line, which the build reads far faster than YAML),
`synthetic.eval.yaml` (questions about generated facts, in the *.eval.yaml format, so accuracy can
be measured at scale) and `synth.json` (what was asked for and what was made). The same seed writes
the same bytes.

Generated entities only relate to each other, so every real question keeps its real answer; what
grows is everything the matcher, the store and the build must look through.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.matcher import COMMON_WORDS
from bot.sentences import ABBREVIATIONS
from bot.text import normalize, tokens

REPO = Path(__file__).resolve().parent.parent
# Share of entities of each type, from the real knowledge/entities.yaml.
TYPE_WEIGHTS = {
    "movement": 10,
    "muscle": 8,
    "sign": 8,
    "nerve": 5,
    "exam": 5,
    "root": 4,
    "condition": 3,
    "muscle_group": 2,
    "region": 2,
    "level": 2,
    "factor": 2,
    "plexus": 1,
    "procedure": 1,
}
# Share of facts of each relation, from the real knowledge/facts.yaml. `weakness_of` is not drawn:
# each generated weakness sign gets exactly one, as in the real data.
RELATION_WEIGHTS = {
    "produces": 13,
    "supplies": 11,
    "performs": 10,
    "injury_causes": 9,
    "innervates": 8,
    "examined_by": 7,
    "part_of": 6,
    "can_cause": 6,
    "occurs_at": 2,
    "diagnoses": 2,
    "recovery_factor": 2,
    "runs": 1,
    "sensory_area": 1,
    "improves_after": 1,
}
QUALIFIERS = {
    "produces": ["primary", "associated", "also"],
    "performs": ["primary", "assists", "major", "also"],
    "innervates": ["also", "primary"],
    "supplies": ["also", "primary"],
    "injury_causes": ["usually", "possible"],
    "can_cause": ["possible", "usually"],
    "improves_after": ["possible"],
    "recovery_factor": ["predicts", "better"],
    "runs": ["behind"],
    "part_of": ["important"],
}
QUALIFIER_WORDS = {
    "primary": "primarily",
    "associated": "is associated with and",
    "also": "also",
    "assists": "assists and",
    "major": "plays a major role and",
    "usually": "usually",
    "possible": "possibly",
    "predicts": "predictably",
    "better": "markedly",
    "behind": "directly",
    "important": "importantly",
    "not": "not",
}
# How each relation reads in a sentence; `{s}`, `{o}` are the entities as the document writes them.
CLAUSES = {
    "part_of": ["the {s} {q}forms part of the {o}", "the {s} is {q}a component of the {o}"],
    "innervates": ["the {o} is {q}innervated by the {s}", "the {s} {q}supplies motor fibres to the {o}"],
    "supplies": ["the {s} {q}supplies the {o}", "fibres from the {s} {q}reach the {o}"],
    "performs": ["the {s} {q}produces {o}", "the {s} is {q}responsible for {o}"],
    "produces": ["the {s} is {q}responsible for {o}", "{o} {q}depends on the {s}"],
    "injury_causes": ["injury of the {s} can {q}cause {o}", "damage to the {s} {q}leads to {o}"],
    "can_cause": ["{s} can {q}lead to {o}", "{o} can {q}follow {s}"],
    "weakness_of": ["{s} is weakness of the {o}"],
    "sensory_area": ["the {s} {q}gives sensory innervation to the {o}", "the {o} {q}takes its sensation from the {s}"],
    "examined_by": ["the {s} is {q}assessed by {o}", "{o} {q}tests the {s}"],
    "occurs_at": ["{s} {q}occurs at the {o}", "{s} is {q}seen at the {o}"],
    "improves_after": ["{s} {q}improves after {o}, with gains seen by week {n}"],
    "recovery_factor": ["recovery of {s} is {q}related to {o}, which shapes the outcome at month {n}"],
    "runs": ["the {s} {q}runs past the {o}", "the {s} {q}passes the {o}"],
    "diagnoses": ["the {s} {q}helps diagnose {o}", "{o} is {q}identified with the {s}"],
}
# Intents whose answer names a known entity, and how a generated fact asks them.
ASKS = {
    "innervates": ("nerve_of_muscle", "object", "subject"),
    "supplies": ("roots_of_muscle", "object", "subject"),
    "performs": ("muscle_action", "subject", "object"),
    "examined_by": ("root_exam", "subject", "object"),
    "sensory_area": ("root_dermatome", "subject", "object"),
    "injury_causes": ("causes", "object", "subject"),
    "occurs_at": ("herniation_levels", "subject", "object"),
    "runs": ("runs_past", "object", "subject"),
}
LATIN = [
    "anterior",
    "posterior",
    "superior",
    "inferior",
    "medialis",
    "lateralis",
    "profundus",
    "superficialis",
    "longus",
    "brevis",
    "major",
    "minor",
    "magnus",
    "tertius",
    "obliquus",
    "transversus",
]
MOTIONS = {  # movement: (verb, the muscles that do it)
    "flexion": ("flex", "flexors"),
    "extension": ("extend", "extensors"),
    "abduction": ("abduct", "abductors"),
    "adduction": ("adduct", "adductors"),
    "rotation": ("rotate", "rotators"),
    "inversion": ("invert", "invertors"),
    "eversion": ("evert", "evertors"),
    "elevation": ("elevate", "elevators"),
}
VERBS = frozenset(form for verb, _ in MOTIONS.values() for form in (verb, verb + "s", verb.rstrip("e") + "ing"))
EVIDENCE = [
    "synthetic textbook chapter (narrative review)",
    "synthetic lecture notes, unreviewed",
    "synthetic systematic review summary",
]
ONSETS = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "br", "cr", "dr", "fl", "gr", "pl", "pr"]
ONSETS += ["sc", "st", "tr", "qu", "ph", "th", "ch", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ae", "ia", "io", "ei"]
ENDINGS = ["us", "is", "ar", "al", "ine", "ior", "ens", "ax", "um", "ata", "alis", "oris", "eus", "ic"]


@dataclass
class Entity:
    id: str
    type: str
    name: str
    aliases: list[str]
    words: tuple[str, ...]  # the invented words in its name, where a typo lands


@dataclass
class Fact:
    relation: str
    subject: Entity
    object: Entity
    qualifier: str = ""
    note: str = ""
    sources: list[tuple[str, str]] = field(default_factory=list)  # (document id, quote)

    @property
    def triple(self) -> tuple[str, str, str]:
        return (self.relation, self.subject.id, self.object.id)


@dataclass(frozen=True)
class Manifest:
    seed: int
    requested: dict[str, int]
    counts: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "requested": self.requested, "counts": self.counts}


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


class Names:
    """Invents pronounceable Latin-looking words and hands out alias keys that nothing else holds."""

    def __init__(self, rng: random.Random, taken: Iterable[str], reserved: Iterable[str]) -> None:
        self.rng = rng
        self.taken = set(taken)  # normalised alias, ambiguous and homonym keys
        self.reserved = set(reserved)  # words that must not become a whole alias (English, intents)
        self.pool: list[str] = []

    def coin(self) -> str:
        while True:
            parts = [self.rng.choice(ONSETS) + self.rng.choice(VOWELS) for _ in range(self.rng.randint(1, 3))]
            word = "".join(parts) + self.rng.choice(["l", "n", "r", "m", "t", "c", ""]) + self.rng.choice(ENDINGS)
            if 5 <= len(word) <= 13 and word not in self.reserved:
                return word

    def grow(self, n: int) -> None:
        seen = set(self.pool)
        while len(self.pool) < n:
            word = self.coin()
            if word not in seen:
                seen.add(word)
                self.pool.append(word)

    def word(self) -> str:
        return self.rng.choice(self.pool)

    def free(self, written: str) -> bool:
        key = normalize(written)
        return bool(key) and key not in self.taken and key not in self.reserved

    def claim(self, written: str) -> None:
        self.taken.add(normalize(written))

    def abbreviation(self, words: list[str]) -> str:
        """Initials, like EHL or DPN; a digit is added when the plain one is taken."""
        base = "".join(w[0] for w in words if w[:1].isalpha()).upper()
        if len(base) < 3:
            base = (words[0][:2] + "".join(w[0] for w in words[1:])).upper()
        for n in range(0, 50):
            candidate = base if n == 0 else f"{base}{n + 1}"
            if self.free(candidate) and candidate.lower() not in ABBREVIATIONS:
                return candidate
        return base + str(self.rng.randrange(10**6))


Shape = Callable[[Names], tuple[str, list[str], tuple[str, ...]]]


def _root(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    label = f"{names.rng.choice('KQVXZ')}{names.rng.randint(1, 999)}"
    return (
        f"{label} nerve root",
        [label, f"{label} root", f"{label} nerve", f"{label} roots", f"{label} spinal root"],
        (),
    )


def _plexus(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w = names.word()
    return (
        f"{w} plexus",
        [f"{w} plexuses", f"{w}al plexus", names.abbreviation([w, "plexus"]), f"{w} nerve plexus"],
        (w,),
    )


def _nerve(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w, lat, other = names.word(), names.rng.choice(LATIN), names.rng.choice(LATIN)
    return (
        f"{lat} {w} nerve",
        [
            f"{lat} {w}",
            f"{lat[:3]} {w} nerve",
            names.abbreviation([lat, w, "nerve"]),
            f"{w} nerve",
            f"{lat} {w} n",
            f"{other} {w} nerve",
        ],
        (w,),
    )


def _muscle(names: Names, w: str = "", lat: str = "") -> tuple[str, list[str], tuple[str, ...]]:
    w = w or names.word()
    lat = lat or names.rng.choice(LATIN)
    return (
        f"{w} {lat}",
        [
            f"{w} {lat} muscle",
            names.abbreviation([w, lat]),
            f"{w[:4]} {lat[:3]}",
            f"{lat} {w}",
            f"{w[:4]} {lat}",
            f"{lat} {w} muscle",
        ],
        (w,),
    )


def _muscle_group(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w, motion = names.word(), names.rng.choice(list(MOTIONS))
    doer = MOTIONS[motion][1]
    return (
        f"{w} {doer}",
        [f"{w} {doer[:-1]}", f"{w} {doer} muscles", f"{doer} of the {w}", f"{w} {motion} muscles"],
        (w,),
    )


def _movement(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w, motion = names.word(), names.rng.choice(list(MOTIONS))
    verb = MOTIONS[motion][0]
    return (
        f"{w} {motion}",
        [
            f"{motion} of the {w}",
            f"{verb} the {w}",
            f"{verb}s the {w}",
            f"{verb.rstrip('e')}ing the {w}",
            f"{w} {verb}",
        ],
        (w,),
    )


def _sign(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w, kind = names.word(), names.rng.choice(["drop", "palsy", "gait", "limp", "sign", "clonus"])
    return f"{w} {kind}", [f"{kind} {w}", f"{w} {kind}s", f"{w}ic {kind}", f"positive {w} {kind}"], (w,)


def _region(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w, part = names.word(), names.rng.choice(["surface", "crest", "fossa", "margin", "tubercle"])
    return f"{w} {part}", [f"{part} of the {w}", f"{w} {part} area", f"{w}al {part}"], (w,)


def _exam(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w = names.word()
    return (
        f"{w} reflex",
        [
            f"{w} reflexes",
            f"{w} jerk",
            f"{w} tendon reflex",
            f"{w} strength",
            names.abbreviation([w, "reflex", "test"]),
        ],
        (w,),
    )


def _condition(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w, kind = names.word(), names.rng.choice(["stenosis", "herniation", "syndrome", "neuropathy", "entrapment"])
    return (
        f"{w} {kind}",
        [f"{w}al {kind}", f"{kind} of the {w}", names.abbreviation([w, kind]), f"{w} {kind}s"],
        (w,),
    )


def _level(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    letter, n = names.rng.choice("KQVXZ"), names.rng.randint(1, 998)
    a, b = f"{letter}{n}", f"{letter}{n + 1}"
    return f"{a}/{b} level", [f"{a} {b} level", f"{a}-{b} disc", f"{a}-{n + 1} level", f"{a} {b} disc"], ()


def _procedure(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w = names.word()
    return f"{w} decompression", [f"{w}ectomy", f"{w} surgery", f"{w} release", f"{w} decompressive surgery"], (w,)


def _factor(names: Names) -> tuple[str, list[str], tuple[str, ...]]:
    w, kind = names.word(), names.rng.choice(["index", "score", "grade"])
    return f"the {w} {kind}", [f"{w} {kind}", f"{kind} of {w}", f"{w} {kind} at presentation"], (w,)


SHAPES: dict[str, Shape] = {
    "root": _root,
    "plexus": _plexus,
    "nerve": _nerve,
    "muscle": _muscle,
    "muscle_group": _muscle_group,
    "movement": _movement,
    "sign": _sign,
    "region": _region,
    "exam": _exam,
    "condition": _condition,
    "level": _level,
    "procedure": _procedure,
    "factor": _factor,
}


class Generator:
    def __init__(self, root: Path, seed: int, aliases: int, facts: int, per_doc: int) -> None:
        self.root = root
        self.seed = seed
        self.rng = random.Random(seed)
        self.want_aliases = aliases
        self.want_facts = facts
        self.per_doc = per_doc
        self.real_entities = _read(root / "knowledge" / "entities.yaml")
        self.real_facts = _read(root / "knowledge" / "facts.yaml")
        self.real_sources = _read(root / "sources" / "sources.yaml")
        self.relations: dict[str, Any] = _read(root / "knowledge" / "relations.yaml")["relations"]
        self.examples = {
            p.stem: [str(e) for e in (_read(p).get("examples") or [])]
            for p in sorted((root / "intents").glob("*.yaml"))
        }
        taken: set[str] = set()
        for e in self.real_entities["entities"]:
            taken |= {normalize(str(a)) for a in [e["name"], *(e.get("aliases") or [])]}
        self.real_alias_count = len(taken)
        for key in [*self.real_entities.get("ambiguous", {}), *self.real_entities.get("homonyms", {})]:
            taken.add(normalize(str(key)))
        example_words = {w for ex in self.examples.values() for e in ex for w in tokens(e)}
        self.names = Names(self.rng, taken, COMMON_WORDS | example_words | ABBREVIATIONS)
        self.entities: list[Entity] = []
        self.ambiguous: dict[str, list[str]] = {}
        self.facts: list[Fact] = []
        self.documents: list[dict[str, Any]] = []
        self.not_claims: list[tuple[str, str]] = []
        self.conflicts: list[tuple[Fact, Fact]] = []
        self.alias_total = self.real_alias_count
        self.sentences = 0

    # -- entities --------------------------------------------------------------------------------------
    def make_entities(self) -> None:
        budget = self.want_aliases - self.real_alias_count
        if budget < 20:
            raise SystemExit(
                f"synth: --aliases must be at least {self.real_alias_count + 20} "
                f"(the real entities alone have {self.real_alias_count})"
            )
        # Enough entities that the facts need not join most pairs; fewer aliases each if need be.
        needed = math.ceil(math.sqrt(self.want_facts / 0.08))
        per_entity = min(5.0, max(1.2, budget / needed))
        self.names.grow(max(100, int(budget / per_entity * 0.8)))
        types, weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
        counters: dict[str, int] = {}
        weak_targets: list[Entity] = []  # muscles and movements without a weakness sign yet
        while budget > 0:
            kind = self.rng.choices(types, weights)[0]
            want = max(1, min(budget, round(self.rng.uniform(per_entity - 1, per_entity + 1))))
            if kind == "muscle" and self.rng.random() < 0.3:
                budget -= self._muscle_family(want, counters)
            elif kind == "sign" and weak_targets and self.rng.random() < 0.4:
                budget -= self._weakness_sign(weak_targets, want, counters)
            else:
                budget -= self._entity(kind, SHAPES[kind](self.names), want, counters)
            if self.entities and self.entities[-1].type in ("muscle", "movement"):
                weak_targets.append(self.entities[-1])
        self.alias_total = self.want_aliases - budget

    def _entity(
        self, kind: str, shape: tuple[str, list[str], tuple[str, ...]], want: int, counters: dict[str, int]
    ) -> int:
        """Add one entity with up to `want` alias keys (its name included); return how many it took."""
        name, aliases, words = shape
        if not self.names.free(name):
            return 0
        self.names.claim(name)
        chosen: list[str] = []
        for alias in aliases:
            if len(chosen) + 1 >= want:
                break
            if self.names.free(alias):
                self.names.claim(alias)
                chosen.append(alias)
        counters[kind] = counters.get(kind, 0) + 1
        self.entities.append(Entity(f"syn-{kind.replace('_', '-')}-{counters[kind]:05d}", kind, name, chosen, words))
        return 1 + len(chosen)

    def _muscle_family(self, want: int, counters: dict[str, int]) -> int:
        """Two or three muscles sharing a word, like the glutei: the word alone is ambiguous."""
        w = self.names.word()
        if not self.names.free(w):
            return 0
        used = 0
        members = []
        for lat in self.rng.sample(["major", "minor", "medius", "longus", "brevis", "tertius"], self.rng.randint(2, 3)):
            n = self._entity("muscle", _muscle(self.names, w, lat), want, counters)
            if n:
                used += n
                members.append(self.entities[-1].id)
        if len(members) >= 2:
            self.names.claim(w)
            self.ambiguous[w] = members
        return used

    def _weakness_sign(self, targets: list[Entity], want: int, counters: dict[str, int]) -> int:
        """Like the real "weakness of the tibialis anterior": a sign that is one muscle's weakness."""
        i = self.rng.randrange(len(targets))
        targets[i], targets[-1] = targets[-1], targets[i]
        target = targets.pop()
        shape = (
            f"weakness of the {target.name}",
            [f"{target.name} weakness", f"weak {target.name}", f"weakness of {target.name}"],
            target.words,
        )
        used = self._entity("sign", shape, want, counters)
        if used:
            self.facts.append(Fact("weakness_of", self.entities[-1], target))
        return used

    # -- facts -------------------------------------------------------------------------------------------
    def make_facts(self) -> None:
        pools: dict[str, list[Entity]] = {}
        for e in self.entities:
            pools.setdefault(e.type, []).append(e)
        want = self.want_facts - len(self.real_facts["facts"]) - len(self.facts)
        caps = {}
        for rel in RELATION_WEIGHTS:
            subjects = [e for t in self.relations[rel]["subject"] for e in pools.get(t, [])]
            objects = [e for t in self.relations[rel]["object"] for e in pools.get(t, [])]
            caps[rel] = (subjects, objects, int(0.9 * len(subjects) * len(objects)))
        targets = _fill({r: w for r, w in RELATION_WEIGHTS.items()}, {r: c[2] for r, c in caps.items()}, want)
        if sum(targets.values()) < want:
            raise SystemExit(
                f"synth: {self.want_facts} facts do not fit {len(self.entities)} entities without joining most pairs; "
                "ask for more --aliases"
            )
        for rel, n in targets.items():
            subjects, objects, _ = caps[rel]
            picked = 0
            for idx in self.rng.sample(
                range(len(subjects) * len(objects)), min(len(subjects) * len(objects), n + n // 10 + 5)
            ):
                s, o = subjects[idx // len(objects)], objects[idx % len(objects)]
                if s is o:
                    continue
                qual = ""
                if rel in QUALIFIERS and self.rng.random() < 0.15:
                    qual = self.rng.choice(QUALIFIERS[rel])
                elif rel == "produces" and self.rng.random() < 0.01:
                    qual = "not"
                self.facts.append(Fact(rel, s, o, qual))
                picked += 1
                if picked == n:
                    break
        self.rng.shuffle(self.facts)

    # -- documents ---------------------------------------------------------------------------------------
    def _written(self, e: Entity) -> str:
        """How a document names an entity: mostly its name, sometimes a longer alias."""
        longer = [
            a
            for a in e.aliases
            if len(a.split()) > 1 and a.split()[0] not in VERBS | {"weak", "positive"} and not a.endswith((" n", "s"))
        ]
        return self.rng.choice(longer) if longer and self.rng.random() < 0.3 else e.name

    def _clause(self, f: Fact) -> str:
        template = self.rng.choice(CLAUSES[f.relation])
        qual = QUALIFIER_WORDS[f.qualifier] + " " if f.qualifier else ""
        n = self.rng.randint(2, 52)
        clause = template.format(s=self._written(f.subject), o=self._written(f.object), q=qual, n=n)
        if f.relation in ("improves_after", "recovery_factor"):
            f.note = clause.split(", ", 1)[1]
        return clause

    def make_documents(self) -> None:
        units: list[tuple[str, list[tuple[Fact, tuple[int, int]]]]] = []  # sentence, facts with quote spans
        facts = list(self.facts)
        i = 0
        while i < len(facts):
            if i + 1 < len(facts) and self.rng.random() < 0.15:
                a, b = self._clause(facts[i]), self._clause(facts[i + 1])
                text = f"{a[0].upper()}{a[1:]}, and {b}."
                units.append((text, [(facts[i], (0, len(a) + 1)), (facts[i + 1], (len(a) + 6, len(text)))]))
                i += 2
            else:
                a = self._clause(facts[i])
                text = f"{a[0].upper()}{a[1:]}."
                # Quotes end with the sentence's full stop, so one never also fits inside a longer sentence.
                short = text.startswith("The ") and self.rng.random() < 0.5
                span = (4 if short else 0, len(text))
                units.append((text, [(facts[i], span)]))
                i += 1
        self.rng.shuffle(units)
        n_docs = max(1, math.ceil(len(units) / self.per_doc))
        docs: list[list[tuple[str, list[tuple[Fact, tuple[int, int]]]]]] = [
            units[k * self.per_doc : (k + 1) * self.per_doc] for k in range(n_docs)
        ]
        # A few facts are stated twice, in two documents, as real ones often are.
        home = {id(fact): n // self.per_doc for n, (_, found) in enumerate(units) for fact, _ in found}
        if n_docs > 1:
            for f in self.rng.sample(self.facts, len(self.facts) // 20):
                clause = self._clause(f)
                text = f"As other notes also say, {clause}."
                other = (home[id(f)] + self.rng.randrange(1, n_docs)) % n_docs
                docs[other].append((text, [(f, (len("As other notes also say, "), len(text)))]))
        for k, doc_units in enumerate(docs, 1):
            self._document(k, doc_units)

    def _document(self, k: int, units: list[tuple[str, list[tuple[Fact, tuple[int, int]]]]]) -> None:
        doc_id = f"synth-{k:05d}"
        topic = self.names.word()
        lines = [f"Synthetic course notes, chapter {k}", f"Generated for the nervebot benchmark, seed {self.seed}", ""]
        n_sections = 1 if len(units) < 30 else 2 if len(units) < 90 else 3
        size = math.ceil(len(units) / n_sections)
        sections = []
        last_lines = []  # where each section's last paragraph is, in case its end marker needs help
        for s in range(n_sections):
            part = "ABC"[s]
            start = f"Part {part} of chapter {k}"
            lines.append(start)
            sentences: list[str] = []
            if s == 0:
                intro = f"Chapter {k} brings together what the course notes say about the {topic} and its neighbours."
                sentences.append(intro)
                self.not_claims.append((doc_id, intro))
            for text, found in units[s * size : (s + 1) * size]:
                sentences.append(text)
                for fact, (a, b) in found:
                    fact.sources.append((doc_id, text[a:b]))
            for p in range(0, len(sentences), 5):
                if p and p % 30 == 0:
                    lines.append(f"Notes on the {self.names.word()} and related structures")
                lines.append(" ".join(sentences[p : p + 5]))
            last_lines.append(len(lines) - 1)
            lines.append("")
            sections.append(
                {
                    "id": part.lower(),
                    "label": f"part {part} of synthetic chapter {k}",
                    "evidence": EVIDENCE[(k + s) % len(EVIDENCE)],
                    "start": start,
                    "end": sentences[-1],
                }
            )
        lines.append(f"End of chapter {k}. Reference list and page furniture follow in the original.")
        text = "\n".join(lines) + "\n"
        for sec, line in zip(sections, last_lines, strict=True):
            if text.count(sec["end"]) != 1:  # the last sentence also sits inside a longer one
                closing = f"This closes part {sec['id'].upper()} of chapter {k}."
                lines[line] += " " + closing
                self.not_claims.append((doc_id, closing))
                sec["end"] = closing
        self.sentences += len(units) + 1
        self.documents.append(
            {
                "id": doc_id,
                "file": f"{doc_id}.txt",
                "title": f"Synthetic course notes, chapter {k}: the {topic}",
                "date": f"2024-{(k % 12) + 1:02d}-{(k % 28) + 1:02d}",
                "kind": "synthetic course notes",
                "origin": f"generated by benchmarks/synth.py (seed {self.seed})",
                "sections": sections,
                "text": "\n".join(lines) + "\n",
            }
        )

    def make_conflicts(self) -> None:
        """Two documents that disagree on which root produces a movement, about one in a thousand facts."""
        by_object: dict[str, list[Fact]] = {}
        for f in self.facts:
            if f.relation == "produces" and f.qualifier != "not":
                by_object.setdefault(f.object.id, []).append(f)
        groups = [g for g in by_object.values() if len(g) >= 2]
        self.rng.shuffle(groups)
        for group in groups[: max(1, len(self.facts) // 1000)]:
            a, b = group[0], group[1]
            if {d for d, _ in a.sources}.isdisjoint(d for d, _ in b.sources):
                self.conflicts.append((a, b))

    # -- questions ---------------------------------------------------------------------------------------
    def make_questions(self, n: int) -> list[dict[str, Any]]:
        """Questions about generated facts, with the entity the answer must name: plain, typo'd, follow-ups."""
        by_relation: dict[str, list[Fact]] = {}
        for f in self.facts:
            if (
                f.relation in ASKS
                and f.qualifier != "not"
                and not (f.relation == "innervates" and f.object.type != "muscle")
            ):
                by_relation.setdefault(f.relation, []).append(f)
        relations = sorted(by_relation)
        cases: list[dict[str, Any]] = []
        for i in range(n if relations else 0):
            rel = relations[i % len(relations)]
            fact, other = self.rng.choice(by_relation[rel]), self.rng.choice(by_relation[rel])
            intent, asked_role, said_role = ASKS[rel]
            typo = i % 3 == 1
            expect = {"status": "answered", "intent": intent, "says": [getattr(fact, said_role).name]}
            first = {"q": self._question(intent, getattr(fact, asked_role), typo), "expect": expect}
            tags = ["synthetic", intent, "typo" if typo else "plain"]
            if i % 5 == 4 and other is not fact:
                asked: Entity = getattr(other, asked_role)
                follow = {
                    "q": f"and the {self.rng.choice([asked.name, *asked.aliases])}?",
                    "expect": {"status": "answered", "intent": intent, "says": [getattr(other, said_role).name]},
                }
                cases.append({"conversation": [first, follow], "tags": [*tags, "conversation"]})
            else:
                cases.append({**first, "tags": tags})
        return cases

    def _question(self, intent: str, entity: Entity, typo: bool) -> str:
        example = self.rng.choice([e for e in self.examples[intent] if "{" in e])
        written = self.rng.choice([entity.name, *entity.aliases])
        if typo and entity.words:
            word = entity.words[0]
            written = self.rng.choice([a for a in [entity.name, *entity.aliases] if word in a])
            written = written.replace(word, typo_of(word, self.rng), 1)
        slot = example[example.index("{") : example.index("}") + 1]
        text = example.replace(slot, f"the {written}")
        return text[0].upper() + text[1:] + ("?" if self.rng.random() < 0.7 else "")

    # -- writing -------------------------------------------------------------------------------------------
    def write(self, out: Path, questions: int) -> Manifest:
        started = time.perf_counter()
        self.make_entities()
        self.make_facts()
        self.make_documents()
        self.make_conflicts()
        cases = self.make_questions(questions)
        if out.exists():
            shutil.rmtree(out)
        (out / "sources").mkdir(parents=True)
        (out / "knowledge").mkdir()
        for doc in self.real_sources["documents"]:
            shutil.copy(self.root / "sources" / doc["file"], out / "sources" / doc["file"])
        shutil.copy(self.root / "knowledge" / "relations.yaml", out / "knowledge" / "relations.yaml")
        self._write_sources(out)
        self._write_entities(out)
        self._write_facts(out)
        (out / "synthetic.eval.yaml").write_text(
            "# Questions about generated facts (benchmarks/synth.py): the answer must name the entity in `says`.\n"
            + _dump({"cases": cases})
        )
        counts = {
            "entities": len(self.real_entities["entities"]) + len(self.entities),
            "aliases": self.alias_total,
            "ambiguous": len(self.real_entities.get("ambiguous", {})) + len(self.ambiguous),
            "facts": len(self.real_facts["facts"]) + len(self.facts),
            "generated sentences": self.sentences,
            "documents": len(self.real_sources["documents"]) + len(self.documents),
            "conflicts": len(self.real_facts.get("conflicts", [])) + len(self.conflicts),
            "questions": len(cases),
        }
        manifest = Manifest(
            self.seed,
            {"aliases": self.want_aliases, "facts": self.want_facts, "sentences_per_doc": self.per_doc},
            counts,
            round(time.perf_counter() - started, 2),
        )
        (out / "synth.json").write_text(json.dumps(manifest.to_dict(), indent=2) + "\n")
        return manifest

    def _write_sources(self, out: Path) -> None:
        with (out / "sources" / "sources.yaml").open("w", encoding="utf-8") as fh:
            fh.write("# The real documents, then generated ones (benchmarks/synth.py).\n")
            fh.write(_dump({"documents": self.real_sources["documents"]}))
            for doc in self.documents:
                (out / "sources" / doc["file"]).write_text(doc["text"], encoding="utf-8")
                fh.write(f"- id: {doc['id']}\n  file: {doc['file']}\n  title: {q(doc['title'])}\n")
                fh.write(f"  date: {q(doc['date'])}\n  kind: {q(doc['kind'])}\n  origin: {q(doc['origin'])}\n")
                fh.write("  sections:\n")
                for sec in doc["sections"]:
                    fh.write(f"  - {{id: {sec['id']}, label: {q(sec['label'])}, evidence: {q(sec['evidence'])}, ")
                    fh.write(f"start: {q(sec['start'])}, end: {q(sec['end'])}}}\n")

    def _write_entities(self, out: Path) -> None:
        with (out / "knowledge" / "entities.yaml").open("w", encoding="utf-8") as fh:
            fh.write("# The real entities, then generated ones (benchmarks/synth.py).\n")
            fh.write(_dump({"entities": self.real_entities["entities"]}))
            for e in self.entities:
                aliases = ", ".join(q(a) for a in e.aliases)
                fh.write(f"- {{id: {e.id}, type: {e.type}, name: {q(e.name)}, aliases: [{aliases}]}}\n")
            fh.write(_dump({"ambiguous": self.real_entities.get("ambiguous", {})}))
            for word, ids in self.ambiguous.items():
                fh.write(f"  {q(word)}: [{', '.join(ids)}]\n")
            fh.write(_dump({"homonyms": self.real_entities.get("homonyms", {})}))

    def _write_facts(self, out: Path) -> None:
        with (out / "knowledge" / "facts.synthetic.jsonl").open("w", encoding="utf-8") as fh:
            for f in self.facts:
                entry: dict[str, Any] = {"subject": f.subject.id, "relation": f.relation, "object": f.object.id}
                if f.qualifier:
                    entry["qualifiers"] = [f.qualifier]
                if f.note:
                    entry["note"] = f.note
                if len(f.sources) == 1:
                    entry["source"], entry["quote"] = f.sources[0]
                else:
                    entry["sources"] = [{"document": d, "quote": t} for d, t in f.sources]
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        with (out / "knowledge" / "facts.yaml").open("w", encoding="utf-8") as fh:
            fh.write("# The real facts; the generated ones are in facts.synthetic.jsonl (benchmarks/synth.py).\n")
            fh.write(_dump({"facts": self.real_facts["facts"]}))
            fh.write(_dump({"not_claims": self.real_facts.get("not_claims", [])}))
            for doc, quote in self.not_claims:
                fh.write(f"- {{document: {doc}, quote: {q(quote)}, reason: a chapter's lead-in, not a claim}}\n")
            fh.write(_dump({"conflicts": self.real_facts.get("conflicts", [])}))
            for n, (a, b) in enumerate(self.conflicts, 1):
                sides = ", ".join(
                    f"{{subject: {f.subject.id}, relation: {f.relation}, object: {f.object.id}"
                    + (f", qualifiers: [{f.qualifier}]" if f.qualifier else "")
                    + "}"
                    for f in (a, b)
                )
                note = f"Two sets of notes disagree on which root is responsible for {a.object.name}."
                fh.write(f"- {{id: synth-conflict-{n:05d}, facts: [{sides}], note: {q(note)}}}\n")


def _fill(weights: dict[str, int], caps: dict[str, int], total: int) -> dict[str, int]:
    """Share `total` out by weight, never past a cap; what a full share cannot take goes to the others."""
    out = dict.fromkeys(weights, 0)
    open_ = [r for r in weights if caps[r] > 0]
    left = total
    while left > 0 and open_:
        weight = sum(weights[r] for r in open_)
        given = 0
        for r in open_:
            share = max(1, round(left * weights[r] / weight))
            take = min(share, caps[r] - out[r], left - given)
            out[r] += take
            given += take
        left -= given
        open_ = [r for r in open_ if out[r] < caps[r]]
        if given == 0:
            break
    return out


def typo_of(word: str, rng: random.Random) -> str:
    """One slip of the fingers, never on the first letter: a swap, a dropped, doubled or wrong letter."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(4)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    near = "qwertyuiopasdfghjklzxcvbnm"
    j = near.index(word[i]) if word[i] in near else 0
    return word[:i] + near[(j + 1) % len(near)] + word[i + 1 :]


def _read(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data if isinstance(data, dict) else {}


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, allow_unicode=True, width=10**9
    )


def generate(
    out: Path,
    aliases: int,
    facts: int,
    seed: int = 0,
    sentences_per_doc: int = 200,
    questions: int = 300,
    root: Path = REPO,
) -> Manifest:
    """Write a project folder under `out` (never inside the repository) and say what is in it."""
    out = Path(out).resolve()
    if out == REPO or REPO in out.parents:
        raise SystemExit(f"synth: {out} is inside the repository; pick a folder outside it (e.g. under /tmp)")
    return Generator(root, seed, aliases, facts, sentences_per_doc).write(out, questions)


def parse_count(text: str) -> int:
    """10000, 10k, 1M, 1e6."""
    text = text.strip().lower().replace("_", "")
    scale = {"k": 10**3, "m": 10**6}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write (replaced if it exists; not inside the repo)")
    parser.add_argument("--aliases", type=parse_count, default=1000, help="alias keys in all, real ones included")
    parser.add_argument("--facts", type=parse_count, default=10_000, help="facts in all, real ones included")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sentences-per-doc", type=int, default=200, help="generated sentences per document")
    parser.add_argument("--questions", type=int, default=300, help="cases in synthetic.eval.yaml")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.aliases, args.facts, args.seed, args.sentences_per_doc, args.questions)
    for name, value in manifest.counts.items():
        print(f"{name:<20} {value}")
    print(f"wrote {args.out} in {manifest.seconds} s; now: nervebot build --root {args.out} --db {args.out}/facts.db")
    return 0


if __name__ == "__main__":
    sys.exit(main())
