"""The adapters a CLI command needs, built from settings and closed when it ends.

In the embedded profile the CLI runs everything in-process, including the LLM, so it must
not run while `make up` holds the same index directory."""

from __future__ import annotations

from functools import cached_property

from byosc.adapters import Adapters
from byosc.bootstrap import open_rag_chat
from byosc.ingest import Ingestor
from byosc.rag.chat import RagChat
from byosc.settings import Settings


class Runtime(Adapters):
    def __init__(self, settings: Settings | None = None, llm: bool = False) -> None:
        settings = settings or Settings()
        # Embedded and not told otherwise: run the local engine here rather than expect a
        # model server to be up.
        auto = "in_process" not in settings.llm.model_fields_set
        if llm and auto and settings.profile == "embedded":
            llm_settings = settings.llm.model_copy(update={"in_process": True})
            settings = settings.model_copy(update={"llm": llm_settings})
        super().__init__(settings)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.pipeline)

    @cached_property
    def chat(self) -> RagChat:
        return open_rag_chat(
            self.settings,
            self.catalog,
            self.embedder,
            self.index,
            self.model,
            adapter_for=self.adapter_serving.model_for,
        )
