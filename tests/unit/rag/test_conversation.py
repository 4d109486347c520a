from collections.abc import Iterator

import pytest

from byosc.domain import ChatMessage, Usage
from byosc.errors import ModelUnavailable
from byosc.ports import Completion
from byosc.rag.conversation import (
    KeywordRewriter,
    LlmRewriter,
    elliptic_topic,
    is_follow_up,
    topic_terms,
)

ANSWER = "It is explained in the material [1]."


def conversation(*questions: str) -> list[ChatMessage]:
    """User questions with an assistant answer between each two."""
    messages: list[ChatMessage] = []
    for question in questions:
        if messages:
            messages.append(ChatMessage(role="assistant", content=ANSWER))
        messages.append(ChatMessage(role="user", content=question))
    return messages


def rewrite(*questions: str) -> str:
    return KeywordRewriter().rewrite(conversation(*questions))


@pytest.mark.parametrize(
    ("first", "follow_up", "topic"),
    [
        ("What is paging?", "and what about its disadvantages?", "paging"),
        ("What is round-robin scheduling?", "and what are its disadvantages?", "round-robin"),
        ("What is priority scheduling?", "What is the main problem with it?", "priority"),
        ("Explain the convoy effect", "why?", "convoy effect"),
        ("What is a zombie process?", "How does it work?", "zombie process"),
        ("What is FCFS?", "Which one is faster?", "FCFS"),
        ("What is paging?", "Are there any drawbacks?", "paging"),
        ("What is paging?", "and it’s cost?", "paging"),
    ],
)
def test_a_follow_up_carries_the_topic_of_the_previous_question(
    first: str, follow_up: str, topic: str
) -> None:
    query = rewrite(first, follow_up)
    assert query.startswith(follow_up)
    assert topic in query


@pytest.mark.parametrize(
    ("first", "follow_up", "topic"),
    [
        # A personal pronoun in the same clause as the question's own words points back.
        ("whats a context switch", "how much time does it waste", "context switch"),
        ("what is thrashing", "how do u fix it", "thrashing"),
        ("What is a TreeNode?", "what traits does it have", "TreeNode"),
        # A question going on from the last answer.
        ("explain round robin scheduling", "what if the quantum is huge", "round robin"),
        ("what is a hard link", "and if i delete the original file?", "hard link"),
        ("sjf scheduling", "how do we even know the burst length tho", "sjf"),
        # Chat-speak and relational words are not topics.
        ("what is the bankers algorithm", "can u go through the example", "bankers"),
        ("What is MapReduce?", "what are the steps", "MapReduce"),
    ],
)
def test_pronouns_in_their_own_clause_and_continuations_carry_the_topic(
    first: str, follow_up: str, topic: str
) -> None:
    assert is_follow_up(follow_up)
    query = rewrite(first, follow_up)
    assert query.startswith(follow_up) and topic in query


@pytest.mark.parametrize(
    "question",
    [
        "When a process forks, does it copy its memory?",
        "What does fork return and when does it fail?",
        "What traits does an ObjectColumn have?",
    ],
)
def test_a_pronoun_with_its_antecedent_in_an_earlier_clause_stays_standalone(
    question: str,
) -> None:
    assert not is_follow_up(question)
    assert rewrite("What is paging?", question) == question


def test_the_carried_topic_keeps_the_words_of_multiword_terms_in_order() -> None:
    query = rewrite("What is round robin scheduling?", "and its disadvantages?")
    assert query == "and its disadvantages? round robin scheduling"


@pytest.mark.parametrize(
    "question",
    [
        "What is a semaphore?",
        "and what is a semaphore?",
        "Why does FCFS cause the convoy effect?",
        "What is a zombie process and how does a parent avoid it?",
        "In this course, what is SJF?",
        "Is there a limit on the number of threads?",
        "Can one program give rise to many processes?",
        "What is a process that has terminated but whose parent has not called wait?",
    ],
)
def test_a_standalone_question_is_returned_unchanged(question: str) -> None:
    assert not is_follow_up(question)
    assert rewrite("What is paging?", question) == question


def test_a_new_topic_does_not_inherit_the_old_one() -> None:
    assert "paging" not in rewrite("What is paging?", "What is a semaphore?")


def test_the_first_question_of_a_conversation_is_returned_unchanged() -> None:
    assert rewrite("and its disadvantages?") == "and its disadvantages?"


def test_a_follow_up_takes_the_most_recent_topic() -> None:
    query = rewrite("What is paging?", "What is a semaphore?", "why is it needed?")
    assert "semaphore" in query and "paging" not in query


def test_follow_ups_in_a_row_reach_back_to_the_last_question_with_a_topic() -> None:
    query = rewrite("What is round-robin scheduling?", "and its disadvantages?", "why?")
    assert query == "why? round-robin scheduling"


def test_assistant_turns_and_system_messages_are_not_read_for_topics() -> None:
    messages = [
        ChatMessage(role="system", content="You answer about deadlocks and semaphores."),
        ChatMessage(role="user", content="What is paging?"),
        ChatMessage(role="assistant", content="Paging avoids external fragmentation."),
        ChatMessage(role="user", content="and its disadvantages?"),
    ]
    assert KeywordRewriter().rewrite(messages) == "and its disadvantages? paging"


FCFS = "How does FCFS schedule processes?"


@pytest.mark.parametrize(
    ("first", "follow_up", "query"),
    [
        (FCFS, "and round robin?", "How does round robin schedule processes?"),
        (FCFS, "what about SJF?", "How does SJF schedule processes?"),
        (FCFS, "How about the TLB?", "How does TLB schedule processes?"),
        (
            FCFS,
            "and for priority scheduling then?",
            "How does priority scheduling schedule processes?",
        ),
        ("What is paging?", "what about segmentation?", "What is segmentation?"),
        ("what is round robin scheduling", "and sjf?", "what is sjf"),
    ],
)
def test_an_elliptic_follow_up_asks_the_earlier_question_of_its_new_topic(
    first: str, follow_up: str, query: str
) -> None:
    assert is_follow_up(follow_up)
    assert rewrite(first, follow_up) == query


def test_elliptic_follow_ups_in_a_row_replace_only_the_topic_each_time() -> None:
    query = rewrite(FCFS, "and round robin?", "what about SJF?", "and multilevel queues?")
    assert query == "How does multilevel queues schedule processes?"


def test_an_elliptic_follow_up_after_a_carried_topic_replaces_the_carried_topic() -> None:
    query = rewrite("What is round robin scheduling?", "and its disadvantages?", "and SJF?")
    assert query == "and its disadvantages? SJF"


def test_an_elliptic_follow_up_naming_an_aspect_of_its_new_topic_stands_alone() -> None:
    assert rewrite(FCFS, "what about SJF's drawbacks?") == "what about SJF's drawbacks?"


@pytest.mark.parametrize(
    "follow_up", ["and its disadvantages?", "why?", "and the difference?", "and in this course?"]
)
def test_a_follow_up_without_a_topic_still_carries_the_earlier_one(follow_up: str) -> None:
    assert elliptic_topic(follow_up) is None
    assert rewrite(FCFS, follow_up) == f"{follow_up} FCFS schedule processes"


@pytest.mark.parametrize(
    "question",
    [
        "and how does SJF pick the next process?",
        "and what is a semaphore?",
        "And why does round robin need a timer interrupt?",
    ],
)
def test_a_question_opening_with_and_that_has_its_own_frame_is_not_elliptic(
    question: str,
) -> None:
    assert elliptic_topic(question) is None
    assert rewrite(FCFS, question) == question


def test_topic_terms_leave_out_stopwords_and_aspects_and_keep_the_order() -> None:
    assert topic_terms("What are the disadvantages of round robin scheduling?") == [
        "round",
        "robin",
        "scheduling",
    ]


class FakeChatModel:
    """A stand-in with canned replies: these tests are about checking the replies."""

    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply
        self.calls: list[list[dict[str, str]]] = []

    def complete(
        self, messages: list[dict[str, str]], *, model: str | None, max_tokens: int
    ) -> Completion:
        self.calls.append(messages)
        if isinstance(self.reply, Exception):
            raise self.reply
        return Completion(text=self.reply, model=model or "fake", usage=Usage())

    def stream(
        self, messages: list[dict[str, str]], *, model: str | None, max_tokens: int
    ) -> Iterator[str]:
        raise NotImplementedError

    def models(self) -> list[str]:
        return ["fake"]


PAGING = conversation("What is paging?", "and what about its disadvantages?")
KEYWORDS = "and what about its disadvantages? paging"


def llm_rewrite(reply: str | Exception, messages: list[ChatMessage] = PAGING) -> str:
    return LlmRewriter(FakeChatModel(reply), "base", KeywordRewriter()).rewrite(messages)


def test_the_model_rewrite_is_used_when_it_is_a_query() -> None:
    assert llm_rewrite("disadvantages of paging") == "disadvantages of paging"


def test_labels_and_quotes_around_the_model_query_are_removed() -> None:
    assert llm_rewrite(' Standalone query: "disadvantages of paging"\n') == (
        "disadvantages of paging"
    )


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "   ",
        "disadvantages of paging\nPaging has internal fragmentation.",
        "paging " * 40,
        "I'm sorry, I cannot help with that.",
        "Sure! Here is the query: paging disadvantages",
        "Paging has internal fragmentation. It also needs a page table per process.",
        "What is the weather in Paris tomorrow?",
        "and what about its disadvantages?",
    ],
)
def test_an_unusable_model_reply_falls_back_to_the_keyword_rules(reply: str) -> None:
    assert llm_rewrite(reply) == KEYWORDS


def test_a_model_error_falls_back_to_the_keyword_rules() -> None:
    assert llm_rewrite(ModelUnavailable("model server down")) == KEYWORDS


def test_the_model_is_not_asked_about_a_first_question() -> None:
    model = FakeChatModel("anything")
    rewriter = LlmRewriter(model, "base", KeywordRewriter())
    assert rewriter.rewrite(conversation("What is paging?")) == "What is paging?"
    assert model.calls == []


def test_the_prompt_shows_the_conversation_compactly_and_ends_with_the_question() -> None:
    model = FakeChatModel("disadvantages of paging")
    long_answer = ChatMessage(role="assistant", content="Paging is " + "very " * 200 + "useful.")
    messages = [PAGING[0], long_answer, PAGING[2]]
    LlmRewriter(model, "base", KeywordRewriter()).rewrite(messages)
    [prompt] = model.calls
    assert prompt[0]["role"] == "system" and "standalone search query" in prompt[0]["content"]
    user = prompt[1]["content"]
    assert "Student: What is paging?" in user
    assert len(user) < 600
    assert user.endswith("Last question: and what about its disadvantages?\nStandalone query:")
