"""SpeechExtractor: a recording becomes its transcript, one time-stamped section per segment."""

from __future__ import annotations

from byosc.extract.titles import title_from_filename
from byosc.ports import Extracted, Transcriber


class SpeechExtractor:
    def __init__(self, transcriber: Transcriber, media_type: str) -> None:
        self.transcriber = transcriber
        self.media_type = media_type

    def extract(self, data: bytes, filename: str) -> Extracted:
        return Extracted(
            media_type=self.media_type,
            title=title_from_filename(filename),
            sections=self.transcriber.transcribe(data, filename),
        )
