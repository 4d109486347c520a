"""Transcription speed: WhisperTranscriber against bare faster-whisper on the same audio.

Both use the bundled tiny.en model (int8, CPU) with the VAD filter, in one process, on the
sample lecture; runs alternate so background load hits both alike. The real-time factor is
processing time / audio duration (lower is faster); the ratio is baseline time / ours
(1.0 = no overhead; target >= 0.9).

Run: .venv/bin/python bench/transcribe.py  (writes bench/results/transcribe.json)
"""

from __future__ import annotations

import io
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import timed, write_result

from byosc.models import bundled_models
from byosc.settings import Settings
from byosc.transcribe.whisper import SAMPLE_RATE, WhisperTranscriber

RECORDING = (
    Path(__file__).resolve().parents[1]
    / "examples"
    / "sample-course"
    / "material"
    / "04-deadlocks-lecture.mp3"
)
REPEATS = 5


def main() -> None:
    settings = Settings()
    data = RECORDING.read_bytes()
    ours = WhisperTranscriber.from_settings(settings)
    raw = _raw_model(settings)

    def run_ours() -> int:
        return len(ours.transcribe(data, RECORDING.name))

    def run_raw() -> int:
        segments, _info = raw.transcribe(io.BytesIO(data), vad_filter=True)
        return len(list(segments))

    load_s, _ = timed(ours.model)
    run_ours(), run_raw()  # warm-up: first-call allocations in both
    ours_s, raw_s = _alternating(run_ours, run_raw)
    duration_s = _duration(data)
    write_result(
        "transcribe",
        {
            "recording": RECORDING.name,
            "audio_s": round(duration_s, 2),
            "model": "faster-whisper tiny.en int8 (cpu), vad_filter on",
            "repeats": REPEATS,
            "model_load_s": round(load_s, 3),
            "segments": run_ours(),
            "transcriber_s": round(ours_s, 3),
            "transcriber_real_time_factor": round(ours_s / duration_s, 4),
            "baseline_s": round(raw_s, 3),
            "baseline_real_time_factor": round(raw_s / duration_s, 4),
            "ratio_baseline_to_transcriber_speed": round(raw_s / ours_s, 3),
        },
    )


def _raw_model(settings: Settings) -> Any:
    from faster_whisper import WhisperModel

    path = bundled_models(settings).whisper_dir
    return WhisperModel(str(path), device="cpu", compute_type="int8")


def _alternating(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[float, float]:
    """Median seconds of each, measured in turns."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEATS):
        times[0].append(timed(first)[0])
        times[1].append(timed(second)[0])
    return statistics.median(times[0]), statistics.median(times[1])


def _duration(data: bytes) -> float:
    from faster_whisper import decode_audio

    return len(decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)) / SAMPLE_RATE


if __name__ == "__main__":
    main()
