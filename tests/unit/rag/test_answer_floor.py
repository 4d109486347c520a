from byosc.rag.answer_floor import ShownStart, passes, passing_start

QUESTION = "What does the TLB cache?"


def test_an_answer_must_mark_a_source_it_was_given() -> None:
    assert passes("The TLB caches recent page table entries [2].", QUESTION, 4)
    assert not passes("The TLB caches recent page table entries.", QUESTION, 4)
    assert not passes("The TLB caches recent page table entries [7].", QUESTION, 4)


def test_an_answer_that_declines_needs_no_marker() -> None:
    assert passes("The course material does not cover this question.", QUESTION, 4)


def test_an_answer_that_goes_wrong_keeps_its_start_that_passes() -> None:
    answer = "The TLB caches page table entries [1]. It is fast. The correct answer is:"
    kept = passing_start(answer, QUESTION, 4, final=True)
    assert kept == "The TLB caches page table entries [1]. It is fast."


def test_an_answer_with_no_passing_start_keeps_nothing() -> None:
    assert (
        passing_start("The correct answer is: The correct answer is:", QUESTION, 4, final=True)
        == ""
    )


def test_a_stream_shows_nothing_before_its_first_marked_sentence() -> None:
    shown = ShownStart(QUESTION, 4)
    assert shown.feed("The TLB caches page ") == ""
    assert shown.feed("table entries. It is") == ""
    assert (
        shown.feed(" a cache [1]. Then") == "The TLB caches page table entries. It is a cache [1]."
    )
    assert shown.feed(" more text.", final=True) == " Then more text."
    assert shown.answer.endswith("Then more text.")


def test_a_stream_that_never_passes_shows_nothing() -> None:
    shown = ShownStart(QUESTION, 4)
    assert shown.feed("The correct answer is: ") == ""
    assert shown.feed("The correct answer is:", final=True) == ""
    assert shown.answer == ""
