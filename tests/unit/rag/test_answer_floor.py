from byosc.rag.answer_floor import ShownStart, marks_a_source, passing_start

QUESTION = "What does the TLB cache?"


def test_an_answer_must_mark_a_source_it_was_given() -> None:
    assert marks_a_source("The TLB caches recent page table entries [2].", 4)
    assert not marks_a_source("The TLB caches recent page table entries.", 4)
    assert not marks_a_source("The TLB caches recent page table entries [7].", 4)


def test_an_answer_that_declines_needs_no_marker() -> None:
    assert marks_a_source("The course material does not cover this question.", 4)


def test_an_answer_that_goes_wrong_keeps_its_start_that_passes() -> None:
    answer = "The TLB caches page table entries [1]. It is fast. The correct answer is:"
    kept = passing_start(answer, QUESTION, final=True)
    assert kept == "The TLB caches page table entries [1]. It is fast."


def test_an_answer_with_no_passing_start_keeps_nothing() -> None:
    garbage = "The correct answer is: The correct answer is:"
    assert passing_start(garbage, QUESTION, final=True) == ""


def test_a_stream_shows_whole_sentences_once_they_pass() -> None:
    shown = ShownStart(QUESTION)
    assert shown.feed("The TLB caches page ") == ""
    assert shown.feed("table entries [1]. It is") == "The TLB caches page table entries [1]."
    assert shown.feed(" a cache.", final=True) == " It is a cache."
    assert shown.answer == "The TLB caches page table entries [1]. It is a cache."


def test_a_stream_holds_back_a_start_that_says_the_question_back() -> None:
    shown = ShownStart(QUESTION)
    assert shown.feed("The TLB caches. ") == ""
    assert shown.feed("It holds recent page table entries [1]. ") != ""


def test_a_stream_that_never_passes_shows_nothing() -> None:
    shown = ShownStart(QUESTION)
    assert shown.feed("The correct answer is: ") == ""
    assert shown.feed("The correct answer is:", final=True) == ""
    assert shown.answer == ""
