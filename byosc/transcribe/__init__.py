"""Transcribers: speech in a recording -> time-stamped sections (the `Transcriber` port)."""
