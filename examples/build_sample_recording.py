"""Build the sample course's lecture recording: sample-course/material/04-deadlocks-lecture.mp3.

The lecture is synthetic speech: espeak-ng reads SCRIPT below and ffmpeg encodes it as a
small mono MP3. Both come from the system packages (Debian/Ubuntu:
`apt-get install espeak-ng ffmpeg`). Run from anywhere:

    .venv/bin/python examples/build_sample_recording.py

With the same espeak-ng and ffmpeg versions the output is byte-for-byte the same.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "sample-course" / "material" / "04-deadlocks-lecture.mp3"
VOICE = "en-us"
WORDS_PER_MINUTE = 165
# A slightly low pitch and a short gap between words make the synthetic voice easier to
# recognise for the small Whisper model.
PITCH = 35
WORD_GAP_10MS = 1
# Speech needs little bandwidth: 16 kHz mono at 20 kbit/s keeps 110 s under 300 KB.
SAMPLE_RATE = 16000
BITRATE = "20k"

# One paragraph per topic; espeak-ng pauses between paragraphs.
SCRIPT = """\
Lecture four. Deadlocks.

A deadlock is a set of processes in which every process waits for a resource that is held \
by another process in the same set, so none of them can ever continue.

Four conditions, known as the Coffman conditions, must all hold at the same time for a \
deadlock to happen. First, mutual exclusion: a resource can be held by only one process at \
a time. Second, hold and wait: a process holds at least one resource while it waits for \
another. Third, no preemption: a resource is released only by the process holding it. \
Fourth, circular wait. There is a cycle of processes, each waiting for a resource held by \
the next one. Break any one of the four conditions, and deadlock cannot occur.

We can draw the system as a resource-allocation graph. Processes are circles and resources \
are squares. A request edge goes from a process to a resource, and an assignment edge goes \
from a resource to a process. When every resource has a single instance, a cycle in the \
graph means the processes on the cycle are deadlocked.

Next, we look at the banker's algorithm. It avoids deadlock, and it grants a request \
only if the system stays in a safe state. For example, suppose a system has twelve disk \
drives. Process zero holds five drives and may need ten. Process one holds two and may \
need four. Process two holds two and may need nine. That leaves three drives available. \
Process one can finish first, then process zero, and then process two, so the state is \
safe. If process two asked for one more drive now, the state would become unsafe, so the \
banker's algorithm makes process two wait for its drive.
"""


def main() -> int:
    missing = [tool for tool in ("espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    if missing:
        print(f"missing: {', '.join(missing)} (apt-get install espeak-ng ffmpeg)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "lecture.wav"
        speak(SCRIPT, wav)
        encode_mp3(wav, OUTPUT)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KB)")
    return 0


def speak(text: str, wav: Path) -> None:
    subprocess.run(
        [
            "espeak-ng",
            "-v",
            VOICE,
            "-s",
            str(WORDS_PER_MINUTE),
            "-p",
            str(PITCH),
            "-g",
            str(WORD_GAP_10MS),
            "-w",
            str(wav),
            text,
        ],
        check=True,
    )


def encode_mp3(wav: Path, output: Path) -> None:
    # bitexact and no metadata keep encoder version strings and dates out of the file.
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav),
            "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", BITRATE,
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
            "-write_xing", "0", "-id3v2_version", "0", str(output),
        ],
        check=True,
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
