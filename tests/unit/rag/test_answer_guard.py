import pytest

from byosc.rag.answer_guard import AnswerGuard
from byosc.rag.prompt import MARKUP
from byosc.rag.repeats import repeat_cut

# Answers the bundled SmolLM2-135M wrote for the sample course's questions (shortened).
CYCLE = (
    "The five states of a process are:\n\n* New (1)\n* Ready (2)\n* Waiting (3)\n"
    "* Running (4)\n* Terminated (5)\n\nThe process is in a cycle, and the cycle is a "
    "deadlock. The cycle is a cycle of a deadlock. The cycle is a cycle of a cycle. The "
    "cycle is a cycle of a cycle. The cycle is a cycle of a cycle. The cycle"
)
CYCLE_KEPT = CYCLE[: CYCLE.index(" The cycle is a cycle of a deadlock.")]
CONVOY = (
    "The convoy effect in FCFS scheduling is a phenomenon where a process that is waiting "
    "for a CPU-bound process\nto finish will eventually sink to Q2, but the process that is "
    "waiting for a CPU-bound process will\nnot sink to Q2. This is because the process that "
    "is waiting for a CPU-bound process will have to wait for\nall CPU-bound processes."
)
CONVOY_KEPT = CONVOY[: CONVOY.index(", but the process")]
CONDITIONS = (
    "The four conditions for a deadlock are:\n\n"
    "1. Mutual Exclusion: Each process must hold a single resource.\n"
    "2. Hold and Wait: Each process must hold at least one resource.\n\n"
    "The four conditions are:\n\n"
    "- **Mutual Exclusion**: Each process must hold a single instance of a resource.\n"
    "- **Hold and Wait**: Each process must hold at least one instance of a resource.\n"
)
CONDITIONS_KEPT = CONDITIONS[: CONDITIONS.index("\n\nThe four conditions are:")]
NUMBERED = (
    "The four conditions for a deadlock are:\n\n1. Mutual Exclusion: Each process must hold "
    "at least one resource while it waits for another process to release it.\n\n2. Hold "
    "and Wait: Each process must hold at least one resource while it waits for another "
    "process to release it.\n\n3."
)
NUMBERED_KEPT = NUMBERED[: NUMBERED.index("\n\n2. Hold")]
# The loop and the leaked tags the issue reports from other demo answers.
CACHE = (
    "A TLB is a cache that is designed to store data. It is a cache that is designed to "
    "store data. It is a cache that is designed to store data. It is a cache that is"
)
CACHE_KEPT = "A TLB is a cache that is designed to store data."
LEAKED = (
    "Mutual exclusion, hold and wait, no preemption and circular wait [2].\n</source>\n"
    '<source n="5" from="Lecture 4, page 2">\nA deadlock'
)
LEAKED_KEPT = "Mutual exclusion, hold and wait, no preemption and circular wait [2]."
FINE = (
    "A timer interrupt moves a running process back to the ready state [1]. When its I/O "
    "completes, a waiting process also goes back to the ready state [1]."
)
EXAMPLES = [
    (CYCLE, CYCLE_KEPT),
    (CONVOY, CONVOY_KEPT),
    (CONDITIONS, CONDITIONS_KEPT),
    (NUMBERED, NUMBERED_KEPT),
    (CACHE, CACHE_KEPT),
    (LEAKED, LEAKED_KEPT),
    (FINE, FINE),
]


def _streamed(text: str, size: int, span_words: int = 8) -> tuple[str, AnswerGuard]:
    guard = AnswerGuard(MARKUP, span_words)
    shown = [guard.feed(text[i : i + size]) for i in range(0, len(text), size)]
    shown.append(guard.finish())
    return "".join(shown), guard


def test_an_answer_that_loops_is_cut_at_the_full_stop_before_the_loop() -> None:
    for looping, kept in [(CYCLE, CYCLE_KEPT), (CACHE, CACHE_KEPT)]:
        _, guard = _streamed(looping, len(looping))
        assert guard.answer == kept
        assert guard.cut


def test_a_list_written_twice_is_cut_before_its_second_copy_and_the_line_leading_to_it() -> None:
    _, guard = _streamed(CONDITIONS, len(CONDITIONS))
    assert guard.answer == CONDITIONS_KEPT


def test_a_list_item_that_repeats_the_one_before_goes_with_its_number_and_heading() -> None:
    _, guard = _streamed(NUMBERED, len(NUMBERED))
    assert guard.answer == NUMBERED_KEPT


def test_a_first_sentence_that_repeats_itself_ends_at_its_last_clause() -> None:
    # A line break inside a sentence does not end it.
    assert CONVOY_KEPT.endswith("will eventually sink to Q2")
    _, guard = _streamed(CONVOY, len(CONVOY))
    assert guard.answer == CONVOY_KEPT


def test_a_repeated_short_sentence_counts_as_a_loop() -> None:
    text = "Use a lock [1]. Locks are simple. Use a lock [1]. Locks are simple."
    cut = repeat_cut(text, 8, final=True)
    assert cut is not None and text[:cut].strip() == "Use a lock [1]. Locks are simple."


def test_phrases_an_answer_repeats_on_purpose_are_kept() -> None:
    _, guard = _streamed(FINE, len(FINE))
    assert guard.answer == FINE
    assert not guard.cut


def test_the_prompts_source_tags_end_the_answer() -> None:
    _, guard = _streamed(LEAKED, len(LEAKED))
    assert guard.answer == LEAKED_KEPT
    assert guard.cut


@pytest.mark.parametrize(("text", "kept"), EXAMPLES)
def test_a_stream_shows_exactly_the_final_answer_however_it_is_split(text: str, kept: str) -> None:
    for size in range(1, 13):
        shown, guard = _streamed(text, size)
        assert shown.strip() == guard.answer == kept, size
        assert "<" not in shown


def test_a_stream_stops_reading_once_the_answer_is_cut() -> None:
    guard = AnswerGuard(MARKUP, 8)
    for word in CACHE.split(" "):
        guard.feed(word + " ")
        if guard.cut:
            break
    assert guard.cut
    assert guard.feed("It is a cache") == ""
    assert guard.answer == CACHE_KEPT


def test_the_repeat_cut_can_be_turned_off() -> None:
    _, guard = _streamed(CACHE, 5, span_words=0)
    assert guard.answer == CACHE
