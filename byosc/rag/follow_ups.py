"""Which questions lean on earlier turns, and what their topic words are: word rules, no
model, for the keyword rewriter (`byosc.rag.conversation`).

A follow-up has no topic of its own ("and its disadvantages?"), points back with a pronoun
("how do u fix it"), is elliptic ("and round robin?"), or opens as a continuation
("what if the quantum is huge", "and if I delete the original file?").
"""

from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-z0-9]+(?:['_+-][A-Za-z0-9]+)*")
_PUNCTUATION = frozenset(",;:")
_TOKEN = re.compile(rf"{WORD.pattern}|[,;:]")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _word_set(
    """
    a about above after again against all also am an and another any are as at be because
    been before being below between both but by can could did do does doing done down during
    each either else ever every few for from further get gets got had has have having he her
    here hers him his how i if in into is it it's its itself just least less let like lot lots
    many may me might more most much must my neither no nor not now of off ok okay on once one
    ones only or other our out over own please quite rather really same say shall she should
    so some something such tell than thank thanks that that's the their them then there these
    they this those through to too under until up us very was we were what what's when where
    which while who whom whose why will with would yes yet you your
    define describe explain give mean means meaning meant show
    actually dont doesnt even go goes going gonna hows im isnt pls plz thats tho though thx
    u ur walk wanna whats wheres whos ya
    """
)

# Words naming a facet of a topic rather than a topic: "its disadvantages" has no topic.
ASPECT_WORDS = _word_set(
    """
    advantage advantages benefit benefits better compare compared comparison con cons detail
    details difference differences different differ differs disadvantage disadvantages
    downside downsides drawback drawbacks elaborate example examples exactly faster happen
    happens important importance instead issue issues limitation limitations main matter
    matters need needed pro problem problems pros purpose slower use used uses usage work
    working works worse
    aim formula goal goals idea kind kinds part parts point reason reasons step steps type
    types
    """
)

_REFERENCES = _word_set(
    "it it's its they them their theirs this that these those there one ones former latter"
)
# Personal pronouns take their antecedent from an earlier clause, never from their own: in
# "how much time does it waste", "it" is not the time. Demonstratives may be determiners
# or relatives ("a process that has terminated"), so only a leading one points back.
_PERSONAL = _word_set("it it's its they them their theirs")
_CLAUSE_BREAKS = _word_set("and or but so because while whereas although")
# A question that goes on from the last answer: "what if the quantum is huge",
# "and if I delete the original file?", "how do we know the burst length tho".
_CONTINUATIONS = (("what", "if"), ("and", "if"), ("but", "if"), ("and", "what", "if"))
_CONTINUING_ENDS = _word_set("tho though then")
_BE_VERBS = _word_set("is are was were be been isn't aren't")
# "In this course, ..." points at the course, not at an earlier turn.
_COURSE_WORDS = _word_set(
    "course class lecture lectures chapter handout module material slide slides unit"
)
_OPENERS = (("and",), ("but",), ("also",), ("why",), ("what", "about"), ("how", "about"))
_DEFINITIONS = (("what", "is"), ("what", "are"), ("what's",), ("who", "is"), ("define",))
_SHORT_FOLLOW_UP_WORDS = 6
# Longest first: "and what about" must not stop at "and".
_ELLIPSIS_OPENERS = (
    ("and", "what", "about"),
    ("and", "how", "about"),
    ("but", "what", "about"),
    ("what", "about"),
    ("how", "about"),
    ("and",),
    ("but",),
)
# Words an elliptic follow-up may hold besides its topic: "and for the TLB then?".
_ELLIPSIS_FILLERS = _word_set("a an also for in of on the then too with")


def elliptic_topic(question: str) -> str | None:
    """The topic of an elliptic follow-up ("and round robin?", "what about SJF's drawbacks?"):
    a short question of an opener and then only its topic, maybe with an aspect of it."""
    matches = list(WORD.finditer(normalise(question)))
    lowered = [match.group().lower() for match in matches]
    opener = next((o for o in _ELLIPSIS_OPENERS if tuple(lowered[: len(o)]) == o), None)
    if opener is None or len(lowered) > _SHORT_FOLLOW_UP_WORDS:
        return None
    rest = lowered[len(opener) :]
    if not all(is_content(word) or word in _ELLIPSIS_FILLERS for word in rest):
        return None  # "and what is a semaphore?" or "and its cost?": not a bare topic
    if not any(is_topic(word) for word in rest):
        return None
    named = [m for m in matches[len(opener) :] if is_content(m.group().lower())]
    return question[named[0].start() : named[-1].end()]


def is_follow_up(question: str) -> bool:
    """Whether a question leans on earlier turns: no topic of its own, a word pointing back
    ("its", "that", "the latter"), an elliptic question ("and round robin?"), a question
    that goes on from the last answer ("what if...", "... tho"), or a short question
    opening with "and", "what about"..."""
    words = words_of(question)
    topics = topic_terms(question)
    if not topics or _refers_back(question) or elliptic_topic(question) is not None:
        return True
    lowered = [word.lower() for word in words]
    if _starts_with(lowered, _CONTINUATIONS) or lowered[-1] in _CONTINUING_ENDS:
        return True
    return (
        len(words) <= _SHORT_FOLLOW_UP_WORDS
        and len(topics) <= 1
        and _starts_with(lowered, _OPENERS)
        and not _starts_with(lowered[1:] if lowered[0] == "and" else lowered, _DEFINITIONS)
    )


def topic_terms(question: str) -> list[str]:
    """The question's topic words in their order, once each: no stopwords, no aspects."""
    terms: list[str] = []
    for word in words_of(question):
        if is_topic(word.lower()) and word.lower() not in {t.lower() for t in terms}:
            terms.append(word)
    return terms


def words_of(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def normalise(text: str) -> str:
    """Typographic apostrophes made plain; the same length, so match positions still hold."""
    return text.replace("’", "'")


def is_content(lower: str) -> bool:
    return lower not in _STOPWORDS and (len(lower) > 1 or lower.isdigit())


def is_topic(lower: str) -> bool:
    return is_content(lower) and lower not in ASPECT_WORDS and lower not in _COURSE_WORDS


def _refers_back(question: str) -> bool:
    """A reference word before any topic word of the question itself, or a personal pronoun
    with no topic word in an earlier clause: in "what is a zombie and how do I avoid it?",
    "it" points at the zombie, not at an earlier turn; in "how do u fix it", it does."""
    lowered = [token.lower() for token in _TOKEN.findall(normalise(question))]
    words = [token for token in lowered if token not in _PUNCTUATION]
    topic_before, topic_in_clause = False, False
    for token in lowered:
        if token in _PUNCTUATION or token in _CLAUSE_BREAKS:
            topic_before = topic_before or topic_in_clause
            topic_in_clause = False
        elif is_topic(token):
            topic_in_clause = True
        elif token in _PERSONAL and not topic_before:
            return True
    for i, word in enumerate(words):
        if is_topic(word):
            return False
        if word in _REFERENCES and _used_as_reference(words, i):
            return True
    return False


def _used_as_reference(lowered: list[str], i: int) -> bool:
    word = lowered[i]
    after = lowered[i + 1] if i + 1 < len(lowered) else ""
    before = lowered[i - 1] if i > 0 else ""
    if word in {"one", "ones"}:
        return not is_content(after)  # "which one is faster?", not "one program"
    if word == "there":
        return after not in _BE_VERBS and before not in _BE_VERBS  # not "is there a limit"
    if word in {"this", "that", "these", "those"}:
        return after not in _COURSE_WORDS
    return True


def _starts_with(lowered: list[str], prefixes: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(lowered[: len(prefix)]) == prefix for prefix in prefixes)
