"""The one place a chat becomes the text a model reads: the model's own chat template.

Training records and served prompts both go through `format_chat`, so a fine-tuned adapter
sees at inference exactly the role markers and separators it was trained on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ChatMessages = Sequence[Mapping[str, str]]


def format_chat(tokenizer: Any, messages: ChatMessages, *, add_generation_prompt: bool) -> str:
    """The templated text of `messages`.

    `add_generation_prompt=True` ends with the opening of an assistant turn (a prompt to
    answer); False renders a finished conversation, as a training example is. Tokenize the
    result with `add_special_tokens=False`: the template already holds the special tokens.
    """
    text = tokenizer.apply_chat_template(
        [dict(m) for m in messages],
        tokenize=False,
        add_generation_prompt=add_generation_prompt,
    )
    return str(text)
