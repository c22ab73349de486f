"""Checks that run before any matching: urgent red flags and requests for personal medical advice."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_EMERGENCY = "your local emergency number (911 in the US and Canada, 112 in the EU, 999 in the UK)"

_PERSONAL = (
    r"\b(i|im|ive|i'm|i've|my|me|mine|myself|we|our|he|she|his|her|husband|wife|mum|mom|dad|son|daughter|patient)\b"
)
_RED_FLAGS = (
    # cauda equina: bladder or bowel control, saddle numbness
    re.compile(
        r"\b(bladder|bowel|bowels|pee|urinat\w*|incontinen\w*|wet myself|poo|stool)\b.*\b(control|lost|loss|lose|losing|cant|can't|cannot|leak\w*|retention|incontinen\w*)\b"
    ),
    re.compile(
        r"\b(control|lost|loss|lose|losing|cant|can't|cannot|leak\w*|retention)\b.*\b(bladder|bowel|bowels|pee|urin\w*)\b"
    ),
    re.compile(
        r"\b(numb\w*|tingl\w*|no feeling|cant feel|can't feel|pins and needles)\b.*\b(groin|saddle|genital\w*|bum|buttock\w*|perine\w*|anus|inner thighs?|private)\b"
    ),
    re.compile(r"\b(groin|saddle|genital\w*|perine\w*)\b.*\b(numb\w*|tingl\w*|no feeling)\b"),
    re.compile(r"\bsaddle (an)?a?esthesia\b|\bcauda equina\b"),
)
_URGENT_PERSONAL = (
    re.compile(
        r"\b(both|two) (of my |my |of the )?legs\b.*\b(weak\w*|numb\w*|giving way|give way|cant|can't|paraly\w*)\b"
    ),
    re.compile(r"\b(weak\w*|numb\w*|paraly\w*)\b.*\b(both|two) (of my |my |of the )?legs\b"),
    re.compile(
        r"\b(getting|got|gets|becoming|is) (rapidly |quickly |much )?worse\b|\bworsening (fast|quickly|rapidly)\b|\bby the hour\b|\brapidly (worsening|progressing|getting)\b|\bsudden(ly)? (weak\w*|can't walk|cannot walk|paraly\w*)\b"
    ),
)
_ADVICE = (
    re.compile(r"\b(should|shall|must|do) (i|we|he|she) (have|get|take|go|stop|start|need|do|see|try)\b"),
    re.compile(
        r"\b(what|which|how much|how many) (dose|dosage|mg|milligrams|pills?|tablets?)\b|\b(dose|dosage)\b.*\b(take|give|for me|for my)\b"
    ),
    re.compile(r"\bis my\b.*\b(permanent|serious|normal|curable|going to|get better|recover\w*)\b"),
    re.compile(r"\b(will|can|could) (my|i)\b.*\b(recover\w*|heal\w*|walk|get better|be permanent|come back)\b"),
    re.compile(r"\b(my|our) (mri|scan|x ?ray|ct|results?|report|emg|nerve conduction)\b"),
    re.compile(r"\b(diagnose|treat|cure) (me|my)\b|\bwhat do i have\b|\bdo i have\b"),
)


@dataclass(frozen=True)
class Verdict:
    kind: str  # "emergency", "advice" or ""


SAFE = Verdict("")


def assess(text: str) -> Verdict:
    """Emergency beats advice; neither means the question is an ordinary anatomy question."""
    low = " ".join(text.lower().replace("\u2019", "'").split())
    if any(p.search(low) for p in _RED_FLAGS):
        return Verdict("emergency")
    personal = re.search(_PERSONAL, low) is not None
    if personal and any(p.search(low) for p in _URGENT_PERSONAL):
        return Verdict("emergency")
    if any(p.search(low) for p in _ADVICE):
        return Verdict("advice")
    return SAFE


def emergency_text(emergency: str) -> str:
    return (
        "This could be an emergency. Loss of bladder or bowel control, numbness in the groin or saddle area, "
        "or weakness in both legs or weakness that is quickly getting worse needs urgent medical care: "
        f"call {emergency} or go to the nearest emergency department now."
    )


ADVICE_TEXT = (
    "I can't advise on a particular person's care (doses, surgery, scans or what to expect); a clinician "
    "who can examine you can. What the sources say in general is below, for learning only."
)
