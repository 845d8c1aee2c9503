# The exceptions of `gantry`, one per kind of `gantry::Error` (gantry-core/src/error.rs).
# Run once when the module is imported (see errors.rs); `gantry-py/src/errors.rs` maps
# every Rust error to one of these in one place.


class GantryError(Exception):
    """The base of every error Gantry raises; ``str(error)`` is safe to show a person."""


class InvalidInput(GantryError, ValueError):
    """A field of the request is unacceptable; nothing was changed.

    ``field`` names the field (``email``, ``title``, ``query``...) and ``reason`` says
    what is wrong with it.
    """

    field: str = ""
    reason: str = ""

    def __init__(self, message: str, field: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class UnsupportedType(GantryError, ValueError):
    """An upload of a kind Gantry does not read; nothing was changed."""


class NotFound(GantryError, LookupError):
    """The thing does not exist, or belongs to someone else (never said which)."""


class Unauthenticated(GantryError):
    """No valid session or API key, or a wrong email or password."""


class Forbidden(GantryError):
    """The caller is known but may not do this (say, a non-admin managing accounts)."""


class Conflict(GantryError):
    """The request collides with what exists (a duplicate email, say)."""


class LimitReached(GantryError):
    """A quota on what one user (or everyone) may keep or have in progress was reached."""


class Throttled(GantryError):
    """An allowance over time was used up; it refills after ``retry_after`` seconds."""

    retry_after: float = 0.0

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceError(GantryError):
    """A model server, the database or another part Gantry depends on failed.

    ``backend`` names it: ``database``, ``model server `local` (http://...)``,
    ``chat model``...
    """

    backend: str = ""

    def __init__(self, message: str, backend: str = "") -> None:
        super().__init__(message)
        self.backend = backend


class Unavailable(ServiceError):
    """A backend cannot be reached, or none is configured (no chat model, say)."""


class TimedOut(ServiceError, TimeoutError):
    """A backend did not answer in time; ``waiting_for`` says for what."""

    waiting_for: str = ""

    def __init__(self, message: str, backend: str = "", waiting_for: str = "") -> None:
        super().__init__(message, backend)
        self.waiting_for = waiting_for


class RateLimited(ServiceError):
    """A backend refused for now; ``retry_after`` is in seconds when it said."""

    retry_after: "float | None" = None

    def __init__(
        self, message: str, backend: str = "", retry_after: "float | None" = None
    ) -> None:
        super().__init__(message, backend)
        self.retry_after = retry_after


class BackendError(ServiceError):
    """A backend answered with an error of its own (``status``: its HTTP status)."""

    status: "int | None" = None

    def __init__(self, message: str, backend: str = "", status: "int | None" = None) -> None:
        super().__init__(message, backend)
        self.status = status


class ProtocolError(ServiceError):
    """A backend's answer could not be understood."""


class Interrupted(ServiceError):
    """A stream broke after some text arrived; ``partial`` holds that text (also saved)."""

    partial: str = ""

    def __init__(self, message: str, backend: str = "", partial: str = "") -> None:
        super().__init__(message, backend)
        self.partial = partial


class InternalError(GantryError):
    """A bug or an unexpected failure underneath; the details are in Gantry's log."""
