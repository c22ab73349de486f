"""Checks that run before any matching: red flags that need urgent care, and questions about one
person's care that a clinician, not a fact bot, should answer.

The rules are data: word lists, and named rules that combine them. A rule reads the question as
`read` gives it: lower-case ASCII words split on anything else, apostrophes dropped ("can't" ->
"cant"), articles dropped ("numb in the groin" -> "numb in groin") and one-letter typos in the
words the rules key on mended ("bladdr" -> "bladder"). Windows between two word lists are bounded
("within five words"), so every rule runs in time linear in the question: about 10 microseconds
for a typical question.

Policy, in the order `assess` applies it:

1. Emergency, always: loss of bladder or bowel control, numbness in the groin or saddle area,
   weakness (or bilateral sciatica) in both legs, and weakness getting quickly worse, with or
   without back pain, however the question is phrased: "what does losing bladder control mean?"
   counts as well as "I can't control my bladder". The sources cover none of these, so nothing is
   lost by not answering them, and a person asking may be describing themselves.
2. Emergency, when someone's own symptoms are described (I, my, he, my mum ...): weakness that came
   on suddenly or keeps getting worse, weak legs, and "cauda equina". "What causes sudden foot
   drop?" is a textbook question and is answered; "my foot suddenly went floppy" is not.
3. Advice: doses and medicines, care decisions (should I have surgery, do I need to see someone),
   a person's scans and reports, prognosis (is my foot drop permanent, will I walk again),
   diagnosis (do I have ..., what's wrong with me) and descriptions of one's own symptoms. The bot
   says it cannot advise and adds the general facts that apply, framed as general. These rules
   need a person in the question ("my", "I have", "should I") or a pointer at a symptom ("is this
   serious?"): "what is the usual dose of pregabalin?" is a drug-reference question, which the
   sources do not cover, so the matcher says so (no_answer).

A red flag is not raised when it is plainly denied just before it ("no bladder problems", "I
haven't lost control of my bladder"); the question then goes on to the advice rules.

Anatomy questions that only name the organs or areas are not red flags: "does L5 supply the
bladder?" and "which roots control the bladder?" name no loss of control, so they go to the matcher,
which says the sources do not cover them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from .text import ARTICLES, tokens

DEFAULT_EMERGENCY = "your local emergency number (911 in the US and Canada, 112 in the EU, 999 in the UK)"

Kind = Literal["emergency", "advice", ""]


def _any(*words: str) -> str:
    """One alternation of `words`, grouped by first letter: the regex engine checks each group's
    letter once instead of each word's, which makes long lists several times faster."""
    groups: dict[str, list[str]] = {}
    for word in words:
        plain_start = word[:1].isalpha() and word[1:2] not in ("?", "*", "+", "{")
        groups.setdefault(word[0] if plain_start else "", []).append(word[1:] if plain_start else word)
    parts = [f"{letter}(?:{'|'.join(rests)})" if letter else "|".join(rests) for letter, rests in groups.items()]
    return "(?:" + "|".join(parts) + ")"


def _near(a: str, b: str, gap: int) -> str:
    """`a` then `b` with at most `gap` words between them."""
    return rf" {a.removeprefix(' ')}\b(?: \S+){{0,{gap}}}? {b}\b"


def _either(a: str, b: str, gap: int) -> str:
    """`a` and `b` in either order, at most `gap` words apart."""
    return f"{_near(a, b, gap)}|{_near(b, a, gap)}"


# --- Word lists -----------------------------------------------------------------------------------
# Each is a regular expression over normalised words; `\w*` endings take plurals and inflections.

# Bladder and bowel, as anatomy and as people say it.
BLADDER_BOWEL = _any(
    r"bladders?",
    r"urin\w*",
    r"pee\w*",
    r"wee",
    r"wees",
    r"weeing",
    r"piss\w*",
    r"waterworks",
    r"passing water",
    r"bowels?",
    r"bowls?",  # a common misspelling of bowel; only counts beside a loss of control
    r"poo\w*",
    r"stools?",
    r"faec\w*",
    r"fec[ae]s",
    r"number two",
    r"back passage",
    r"sphincters?",
    r"continence",
    r"toilet",
    r"loo",
)
# Words that start a loss of control: "lost", "can't", "trouble", "no longer" ...
LOSING = _any(
    r"lost",
    r"lose",
    r"loses",
    r"losing",
    r"loss",
    r"loosing",
    r"loose",
    r"no",
    r"zero",
    r"poor",
    r"reduced",
    r"less",
    r"little",
    r"trouble",
    r"difficulty",
    r"difficult",
    r"hard",
    r"problems?",
    r"issues?",
    r"struggl\w*",
    r"cant",
    r"cannot",
    r"couldnt",
    r"unable",
    r"not able",
    r"dont",
    r"didnt",
    r"doesnt",
    r"wont",
    r"no longer",
)
# What is lost: "control of", "hold", "feel when I need to" ...
CONTROL = _any(
    r"control\w*",
    r"hold\w*",
    r"empty\w*",
    r"emptie\w*",
    r"pass\w*",
    r"feel\w*",
    r"sensation",
    r"go",
    r"going",
    r"stop\w*",
    r"tell",
    r"sense",
    r"urge",
    r"aware",
    r"start\w*",
)
# After the organ: "bladder control is gone", "bowels leaking", "bladder problems".
FAILING = _any(
    r"lost",
    r"loss",
    r"gone",
    r"leak\w*",
    r"dribbl\w*",
    r"problems?",
    r"issues?",
    r"trouble",
    r"incontinen\w*",
    r"retention",
    r"retaining",
    r"dysfunction\w*",
    r"accidents?",
    r"(?:just )?went",
    r"let go",
    r"(?:comes|coming|came) out",
    r"escap\w*",
    r"without (?:me )?(?:knowing|noticing|realising|realizing|feeling)",
    r"gave (?:way|out)",
    r"not working",
    r"stopped working",
    r"isnt working",
    r"doesnt work",
    r"wont work",
    r"fail\w*",
    r"weird",
    r"strange",
    r"numb\w*",
    r"out of control",
    r"changes?",
    r"changed",
    r"symptoms?",
)
# Nouns that say the loss before the organ: "loss of bladder control", "problems with my bowels".
LOSS_NOUN = _any(
    r"loss",
    r"lost",
    r"losing",
    r"problems?",
    r"issues?",
    r"trouble",
    r"difficult\w*",
    r"changes?",
    r"leak\w*",
    r"retain\w*",
    r"retention",
    r"dribbl\w*",
)
# Phrases that say incontinence or retention on their own.
INCONTINENCE = _any(
    r"incontinen\w*",
    r"inc?ontin\w*",
    r"urinary retention",
    r"wet (?:myself|himself|herself|themselves|bed|my pants|my trousers|my bed|pants|trousers)",
    r"(?:peed|pissed|pooped|pooed|soiled|messed|shat|wet) (?:myself|himself|herself|themselves|me|my pants|my trousers|my bed)",
    r"(?:cant|cannot|couldnt|unable to|not able to|havent|hasnt|not|didnt) (?:\S+ ){0,3}?(?:pee|peed|wee|weed|urinate|urinated|poo|pooed|poop|pooped)",
    r"no urge to (?:pee|wee|urinate|go|poo)",
)

# Numbness and other lost or strange feeling.
NUMB = _any(
    r"numb(?!er)\w*",
    r"num",
    r"numness",
    r"nmb\w*",
    r"tingl\w*",
    r"pins and needles",
    r"pins needles",
    r"no (?:feeling|sensation)",
    r"lost (?:all )?(?:feeling|sensation)",
    r"loss of (?:feeling|sensation)",
    r"less (?:feeling|sensation)",
    r"reduced (?:feeling|sensation)",
    r"altered (?:feeling|sensation)",
    r"(?:weird|strange|funny|odd) (?:feeling|sensation)",
    r"(?:cant|cannot|couldnt|unable to|dont|not able to) (?:\S+ ){0,2}?(?:feel|sense)",
    r"dead",
    r"an?a?esthe\w*",
    r"insensate",
    r"buzzing",
)
# The saddle area: what sits on a saddle, in clinical and everyday words.
SADDLE = _any(
    r"groins?",
    r"groyne",
    r"saddle",
    r"sadle",
    r"crotch",
    r"genital\w*",
    r"privates?",
    r"private (?:parts|area|bits)",
    r"perine\w*",
    r"perianal",
    r"anus",
    r"anal",
    r"rectum",
    r"rectal",
    r"bum",
    r"bums",
    r"butt",
    r"butt?ocks?",
    r"bottom",
    r"arse",
    r"backside",
    r"back passage",
    r"between (?:my |his |her |their |your )?legs",
    r"down there",
    r"nether \w+",
    r"vagina\w*",
    r"vulva",
    r"labia",
    r"penis",
    r"scrotum",
    r"testicles?",
    r"sit bones?",
    r"where (?:i|you) sit",
    r"when (?:i|you) wipe",
    r"wiping",
    r"toilet paper",
)

# Both legs, or the legs of a person.
LEGS = r"(?:legs|leggs|legz|lges|lgs|lower limbs)"
BOTH_LEGS = _any(
    r"both (?:of )?(?:my |his |her |their |our |your )?(?:legs?|leggs|lower legs?|feet|sides?|ankles?|knees?|thighs?|lower limbs?|limbs)",
    rf"(?:my|his|her|their) (?:\S+ )?{LEGS}",
    rf"(?:two|2|left and right|right and left) {LEGS}",
    rf"{LEGS} both",
    r"bilateral\w*",
    r"(?:from )?waist down",
)
# Weakness, and the ways people say a limb is failing.
WEAK = _any(
    r"wea+k\w*",
    r"waek\w*",
    r"weka\w*",
    r"wekness",
    r"giving (?:way|out|up)",
    r"give (?:way|out)",
    r"gave (?:way|out)",
    r"(?:gone|went|going|gotten|got|getting) (?:weak|floppy|dead|numb|heavy|wobbly|to jelly)",
    r"buckl\w*",
    r"collaps\w*",
    r"paraly\w*",
    r"floppy",
    r"heavy",
    r"jelly",
    r"wobbly",
    r"useless",
    r"numb(?!er)\w*",
    r"tingl\w*",
    r"pins and needles",
    r"sciatica",
    r"no (?:strength|power)",
    r"(?:lost|losing|lose|loss of) (?:\S+ )?(?:strength|power|feeling|use|control)",
    r"(?:cant|cannot|couldnt|unable to|not able to|wont|struggling to|struggle to|hard to) (?:\S+ ){0,2}?(?:move|walk|stand|lift|feel|hold|bear|support|work)",
    r"not working",
    r"stopped working",
    r"dragg?\w*",
    r"falling",
    r"fall over",
)
# The same, said of a single foot or leg ("foot drop", "can't lift my foot").
WEAKNESS = _any(
    r"wea+k\w*",
    r"waek\w*",
    r"wekness",
    r"foot ?drop",
    r"drop ?foot",
    r"dropped foot",
    r"floppy",
    r"paraly\w*",
    r"numb(?!er)\w*",
    r"(?:lost|losing|lose|loss of|less|no|declining|decreasing|reduced) (?:\S+ )?(?:strength|power)",
    r"(?:cant|cannot|couldnt|unable to|not able to|struggl\w* to|hard to|wont|doesnt|will not|does not) (?:\S+ ){0,2}?(?:lift|walk|move|stand|raise|feel)",
    r"dragg?\w*",
    r"trip\w*",
    r"limp\w*",
    r"slap\w*",
    r"giving way",
    r"gave way",
    r"buckl\w*",
    r"clumsy",
)
# Getting worse.
WORSENING = _any(
    r"(?:getting|gets|get|got|going|gone|growing|grown|grows|becoming|became|become|turning|more) (?:\S+ ){0,2}?(?:worse|weaker|worst|harder|numb\w*|floppy)",
    r"worse",
    r"worsen\w*",
    r"weaker",
    r"weakening",
    r"progressive\w*",
    r"progressing",
    r"progresses",
    r"deteriorat\w*",
    r"spread\w*",
    r"declin\w*",
)
# How fast: "quickly", "by the hour", "since this morning".
QUICKLY = _any(
    r"fast\w*",
    r"quick\w*",
    r"rapid\w*",
    r"swift\w*",
    r"speedily",
    r"by (?:hour|minute|day)",
    r"every (?:hour|few hours|minute|day)",
    r"each (?:hour|day)",
    r"hour by hour",
    r"day by day",
    r"minute by minute",
    r"(?:within|in|over) (?:hours|minutes|few hours|day|an hour|hour|last few hours|past few hours|last day)",
    r"overnight",
    r"hourly",
    r"and (?:worse|weaker)",
    r"more and more",
    r"since (?:this morning|last night|yesterday|earlier)",
)
# Sudden onset.
SUDDENLY = _any(
    r"sudden\w*",
    r"all of sudden",
    r"out of (?:nowhere|blue)",
    r"overnight",
    r"woke up",
    r"waking up",
    r"abrupt\w*",
    r"without warning",
    r"(?:went|gone) (?:weak|floppy|dead|limp)",
    r"gave (?:way|out)",
)

# Someone's own body: the speaker, or a person they speak about.
FAMILY = _any(
    r"mum",
    r"mom",
    r"mam",
    r"mother",
    r"dad",
    r"father",
    r"husband",
    r"wife",
    r"partner",
    r"son",
    r"daughter",
    r"child",
    r"kid",
    r"baby",
    r"friend",
    r"brother",
    r"sister",
    r"grandma",
    r"grandmother",
    r"granny",
    r"nan",
    r"nana",
    r"grandpa",
    r"grandfather",
    r"grandad",
    r"granddad",
    r"boyfriend",
    r"girlfriend",
    r"uncle",
    r"aunt",
    r"auntie",
)
# Words that show a question is about someone's own body, not a textbook: "my", "me", "he has",
# "I can't", "my mum". A bare "I" is not enough ("I want to know ..."), nor is "I'm a student".
PERSONAL = _any(
    r"my",
    r"me",
    r"mine",
    r"myself",
    r"his",
    r"him",
    r"himself",
    r"her",
    r"herself",
    r"ive",
    r"hes",
    r"shes",
    r"im(?! (?:student|studying|revising|learning|trying|curious|wondering|interested|preparing|teaching|writing|reading|doing|looking|asking|confused|new|medical|med|physio|nursing|doctor|nurse|lecturer|teacher|tutor))",
    r"(?:i|he|she) (?:\S+ )?(?:have|has|had|got|cant|cannot|couldnt|am|is|was|feel|feels|felt|keep|keeps|woke|noticed|started|developed|suddenly|think)",
    FAMILY,
    # a symptom dated to a real day is someone's ("sudden foot drop this morning")
    r"(?:this|since|last) (?:morning|afternoon|evening|night|week)",
    r"yesterday",
    r"today",
    r"tonight",
    r"(?:an|few|two|couple of) (?:hours?|days?) ago",
)
SUBJECT = _any(r"i", r"he", r"she", r"we", rf"(?:my )?{FAMILY}")
POSSESSIVE = _any(r"my", r"his", r"her", r"our", rf"my {FAMILY}s?", rf"{FAMILY}s")
BODY = _any(
    r"foot",
    r"feet",
    r"legs?",
    r"toes?",
    r"back",
    r"spine",
    r"hips?",
    r"knees?",
    r"ankles?",
    r"calf",
    r"calves",
    r"thighs?",
    r"buttocks?",
    r"bum",
    r"butt",
    r"glutes?",
    r"shins?",
    r"heels?",
    r"arch",
    r"soles?",
    r"dis[ck]s?",
    r"nerves?",
    r"roots?",
    r"l[345]",
    r"s1",
    r"muscles?",
    r"tendons?",
    r"reflex\w*",
    r"side",
    r"body",
)
# What a person has: symptoms, signs and diagnoses.
SYMPTOM = _any(
    r"pains?",
    r"painful",
    r"hurts?",
    r"hurting",
    r"aches?",
    r"aching",
    r"sore\w*",
    r"numb(?!er)\w*",
    r"tingl\w*",
    r"pins and needles",
    r"wea+k\w*",
    r"foot ?drop",
    r"drop ?foot",
    r"sciatica",
    r"herniat\w*",
    r"slipped dis[ck]s?",
    r"prolapse\w*",
    r"bulg\w*",
    r"stenosis",
    r"radiculopathy",
    r"pinched",
    r"trapped nerve",
    r"compressed",
    r"impinge\w*",
    r"limp\w*",
    r"tripping",
    r"cramp\w*",
    r"burning",
    r"shooting",
    r"spasm\w*",
    r"stiff\w*",
    r"injur\w*",
    r"damaged?",
    r"dystonia",
    r"trendelenburg",
    r"symptoms?",
)
# How a body part misbehaves: "my foot drags", "my back is killing me".
MISBEHAVES = _any(
    SYMPTOM,
    r"drags?",
    r"dragging",
    r"slaps?",
    r"slapping",
    r"drops",
    r"dropping",
    r"catch(?:es)?",
    r"flops?",
    r"flopping",
    r"floppy",
    r"gave way",
    r"gives way",
    r"giving way",
    r"(?:wont|cant|doesnt|will not|does not|cannot) (?:\S+ )?(?:lift|move|work|bend|straighten|hold)",
    r"killing",
    r"(?:is|are|feels?|feeling) (?:\S+ )?(?:off|wrong|funny|weird|strange|dead)",
)
# How a person is: "I'm numb", "she's limping", "I feel weak".
STATE = _any(
    r"numb\w*",
    r"wea+k\w*",
    r"sore",
    r"limping",
    r"in (?:\S+ )?pain",
    r"paraly\w*",
    r"dragging",
    r"tripping",
    r"struggling to (?:walk|stand|move|lift)",
    r"hurting",
    r"aching",
    r"tingl\w*",
    r"suffering",
)
# Any word for a person, for rules that need one nearby.
PERSON = _any(
    r"i",
    r"im",
    r"ive",
    r"me",
    r"my",
    r"mine",
    r"myself",
    r"he",
    r"she",
    r"him",
    r"his",
    r"her",
    r"we",
    r"us",
    r"our",
    FAMILY,
)
# How much of a medicine.
DOSE = _any(r"doses?", r"dosages?", r"dosing", r"mg", r"milligrams?", r"mcg", r"micrograms?", r"overdose")
# Medicines by name, and the words for medicines in general.
DRUG_WORDS = (
    r"ibuprofen",
    r"advil",
    r"motrin",
    r"nurofen",
    r"naproxen",
    r"aleve",
    r"diclofenac",
    r"voltaren",
    r"paracetamol",
    r"acetaminophen",
    r"tylenol",
    r"aspirin",
    r"co ?codamol",
    r"codeine",
    r"gabapentin",
    r"neurontin",
    r"pregabalin",
    r"lyrica",
    r"amitriptyline",
    r"nortriptyline",
    r"duloxetine",
    r"cymbalta",
    r"tramadol",
    r"oxycodone",
    r"oxycontin",
    r"morphine",
    r"opioids?",
    r"opiates?",
    r"predniso(?:lo)?ne",
    r"steroids?",
    r"cortisone",
    r"dexamethasone",
    r"muscle relaxants?",
    r"diazepam",
    r"valium",
    r"cyclobenzaprine",
    r"nsaids?",
    r"anti ?inflammatories",
    r"anti ?inflammatory",
    r"painkillers?",
    r"pain killers?",
    r"pain meds?",
    r"medications?",
    r"medicines?",
    r"meds",
)
# Medicines and treatments people ask to be told to take.
MEDICINE = _any(
    *DRUG_WORDS,
    r"pain relief",
    r"pills?",
    r"tablets?",
    r"drugs?",
    r"injections?",
    r"injected",
    r"epidurals?",
    r"supplements?",
    r"vitamins?",
    r"cbd",
)
# Treatments a person might ask whether to have.
CARE = _any(
    r"surgery",
    r"surgical",
    r"operation",
    r"operate",
    r"op",
    r"decompression",
    r"discectomy",
    r"microdiscectomy",
    r"laminectomy",
    r"fusion",
    r"physio\w*",
    r"physical therapy",
    r"chiro\w*",
    r"acupuncture",
    r"massage",
    r"osteopath\w*",
    r"brace",
    r"afo",
    r"splint",
    r"orthotics?",
    r"treatments?",
    r"therapy",
    r"rehab\w*",
    r"exercises?",
    r"stretch\w*",
    r"yoga",
    MEDICINE,
)
# Things a person would act on: "should I ... see a doctor, rest, take, have the surgery".
ACT = _any(
    r"have",
    r"get",
    r"go",
    r"undergo",
    r"need",
    r"take",
    r"stop",
    r"start",
    r"see",
    r"try",
    r"rest",
    r"exercise",
    r"stretch",
    r"walk",
    r"run",
    r"use",
    r"wear",
    r"avoid",
    r"worry",
    r"be (?:worried|concerned|scared|afraid)",
    r"call",
    r"book",
    r"keep",
    r"continue",
    r"wait",
    r"ice",
    r"heat",
    r"consider",
    r"opt",
    r"choose",
    r"risk",
    r"do",
    r"push",
    r"ask (?:my|for|doctor|gp|surgeon)",
    r"agree",
    r"accept",
    r"refuse",
    r"work",
    r"drive",
    r"lift",
    r"sleep",
)
# Someone's tests, reports and clinicians.
RECORDS = _any(
    r"mri",
    r"mr",
    r"scans?",
    r"ct",
    r"cat scan",
    r"x ?rays?",
    r"xrays?",
    r"radiographs?",
    r"ultrasound",
    r"emg",
    r"ncs",
    r"nerve conduction(?: \w+)?",
    r"(?:test|scan|mri|blood|lab) results?",
    r"(?:radiology|mri|scan|ct) reports?",
    r"imaging",
    r"bloods?",
    r"blood tests?",
    r"nerve tests?",
    r"(?:discharge|clinic|hospital) letter",
    r"medical (?:notes|records)",
    r"diagnosis",
    r"radiologist",
    r"neurologist",
    r"neurosurgeon",
    r"surgeon",
    r"doctors?",
    r"dr",
    r"gp",
    r"physio\w*",
    r"consultant",
    r"specialist",
    r"chiro\w*",
    r"nurse",
    r"prescription",
    r"referral",
)
# Outcomes: "permanent", "get better", "go away".
OUTCOME = _any(
    r"permanent\w*",
    r"get better",
    r"gets better",
    r"getting better",
    r"improve\w*",
    r"recover\w*",
    r"heal\w*",
    r"go away",
    r"goes away",
    r"come back",
    r"comes back",
    r"return\w*",
    r"resolve\w*",
    r"last",
    r"forever",
    r"normal",
    r"serious",
    r"dangerous",
    r"bad",
    r"worse",
    r"fixable",
    r"curable",
    r"reversible",
    r"ever",
)
# What a person can hope to do again.
ABILITY = _any(
    r"walk\w*",
    r"run\w*",
    r"recover\w*",
    r"heal",
    r"get better",
    r"be (?:ok|okay|fine|alright|normal|paralysed|paralyzed|disabled|same)",
    r"need",
    r"have to",
    r"lose",
    r"ever",
    r"regain",
    r"play",
    r"work",
    r"drive",
    r"dance",
    r"stand",
    r"feel",
    r"lift",
    r"use",
    r"end up",
    r"get",
)


# Words that may stand between a person and their symptom: "really bad", "left-sided", "some".
QUALIFIER = _any(
    r"bad",
    r"badly",
    r"severe",
    r"really",
    r"very",
    r"so",
    r"terrible",
    r"awful",
    r"horrible",
    r"constant",
    r"mild",
    r"slight",
    r"some",
    r"little",
    r"bit",
    r"lot",
    r"lots",
    r"of",
    r"new",
    r"sudden",
    r"chronic",
    r"acute",
    r"left",
    r"right",
    r"sided",
    r"intense",
    r"sharp",
    r"dull",
    r"recurring",
    r"persistent",
    r"this",
    r"that",
    r"such",
    r"weird",
    r"strange",
    r"occasional",
    r"lower",
    r"upper",
    r"big",
    r"great",
    r"whole",
    r"own",
    r"both",
    r"still",
    r"now",
    r"always",
    r"getting",
    r"been",
    r"going",
    r"quite",
    r"totally",
    r"completely",
    r"kind of",
    r"kinda",
    r"back",
    r"leg",
    r"foot",
    r"nerve",
    r"disc",
    r"disk",
    r"hip",
    r"buttock",
    r"toe",
    r"l[345]",
    r"s1",
    r"l[345] s1",
    r"l4 l5",
    r"l5 s1",
)


# --- Rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One named pattern. `needs`, when set, must also occur somewhere in the question.

    The patterns are compiled the first time a question reaches them: compiling all of them takes
    longer than a whole `nervebot ask`, and most questions never get past a tier's `when`.
    """

    name: str
    kind: Kind
    source: str
    needs_source: str | None = None
    deniable: bool = False  # not raised when denied just before ("no bladder problems")

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.source)

    @cached_property
    def needs(self) -> re.Pattern[str] | None:
        return re.compile(self.needs_source) if self.needs_source else None


def _rule(name: str, kind: Kind, pattern: str, needs: str | None = None, *, deniable: bool = False) -> Rule:
    return Rule(name, kind, pattern, needs, deniable)


@dataclass(frozen=True)
class Tier:
    """Rules tried in order, only when `when` (if set) occurs in the question."""

    name: str
    when: re.Pattern[str] | None
    rules: tuple[Rule, ...]

    @cached_property
    def screen(self) -> re.Pattern[str]:
        """`when`, or else any of the rules' patterns: one pass over a question that none of them
        matches, as most questions are (a rule fires only where its pattern matches)."""
        return self.when or re.compile("|".join(f"(?:{rule.source})" for rule in self.rules))


RED_FLAGS = (
    _rule(
        "bladder-or-bowel-control",
        "emergency",
        "|".join(
            (
                _near(_near(LOSING, CONTROL, 2), BLADDER_BOWEL, 4),  # "lost control of my bladder", "can't hold my pee"
                _near(BLADDER_BOWEL, FAILING, 3),  # "bladder control is gone", "bowels leaking"
                _near(LOSS_NOUN, BLADDER_BOWEL, 3),  # "loss of bladder control", "problems with my bowels"
                rf" {INCONTINENCE}\b",  # "incontinent", "wet myself", "can't pee"
                rf" no {BLADDER_BOWEL} (?:\S+ )?(?:control|sensation|feeling)\b",  # "no bladder control"
            )
        ),
        deniable=True,
    ),
    _rule("saddle-numbness", "emergency", _either(NUMB, SADDLE, 5), deniable=True),
    _rule("both-legs-weak", "emergency", _either(BOTH_LEGS, WEAK, 5), deniable=True),
    _rule(
        "legs-giving-way",
        "emergency",
        "|".join(
            (
                rf" {LEGS} (?:\S+ )?(?:keep )?(?:giving (?:way|out)|gave (?:way|out)|give (?:way|out)|buckl\w*|collaps\w*|(?:went|gone|going|getting) weak|paraly\w*)",
                rf" {LEGS} (?:feel|feels|feeling|felt|went|gone|have gone|keep going) (?:\S+ )?(?:dead|numb|weak|heavy|useless|jelly|wobbly|paraly\w*)",
            )
        ),
        deniable=True,
    ),
    _rule(
        "weakness-quickly-worse",
        "emergency",
        _either(WORSENING, QUICKLY, 3),
        rf" (?:{WEAKNESS}|strength|power|walk\w*|mov\w*|lift\w*|stand\w*)\b",
        deniable=True,
    ),
    _rule("cauda-equina-syndrome", "emergency", r" cauda equina (?:syndrome|compression|symptoms?|signs?)\b"),
)
RED_FLAGS_IN_A_STORY = (
    _rule("sudden-weakness", "emergency", _either(SUDDENLY, WEAKNESS, 4), deniable=True),
    _rule(
        "weakness-getting-worse",
        "emergency",
        rf"{_either(WORSENING, WEAKNESS, 6)}| (?:weaker|weakening)\b",
        deniable=True,
    ),
    _rule("legs-weak", "emergency", _either(LEGS, WEAK, 4), deniable=True),
    _rule("cauda-equina", "emergency", r" cauda\b"),
)
PERSONAL_QUESTIONS = (
    _rule(
        "dose",
        "advice",
        "|".join(
            (
                # "what dose should I take", "is pregabalin safe for me"; "the usual dose of X" is a
                # drug-reference question the sources do not cover, and gets no_answer.
                _either(rf"(?:{DOSE}|{MEDICINE})", PERSON, 6),
                r" how (?:much|many|often) (?:\S+ ){0,3}?(?:should|can|could|do|shall|may) (?:i|we|he|she)\b",
                r" (?:can|should|could|may|shall) (?:i|we|he|she) (?:\S+ )?(?:take|mix|combine)\b",
            )
        ),
    ),
    _rule(
        "care-decision",
        "advice",
        "|".join(
            (
                rf" (?:should|shall|must|would|will) (?:i|we|he|she|mine|{POSSESSIVE} \S+) (?:\S+ ){{0,2}}?{ACT}\b",
                rf" (?:do|does) (?:i|we|he|she|mine|{POSSESSIVE} \S+) (?:\S+ )?(?:need|have to|require|qualify)\b",
                r" what (?:should|can|do|shall|could) (?:i|we|he|she) do\b",
                r" (?:how (?:do|can|should|could) (?:i|we|he|she)|how to) (?:\S+ )?(?:fix|treat|cure|get rid of|heal|manage|relieve|ease|improve|stop|strengthen|recover|deal with|cope with) (?:\S+ )?(?:it|this|my|his|her|pain|sciatica|foot drop|symptoms)\b",
                rf" {CARE}\b(?: \S+){{0,4}}? (?:for|to|on|help|fix|cure) (?:me|my|him|her|us)\b",
                r" (?:am i|is (?:he|she)|are we) (?:\S+ )?(?:candidate|eligible|suitable)\b",
                r" (?:good|bad|ok|okay|safe|unsafe|helpful|harmful|best|better|worse|dangerous|right) for (?:me|my|him|her|us)\b",
                r" (?:when|where) (?:should|do|can|must) (?:i|we|he|she) (?:\S+ )?(?:see|go|call|get|ask)\b",
            )
        ),
    ),
    _rule(
        "scans-and-reports",
        "advice",
        "|".join(
            (
                rf" {POSSESSIVE} (?:\S+ )?{RECORDS}\b",
                rf" (?:explain|interpret|read|translate|decode|understand|look at|review) (?:\S+ ){{0,2}}?{RECORDS}\b",
                rf" {RECORDS} (?:\S+ ){{0,2}}?(?:says|said|shows|showed|found|mentions|mentioned|reads|reported|came back|told me|diagnosed)\b",
                r" diagnosed (?:me|him|her|with)\b",
            )
        ),
    ),
    _rule(
        "prognosis",
        "advice",
        "|".join(
            (
                rf" (?:is|will|would|can|could|does|do|should) {POSSESSIVE} (?:\S+ ){{1,4}}?{OUTCOME}\b",
                rf" (?:is|will|would|can|could|does|should) mine (?:\S+ ){{0,3}}?{OUTCOME}\b",  # "will mine recover?"
                rf" (?:will|would|shall|am|might) (?:i|he|she|we) (?:\S+ ){{0,3}}?{ABILITY}\b",
                r" (?:can|could) (?:i|he|she|we) (?:\S+ ){0,2}?(?:walk|run|recover|heal|drive|play|dance|exercise|lift|stand|go back|return|get better|be cured)\b",
                # (not "what am I likely to see in a patient ...", an examiner's question)
                r" (?:am i|is (?:he|she)|are we) (?:\S+ )?(?:going|gonna|likely(?! to (?:see|find|expect|notice|observe))|at risk|ok|okay|fine|normal|permanently|disabled|dying|doomed|stuck)\b",
                r" how long (?:will|would|until|till|before|does it take|would it take|for|is) (?:\S+ ){0,3}?(?:i|me|my|he|she|his|her)\b",
                rf" {POSSESSIVE} (?:\S+ )?(?:chances?|odds|prognosis|outlook|recovery|future)\b",
                r" (?:chances?|odds|likelihood|likely) (?:\S+ ){0,2}?(?:i|ill|me|my|he|she|his|her)\b",
            )
        ),
    ),
    _rule(
        "diagnosis",
        "advice",
        "|".join(
            (
                r" (?:do|might|did) (?:i|he|she|we) (?:\S+ )?(?:have|has|got)\b(?! to)",
                r" have (?:i|he|she|we) (?:\S+ )?got\b",
                r" what (?:do|does|did) (?:i|he|she|we) (?:\S+ )?have\b",
                r" what(?:s| is)? (?:\S+ )?wrong with (?:me|my|him|her|us)\b",
                r" (?:diagnose|examine) (?:me|my|him|her)\b",
                r" is (?:this|that) (?:\S+ ){0,2}?(?:sciatica|radiculopathy|herniat\w*|slipped dis[ck]|stenosis|serious|normal|cancer|nerve damage|pinched nerve|cauda|dangerous|bad|emergency|worrying)\b",
                r" (?:does|do) (?:this|that|it) (?:\S+ )?(?:sound|seem|look) like\b",
                r" (?:could|might|can) (?:this|these) (?:\S+ )?be\b",
            )
        ),
    ),
    _rule(
        "own-symptoms",
        "advice",
        "|".join(
            (
                # "I have a weak big toe", "she's got sciatica", "I keep tripping"
                rf" {SUBJECT} (?:(?:have|has|had|got|get|gets|getting|keep|keeps|developed|noticed|suffer|suffers|suffering|woke up with|started|been|having|still|now|also|just|recently|currently|always|sometimes|often|constantly|from|with|walks|walking|walked) )+(?:{QUALIFIER} ){{0,3}}{SYMPTOM}\b",
                # "I'm numb", "she's limping", "I feel weak"
                rf" (?:im|hes|shes|i am|he is|she is|we are|i feel|i felt|he feels|she feels|i get|i keep|i started) (?:{QUALIFIER} ){{0,3}}{STATE}\b",
                # "my foot drop", "my back pain", "his foot drags", "my L5 is compressed"
                rf" {POSSESSIVE} (?:{QUALIFIER} ){{0,3}}(?:{SYMPTOM}|{BODY}(?: \S+){{0,3}}? {MISBEHAVES})\b",
                # "my dad has been dragging his foot", "I keep catching my toes"
                rf" {SUBJECT} (?:(?:has|have|had|been|keeps?|is|am|started|now|still) )*(?:dragging|drags?|slapping|slaps?|catching|catch(?:es)?|tripping over) {POSSESSIVE} (?:\S+ )?{BODY}\b",
                # "I can't lift my big toe", "she struggles to raise her foot"
                rf" {SUBJECT} (?:cant|cannot|can not|couldnt|could not|struggles? to|unable to) (?:\S+ ){{1,2}}{POSSESSIVE} (?:\S+ ){{0,2}}?{BODY}\b",
                # "mine is weak" (after a question about a muscle)
                rf" mine (?:\S+ ){{0,2}}?{MISBEHAVES}\b",
                # "pain down my leg", "numbness on top of my foot"
                rf" {SYMPTOM}\b(?: \S+){{0,4}}? (?:my|his|her) (?:\S+ )?{BODY}\b",
            )
        ),
    ),
)


TIERS = (
    Tier("red flags, however they are asked", None, RED_FLAGS),
    Tier("red flags in someone's own story", re.compile(rf" {PERSONAL}\b"), RED_FLAGS_IN_A_STORY),
    # every personal question names a person, or points at "this" or "it" (their symptom)
    Tier("questions about one person's care", re.compile(rf" (?:{PERSON}|this|these|that|it)\b"), PERSONAL_QUESTIONS),
)
RULES: tuple[Rule, ...] = tuple(rule for tier in TIERS for rule in tier.rules)
# A denial just before a red flag: "no", or a negation up to two words back ("haven't lost").
_DENIED = re.compile(
    r"(?:\b(?:not|dont|doesnt|didnt|havent|hasnt|hadnt|isnt|arent|wasnt|werent|never|without|denies|deny|denied|nor|neither|free of)(?: \S+){0,2}|\bno) $"
)


# --- Reading the question --------------------------------------------------------------------------

# The words the rules key on, for mending one-letter typos ("incontinance", "bladdder", "numbnes").
KEYWORDS = (
    "bladder",
    "bowel",
    "bowels",
    "urine",
    "groin",
    "urinate",
    "urinating",
    "urination",
    "incontinence",
    "incontinent",
    "numbness",
    "tingling",
    "genitals",
    "genital",
    "perineum",
    "perineal",
    "buttock",
    "buttocks",
    "saddle",
    "weakness",
    "weaker",
    "weakening",
    "paralysed",
    "paralyzed",
    "paralysis",
    "suddenly",
    "sudden",
    "worsening",
    "rapidly",
    "quickly",
    "progressing",
    "spreading",
    "control",
    "surgery",
    "operation",
    "permanent",
    "dosage",
    "medication",
    "ibuprofen",
    "gabapentin",
    "pregabalin",
    "prednisone",
    "paracetamol",
    "acetaminophen",
    "naproxen",
    "tramadol",
    "amitriptyline",
    "painkillers",
    "recover",
    "recovery",
    "sciatica",
    "herniated",
    "diagnose",
    "diagnosis",
    "prognosis",
)
# Real words one letter away from a keyword, never "mended" into one ("sciatic" is not "sciatica",
# "peroneal" is not "perineal"). Made by running `_mend` over a 100,000-word English list (Debian's
# wamerican) and over every word of sources/, knowledge/ and intents/ (tests/test_safety.py checks
# the second part stays true).
NOT_TYPOS = frozenset(
    [
        "peroneal",
        "herniate",
        "herniates",
        "addle",
        "addled",
        "addles",
        "awakening",
        "badder",
        "beaker",
        "bladders",
        "blander",
        "bowed",
        "bowell",
        "bowen",
        "bower",
        "bowers",
        "bowie",
        "bowls",
        "brine",
        "controls",
        "curie",
        "dedication",
        "diagnosed",
        "diagnoses",
        "dosages",
        "dotage",
        "dowel",
        "dowels",
        "dumbness",
        "genial",
        "gladder",
        "going",
        "grain",
        "grind",
        "grins",
        "groan",
        "groins",
        "grown",
        "jingling",
        "ladder",
        "ladders",
        "mediation",
        "medicating",
        "medications",
        "meditation",
        "mingling",
        "murine",
        "operating",
        "operations",
        "osage",
        "paddle",
        "painkiller",
        "paralyses",
        "paralyze",
        "paralyzes",
        "permanents",
        "prognoses",
        "progression",
        "quine",
        "recovers",
        "remover",
        "rhine",
        "ringling",
        "rinse",
        "robin",
        "rodin",
        "rosin",
        "rowel",
        "rowels",
        "ruination",
        "sadden",
        "sadder",
        "saddled",
        "saddles",
        "sciatic",
        "singling",
        "sodden",
        "stinging",
        "swaddle",
        "tangling",
        "tingeing",
        "tinging",
        "tinglings",
        "tinkling",
        "towel",
        "towels",
        "turin",
        "twinging",
        "uriel",
        "urinated",
        "urinates",
        "vowel",
        "vowels",
        "wacker",
        "waddle",
        "wakening",
        "walker",
        "weaken",
        "wearer",
        "weaver",
    ]
)
_MIN_TYPO_LENGTH = 5


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletion_index(words: tuple[str, ...]) -> dict[str, str]:
    """Each word with one letter deleted -> the word (the first keyword wins a tie)."""
    index: dict[str, str] = {}
    for word in words:
        for shorter in sorted(_deletions(word)):
            index.setdefault(shorter, word)
    return index


_KEYWORD_SET = frozenset(KEYWORDS)
_BY_DELETION = _deletion_index(KEYWORDS)


@lru_cache(maxsize=8192)
def _mend(word: str) -> str:
    """The keyword `word` is one edit (insert, delete, substitute, swap) away from, else `word`."""
    if len(word) < _MIN_TYPO_LENGTH or word in _KEYWORD_SET or word in NOT_TYPOS or not word.isalpha():
        return word
    if word in _BY_DELETION:  # a letter missing
        return _BY_DELETION[word]
    shorter = sorted(_deletions(word))
    for candidate in shorter:  # a letter too many
        if candidate in _KEYWORD_SET:
            return candidate
    for candidate in shorter:  # a letter wrong, or two swapped
        if candidate in _BY_DELETION and len(_BY_DELETION[candidate]) == len(word):
            return _BY_DELETION[candidate]
    return word


_ASCII_WORD = re.compile(r"[0-9a-z]+")
# Invisible format characters (Unicode Cf: soft hyphen, zero-width spaces and joiners, bidi
# controls, tags): deleted, so "blad\u00adder" still reads as "bladder".
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\U000e0001-\U000e007f]"
)


def read(text: str) -> str:
    """The question as the rules see it: `text.tokens` with typos in keywords mended, each word
    after a space. Every rule starts with that space, so the regex engine tries word starts only."""
    if text.isascii():  # the common case: the same words `tokens` gives, without its Unicode passes
        words = _ASCII_WORD.findall(text.lower().replace("'", "").replace("`", ""))
    else:
        words = tokens(_INVISIBLE.sub("", text))
    return "".join([" " + (w if len(w) < _MIN_TYPO_LENGTH else _mend(w)) for w in words if w not in ARTICLES])


# --- The verdict ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What `assess` found: a kind ("emergency", "advice" or "") and the rule that fired."""

    kind: Kind
    rule: str = ""


SAFE = Verdict("")


def _fires(rule: Rule, words: str) -> bool:
    for match in rule.pattern.finditer(words):
        if rule.deniable and _DENIED.search(words, max(0, match.start() - 40), match.start() + 1):
            continue
        return rule.needs is None or rule.needs.search(words) is not None
    return False


# An exam vignette ("a 55-year-old man ... his foot slaps") describes a case to learn from, not the
# asker's own care: it is not refused as personal advice (red flags still are).
EXAM_CUES = re.compile(r"\b(vignette|exam|mcq|osce|stem|case|scenario|\d+[- ]?(year|yr)s?[- ]?old|medical students?)\b")
# A case written up as in a textbook ("45M", "60 yo", "a man presents with"), about someone else.
# an exam's case: "a 45 yo man", "presents with", "a patient", "a man" (but "my patient" is first person)
CASE_CUES = re.compile(r"\b(\d{1,3} ?(m|f|yo|yom|yof)|presents|presenting|patients?|pts?|(?:wo)?m[ae]ns?)\b")
FIRST_PERSON = re.compile(r"\b(i|im|ive|me|my|mine|myself)\b")


def assess(text: str) -> Verdict:
    """Emergency beats advice; SAFE means an ordinary question for the matcher."""
    return _assessed(read(text))


def screen(text: str) -> tuple[Verdict, bool]:
    """`assess`, and whether the question asks about a dose or a medicine (which the sources never
    cover), reading it once."""
    words = read(text)
    return _assessed(words), _MEDICINES.search(words) is not None


def _assessed(words: str) -> Verdict:
    for tier in TIERS:
        if tier.screen.search(words) is None:
            continue
        for rule in tier.rules:
            if _fires(rule, words):
                if rule.kind == "advice" and (
                    EXAM_CUES.search(words) or (CASE_CUES.search(words) and not FIRST_PERSON.search(words))
                ):
                    continue
                return Verdict(rule.kind, rule.name)
    return SAFE


# Doses and medicines are not in the sources at all: a question about them is never answered from
# anatomy facts that share a word with it ("the steroid dose for an epidural at L5").
_MEDICINES = re.compile(rf" (?:{DOSE}|{_any(*DRUG_WORDS, r'drugs?')})\b")


def emergency_text(emergency: str) -> str:
    """The whole reply to a red flag: calm, short, and no anatomy."""
    return (
        "This could be an emergency. Loss of bladder or bowel control, numbness in the groin or saddle area, "
        "or weakness in both legs or weakness that is quickly getting worse needs urgent medical care: "
        f"call {emergency} or go to the nearest emergency department now."
    )


ADVICE_TEXT = (
    "I can't advise on your own care or anyone else's; a clinician who can examine you can. "
    "What the sources say in general is below, for learning only."
)
