"""One error hierarchy for the whole product, mapped once to HTTP and once to portal messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str | None
    code: str
    message: str


class DomainError(Exception):
    """A refusal the caller can act on; never a bug."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    @property
    def errors(self) -> list[FieldError]:
        return [FieldError(self.field, self.code, self.message)]


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, errors: list[FieldError] | None = None
    ):
        super().__init__(message, field=field, code=code)
        self._errors = errors

    @property
    def errors(self) -> list[FieldError]:
        return self._errors or super().errors


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
