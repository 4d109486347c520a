"""The engine's own metrics, beside the request metrics every service has, named after
vLLM's (`vllm:num_requests_running`, `vllm:generation_tokens_total`), read from the
engine when scraped."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from byosc.llm.engine import EngineStats


class EngineCollector(Collector):
    def __init__(self, stats: EngineStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "modelserver_requests_running",
            "Generations the engine is running now",
            value=self.stats.running,
        )
        yield CounterMetricFamily(
            "modelserver_generation_tokens",
            "Tokens generated, for callers that stayed and for those that left",
            value=self.stats.generated_tokens,
        )
        yield CounterMetricFamily(
            "modelserver_requests_cancelled",
            "Generations stopped or skipped because their client disconnected",
            value=self.stats.cancelled,
        )


def register_engine_metrics(registry: CollectorRegistry, stats: EngineStats) -> Collector:
    collector = EngineCollector(stats)
    registry.register(collector)
    return collector
