import torch

from byosc.llm.repetition import NoRepeatInAnswer, repeat_completions, repetition_args

PROMPT = [5, 6, 7, 8]


def test_the_token_that_would_repeat_a_run_of_the_answer_is_found() -> None:
    # 1 2 3 4 1 2: a 3 next would repeat "1 2 3".
    assert repeat_completions([1, 2, 3, 4, 1, 2], 3) == {3}
    assert repeat_completions([1, 2, 3, 4, 2, 1], 3) == set()
    assert repeat_completions([1, 2], 1) == {1, 2}


def test_runs_of_the_prompt_may_be_quoted_in_the_answer() -> None:
    scores = torch.zeros((1, 10))
    # The answer so far is "6 7"; the prompt holds "6 7 8", which the answer may copy.
    NoRepeatInAnswer(3, len(PROMPT))(torch.tensor([[*PROMPT, 6, 7]]), scores)
    assert torch.isfinite(scores).all()


def test_a_run_the_answer_already_wrote_cannot_come_again() -> None:
    scores = torch.zeros((1, 10))
    NoRepeatInAnswer(3, len(PROMPT))(torch.tensor([[*PROMPT, 1, 2, 3, 1, 2]]), scores)
    assert scores[0, 3] == -float("inf")
    assert torch.isfinite(torch.cat([scores[0, :3], scores[0, 4:]])).all()


def test_controls_left_at_their_defaults_add_nothing_to_generation() -> None:
    assert repetition_args(1.0, 0, prompt_tokens=4) == {}
    assert repetition_args(1.2, 0, prompt_tokens=4) == {"repetition_penalty": 1.2}
    assert "logits_processor" in repetition_args(1.0, 3, prompt_tokens=4)
