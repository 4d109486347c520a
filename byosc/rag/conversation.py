"""Conversations for the chat flow: standalone search queries and a history that fits.

Retrieval sees one query, so a follow-up such as "and what are its disadvantages?" must
carry its topic from earlier turns, and an elliptic one such as "and round robin?" must
carry the earlier question with its new topic in place. `KeywordRewriter` does that with
word rules (the embedded default, which `byosc.rag.follow_ups` holds); `LlmRewriter` asks
a capable model and checks what it says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from byosc.domain import ChatMessage
from byosc.ports import ChatModel
from byosc.rag.follow_ups import (
    ASPECT_WORDS,
    WORD,
    elliptic_topic,
    is_content,
    is_follow_up,
    is_topic,
    normalise,
    topic_terms,
    words_of,
)

log = logging.getLogger(__name__)


class QueryRewriter(Protocol):
    """Turns a conversation into one standalone search query for its latest question."""

    def rewrite(self, messages: Sequence[ChatMessage]) -> str: ...


def latest_question(messages: Sequence[ChatMessage]) -> str:
    """The content of the last user message, or "" when there is none."""
    for message in reversed(messages):
        if message.role == "user":
            return message.content
    return ""


class KeywordRewriter:
    """Word rules, no model: a follow-up gets the topic terms of the last turn that had one.

    Assistant turns are not read: they are long, and their words would drift the topic.
    """

    def rewrite(self, messages: Sequence[ChatMessage]) -> str:
        questions = [m.content for m in messages if m.role == "user"]
        return _standalone(questions).text if questions else ""


class _Query(NamedTuple):
    text: str
    # Where the topic sits in `text` when a rule put it there, so that the next elliptic
    # follow-up replaces exactly it: "How does round robin schedule processes?" then
    # "what about SJF?" must not lose "schedule processes" with "round robin".
    topic: tuple[int, int] | None = None


def _standalone(questions: list[str]) -> _Query:
    latest, earlier = questions[-1], questions[:-1]
    if not earlier:
        return _Query(latest)
    new_topic = elliptic_topic(latest)
    if new_topic is not None:
        if any(word.lower() in ASPECT_WORDS for word in words_of(new_topic)):
            return _Query(latest)  # "what about SJF's drawbacks?" says all it asks
        # The earlier question's frame with the new topic in place of the old one: after
        # "How does FCFS schedule processes?", "and round robin?" asks how round robin does.
        return _swap_topic(_standalone(earlier), new_topic) or _Query(latest)
    if not is_follow_up(latest):
        return _Query(latest)
    present = {word.lower() for word in words_of(latest)}
    for question in reversed(earlier):
        terms = topic_terms(question)
        if terms:
            missing = [term for term in terms if term.lower() not in present]
            return _Query(f"{latest.strip()} {' '.join(missing)}" if missing else latest)
    return _Query(latest)


def _swap_topic(frame: _Query, topic: str) -> _Query | None:
    """`frame` with `topic` in place of its own, or None when it has none. Its own is where
    a rule put it, else the names in capitals of its first run of topic words ("FCFS" in
    "How does FCFS schedule processes?"), else that whole run: without a parser, a name is
    the best sign of which word is the topic and which are the question's verb and object."""
    start_end = frame.topic or _topic_span(frame.text)
    if start_end is None:
        return None
    start, end = start_end
    return _Query(frame.text[:start] + topic + frame.text[end:], (start, start + len(topic)))


def _topic_span(text: str) -> tuple[int, int] | None:
    run: list[re.Match[str]] = []
    for match in WORD.finditer(normalise(text)):
        if is_topic(match.group().lower()):
            run.append(match)
        elif run:
            break
    if not run:
        return None
    names = _first_names(run) or run
    return names[0].start(), names[-1].end()


def _first_names(run: list[re.Match[str]]) -> list[re.Match[str]]:
    names: list[re.Match[str]] = []
    for match in run:
        word = match.group().removesuffix("'s")
        if len(word) > 1 and word.isupper():
            names.append(match)
        elif names:
            break
    return names


REWRITE_INSTRUCTIONS = (
    "Rewrite the student's last question as one standalone search query for the course "
    "material. Replace words like 'it' or 'that' with what they refer to. Reply with the "
    "query only, on one line. Do not answer the question."
)
_TURNS_SHOWN = 6
_USER_CHARS = 300
_ASSISTANT_CHARS = 160  # enough to name the topic; answers are long and noisy
_LABEL = re.compile(r"^(?:standalone\s+|search\s+)?query\s*:\s*", re.IGNORECASE)
_REFUSALS = (
    "sorry",
    "i'm sorry",
    "i am sorry",
    "i cannot",
    "i can't",
    "i do not",
    "i don't",
    "as an ai",
    "unfortunately",
)
_ANSWER_OPENINGS = ("sure", "certainly", "of course", "here is", "here's", "yes", "no,")
_SENTENCE_BREAK = re.compile(r"[.!?]\s+\S")
_MIN_QUERY_LIMIT = 48


class LlmRewriter:
    """Asks a chat model for the standalone query; a reply that is empty, long, several
    lines, a refusal or an answer, or a model error, falls back to the keyword rules."""

    def __init__(
        self, model: ChatModel, model_name: str, fallback: KeywordRewriter, max_tokens: int = 48
    ) -> None:
        self.model = model
        self.model_name = model_name
        self.fallback = fallback
        self.max_tokens = max_tokens

    def rewrite(self, messages: Sequence[ChatMessage]) -> str:
        question = latest_question(messages)
        if sum(m.role == "user" for m in messages) < 2:
            return question  # nothing earlier to lean on: no model call
        try:
            completion = self.model.complete(
                rewrite_prompt(messages), model=self.model_name, max_tokens=self.max_tokens
            )
        # The rewrite only sharpens retrieval: any failure of the model means the rules.
        except Exception:
            log.warning("query rewrite failed, using keyword rules", exc_info=True)
            return self.fallback.rewrite(messages)
        query = usable_query(completion.text, question, messages)
        if query is None:
            log.info("unusable rewritten query %r, using keyword rules", completion.text[:200])
            return self.fallback.rewrite(messages)
        return query


def rewrite_prompt(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    turns = [m for m in messages if m.role != "system"][-_TURNS_SHOWN:]
    lines = [
        f"Student: {_clip(m.content, _USER_CHARS)}"
        if m.role == "user"
        else f"Tutor: {_clip(m.content, _ASSISTANT_CHARS)}"
        for m in turns[:-1]
    ]
    question = _clip(latest_question(messages), _USER_CHARS)
    conversation = "\n".join(lines)
    return [
        {"role": "system", "content": REWRITE_INSTRUCTIONS},
        {
            "role": "user",
            "content": f"{conversation}\n\nLast question: {question}\nStandalone query:",
        },
    ]


def usable_query(text: str, question: str, messages: Sequence[ChatMessage]) -> str | None:
    """The model's reply as a query, or None when it is not one."""
    query = _LABEL.sub("", text.strip()).strip().strip("\"'`").strip()
    lowered = query.lower()
    if not query or "\n" in query:
        return None
    if len(query) > max(3 * len(question), _MIN_QUERY_LIMIT):
        return None
    if lowered.startswith(_REFUSALS) or lowered.startswith(_ANSWER_OPENINGS):
        return None
    if _SENTENCE_BREAK.search(query):
        return None  # several sentences: an answer, not a query
    if not topic_terms(query):
        return None  # "and its disadvantages?" again: the keyword rules do better
    said = {w.lower() for m in messages for w in words_of(m.content)}
    if not any(is_content(w.lower()) and w.lower() in said for w in words_of(query)):
        return None  # shares no word with the conversation: a topic from nowhere
    return query


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def fit_history(
    messages: Sequence[ChatMessage], budget_tokens: int, count_tokens: Callable[[str], int]
) -> list[ChatMessage]:
    """The system messages, the latest turn and as many of the turns just before it as fit
    in `budget_tokens`, in their original order.

    A turn is a user message with the assistant replies after it; turns are kept whole and
    the oldest go first. The system messages and the latest turn are always kept, even
    when they alone exceed the budget: whether to refuse or truncate is the caller's call.
    Pass `TokenCounter.count_message` to include the chat template's per-message tokens.
    """
    turns = _turns(messages)
    if not turns:
        return list(messages)
    kept = {i for i, m in enumerate(messages) if m.role == "system"} | set(turns[-1])
    used = sum(count_tokens(messages[i].content) for i in kept)
    for turn in reversed(turns[:-1]):
        cost = sum(count_tokens(messages[i].content) for i in turn)
        if used + cost > budget_tokens:
            break
        kept.update(turn)
        used += cost
    return [m for i, m in enumerate(messages) if i in kept]


def _turns(messages: Sequence[ChatMessage]) -> list[list[int]]:
    """Indices of the non-system messages, grouped: each user message starts a turn."""
    turns: list[list[int]] = []
    for i, message in enumerate(messages):
        if message.role == "system":
            continue
        if message.role == "user" or not turns:
            turns.append([])
        turns[-1].append(i)
    return turns
