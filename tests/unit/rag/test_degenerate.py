from byosc.rag.degenerate import degeneracy

QUESTION = "How should training data be split when the data is a time series?"


def test_the_filler_the_small_model_wrote_twice_is_degenerate() -> None:
    assert degeneracy("The correct answer is: The correct answer is:", QUESTION) == "repeated"
    assert degeneracy("The correct answer is:", QUESTION) == "filler"


def test_an_answer_announced_after_content_but_never_given_is_filler() -> None:
    answer = "Split the data by time [1]. The correct answer is:"
    assert degeneracy(answer, QUESTION) == "filler"


def test_filler_beside_real_content_is_not_degenerate() -> None:
    assert degeneracy("Answer: train on earlier data, test on later data [1].", QUESTION) is None
    assert (
        degeneracy("Train on the past, test on the future [1]. I hope this helps.", QUESTION)
        is None
    )


def test_empty_and_marker_only_answers_are_degenerate() -> None:
    assert degeneracy("", QUESTION) == "empty"
    assert degeneracy("[1] [2].", QUESTION) == "empty"


def test_a_line_said_twice_is_degenerate() -> None:
    line = "The TLB caches page table entries [1]."
    assert degeneracy(f"{line}\n{line}", "What does the TLB cache?") == "repeated"


def test_an_answer_that_says_the_question_back_is_degenerate() -> None:
    assert degeneracy("Time series training data should be split. [1]", QUESTION) == (
        "restates the question"
    )


def test_an_answer_that_adds_to_the_question_is_not_a_restatement() -> None:
    answer = "Split it by time: train on earlier data and test on later data [1]."
    assert degeneracy(answer, QUESTION) is None
