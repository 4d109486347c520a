"""The local engine: a transformers causal LM on CPU serving any number of LoRA adapters.

Requests pick the base model or an adapter by name, as with vLLM's `--enable-lora`.

All model work runs on one thread the engine owns (`BatchingLoop`), which decodes
concurrent generations together, each with its own adapter, in one forward pass per token.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, Unpack

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, TextIteratorStreamer

from byosc.errors import AlreadyExists, ByoscError, NotFound
from byosc.llm.adapters import AdapterRejected, check_base_model, check_shapes, read_adapter
from byosc.llm.batching import Decoding, SequenceState
from byosc.llm.chat_template import format_chat
from byosc.llm.engine_loop import BatchingLoop, EngineStats
from byosc.llm.generation import DEFAULT_MAX_TOKENS, Controls, Generation, GenerationStream
from byosc.llm.stops import cut_at_stop, until_stop
from byosc.settings import BASE_MODEL_NAME

_NO_ADAPTER = "__base__"  # peft's name for "base model only" in adapter_names

Messages = Sequence[Mapping[str, str]]
T = TypeVar("T")


@dataclass(frozen=True)
class LoadedAdapter:
    name: str
    path: Path
    slot: str  # peft's adapter name: user-chosen names may hold characters peft rejects


@dataclass(frozen=True)
class _Request:
    model: str
    prompt: torch.Tensor  # [1, prompt_tokens]
    max_new_tokens: int
    decoding: Decoding
    stop: tuple[str, ...] = ()

    @property
    def prompt_tokens(self) -> int:
        return int(self.prompt.shape[1])

    def sequence(
        self, cancel: threading.Event, streamer: TextIteratorStreamer | None = None
    ) -> SequenceState:
        return SequenceState(
            self.model, self.prompt, self.max_new_tokens, self.decoding, self.stop, cancel, streamer
        )


class LocalEngine:
    def __init__(
        self,
        model_dir: Path,
        base_name: str = BASE_MODEL_NAME,
        batch_window_s: float = 0.01,
        max_batch: int = 16,
    ) -> None:
        """`batch_window_s`, `max_batch`: see `BatchingLoop`."""
        self.model_dir = Path(model_dir)
        self.base_name = base_name
        self.stats = EngineStats()
        self._loop = BatchingLoop(self.stats, batch_window_s, max_batch)
        self._tokenizer: Any = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
        self._base: Any = self._on_worker(self._load_base)
        self._peft: Any = None  # the PeftModel around _base while any adapter is loaded
        self._adapters: dict[str, LoadedAdapter] = {}
        self._slots = itertools.count(1)
        self._loop.served = self

    @property
    def max_model_len(self) -> int:
        return int(getattr(self._base.config, "max_position_embeddings", 2048))

    def models(self) -> list[str]:
        return [self.base_name, *self.adapters()]

    def adapters(self) -> dict[str, Path]:
        return {name: adapter.path for name, adapter in dict(self._adapters).items()}

    def generate(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = 0.0,
        top_p: float = 1.0,
        cancel: threading.Event | None = None,
        **controls: Unpack[Controls],
    ) -> Generation:
        """`cancel`: set it from another thread to stop the generation at its next token
        (its caller went away); the text so far is returned."""
        request = self._prepare(messages, model, max_tokens, temperature, top_p, **controls)
        tokens = self._loop.submit(request.sequence(cancel or threading.Event())).result()
        return self._result(request, tokens)

    def stream(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = 0.0,
        top_p: float = 1.0,
        **controls: Unpack[Controls],
    ) -> GenerationStream:
        """Queues the generation; bad requests raise here, before any piece."""
        request = self._prepare(messages, model, max_tokens, temperature, top_p, **controls)
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancel = threading.Event()
        tokens = self._loop.submit(request.sequence(cancel, streamer))
        done: Future[Generation] = Future()

        def settle(ended: Future[list[int]]) -> None:
            error = ended.exception()
            if error is not None:
                done.set_exception(error)  # the reader gets it once the streamer ends
            else:
                done.set_result(self._result(request, ended.result()))

        tokens.add_done_callback(settle)
        return GenerationStream(until_stop(streamer, request.stop), done, cancel)

    def load_adapter(self, name: str, path: Path | str) -> None:
        path = Path(path).expanduser().resolve()
        info = read_adapter(path)
        check_base_model(info, self.base_name, self.model_dir)

        def attach() -> None:
            if name == self.base_name:
                raise AlreadyExists(f"'{name}' is the base model's name")
            if name in self._adapters:
                raise AlreadyExists(f"The lora adapter '{name}' has already been loaded.")
            check_shapes(info, self._linear_shapes())
            slot = f"adapter_{next(self._slots)}"
            self._attach(slot, path)
            self._adapters[name] = LoadedAdapter(name, path, slot)

        self._on_worker(attach)

    def unload_adapter(self, name: str) -> None:
        self._on_worker(self._detach, name)

    def close(self) -> None:
        """Finishes queued work and stops the engine's thread."""
        self._loop.close()

    def serves(self, name: str) -> bool:
        return name == self.base_name or name in self._adapters

    def model_for(self, names: list[str]) -> tuple[Any, dict[str, Any]]:
        """The model to call for rows asking for `names`, and how it selects each row's
        adapter (on the engine's thread)."""
        if self._peft is None:
            return self._base, {}
        slots = [a.slot if (a := self._adapters.get(name)) else _NO_ADAPTER for name in names]
        return self._peft, {"adapter_names": slots}

    def ends(self, sequence: SequenceState) -> bool:
        return sequence.ended(self._eos_ids(), self._decode)

    def _decode(self, tokens: list[int]) -> str:
        return str(self._tokenizer.decode(tokens, skip_special_tokens=True))

    def _on_worker(self, work: Callable[..., T], *args: Any) -> T:
        return self._loop.call(work, *args)

    def _detach(self, name: str) -> None:
        adapter = self._adapters.pop(name, None)
        if adapter is None:
            raise NotFound(f"The lora adapter '{name}' cannot be found.")
        if not self._adapters:
            # peft cannot delete its last adapter; unwrapping restores the plain model.
            self._base = self._peft.unload()
            self._peft = None
            return
        if self._peft.active_adapter == adapter.slot:
            self._peft.set_adapter(next(iter(self._adapters.values())).slot)
        self._peft.delete_adapter(adapter.slot)

    def _load_base(self) -> Any:
        model = AutoModelForCausalLM.from_pretrained(
            self.model_dir, dtype=torch.float32, local_files_only=True
        )
        return model.eval()

    def _prepare(
        self,
        messages: Messages,
        model: str | None,
        max_tokens: int,
        temperature: float,
        top_p: float,
        stop: Sequence[str] = (),
        repetition_penalty: float = 1.0,
        no_repeat_ngram_size: int = 0,
    ) -> _Request:
        name = model or self.base_name
        self._require_known(name)
        # One formatting function for serving and training, so both see the same template.
        prompt = format_chat(
            self._tokenizer, [dict(m) for m in messages], add_generation_prompt=True
        )
        inputs = self._tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        room = self.max_model_len - prompt_tokens
        if room <= 0:
            raise ByoscError(
                f"the prompt has {prompt_tokens} tokens; {name} reads at most {self.max_model_len}"
            )
        decoding = Decoding(temperature, top_p, repetition_penalty, no_repeat_ngram_size)
        prompt_ids = inputs["input_ids"]
        return _Request(name, prompt_ids, min(max_tokens, room), decoding, tuple(stop))

    def _result(self, request: _Request, new_tokens: list[int]) -> Generation:
        decoded = self._decode(new_tokens)
        # As with vLLM, the text ends before the stop string the generation stopped at.
        text, stopped = cut_at_stop(decoded, request.stop)
        ended = stopped or bool(new_tokens and new_tokens[-1] in self._eos_ids())
        return Generation(
            text=text,
            model=request.model,
            prompt_tokens=request.prompt_tokens,
            completion_tokens=len(new_tokens),
            finish_reason="stop" if ended else "length",
            token_ids=tuple(new_tokens),
        )

    def _require_known(self, name: str) -> None:
        if name != self.base_name and name not in self._adapters:
            served = ", ".join(self.models())
            raise NotFound(f"The model `{name}` does not exist. Served models: {served}")

    def _eos_ids(self) -> set[int]:
        eos = self._base.generation_config.eos_token_id
        ids = eos if isinstance(eos, list) else [eos]
        return {int(i) for i in ids if i is not None} | {self._tokenizer.eos_token_id}

    def _linear_shapes(self) -> dict[str, tuple[int, int]]:
        return {
            name: (module.in_features, module.out_features)
            for name, module in self._base.named_modules()
            if isinstance(getattr(module, "in_features", None), int)
            and isinstance(getattr(module, "out_features", None), int)
        }

    def _attach(self, slot: str, path: Path) -> None:
        from peft import PeftModel

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                if self._peft is None:
                    self._peft = PeftModel.from_pretrained(
                        self._base, str(path), adapter_name=slot, is_trainable=False
                    )
                else:
                    self._peft.load_adapter(str(path), adapter_name=slot, is_trainable=False)
        except Exception as exc:
            self._discard(slot)
            raise AdapterRejected(f"could not load the adapter at {path}: {exc}") from exc
        self._peft.eval()

    def _discard(self, slot: str) -> None:
        if self._peft is not None and self._adapters:
            if slot in self._peft.peft_config:
                self._peft.delete_adapter(slot)
            return
        # The first adapter failed half-way: the base model may carry some of its layers.
        self._peft = None
        self._base = self._load_base()
