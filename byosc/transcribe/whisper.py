"""WhisperTranscriber: faster-whisper (CTranslate2), one section per Whisper segment.

The model loads on first use and stays loaded for the life of the instance, so a worker
builds one transcriber and reuses it for every recording.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from byosc.domain import Section
from byosc.errors import BadFile
from byosc.settings import Settings

if TYPE_CHECKING:
    import numpy as np

NO_SPEECH = "no speech found in the recording"
NO_AUDIO = "the recording has no audio track"
SAMPLE_RATE = 16_000


class WhisperTranscriber:
    def __init__(
        self, model_path: Path | str, device: str = "cpu", compute_type: str = "int8"
    ) -> None:
        self.model_path = Path(model_path)
        self.device = device
        self.compute_type = compute_type
        self._model: Any = None
        self._loading = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> WhisperTranscriber:
        from byosc.models import bundled_models

        options = settings.transcribe
        path = options.model_path or bundled_models(settings).whisper_dir
        return cls(path, device=options.device, compute_type=options.compute_type)

    def transcribe(self, data: bytes, filename: str) -> list[Section]:
        audio = decode(data, filename)
        # The VAD filter drops silence before decoding, so silence cannot turn into
        # hallucinated words, and long pauses cost nothing.
        segments, _info = self.model().transcribe(audio, vad_filter=True)
        sections = [
            Section(text=text, start_s=round(s.start, 2), end_s=round(s.end, 2))
            for s in segments
            if (text := " ".join(s.text.split()))
        ]
        if not sections:
            raise BadFile(filename, NO_SPEECH)
        return sections

    def model(self) -> Any:
        with self._loading:
            if self._model is None:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(
                    str(self.model_path), device=self.device, compute_type=self.compute_type
                )
            return self._model


def decode(data: bytes, filename: str) -> np.ndarray:
    """Mono 16 kHz samples of any container PyAV (FFmpeg) reads: mp3, m4a, ogg, mp4, webm..."""
    from faster_whisper import decode_audio

    try:
        audio = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except IndexError as exc:  # PyAV's answer when there is no audio stream 0
        raise BadFile(filename, NO_AUDIO) from exc
    except MemoryError:
        raise
    except Exception as exc:  # FFmpeg's errors differ by container and codec
        detail = getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
        raise BadFile(filename, f"unreadable or corrupt recording ({detail})") from exc
    if not len(audio):
        raise BadFile(filename, NO_AUDIO)
    return audio
