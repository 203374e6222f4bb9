"""The bundle keeps what the network needs: SOCKS proxy support (socksio) and HTTP/2."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

PACKAGING = Path(__file__).resolve().parent.parent / "packaging"


def _rules() -> ModuleType:
    # packaging/ is not a package (the name is PyPI's `packaging`): load it by path.
    spec = importlib.util.spec_from_file_location(
        "_packaging_rules_net", PACKAGING / "bundle_rules.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_exclusion_drops_a_required_network_module() -> None:
    rules = _rules()
    for required in rules.REQUIRED_MODULES:
        importlib.import_module(required)  # installed, so PyInstaller can find it
        for excluded in rules.EXCLUDED_MODULES:
            assert not (required == excluded or required.startswith(excluded + ".")), (
                f"{excluded} in EXCLUDED_MODULES would leave {required} out of the bundle"
            )


def test_socks_support_is_real_not_httpcores_placeholder() -> None:
    # Without socksio, httpcore swaps in a class that raises when a SOCKS proxy is used.
    import httpcore
    from httpcore._async import socks_proxy

    assert httpcore.AsyncSOCKSProxy is socks_proxy.AsyncSOCKSProxy
