"""Errors that carry a user-facing reason; services map them to HTTP statuses."""


class ByoscError(Exception):
    """Base class: the message is safe to show to the caller."""


class NotFound(ByoscError):
    pass


class AlreadyExists(ByoscError):
    pass


class Conflict(ByoscError):
    """The request clashes with how the thing it names is kept (e.g. by the course's source)."""


class BadFile(ByoscError):
    """A file that cannot be ingested: empty, unreadable, mislabelled or unsupported.

    `lasting`: the same bytes would fail the same way again, so a refresh skips them until
    they change; False where a setting or the machine's load decided (no transcriber, a
    time or memory limit)."""

    def __init__(self, filename: str, reason: str, *, lasting: bool = True) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason
        self.lasting = lasting


class ModelUnavailable(ByoscError):
    """The model server did not answer; callers may still have retrieved passages."""


class AdapterUnavailable(ByoscError):
    """A course's promoted adapter cannot be served: its files are missing from the artifact
    store, or the model server refuses them. Chat answers with the base model and says so."""

    def __init__(self, course_id: str, adapter: str, reason: str) -> None:
        super().__init__(f"course {course_id}: adapter {adapter} cannot be served: {reason}")
        self.course_id = course_id
        self.adapter = adapter
        self.reason = reason


class ModelsMissing(ByoscError):
    """A bundled model is not prepared; the message says how to get it."""


class SourceRefused(ByoscError):
    """A source the platform will not read: outside the allowed roots, no credentials, no access."""


class SourceUnavailable(ByoscError):
    """A source that did not answer after retries; the same request may work later."""


class TrainingCancelled(ByoscError):
    """The training job was asked to stop; its checkpoint lets a later run resume it."""

    def __init__(self, step: int) -> None:
        super().__init__(f"training stopped after step {step}; a later run resumes from there")
        self.step = step
