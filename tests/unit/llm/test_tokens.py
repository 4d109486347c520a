from pathlib import Path
from typing import Any

import pytest

from byosc.domain import ChatMessage
from byosc.llm.tokens import TokenCounter
from byosc.models import bundled_models
from byosc.rag.conversation import fit_history
from byosc.settings import Settings

TEXTS = [
    "What is round-robin scheduling?",
    "Round robin gives each ready process a time quantum q in turn, typically 10 to 100 ms.",
    "tau(n+1) = alpha * t(n) + (1 - alpha) * tau(n)",
    "",
]


@pytest.fixture(scope="module")
def llm_dir(byosc_home: Path) -> Path:
    return bundled_models(Settings(home=byosc_home)).llm_dir


@pytest.fixture(scope="module")
def counter(llm_dir: Path) -> TokenCounter:
    return TokenCounter.from_model_dir(llm_dir)


@pytest.fixture(scope="module")
def tokenizer(llm_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(llm_dir, local_files_only=True)


@pytest.mark.parametrize("text", TEXTS)
def test_counts_match_the_model_tokenizer(counter: TokenCounter, tokenizer: Any, text: str) -> None:
    assert counter.count(text) == len(tokenizer.encode(text, add_special_tokens=False))


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": TEXTS[0]}],
        [
            {"role": "system", "content": "Answer from the numbered sources only."},
            {"role": "user", "content": TEXTS[0]},
            {"role": "assistant", "content": TEXTS[1]},
            {"role": "user", "content": "and what are its disadvantages?"},
        ],
    ],
)
def test_a_templated_prompt_is_counted_within_a_token_a_message(
    counter: TokenCounter, tokenizer: Any, messages: list[dict[str, str]]
) -> None:
    templated = tokenizer.apply_chat_template(
        messages, tokenize=True, add_generation_prompt=True, return_dict=True
    )["input_ids"]
    assert abs(counter.count_messages(messages) - len(templated)) <= len(messages)


def test_the_tokenizer_is_loaded_on_first_use_only(tmp_path: Path) -> None:
    counter = TokenCounter.from_model_dir(tmp_path / "nowhere")
    with pytest.raises(OSError):
        counter.count("hello")


def test_the_approximate_counter_takes_four_characters_a_token() -> None:
    counter = TokenCounter.approximate()
    assert not counter.exact
    assert counter.count("x" * 40) == 10
    assert counter.count("abcde") == 2
    assert counter.count_message("x" * 40) > 10


def history(*turns: tuple[str, str], latest: str) -> list[ChatMessage]:
    messages = [ChatMessage(role="system", content="Answer from the sources.")]
    for question, answer in turns:
        messages.append(ChatMessage(role="user", content=question))
        messages.append(ChatMessage(role="assistant", content=answer))
    messages.append(ChatMessage(role="user", content=latest))
    return messages


CONVERSATION = history(
    ("What is paging?", "Paging divides memory into fixed-size pages [1]."),
    ("What is a TLB?", "A TLB caches page-table entries [2]."),
    ("What is round-robin scheduling?", TEXTS[1]),
    latest="and what are its disadvantages?",
)


def total(counter: TokenCounter, messages: list[ChatMessage]) -> int:
    return sum(counter.count_message(m.content) for m in messages)


def test_a_large_budget_keeps_the_whole_history(counter: TokenCounter) -> None:
    assert fit_history(CONVERSATION, 10_000, counter.count_message) == CONVERSATION


def test_the_oldest_turns_are_dropped_first_and_the_budget_is_respected(
    counter: TokenCounter,
) -> None:
    needed = total(counter, CONVERSATION)
    kept = fit_history(CONVERSATION, needed - 1, counter.count_message)
    assert kept == [CONVERSATION[0], *CONVERSATION[3:]]
    assert total(counter, kept) <= needed - 1


def test_turns_are_kept_whole_and_newest_first(counter: TokenCounter) -> None:
    system, latest = CONVERSATION[0], CONVERSATION[-1]
    budget = total(counter, [system, latest, *CONVERSATION[5:7]]) + 1
    kept = fit_history(CONVERSATION, budget, counter.count_message)
    assert kept == [system, *CONVERSATION[5:7], latest]
    assert total(counter, kept) <= budget


def test_the_system_messages_and_latest_turn_stay_even_over_budget(
    counter: TokenCounter,
) -> None:
    kept = fit_history(CONVERSATION, 1, counter.count_message)
    assert kept == [CONVERSATION[0], CONVERSATION[-1]]


def test_a_conversation_without_earlier_turns_is_returned_as_it_is() -> None:
    messages = [ChatMessage(role="user", content="What is paging?")]
    assert fit_history(messages, 1, len) == messages
