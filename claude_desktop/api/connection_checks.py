"""The connection settings checked before a request is made: base URL, proxy, API key.

Each check answers with one sentence a person can act on, never a traceback, and never
repeats the key itself.
"""

from __future__ import annotations

import os
import unicodedata


def check_base_url(url: str) -> str:
    """`url` stripped of a trailing slash, or ValueError with a sentence saying what is wrong."""
    import httpx  # with the first check, not with the settings: see client.py

    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"'{text}' is not a web address ({exc}).") from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"'{text}' must start with https:// (or http:// for a local gateway).")
    if not parsed.host:
        raise ValueError(f"'{text}' has no host name: write it like https://gateway.example.com.")
    if any(c.isspace() for c in text) or "%" in parsed.host:
        raise ValueError(f"'{text}' is not a web address (a space or odd character in it).")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ValueError(f"'{text}' has port {parsed.port}, but ports go from 1 to 65535.")
    return text.rstrip("/")


#: The proxies httpx can use (socks5h: the proxy resolves the host name).
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def check_proxy_url(url: str) -> str:
    """`url` checked as a proxy's address, or ValueError with a sentence saying what is wrong."""
    text = url.strip()
    scheme = text.partition("://")[0].lower()
    if scheme in ("socks5", "socks5h"):
        # check_base_url's rules for the rest (host, port), on an http form of the address.
        check_base_url("http" + text[len(scheme) :])
        return text
    return check_base_url(text)


def key_problem(key: str) -> str | None:
    """Why `key` cannot be an API key (a sentence naming the bad character, never the key),
    or None. Keys are printable ASCII: a zero-width space or a non-breaking space pasted
    along with one could not even be sent in a header."""
    for position, char in enumerate(key, 1):
        if not "!" <= char <= "~":
            name = unicodedata.name(char, "a control character")
            what = f"U+{ord(char):04X} {name}"
            return (
                f"The API key contains a character that cannot be part of a key ({what}, "
                f"character {position} of {len(key)}): paste it again."
            )
    return None


FIX_IN_SETTINGS = "Fix it in Settings → Connection."

# The environment variables a proxy is read from, as httpx and urllib read them.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


def environment_proxy_names() -> str:
    """The proxy variables that are set (for a sentence saying which one is unusable)."""
    names = [n for n in PROXY_VARIABLES if os.environ.get(n) or os.environ.get(n.lower())]
    return ", ".join(names) or "the environment"
