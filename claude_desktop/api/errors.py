"""Errors of the Messages client, each with a one-line explanation fit to show a person.

Every error may carry the partial message that had already arrived (`partial`), so a
caller never loses an answer because the connection broke halfway. Every error's text is
masked (api/masking.py): a server's words may echo the key it was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .masking import mask_keys

if TYPE_CHECKING:
    from .message import Message


class HumanError(Exception):
    """Base of every error the app shows a person: `human` is one sentence (or two) they
    can act on, never a traceback. By default it is the message the error was made with;
    a subclass may say it otherwise from what it knows (a host, a status)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def human(self) -> str:
        return self.message


class ClaudeError(HumanError):
    """Base of everything the client raises."""

    #: Whether the client may try the request again (before any content arrived).
    retryable: bool = False

    def __init__(self, message: str, *, partial: Message | None = None) -> None:
        super().__init__(mask_keys(message))
        self.partial = partial
        self.request_id: str | None = None

    def redact(self, secrets: Iterable[str]) -> None:
        """Mask `secrets` (the exact keys the client sent) wherever this error's text has
        them: its message and every other text it keeps (host, advice, location...)."""
        secrets = list(secrets)
        for name, value in vars(self).items():
            if isinstance(value, str):
                setattr(self, name, mask_keys(value, secrets))
        self.args = tuple(mask_keys(a, secrets) if isinstance(a, str) else a for a in self.args)


class ConnectionFailedError(ClaudeError):
    """The API could not be reached, or the connection broke."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        host: str = "",
        service: str = "the Anthropic API",
        proxy: str | None = None,
        partial: Message | None = None,
    ) -> None:
        super().__init__(message, partial=partial)
        self.host = host
        self.service = service
        #: The proxy the request went through (its password masked), if any.
        self.proxy = mask_keys(proxy) if proxy else None

    @property
    def human(self) -> str:
        where = f" at {self.host}" if self.host else ""
        if self.proxy:
            return (
                f"Could not reach {self.service}{where} through the proxy {self.proxy}."
                " Check the proxy setting and your internet connection."
            )
        return f"Could not reach {self.service}{where}. Check your internet connection."


class StreamTimeoutError(ConnectionFailedError):
    """Nothing arrived for longer than the read timeout: a silent, dead stream."""

    def __init__(
        self,
        seconds: float,
        *,
        host: str = "",
        service: str = "the Anthropic API",
        partial: Message | None = None,
    ) -> None:
        super().__init__(f"no data for {seconds:g} s", host=host, service=service, partial=partial)
        self.seconds = seconds

    @property
    def human(self) -> str:
        return f"The connection went silent for {self.seconds:g} s, so the answer was stopped."


class StreamInterruptedError(ConnectionFailedError):
    """The stream ended before `message_stop`: the connection was lost mid-answer."""

    @property
    def human(self) -> str:
        return "The connection was lost before the answer finished."


class ProtocolError(ClaudeError):
    """The server sent something that is not the Messages API's wire format: bytes that are
    not events, JSON that is not an object, a field of the wrong type, a non-finite number."""

    @property
    def human(self) -> str:
        return f"The server sent a response this app cannot read ({self.message})."


class ResponseTooLargeError(ProtocolError):
    """The server sent more than a limit of api/limits.py allows; the message says which."""

    @property
    def human(self) -> str:
        return f"The server sent more than this app accepts ({self.message}), so it was stopped."


class RedirectError(ClaudeError):
    """The server answered with a redirect, which the client does not follow: the key would
    go to wherever it points."""

    def __init__(self, status_code: int, location: str) -> None:
        super().__init__(f"HTTP {status_code} redirect to {location or 'nowhere'}")
        self.status_code = status_code
        self.location = mask_keys(location)

    @property
    def human(self) -> str:
        if not self.location:
            return "The server answered with a redirect this app does not follow."
        return (
            f"The server redirected the request to {self.location}. If that is the right"
            " place, set it as the API base URL in Settings → Connection."
        )


class KeyFormatError(ClaudeError):
    """The API key has a character no key has (no request is made): the message says which,
    never the key itself."""

    @property
    def human(self) -> str:
        return self.message


class APIStatusError(ClaudeError):
    """An error the API reported: as an HTTP status, or as an `error` event mid-stream."""

    status_code: int = 0
    error_type: str = "api_error"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        should_retry: bool | None = None,
        partial: Message | None = None,
    ) -> None:
        super().__init__(message, partial=partial)
        if status_code is not None:
            self.status_code = status_code
        if error_type is not None:
            self.error_type = error_type
        self.request_id = request_id
        self.retry_after = retry_after
        self.should_retry = should_retry
        #: True when the API reported it as an `error` event inside a 200 stream.
        self.mid_stream = False

    def __str__(self) -> str:
        return f"{self.status_code} {self.error_type}: {self.message}"

    @property
    def human(self) -> str:
        return f"The API reported an error: {self.message}"


class BadRequestError(APIStatusError):
    status_code = 400
    error_type = "invalid_request_error"

    @property
    def human(self) -> str:
        return f"The API refused the request: {self.message}"


class AuthenticationError(APIStatusError):
    status_code = 401
    error_type = "authentication_error"

    @property
    def human(self) -> str:
        return "Your API key was rejected. Check it in Settings or set a new one."


class BillingError(APIStatusError):
    status_code = 402
    error_type = "billing_error"

    @property
    def human(self) -> str:
        return f"There is a billing problem with your Anthropic account: {self.message}"


class PermissionDeniedError(APIStatusError):
    status_code = 403
    error_type = "permission_error"

    @property
    def human(self) -> str:
        return f"Your API key is not allowed to do this: {self.message}"


class NotFoundError(APIStatusError):
    status_code = 404
    error_type = "not_found_error"

    @property
    def human(self) -> str:
        return f"Not found (is the model name right?): {self.message}"


class RequestTooLargeError(APIStatusError):
    status_code = 413
    error_type = "request_too_large"

    @property
    def human(self) -> str:
        return "The request is too large: the API takes at most 32 MB. Remove an attachment."


class RateLimitError(APIStatusError):
    status_code = 429
    error_type = "rate_limit_error"
    retryable = True

    @property
    def human(self) -> str:
        return "You have hit your account's rate limit. Wait a moment, then try again."


class InternalServerError(APIStatusError):
    status_code = 500
    error_type = "api_error"
    retryable = True

    @property
    def human(self) -> str:
        return "Anthropic's API had an internal error. Try again in a moment."


class GatewayTimeoutError(APIStatusError):
    status_code = 504
    error_type = "timeout_error"
    retryable = True

    @property
    def human(self) -> str:
        return "The API took too long to answer. Try again in a moment."


class OverloadedError(APIStatusError):
    status_code = 529
    error_type = "overloaded_error"
    retryable = True

    @property
    def human(self) -> str:
        return "Claude is overloaded right now. Try again in a moment."


_BY_TYPE: dict[str, type[APIStatusError]] = {
    cls.error_type: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        BillingError,
        PermissionDeniedError,
        NotFoundError,
        RequestTooLargeError,
        RateLimitError,
        InternalServerError,
        GatewayTimeoutError,
        OverloadedError,
    )
}
_BY_STATUS: dict[int, type[APIStatusError]] = {cls.status_code: cls for cls in _BY_TYPE.values()}
_RETRYABLE_STATUS = frozenset({408, 409, 429})


def make_status_error(
    status_code: int | None,
    error_type: str | None,
    message: str,
    **kwargs: Any,
) -> APIStatusError:
    """The most specific error class for an API error, by its type first, then its status.

    `status_code` None means an `error` event mid-stream: the error type's usual status
    stands in for the 200 the HTTP response had.
    """
    cls = _BY_TYPE.get(error_type or "") or _BY_STATUS.get(status_code or 0)
    if cls is None:
        cls = InternalServerError if (status_code or 500) >= 500 else APIStatusError
    err = cls(message, status_code=status_code, error_type=error_type, **kwargs)
    err.mid_stream = status_code is None
    if cls is APIStatusError and status_code in _RETRYABLE_STATUS:
        err.retryable = True
    return err


#: How much of an error body that says nothing in JSON is quoted in the error's sentence.
BODY_EXCERPT = 200


def read_error_body(body: bytes, status_code: int | None = None) -> tuple[Any, str]:
    """A failed response's body: its JSON (None when it is not JSON), and what to say when
    that JSON names no message: the body's first 200 characters as text, or "HTTP <status>"
    for an empty body ("" without a status)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    text = body.decode("utf-8", "replace").strip()[:BODY_EXCERPT]
    if not text and status_code is not None:
        text = f"HTTP {status_code}"
    return data, text


def error_from_body(status_code: int, body: bytes, **kwargs: Any) -> APIStatusError:
    """Build the error for a non-2xx response from its (JSON, or anything else) body."""
    error_type: str | None = None
    message = ""
    data, excerpt = read_error_body(body, status_code)
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            error_type = err.get("type") if isinstance(err.get("type"), str) else None
            message = str(err.get("message") or "")
        if not kwargs.get("request_id") and isinstance(data.get("request_id"), str):
            kwargs["request_id"] = data["request_id"]
    return make_status_error(status_code, error_type, message or excerpt, **kwargs)


# -- Cloud providers (Amazon Bedrock, Google Vertex AI) ------------------------------------
# Each cloud's failures map onto the classes above, so retries and the window treat them
# alike; these subclasses only say, in the cloud's own terms, what to do about them.


class ProviderSetupError(ClaudeError):
    """The chosen provider cannot be used as set up (missing package, no region or project).

    The message is already the sentence to show.
    """


class _CloudError:
    """What each cloud error adds to its API error class: the cloud's name (`service`) and
    what to do about it (`advice`), for the sentence a person reads."""

    message: str

    def __init__(self, message: str, *, service: str, advice: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)  # type: ignore[call-arg]
        self.service = service
        self.advice = mask_keys(advice)


class CloudAuthError(_CloudError, AuthenticationError):
    """The cloud's credentials are missing, expired or refused; `advice` says how to fix it."""

    @property
    def human(self) -> str:
        return self.advice


class CloudPermissionError(_CloudError, PermissionDeniedError):
    """The credentials work but may not use this model (IAM policy, model access, project)."""

    @property
    def human(self) -> str:
        return f"{self.service} refused access: {self.message.rstrip('.')}. {self.advice}"


class CloudNotFoundError(_CloudError, NotFoundError):
    """The model (or project, or region) does not exist where the request went."""

    @property
    def human(self) -> str:
        what = self.message.rstrip(".")
        return f"{self.service} does not know this model here: {what}. {self.advice}"


class CloudThrottlingError(_CloudError, RateLimitError):
    """The cloud's quota for the account or the model is used up for now: retried."""

    @property
    def human(self) -> str:
        return (
            f"{self.service} is limiting your requests (throttling). Wait a moment, then try"
            " again, or ask for a higher quota."
        )


class CloudServerError(_CloudError, InternalServerError):
    """The cloud or the model failed on its side: retried before any content arrived."""

    @property
    def human(self) -> str:
        return f"{self.service} had an internal error ({self.message}). Try again in a moment."
