"""The instruction-set types, which live in the domain (byosc.domain.datasets); kept here so
the instruction modules and their callers read them under their old name."""

from byosc.domain.datasets import (
    SPLITS,
    Candidate,
    DatasetVersion,
    DocumentCounts,
    Generated,
    GenerationReport,
    GeneratorName,
    InstructionPair,
    Rejection,
    Split,
    TaskType,
    pair_id,
)

__all__ = [
    "SPLITS",
    "Candidate",
    "DatasetVersion",
    "DocumentCounts",
    "Generated",
    "GenerationReport",
    "GeneratorName",
    "InstructionPair",
    "Rejection",
    "Split",
    "TaskType",
    "pair_id",
]
