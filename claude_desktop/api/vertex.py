"""Claude on Google Vertex AI: the same SSE stream, authorised by Application Default
Credentials.

The body is the Messages API's minus `model` (it is in the URL), plus `anthropic_version`;
the answer is the direct API's event stream byte for byte. The OAuth token comes from
google-auth (`google.auth.default`), refreshed in a worker thread, never on the event loop,
and reused until it is close to expiring.

google-auth is optional (`claude-desktop[vertex]`): imported on first use; its absence is a
ProviderSetupError saying what to install.
"""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .client import CloudMessagesClient
from .errors import (
    BadRequestError,
    ClaudeError,
    CloudAuthError,
    CloudNotFoundError,
    CloudPermissionError,
    CloudServerError,
    CloudThrottlingError,
    ConnectionFailedError,
    ProviderSetupError,
    error_from_body,
    make_status_error,
    read_error_body,
)

if TYPE_CHECKING:
    import httpx  # imported where used: see client.py

VERTEX_VERSION = "vertex-2023-10-16"
SERVICE = "Google Vertex AI"
SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
DEFAULT_REGION = "global"
# A token this close to its expiry is renewed before use rather than risk a 401 mid-request.
REFRESH_MARGIN = datetime.timedelta(minutes=5)
INSTALL_HINT = (
    "Google Vertex AI needs the google-auth package, which is not installed. Install it with"
    " `pip install 'claude-desktop[vertex]'` (or `uv sync --extra vertex`), then restart."
)
LOGIN_ADVICE = (
    "No Google credentials were found: run `gcloud auth application-default login`, or set"
    " GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, then try again."
)
EXPIRED_ADVICE = (
    "Your Google credentials have expired or were revoked: run"
    " `gcloud auth application-default login` again, then try again."
)


def vertex_base_url(region: str) -> str:
    """The endpoint of `region`: ANTHROPIC_VERTEX_BASE_URL when set (gateways, tests)."""
    override = os.environ.get("ANTHROPIC_VERTEX_BASE_URL", "").strip()
    if override:
        return override
    if region == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{region}-aiplatform.googleapis.com"


def import_google_auth() -> Any:
    """The google.auth module, or ProviderSetupError saying how to install it."""
    try:
        import google.auth
        import google.auth.transport
    except ImportError:
        raise ProviderSetupError(INSTALL_HINT) from None
    return google.auth


class VertexClient(CloudMessagesClient):
    """Streams Messages through Vertex AI's `streamRawPredict`."""

    service = SERVICE

    def __init__(self, *, project: str = "", region: str = "", **options: Any) -> None:
        self.region = region.strip() or os.environ.get("CLOUD_ML_REGION", "") or DEFAULT_REGION
        super().__init__(base_url=vertex_base_url(self.region), **options)
        self.project = project.strip()
        self._credentials: Any = None
        self._token_lock = asyncio.Lock()

    async def token(self) -> str:
        """A valid access token: the cached one, or a new one fetched in a worker thread."""
        async with self._token_lock:
            return await asyncio.to_thread(self._token_blocking)

    def _token_blocking(self) -> str:
        google_auth = import_google_auth()
        from google.auth import exceptions

        try:
            if self._credentials is None:
                credentials, project = google_auth.default(scopes=SCOPES)
                self._credentials = credentials
                self.project = self.project or (project or "")
            credentials = self._credentials
            if not _fresh(credentials):
                credentials.refresh(_AuthRequest(self.proxy, self.connect_timeout))
        except exceptions.DefaultCredentialsError as exc:
            raise CloudAuthError(str(exc), service=SERVICE, advice=LOGIN_ADVICE) from None
        except exceptions.TransportError as exc:
            raise ConnectionFailedError(str(exc), service="Google's sign-in service") from None
        except exceptions.RefreshError as exc:
            raise CloudAuthError(str(exc), service=SERVICE, advice=EXPIRED_ADVICE) from None
        except exceptions.GoogleAuthError as exc:
            raise CloudAuthError(
                str(exc), service=SERVICE, advice=f"Your Google credentials failed: {exc}"
            ) from None
        if not self.project:
            raise ProviderSetupError(
                "Choose a Google Cloud project for Vertex AI in Settings → Connection (your"
                " Application Default Credentials do not name one)."
            )
        return str(credentials.token)

    def _secrets(self) -> tuple[str, ...]:
        # The bearer token the requests carry: masked if a gateway echoes it back.
        token = getattr(self._credentials, "token", None)
        return (token,) if isinstance(token, str) and token else ()

    def _url(self, model: str) -> str:
        return (
            f"{self.base_url}/v1/projects/{self.project}/locations/{self.region}"
            f"/publishers/anthropic/models/{model}:streamRawPredict"
        )

    async def _stream_request(self, body: dict[str, Any], betas: Sequence[str]) -> httpx.Request:
        token = await self.token()
        model = self._model_id(str(body.get("model", "")))
        payload = {k: v for k, v in body.items() if k != "model"}
        payload["anthropic_version"] = VERTEX_VERSION
        payload["stream"] = True
        headers = {"authorization": f"Bearer {token}"}
        all_betas = self._all_betas(betas)
        if all_betas:
            headers["anthropic-beta"] = ",".join(all_betas)
        return self._http.build_request("POST", self._url(model), json=payload, headers=headers)

    def _status_error(self, response: httpx.Response, body: bytes) -> ClaudeError:
        return vertex_error(response.status_code, body)

    async def request_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The Files API and the rest of the direct API's endpoints do not exist here."""
        raise ProviderSetupError(
            f"{SERVICE} has no Files API, so this document is too large to send through it:"
            " send a smaller one (or fewer pages), or use the Anthropic API."
        )


def _fresh(credentials: Any) -> bool:
    token = getattr(credentials, "token", None)
    if not token:
        return False
    expiry = getattr(credentials, "expiry", None)
    if expiry is None:
        return True
    # google-auth keeps expiry as a naive UTC datetime.
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return bool(expiry - now > REFRESH_MARGIN)


class _AuthResponse:
    """google.auth.transport.Response over an httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content


class _AuthRequest:
    """google-auth's transport (a callable making one HTTP request), done with httpx, so
    token requests take the same proxy as the rest of the app and need no `requests`."""

    def __init__(self, proxy: str | None, connect_timeout: float) -> None:
        import httpx  # see client.py

        self._proxy = proxy
        self._timeout = httpx.Timeout(30.0, connect=connect_timeout)

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _AuthResponse:
        import httpx
        from google.auth import exceptions

        try:
            with httpx.Client(proxy=self._proxy, timeout=timeout or self._timeout) as http:
                response = http.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise exceptions.TransportError(f"{type(exc).__name__}: {exc}") from exc  # type: ignore[no-untyped-call]
        return _AuthResponse(response)


def vertex_error(status: int, body: bytes) -> ClaudeError:
    """The error for a Vertex response: Google's `{"error": {...}}`, or the Anthropic
    error the model itself returned (passed through as is)."""
    data, excerpt = read_error_body(body, status)
    if isinstance(data, list) and data:  # some Google front ends wrap errors in a list
        data = data[0]
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict) and isinstance(err.get("type"), str):
        return error_from_body(status, body)  # Anthropic's own error shape
    message = ""
    google_status = ""
    if isinstance(err, dict):
        message = str(err.get("message") or "")
        google_status = str(err.get("status") or "")
    message = message or excerpt
    if status == 401 or google_status == "UNAUTHENTICATED":
        return CloudAuthError(message, service=SERVICE, advice=EXPIRED_ADVICE, status_code=401)
    if status == 403 or google_status == "PERMISSION_DENIED":
        return CloudPermissionError(
            message,
            service=SERVICE,
            status_code=403,
            error_type=google_status or None,
            advice="Enable this Claude model for the project in Vertex AI's Model Garden and"
            " check that your account has the Vertex AI User role.",
        )
    if status == 404 or google_status == "NOT_FOUND":
        return CloudNotFoundError(
            message,
            service=SERVICE,
            status_code=404,
            error_type=google_status or None,
            advice="Check the project, region and model in Settings → Connection: not every"
            " region serves every Claude model.",
        )
    if status == 429 or google_status == "RESOURCE_EXHAUSTED":
        return CloudThrottlingError(message, service=SERVICE, status_code=429)
    if status >= 500:
        return CloudServerError(message, service=SERVICE, status_code=status)
    if status == 400:
        return BadRequestError(message, status_code=400, error_type=google_status or None)
    return make_status_error(status, None, message)
