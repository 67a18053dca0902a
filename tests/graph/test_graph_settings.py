"""Base URL and API version: explicit > environment > default, and no plain http:// off the machine."""

from __future__ import annotations

import pytest

from reconciler.graph.errors import GraphSettingsError
from reconciler.graph.settings import GraphSettings, is_loopback


def test_defaults() -> None:
    settings = GraphSettings.from_env(environ={})
    assert settings == GraphSettings("https://graph.facebook.com", "v23.0")


def test_environment_then_explicit_values_win() -> None:
    env = {"WABAPLAN_GRAPH_URL": "https://proxy.example/graph/", "WABAPLAN_API_VERSION": "v24.0"}
    assert GraphSettings.from_env(environ=env) == GraphSettings("https://proxy.example/graph", "v24.0")
    explicit = GraphSettings.from_env({"base_url": "http://127.0.0.1:8080", "api_version": None}, environ=env)
    assert explicit == GraphSettings("http://127.0.0.1:8080", "v24.0")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9", "http://127.5.6.7", "http://[::1]:8080", "http://localhost:1"]
)
def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    assert GraphSettings(url).base_url == url


@pytest.mark.parametrize(
    "url", ["http://graph.facebook.com", "http://10.0.0.1:8080", "http://localhost.evil.com"]
)
def test_plain_http_is_refused_elsewhere(url: str) -> None:
    with pytest.raises(GraphSettingsError, match="refusing plain http://") as info:
        GraphSettings(url)
    assert "https://" in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["ftp://graph.facebook.com", "graph.facebook.com", "https://u:p@graph.facebook.com", "https://x/?a=1"],
)
def test_malformed_base_urls(url: str) -> None:
    with pytest.raises(GraphSettingsError):
        GraphSettings(url)


@pytest.mark.parametrize("version", ["23.0", "v23", "v23.0.1", "latest"])
def test_version_must_look_like_vNN_N(version: str) -> None:
    with pytest.raises(GraphSettingsError, match=r"vNN\.N"):
        GraphSettings(api_version=version)


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("LOCALHOST")
    assert not is_loopback("128.0.0.1") and not is_loopback("example.com")
