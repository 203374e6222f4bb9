"""Claude on Amazon Bedrock: the same streaming client, signed with AWS SigV4.

The request body is the Messages API's, minus `model` (it is in the URL) and `stream`
(the endpoint streams), plus `anthropic_version`; betas travel in the body. The answer
arrives in AWS event-stream framing whose `chunk` events carry, base64-encoded, the very
JSON events the direct API streams, so they become the same typed events.

botocore is optional (`claude-desktop[bedrock]`): it is imported on first use, and its
absence is a ProviderSetupError with a sentence saying what to install.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .client import CloudMessagesClient
from .errors import (
    APIStatusError,
    BadRequestError,
    ClaudeError,
    CloudAuthError,
    CloudNotFoundError,
    CloudPermissionError,
    CloudServerError,
    CloudThrottlingError,
    GatewayTimeoutError,
    ProtocolError,
    ProviderSetupError,
    make_status_error,
    read_error_body,
)
from .events import StreamEvent, parse_event
from .eventstream import EventStreamDecoder
from .sse import ServerSentEvent

if TYPE_CHECKING:
    import httpx  # only annotations here: see client.py

log = logging.getLogger(__name__)

BEDROCK_VERSION = "bedrock-2023-05-31"
SERVICE = "Amazon Bedrock"
# The SigV4 signing name of bedrock-runtime (its endpoint prefix differs).
SIGNING_NAME = "bedrock"
EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream"
INSTALL_HINT = (
    "Amazon Bedrock needs the botocore package, which is not installed. Install it with"
    " `pip install 'claude-desktop[bedrock]'` (or `uv sync --extra bedrock`), then restart."
)


def import_botocore() -> Any:
    """botocore's session module, or ProviderSetupError saying how to install it."""
    try:
        import botocore.session
    except ImportError:
        raise ProviderSetupError(INSTALL_HINT) from None
    return botocore.session


@dataclass
class _AWS:
    """What the credential chain and botocore's endpoint rules resolved, once per client."""

    region: str
    endpoint: str
    credentials: Any  # botocore Credentials (refreshable ones refresh themselves)


class BedrockClient(CloudMessagesClient):
    """Streams Messages through Bedrock's InvokeModelWithResponseStream."""

    service = SERVICE

    def __init__(self, *, region: str = "", profile: str = "", **options: Any) -> None:
        # The endpoint is known only once botocore has read the configuration (off the loop).
        super().__init__(base_url="", **options)
        self.region = region.strip()
        self.profile = profile.strip()
        self._aws: _AWS | None = None
        self._setup_lock = asyncio.Lock()
        # The session token the last request carried (a header): masked in every error.
        self._sent_secrets: tuple[str, ...] = ()

    async def _resolve(self) -> _AWS:
        async with self._setup_lock:
            if self._aws is None:
                self._aws = await asyncio.to_thread(self._resolve_blocking)
                self.base_url = self._aws.endpoint.rstrip("/")
            return self._aws

    def _resolve_blocking(self) -> _AWS:
        session_module = import_botocore()
        from botocore import exceptions

        try:
            session = session_module.Session(profile=self.profile or None)
            # AWS_REGION is the SDKs' common variable; botocore itself reads only
            # AWS_DEFAULT_REGION and the profile's `region`.
            region = (
                self.region
                or os.environ.get("AWS_REGION", "").strip()
                or session.get_config_variable("region")
            )
            if not region:
                raise ProviderSetupError(
                    "Choose an AWS region for Bedrock in Settings → Connection"
                    " (or set AWS_REGION, or a region in your AWS profile)."
                )
            # A botocore client resolves the endpoint exactly as the AWS tools do: the
            # partition (amazonaws.com, .com.cn, ...), AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
            # AWS_ENDPOINT_URL, and `endpoint_url` in the profile.
            runtime = session.create_client("bedrock-runtime", region_name=region)
            endpoint = runtime.meta.endpoint_url
            credentials = session.get_credentials()
        except exceptions.ProfileNotFound:
            raise ProviderSetupError(
                f"The AWS profile '{self.profile}' is not in your AWS configuration"
                " (~/.aws/config): fix the profile name in Settings → Connection."
            ) from None
        except (exceptions.BotoCoreError, ValueError, OSError) as exc:
            # The chain runs credential processes, reads files, asks metadata services.
            raise _credentials_error(exc, self.profile) from None
        if credentials is None:
            raise CloudAuthError(
                "no AWS credentials",
                service=SERVICE,
                advice=_no_credentials_advice(self.profile),
            )
        return _AWS(region=region, endpoint=endpoint, credentials=credentials)

    async def _stream_request(self, body: dict[str, Any], betas: Sequence[str]) -> httpx.Request:
        aws = await self._resolve()
        model = self._model_id(str(body.get("model", "")))
        payload = {k: v for k, v in body.items() if k not in ("model", "stream")}
        payload["anthropic_version"] = BEDROCK_VERSION
        all_betas = self._all_betas(betas)
        if all_betas:
            payload["anthropic_beta"] = all_betas
        content = json.dumps(payload).encode()
        # The model id goes in the path percent-encoded (`:` of `-v1:0` too), as botocore
        # sends it; SigV4 then encodes the path once more, which is what AWS checks.
        url = f"{self.base_url}/model/{quote(model, safe='')}/invoke-with-response-stream"
        headers = await asyncio.to_thread(self._sign, aws, url, content)
        return self._http.build_request("POST", url, content=content, headers=headers)

    def _sign(self, aws: _AWS, url: str, content: bytes) -> dict[str, str]:
        from botocore import exceptions
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        try:
            # Refreshable credentials (SSO, assumed roles) refresh here when near expiry.
            frozen = aws.credentials.get_frozen_credentials()
        except (exceptions.BotoCoreError, ValueError, OSError) as exc:
            raise _credentials_error(exc, self.profile) from None
        request = AWSRequest(
            method="POST",
            url=url,
            data=content,
            headers={"content-type": "application/json", "accept": EVENT_STREAM_TYPE},
        )
        SigV4Auth(frozen, SIGNING_NAME, aws.region).add_auth(request)
        self._sent_secrets = (frozen.token,) if frozen.token else ()
        return {name: str(value) for name, value in request.headers.items()}

    def _secrets(self) -> tuple[str, ...]:
        return self._sent_secrets

    def _event_decoder(self) -> BedrockEventDecoder:
        return BedrockEventDecoder(self.profile)

    def _request_id(self, response: httpx.Response) -> str | None:
        request_id: str | None = response.headers.get("x-amzn-requestid")
        return request_id

    def _status_error(self, response: httpx.Response, body: bytes) -> ClaudeError:
        error_type = response.headers.get("x-amzn-errortype", "")
        message = ""
        data, excerpt = read_error_body(body, response.status_code)
        if isinstance(data, dict):
            message = str(data.get("message") or data.get("Message") or "")
            error_type = error_type or str(data.get("__type") or "")
        error = bedrock_error(
            error_type, message or excerpt, response.status_code, profile=self.profile
        )
        error.request_id = self._request_id(response)
        return error

    async def request_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The Files API and the rest of the direct API's endpoints do not exist here."""
        raise ProviderSetupError(
            f"{SERVICE} has no Files API, so this document is too large to send through it:"
            " send a smaller one (or fewer pages), or use the Anthropic API."
        )


class BedrockEventDecoder:
    """Event-stream messages in, the direct API's typed events out; exceptions raised."""

    content_type = EVENT_STREAM_TYPE

    def __init__(self, profile: str = "") -> None:
        self._frames = EventStreamDecoder()
        self._profile = profile

    def feed(self, chunk: bytes) -> Iterable[StreamEvent | None]:
        return self._events(chunk)

    def _events(self, chunk: bytes) -> Iterator[StreamEvent | None]:
        for message in self._frames.feed(chunk):
            kind = message.header(":message-type")
            if kind == "event":
                if message.header(":event-type") == "chunk":
                    yield parse_event(ServerSentEvent("message", _chunk_json(message.payload)))
                # Other event types are new or unknown: skipped, as the API's versioning asks.
            elif kind == "exception":
                error_type = message.header(":exception-type") or "exception"
                raise _stream_error(error_type, _payload_message(message.payload), self._profile)
            elif kind == "error":
                error_type = message.header(":error-code") or "error"
                text = message.header(":error-message") or _payload_message(message.payload)
                raise _stream_error(error_type, text, self._profile)

    def close(self) -> None:
        self._frames.close()


def _chunk_json(payload: bytes) -> str:
    try:
        data = json.loads(payload)
        return base64.b64decode(data["bytes"], validate=True).decode("utf-8")
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ProtocolError(f"a Bedrock chunk is not base64 JSON ({exc!r})") from None


def _payload_message(payload: bytes) -> str:
    data, excerpt = read_error_body(payload)
    if data is None:
        return excerpt
    if isinstance(data, dict):
        return str(data.get("message") or data.get("Message") or data)
    return str(data)


def _stream_error(error_type: str, message: str, profile: str) -> ClaudeError:
    error = bedrock_error(error_type, message, None, profile=profile)
    if isinstance(error, APIStatusError):
        error.mid_stream = True
    return error


def _expired_advice(profile: str) -> str:
    flag = f" --profile {profile}" if profile else ""
    return (
        f"Your AWS session has expired: run `aws sso login{flag}` (or renew your keys),"
        " then try again."
    )


def _no_credentials_advice(profile: str) -> str:
    flag = f" --profile {profile}" if profile else ""
    return (
        f"No AWS credentials were found: run `aws configure{flag}` or `aws sso login{flag}`,"
        " or set AWS_PROFILE, then try again."
    )


def _credentials_error(exc: Exception, profile: str) -> ClaudeError:
    """A failure of the credential chain itself (before any request was sent)."""
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return CloudAuthError(str(exc), service=SERVICE, advice=_no_credentials_advice(profile))
    if "Token" in name or "SSO" in name:  # SSOTokenLoadError, UnauthorizedSSOTokenError, ...
        return CloudAuthError(str(exc), service=SERVICE, advice=_expired_advice(profile))
    return CloudAuthError(
        str(exc),
        service=SERVICE,
        advice=f"Your AWS credentials could not be loaded: {exc}",
    )


_THROTTLED = {"throttlingexception", "toomanyrequestsexception", "servicequotaexceededexception"}
_EXPIRED = {"expiredtokenexception", "expiredtoken", "tokenrefreshrequired"}
_REFUSED = {
    "unrecognizedclientexception",
    "invalidsignatureexception",
    "incompletesignatureexception",
    "missingauthenticationtokenexception",
    "invalidclienttokenid",
    "signaturedoesnotmatch",
}
_SERVER = {
    "internalserverexception",
    "modelstreamerrorexception",
    "modelerrorexception",
    "serviceunavailableexception",
    "modelnotreadyexception",
}


def bedrock_error(
    error_type: str, message: str, status: int | None, *, profile: str = ""
) -> ClaudeError:
    """The error for a Bedrock exception name (x-amzn-ErrorType, `:exception-type`)."""
    # "ValidationException:http://internal.amazon.com/..." and "aws.protocol#Name" forms.
    name = error_type.split(":", 1)[0].rsplit("#", 1)[-1].strip()
    key = name.lower()
    if key in _THROTTLED:
        return CloudThrottlingError(message, service=SERVICE, status_code=429, error_type=name)
    if key in _EXPIRED:
        return CloudAuthError(
            message, service=SERVICE, advice=_expired_advice(profile), status_code=403
        )
    if key in _REFUSED:
        return CloudAuthError(
            message,
            service=SERVICE,
            status_code=403,
            advice="AWS refused your credentials: check the profile and keys in your AWS"
            " configuration (and the system clock), then try again.",
        )
    if key == "accessdeniedexception":
        return CloudPermissionError(
            message,
            service=SERVICE,
            status_code=403,
            error_type=name,
            advice="Enable this model for your account in the Bedrock console (Model access)"
            " and check that your IAM policy allows bedrock:InvokeModelWithResponseStream.",
        )
    if key == "resourcenotfoundexception":
        return CloudNotFoundError(
            message,
            service=SERVICE,
            status_code=404,
            error_type=name,
            advice="Check the region and the model in Settings → Connection (cross-region"
            " inference profiles start with us., eu., apac. or global.).",
        )
    if key == "validationexception":
        return BadRequestError(message, status_code=status or 400, error_type=name)
    if key == "modeltimeoutexception":
        return GatewayTimeoutError(message, status_code=status or 408, error_type=name)
    if key in _SERVER or (status or 0) >= 500:
        status = status or 500
        return CloudServerError(message, service=SERVICE, status_code=status, error_type=name)
    return make_status_error(status, None, message)
