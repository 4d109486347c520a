"""The chat's own metrics, beside the request metrics every service has: time to first
token, retrieval time and the model server's failures, fed by RagChat's observer hooks."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from byosc.llm.breaker import MODEL_FAILURES, ModelFailure

# A CPU model server takes seconds to its first token, a GPU one a fraction of one.
TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0)
RETRIEVAL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ChatMetrics:
    """A ChatObserver that records into `registry`; `close` takes its metrics out again."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.time_to_first_token = Histogram(
            "byosc_chat_time_to_first_token_seconds",
            "From a chat's start to its first generated token (mode=stream) or to the "
            "model's whole answer (mode=full)",
            ["mode"],
            buckets=TTFT_BUCKETS,
            registry=registry,
        )
        self.retrieval_seconds = Histogram(
            "byosc_retrieval_seconds",
            "Search of a course's material, for a chat or /search",
            buckets=RETRIEVAL_BUCKETS,
            registry=registry,
        )
        self.model_server_errors = Counter(
            "byosc_model_server_errors",
            "Chats answered without the model server, by reason",
            ["reason"],
            registry=registry,
        )
        # Every reason shows from the start, at 0, so rates over them are defined.
        for reason in MODEL_FAILURES:
            self.model_server_errors.labels(reason)

    def retrieval(self, seconds: float) -> None:
        self.retrieval_seconds.observe(seconds)

    def first_token(self, seconds: float, *, streaming: bool) -> None:
        self.time_to_first_token.labels("stream" if streaming else "full").observe(seconds)

    def model_failure(self, reason: ModelFailure) -> None:
        self.model_server_errors.labels(reason).inc()

    def close(self) -> None:
        for metric in (self.time_to_first_token, self.retrieval_seconds, self.model_server_errors):
            self.registry.unregister(metric)
