"""How often a reader of the embedded broker's queue folder takes a message before it is
written, on a loaded machine: kombu's filesystem transport against ours
(services/common/filesystem_broker.py), in the same run.

One process sends MESSAGES messages a few milliseconds apart while HOGS processes keep every
core busy; this process reads them as a worker polls. Each unreadable message would have
ended a Celery worker. Writes bench/results/broker_race.json.

    python bench/broker_race.py
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty
from typing import Any

from kombu import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result

from services.common.filesystem_broker import TRANSPORT

MESSAGES = 3000
SEND_EVERY_S = 0.002
HOGS = 3
TRANSPORTS = {"kombu": "filesystem", "byosc": TRANSPORT}


def folders(root: Path) -> dict[str, str]:
    options = {}
    for option, name in [("data_folder_in", "messages"), ("processed_folder", "processed"),
                         ("control_folder", "control")]:  # fmt: skip
        (root / name).mkdir()
        options[option] = str(root / name)
    return options | {"data_folder_out": options["data_folder_in"]}


def connect(transport: str, options: dict[str, str]) -> Any:
    return Connection("filesystem://localhost//", transport=transport, transport_options=options)


def send(transport: str, options: dict[str, str]) -> None:
    with connect(transport, options) as connection:
        channel = connection.channel()
        for n in range(MESSAGES):
            channel._put("cpu", {"n": n, "body": "x" * 2000})
            time.sleep(SEND_EVERY_S)


def hog(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def race(transport: str) -> dict[str, int]:
    options = folders(Path(tempfile.mkdtemp(prefix="broker-race-")))
    sender = mp.Process(target=send, args=(transport, options))
    hogs = [mp.Process(target=hog, args=(MESSAGES * SEND_EVERY_S * 3,)) for _ in range(HOGS)]
    for process in [*hogs, sender]:
        process.start()
    read = unreadable = 0
    with connect(transport, options) as connection:
        channel = connection.channel()
        while sender.is_alive() or os.listdir(options["data_folder_in"]):
            try:
                channel._get("cpu")
                read += 1
            except Empty:
                time.sleep(0.001)
            except ValueError:  # the JSON error that ends a Celery worker
                unreadable += 1
    for process in hogs:
        process.terminate()
    return {"sent": MESSAGES, "read": read, "unreadable": unreadable}


def main() -> None:
    figures = {name: race(transport) for name, transport in TRANSPORTS.items()}
    print(figures)
    write_result("broker_race", {"hogs": HOGS, "cores": os.cpu_count(), **figures})


if __name__ == "__main__":
    main()
