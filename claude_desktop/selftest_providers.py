"""The self-test's `providers` check: the cloud providers' optional packages as the bundle
carries them (botocore for Amazon Bedrock, google-auth for Google Vertex AI)."""

from __future__ import annotations

import sys

from claude_desktop.selftest import FAIL, OK, SKIP, CheckFailed


def check_providers() -> tuple[str, str]:
    """The cloud providers' optional packages as the bundle carries them: botocore's trimmed
    data still has what Bedrock and the AWS sign-in chain load, and signs; google-auth signs
    a service-account JWT with its crypto backend (what ADC does with a key file)."""
    from claude_desktop.domain.providers import PROVIDER_IDS, missing_extra

    missing = [name for name in PROVIDER_IDS if name != "anthropic" and missing_extra(name)]
    if missing:
        # From source the extras are optional; the bundle must carry both.
        status = FAIL if getattr(sys, "frozen", False) else SKIP
        return status, f"not installed: {', '.join(missing)}"

    import botocore
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    session = botocore.session.Session()
    for service in ("bedrock-runtime", "sts", "sso", "sso-oidc"):
        session.get_service_model(service)
    session.get_data("endpoints")
    request = AWSRequest(method="POST", url="https://bedrock-runtime.us-east-1.amazonaws.com/")
    SigV4Auth(Credentials("AKIDSELFTEST", "secret"), "bedrock", "us-east-1").add_auth(request)
    if not str(request.headers.get("Authorization", "")).startswith("AWS4-HMAC-SHA256"):
        raise CheckFailed("botocore did not sign a request")

    import google.auth
    import google.oauth2.service_account
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.auth import crypt, jwt

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token = jwt.encode(crypt.RSASigner.from_string(pem), {"iss": "self-test"})
    if token.count(b".") != 2:
        raise CheckFailed("google-auth did not sign a JWT")
    return OK, (
        f"Amazon Bedrock (botocore {botocore.__version__}: models, SigV4);"
        f" Google Vertex AI (google-auth {google.auth.__version__}: JWT)"
    )
