from byosc.eval.retrieval import calibrate


def test_the_cut_is_the_highest_that_still_answers_the_required_share() -> None:
    answerable = [0.2, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9]
    unanswerable = [0.1, 0.3, 0.55]
    threshold = calibrate(answerable, unanswerable, keep_at_least=0.9)
    assert threshold is not None
    # Dropping the 0.2 question is allowed (90% kept); dropping 0.5 as well is not.
    assert 0.3 < threshold.min_relevance <= 0.5
    assert threshold.answerable_kept == 0.9
    assert threshold.unanswerable_refused == round(2 / 3, 4)


def test_keeping_every_answerable_question_puts_the_cut_at_the_lowest_of_them() -> None:
    threshold = calibrate([0.4, 0.6], [0.1, 0.5], keep_at_least=1.0)
    assert threshold is not None
    assert 0.1 < threshold.min_relevance <= 0.4
    assert threshold.answerable_kept == 1.0


def test_no_unanswerable_questions_means_nothing_to_calibrate() -> None:
    assert calibrate([0.5], []) is None
