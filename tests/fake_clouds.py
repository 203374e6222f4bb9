"""Loopback fakes of Amazon Bedrock and Google Vertex AI, on top of tests/fakeapi.py.

Bedrock: an AWS event-stream encoder written here from the format's description (prelude:
total length, headers length, prelude CRC32; headers; payload; message CRC32), responses in
that framing, and a SigV4 check that recomputes the signature with botocore from the request
the server received. Vertex: a service-account key whose `token_uri` is the loopback server,
so real google-auth signs a real JWT and exchanges it over a real socket; the token endpoint
checks the assertion with google-auth's own `jwt.decode` and the key's certificate.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakeapi import FakeAnthropicAPI, JSONResponse, RecordedRequest, SSEResponse

EVENT_STREAM = "application/vnd.amazon.eventstream"


# ---- AWS event-stream encoding -----------------------------------------------------------


def _header(name: str, value: str | bytes | int | bool) -> bytes:
    raw_name = name.encode()
    out = struct.pack(">B", len(raw_name)) + raw_name
    if isinstance(value, bool):
        return out + struct.pack(">B", 0 if value else 1)
    if isinstance(value, int):
        return out + struct.pack(">Bi", 4, value)
    kind, data = (7, value.encode()) if isinstance(value, str) else (6, value)
    return out + struct.pack(">BH", kind, len(data)) + data


def encode_message(headers: dict[str, str | bytes | int | bool], payload: bytes) -> bytes:
    """One event-stream message, byte for byte as AWS frames it."""
    raw_headers = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw_headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def chunk_message(event: dict[str, Any]) -> bytes:
    """A `chunk` event carrying one Messages stream event, base64-encoded as Bedrock does."""
    inner = base64.b64encode(json.dumps(event).encode()).decode()
    payload = json.dumps({"bytes": inner, "p": "abcdefghij"}).encode()  # `p` pads, like AWS
    headers: dict[str, str | bytes | int | bool] = {
        ":event-type": "chunk",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return encode_message(headers, payload)


def exception_message(exception_type: str, message: str) -> bytes:
    headers: dict[str, str | bytes | int | bool] = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return encode_message(headers, json.dumps({"message": message}).encode())


def sse_to_events(stream: bytes) -> list[dict[str, Any]]:
    """The JSON events of an SSE stream built by tests/sse.py."""
    out = []
    for part in stream.split(b"\n\n"):
        for line in part.split(b"\n"):
            if line.startswith(b"data:"):
                out.append(json.loads(line[5:]))
    return out


def bedrock_frames(stream: bytes) -> list[bytes]:
    """An SSE stream's events as Bedrock would send them: one event-stream frame each."""
    return [chunk_message(event) for event in sse_to_events(stream)]


def bedrock_response(frames: list[bytes], **kwargs: Any) -> SSEResponse:
    """A streamed Bedrock answer (the fake's chunked sender, with Bedrock's content type)."""
    headers = {
        "content-type": EVENT_STREAM,
        "x-amzn-requestid": "bedrock-" + secrets.token_hex(8),
        **kwargs.pop("headers", {}),
    }
    return SSEResponse(b"".join(frames), headers=headers, **kwargs)


def bedrock_http_error(status: int, error_type: str, message: str) -> JSONResponse:
    return JSONResponse(
        status,
        {"message": message},
        {"x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"},
    )


# ---- AWS environment and signature check --------------------------------------------------

ACCESS_KEY = "AKIDEXAMPLELOOPBACK01"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLOOPBACKKEY"
SESSION_TOKEN = "FwoGZXIvYXdzELoopbackSessionToken"
REGION = "eu-west-3"


@pytest.fixture
def aws_env(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> FakeAnthropicAPI:
    """Static AWS credentials in the environment and Bedrock's endpoint on the fake server,
    through botocore's own override variable. No real AWS file or metadata service is read."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", fake_api.base_url)
    return fake_api


def sigv4_problem(request: RecordedRequest, base_url: str, region: str = REGION) -> str | None:
    """Recompute the request's SigV4 signature with botocore (same credentials, the
    request's own X-Amz-Date); None when it matches the Authorization header."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    auth = request.headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return f"no SigV4 Authorization header: {auth!r}"
    fields = dict(
        part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 ") :].split(",")
    )
    date = request.headers.get("x-amz-date", "")
    expected_scope = f"{ACCESS_KEY}/{date[:8]}/{region}/bedrock/aws4_request"
    if fields.get("Credential") != expected_scope:
        return f"credential scope {fields.get('Credential')!r}, expected {expected_scope!r}"
    signed = fields["SignedHeaders"].split(";")
    headers = {name: request.headers[name] for name in signed if name != "host"}
    aws = AWSRequest(method=request.method, url=base_url + request.path, data=request.body)
    for name, value in headers.items():
        aws.headers[name] = value
    aws.context["timestamp"] = date
    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), "bedrock", region)
    canonical = signer.canonical_request(aws)
    signature = signer.signature(signer.string_to_sign(aws, canonical), aws)
    if signature != fields.get("Signature"):
        return f"signature {fields.get('Signature')} != recomputed {signature}"
    if "x-amz-security-token" not in signed:
        return "the session token is not signed"
    return None


# ---- Google: a service account whose token endpoint is the loopback server ---------------


@dataclass
class GoogleAccount:
    """The test key pair, the token the fake endpoint hands out, and what it was sent."""

    key_file: Path
    certificate: bytes
    project: str = "loopback-project"
    client_email: str = "claude-desktop-test@loopback-project.iam.gserviceaccount.com"
    issued: list[str] = field(default_factory=list)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    expires_in: int = 3600

    def token_handler(self, request: RecordedRequest) -> JSONResponse:
        from google.auth import jwt

        form = dict(parse_qsl(request.body.decode()))
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return JSONResponse(400, {"error": "unsupported_grant_type"})
        try:
            claims = jwt.decode(form["assertion"], certs=self.certificate, audience=None)
        except (ValueError, KeyError) as exc:
            return JSONResponse(400, {"error": "invalid_grant", "error_description": str(exc)})
        self.assertions.append(claims)
        token = "ya29.loopback-" + secrets.token_urlsafe(12)
        self.issued.append(token)
        body = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        return JSONResponse(200, body)


def _key_pair() -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "claude-desktop loopback")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private, cert.public_bytes(serialization.Encoding.PEM)


_KEYS: list[tuple[bytes, bytes]] = []  # generating RSA keys is slow: one per test run


@pytest.fixture
def google_account(
    fake_api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[GoogleAccount]:
    """GOOGLE_APPLICATION_CREDENTIALS is a service-account key whose token endpoint is the
    fake server's POST /token; Vertex's base URL is the fake server too."""
    if not _KEYS:
        _KEYS.append(_key_pair())
    private, certificate = _KEYS[0]
    key_file = tmp_path / "service-account.json"
    account = GoogleAccount(key_file=key_file, certificate=certificate)
    key_file.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": account.project,
                "private_key_id": "loopback-key-1",
                "private_key": private.decode(),
                "client_email": account.client_email,
                "client_id": "1234567890",
                "token_uri": fake_api.base_url + "/token",
            }
        )
    )
    for name in ("GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CONFIG", "CLOUD_ML_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no developer's gcloud
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setenv("ANTHROPIC_VERTEX_BASE_URL", fake_api.base_url)
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    fake_api.route("POST", "/token", account.token_handler)
    yield account


def vertex_path(project: str, region: str, model: str) -> str:
    return (
        f"/v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}"
        ":streamRawPredict"
    )


def request_path(request: RecordedRequest) -> str:
    return urlsplit(request.path).path
