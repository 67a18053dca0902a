"""A forge's REST API over httpx: the token kept out of sight, pages followed, one-line refusals.

Pages are followed by the `Link` header's rel="next" (GitHub and GitLab both send it), else GitLab's
`X-Next-Page`; a next page on another host is refused, so the token is never sent anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx

from reconciler import __version__
from reconciler.gitops.forge import ForgeError

MASK = "***"
MAX_PAGES = 500  # 50,000 comments at 100 a page: past that, something loops
TIMEOUT_SECONDS = 30.0


class ForgeToken:
    """A forge token whose value never appears in `repr`, `str`, formatting or pickles."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value or any(ch.isspace() for ch in value):
            raise ValueError("a token is one word: no spaces or line breaks inside")
        self._value = value

    def reveal(self) -> str:
        """The value itself: only for the request's header."""
        return self._value

    def redact(self, text: str) -> str:
        return text.replace(self._value, MASK)

    def __repr__(self) -> str:
        return f"ForgeToken('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> NoReturn:
        raise TypeError("a token cannot be pickled")


@dataclass(frozen=True)
class Advice:
    """What a person should do when the forge refuses, in that forge's terms."""

    forge: str  # "GitHub"
    subject: str  # "pull request octo/shop#7"
    unauthorized: str  # 401
    forbidden: str  # 403
    not_found: str  # 404


class Rest:
    """JSON over HTTP to one forge API, with its headers (the token among them)."""

    def __init__(
        self,
        api_url: str,
        headers: Mapping[str, str],
        token: ForgeToken,
        advice: Advice,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.token = token
        self.advice = advice
        self.origin = httpx.URL(api_url).copy_with(path="/", query=None, fragment=None)
        self.client = httpx.Client(
            base_url=api_url,
            headers={"User-Agent": f"wabaplan/{__version__}", **headers},
            timeout=TIMEOUT_SECONDS,
            transport=transport or httpx.HTTPTransport(retries=2),  # retries a refused connection
        )

    def pages(self, path: str, params: Mapping[str, str | int], doing: str) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list, first to last."""
        url: httpx.URL | str = path
        query: Mapping[str, str | int] | None = params
        for _ in range(MAX_PAGES):
            response = self.call("GET", url, doing, params=query)
            page = self._json(response, doing)
            if not isinstance(page, list):
                raise ForgeError(
                    f"{self.advice.forge} answered something other than a list when asked to {doing}"
                )
            yield page
            following = self._next(response)
            if following is None:
                return
            url, query = following, None  # the next page's address carries its own query
        raise ForgeError(
            f"{self.advice.forge} kept answering with more pages past {MAX_PAGES} (asked to {doing})"
        )

    def send(self, method: str, path: str, body: str, doing: str) -> dict[str, Any]:
        answer = self._json(self.call(method, path, doing, json={"body": body}), doing)
        if not isinstance(answer, dict) or "id" not in answer:
            raise ForgeError(f"{self.advice.forge} answered without the comment when asked to {doing}")
        return answer

    def call(self, method: str, url: httpx.URL | str, doing: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            where = self.client.base_url
            raise ForgeError(
                self._line(f"cannot reach {self.advice.forge} at {where} to {doing}: {exc}")
            ) from None
        if not response.is_success:
            raise ForgeError(self._line(refusal(response, self.advice, doing)))
        return response

    def close(self) -> None:
        self.client.close()

    def _next(self, response: httpx.Response) -> httpx.URL | None:
        link = response.links.get("next", {}).get("url")
        if link:
            url = response.url.join(link)
        elif response.headers.get("x-next-page", "").strip():
            url = response.url.copy_set_param("page", response.headers["x-next-page"].strip())
        else:
            return None
        if url.copy_with(path="/", query=None, fragment=None) != self.origin:
            raise ForgeError(
                f"{self.advice.forge} pointed the next page at {url.host}, not at {self.origin.host}: "
                "not followed, so the token stays with the forge"
            )
        return url

    def _json(self, response: httpx.Response, doing: str) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise ForgeError(
                f"{self.advice.forge} answered {kind}, not JSON, when asked to {doing}: is "
                f"{self.client.base_url} its API?"
            ) from None

    def _line(self, text: str) -> str:
        return self.token.redact(" ".join(text.split()))


def refusal(response: httpx.Response, advice: Advice, doing: str) -> str:
    """One line: what the forge said, and what to do about it."""
    status, forge = response.status_code, advice.forge
    said = _message(response)
    said = f": {said}" if said else ""
    if status == 401:
        return f"{forge} refused the token (401 Unauthorized{said}): {advice.unauthorized}"
    if status == 403:
        return f"{forge} refused to {doing} (403 Forbidden{said}): {advice.forbidden}"
    if status == 404:
        return f"{forge} found no {advice.subject} (404 Not Found{said}): {advice.not_found}"
    if status == 429 or status >= 500:
        return (
            f"{forge} answered {status} {response.reason_phrase}{said} when asked to {doing}: re-run the job"
        )
    return f"{forge} refused to {doing} ({status} {response.reason_phrase}{said})"


def _message(response: httpx.Response) -> str:
    """The forge's own words: GitHub's and GitLab's `message` (GitLab's may be a mapping), clipped."""
    try:
        answer = response.json()
    except ValueError:
        return ""
    message = answer.get("message", "") if isinstance(answer, dict) else ""
    text = message if isinstance(message, str) else str(message)
    return text[:300]
