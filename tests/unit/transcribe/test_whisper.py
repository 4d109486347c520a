"""WhisperTranscriber with the bundled tiny.en model on real recordings.

The lecture is the committed sample (espeak-ng speech, see examples/build_sample_recording.py);
other containers are made from it with FFmpeg through PyAV, so no system tool is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.chunk import chunk_sections
from byosc.errors import BadFile
from byosc.extract import extract_file
from byosc.models import bundled_models
from byosc.ports import Extracted
from byosc.settings import Settings
from byosc.transcribe.whisper import NO_AUDIO, NO_SPEECH, WhisperTranscriber
from tests.support.audio import SAMPLE_LECTURE, encode, lecture_clip, silence_wav, silent_video

pytestmark = pytest.mark.slow

KEY_TERMS = (
    "deadlock",
    "mutual exclusion",
    "hold and wait",
    "no preemption",
    "circular w",
    # Not "... graph": int8 kernels differ by CPU instruction set, and on some machines
    # tiny.en hears "resource allocation draft" (seen on an AMD EPYC, same pinned decoder).
    "resource allocation",
    # Not "banker's": tiny.en hears espeak's voice say "anchor's" with the pinned decoder.
    "algorithm",
    "safe state",
    "12 disk drives",
)


@pytest.fixture(scope="session")
def transcriber(byosc_home: Path) -> WhisperTranscriber:
    return WhisperTranscriber.from_settings(Settings(home=byosc_home))


@pytest.fixture(scope="session")
def lecture(transcriber: WhisperTranscriber) -> Extracted:
    return extract_file(SAMPLE_LECTURE.read_bytes(), SAMPLE_LECTURE.name, transcriber=transcriber)


def refused(transcriber: WhisperTranscriber, data: bytes) -> str:
    with pytest.raises(BadFile) as caught:
        extract_file(data, "recording", transcriber=transcriber)
    return caught.value.reason


def test_a_lecture_becomes_time_stamped_sections_in_order(lecture: Extracted) -> None:
    assert lecture.media_type == "audio/mpeg"
    assert lecture.title == "04-deadlocks-lecture"
    spans = [(s.start_s, s.end_s) for s in lecture.sections]
    assert len(spans) >= 3
    previous_end = 0.0
    for start, end in spans:
        assert start is not None and end is not None
        assert previous_end <= start < end <= 113
        previous_end = end
    assert all(s.text == s.text.strip() and s.page is None for s in lecture.sections)


def test_the_key_terms_of_the_lecture_come_out(lecture: Extracted) -> None:
    spoken = " ".join(s.text for s in lecture.sections).lower()
    assert [term for term in KEY_TERMS if term not in spoken] == []


def test_the_bankers_example_is_found_in_the_last_third_of_the_lecture(lecture: Extracted) -> None:
    [example] = [s for s in lecture.sections if "12 disk drives" in s.text]
    assert example.start_s is not None and 60 < example.start_s < 90


def test_chunks_of_a_transcript_keep_their_time_spans(lecture: Extracted) -> None:
    pieces = chunk_sections(lecture.sections, size_chars=900, overlap_chars=150)
    assert 1 < len(pieces) < len(lecture.sections)
    assert all(p.start_s is not None and p.end_s is not None for p in pieces)
    assert pieces[0].start_s == lecture.sections[0].start_s
    assert pieces[-1].end_s == lecture.sections[-1].end_s


@pytest.mark.parametrize(
    ("container", "codec", "rate", "media_type"),
    [
        ("webm", "libopus", 48_000, "video/webm"),
        ("ipod", "aac", 16_000, "audio/mp4"),
        ("ogg", "libopus", 48_000, "audio/ogg"),
        ("wav", "pcm_s16le", 16_000, "audio/wav"),
    ],
)
def test_other_containers_are_recognised_and_transcribed(
    transcriber: WhisperTranscriber, container: str, codec: str, rate: int, media_type: str
) -> None:
    data = encode(lecture_clip(seconds=20.5), container, codec, rate)
    extracted = extract_file(data, "clip.bin", transcriber=transcriber)
    assert extracted.media_type == media_type
    assert "none of them can ever continue" in " ".join(s.text for s in extracted.sections)


def test_silence_is_refused_as_having_no_speech(transcriber: WhisperTranscriber) -> None:
    assert refused(transcriber, silence_wav(seconds=3)) == NO_SPEECH


def test_a_video_without_a_sound_track_is_refused(transcriber: WhisperTranscriber) -> None:
    assert refused(transcriber, silent_video()) == NO_AUDIO


def test_damaged_audio_is_refused_as_corrupt(transcriber: WhisperTranscriber) -> None:
    damaged = b"ID3" + bytes(range(256)) * 8
    assert refused(transcriber, damaged).startswith("unreadable or corrupt recording")


def test_the_model_is_the_bundled_one_and_loads_once(
    transcriber: WhisperTranscriber, byosc_home: Path
) -> None:
    assert transcriber.model_path == bundled_models(Settings(home=byosc_home)).whisper_dir
    assert transcriber.model() is transcriber.model()
