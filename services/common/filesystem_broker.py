"""The embedded broker: kombu's filesystem transport, with messages that are whole when read.

kombu's own transport (5.7) creates a message file under its final name and then writes
it, while its reader, polling every 20 ms, takes any file of that name. Under load a reader
takes one before the write and reads nothing, and Celery ends the worker on the JSON error
("Unrecoverable error"): every later job stays queued. Here a message is written under a
name no reader takes and renamed into place (a rename within a folder is atomic), and
claimed by a rename into the processed folder beside the queue (kombu moves it to /tmp,
a copy where that is another file system). A payload that still cannot be read, a file
someone else left in the folder, is set aside and logged instead of ending the worker.
A queue's binding file, which kombu also creates before writing, is read again while empty.

Message names start with the wall clock in nanoseconds, zero-padded, so the folder's
sorted order is the order they were sent (kombu's unpadded monotonic milliseconds sort
"10000000" before "9999999", and restart from zero at every boot).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any, ClassVar

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

log = logging.getLogger(__name__)

# A message being written: its name does not end in ".{queue}.msg", so readers skip it.
PARTIAL_SUFFIX = ".partial"
# A message no reader could decode, kept in the processed folder for a person to look at.
REJECTED_SUFFIX = ".rejected"
# kombu creates a queue's binding file and then writes it: a reader that finds it empty
# reads again, this many times this far apart, before the error stands.
TABLE_READS = 50
TABLE_REREAD_S = 0.02
# For Celery's `broker_transport`: the class path kombu resolves.
TRANSPORT = f"{__name__}:Transport"


def message_name(queue: str) -> str:
    return f"{time.time_ns():020d}_{uuid.uuid4()}.{queue}.msg"


def is_message_of(name: str, queue: str) -> bool:
    """Whether a file in the queue folder is a whole message waiting in `queue`."""
    return name.partition(".")[2] == f"{queue}.msg"


class Channel(filesystem.Channel):
    def get_table(self, exchange: str) -> Any:
        for _ in range(TABLE_READS - 1):
            try:
                return super().get_table(exchange)
            except ValueError:
                time.sleep(TABLE_REREAD_S)
        return super().get_table(exchange)

    # kombu's two bases name the payload differently (message, payload); it passes it by
    # position.
    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        final = Path(self.data_folder_out) / message_name(queue)
        partial = final.with_name(final.name + PARTIAL_SUFFIX)
        try:
            partial.write_bytes(str_to_bytes(dumps(message)))
            os.replace(partial, final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ChannelError(f"Cannot add file {str(final)!r} to directory") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        incoming, processed = Path(self.data_folder_in), Path(self.processed_folder)
        for name in sorted(os.listdir(incoming)):
            if not is_message_of(name, queue):
                continue
            claimed = processed / name
            try:
                os.replace(incoming / name, claimed)
            except OSError:
                continue  # another reader claimed it first
            try:
                payload = claimed.read_bytes()
            except OSError as exc:
                raise ChannelError(f"Cannot read file {str(claimed)!r} from queue.") from exc
            try:
                message = loads(bytes_to_str(payload))
            except ValueError:
                kept = claimed.with_name(name + REJECTED_SUFFIX)
                os.replace(claimed, kept)
                log.error("skipped a queue message that is not JSON: %s", kept)
                continue
            claimed.unlink()
            return message
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
    # kombu keeps one broker state a process, which remembers the queues it has bound and
    # then skips writing their bindings. Bindings live in a queue folder's control files,
    # and a process may use several folders (the tests do): one state per folder.
    states: ClassVar[dict[str, virtual.BrokerState]] = {}

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        folder = str(client.transport_options.get("control_folder", "control"))
        self.state = self.states.setdefault(folder, virtual.BrokerState())
