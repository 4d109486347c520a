"""Recordings for tests: the committed sample lecture re-encoded, silence, a silent video."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import av
import numpy as np
from faster_whisper import decode_audio

SAMPLE_LECTURE = (
    Path(__file__).resolve().parents[2]
    / "examples"
    / "sample-course"
    / "material"
    / "04-deadlocks-lecture.mp3"
)
RATE = 16_000


def lecture_clip(seconds: float) -> np.ndarray:
    """The first seconds of the sample lecture as 16 kHz mono samples in [-1, 1]."""
    samples = decode_audio(io.BytesIO(SAMPLE_LECTURE.read_bytes()), sampling_rate=RATE)
    return samples[: int(seconds * RATE)]


def encode(samples: np.ndarray, container: str, codec: str, rate: int = RATE) -> bytes:
    """Samples encoded with FFmpeg (through PyAV) in the given container and codec."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[np.newaxis, :]
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
    frame.sample_rate = RATE
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)
    return buffer.getvalue()


def silence_wav(seconds: float) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(RATE)
        output.writeframes(bytes(2 * int(seconds * RATE)))
    return buffer.getvalue()


def silent_video(frames: int = 10) -> bytes:
    """An MP4 with a video stream and no audio stream."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        black = np.zeros((64, 64, 3), dtype=np.uint8)
        for _ in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(black, format="rgb24")):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()
