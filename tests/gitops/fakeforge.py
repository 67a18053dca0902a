"""A fake of the few GitHub and GitLab REST endpoints `wabaplan comment` uses, shaped as their docs say.

GitHub (https://docs.github.com/en/rest/issues/comments), at the root:
    GET   /repos/{owner}/{repo}/issues/{n}/comments?per_page&page   a page; `link` rel="next" and rel="last"
    POST  /repos/{owner}/{repo}/issues/{n}/comments                 201; a body over 65,536 characters: 422
    PATCH /repos/{owner}/{repo}/issues/comments/{id}                200
GitLab (https://docs.gitlab.com/api/notes/#merge-requests), under /api/v4:
    GET   /projects/{id or path}/merge_requests/{iid}/notes?sort&order_by&per_page&page
          a page; `Link`, x-page, x-per-page, x-next-page, x-total, x-total-pages (Link can be left off)
    POST  /projects/{id or path}/merge_requests/{iid}/notes         201; a body over 1,000,000 characters: 400
    PUT   /projects/{id or path}/merge_requests/{iid}/notes/{id}    200

Only `octo/shop#7` (GitHub) and project `42` or `group/shop`, merge request 7 (GitLab) exist. Every request
is recorded; `refuse` makes every answer that status, with the forge's usual message; `echo_token` makes a
refusal repeat the credentials it was sent; `link_origin` points GitHub's next pages elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

GITHUB_REPO, GITLAB_PROJECTS, NUMBER = "octo/shop", ("42", "group/shop"), 7
LIMITS = {"github": 65_536, "gitlab": 1_000_000}
REFUSALS = {
    401: ("Bad credentials", "401 Unauthorized"),
    403: ("Resource not accessible by integration", "403 Forbidden"),
    404: ("Not Found", "404 Not found"),
    502: ("Server Error", "502 Bad Gateway"),
}


@dataclass
class Stored:
    id: int
    body: str
    system: bool = False  # GitLab's notes about events (a push, a label)


@dataclass
class FakeForge:
    token: str
    github: list[Stored] = field(default_factory=list)
    gitlab: list[Stored] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    refuse: int | None = None
    gitlab_link: bool = True  # False: page by x-next-page alone
    echo_token: bool = False  # refusals repeat the credentials they were sent, as some proxies do
    link_origin: str = ""  # GitHub's next pages on another origin ("http://elsewhere.example")
    next_id: int = 1000

    def seed(self, count: int) -> None:
        """Other people's comments (and GitLab's system notes), so that lists take several pages."""
        for n in range(count):
            self.github.append(Stored(self._id(), f"LGTM, comment {n}"))
            self.gitlab.append(Stored(self._id(), f"added {n} commits", system=n % 3 == 0))

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    def app(self) -> Starlette:
        github = "/repos/{owner}/{repo}/issues"
        gitlab = "/api/v4/projects/{project:path}/merge_requests/{iid:int}/notes"
        return Starlette(
            routes=[
                Route(github + "/{number:int}/comments", self._github_list, methods=["GET"]),
                Route(github + "/{number:int}/comments", self._write, methods=["POST"]),
                Route(github + "/comments/{id:int}", self._write, methods=["PATCH"]),
                Route(gitlab, self._gitlab_list, methods=["GET"]),
                Route(gitlab, self._write, methods=["POST"]),
                Route(gitlab + "/{id:int}", self._write, methods=["PUT"]),
            ]
        )

    # ------------------------------------------------------------------------------------------- GitHub

    async def _github_list(self, request: Request) -> Response:
        refused = self._refusal(request, "github")
        if refused:
            return refused
        page, per_page = _paging(request, default=30)
        items, pages = _page(self.github, page, per_page)
        links = [f'<{_url(request, page + 1, self.link_origin)}>; rel="next"'] if page < pages else []
        links.append(f'<{_url(request, pages, self.link_origin)}>; rel="last"')
        return JSONResponse([self._github_json(c) for c in items], headers={"link": ", ".join(links)})

    def _github_json(self, comment: Stored) -> dict[str, Any]:
        api = f"https://api.github.com/repos/{GITHUB_REPO}/issues/comments/{comment.id}"
        return {
            "id": comment.id,
            "node_id": f"IC_{comment.id}",
            "url": api,
            "html_url": f"https://github.com/{GITHUB_REPO}/pull/{NUMBER}#issuecomment-{comment.id}",
            "body": comment.body,
            "user": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
            "created_at": "2026-03-02T01:00:00Z",
            "updated_at": "2026-03-02T01:00:00Z",
            "author_association": "NONE",
        }

    # ------------------------------------------------------------------------------------------- GitLab

    async def _gitlab_list(self, request: Request) -> Response:
        refused = self._refusal(request, "gitlab")
        if refused:
            return refused
        page, per_page = _paging(request, default=20)
        notes = self.gitlab if request.query_params.get("sort") == "asc" else self.gitlab[::-1]
        items, pages = _page(notes, page, per_page)
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-next-page": str(page + 1) if page < pages else "",
            "x-prev-page": str(page - 1) if page > 1 else "",
            "x-total": str(len(notes)),
            "x-total-pages": str(pages),
        }
        if self.gitlab_link:
            links = [f'<{_url(request, page + 1)}>; rel="next"'] if page < pages else []
            links += [f'<{_url(request, 1)}>; rel="first"', f'<{_url(request, pages)}>; rel="last"']
            headers["link"] = ", ".join(links)
        return JSONResponse([self._gitlab_json(n) for n in items], headers=headers)

    def _gitlab_json(self, note: Stored) -> dict[str, Any]:
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "attachment": None,
            "author": {"id": 1, "username": "project_42_bot", "name": "wabaplan", "state": "active"},
            "created_at": "2026-03-02T01:00:00.000Z",
            "updated_at": "2026-03-02T01:00:00.000Z",
            "system": note.system,
            "noteable_id": 377,
            "noteable_type": "MergeRequest",
            "noteable_iid": NUMBER,
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }

    # ------------------------------------------------------------------------------------------- both

    async def _write(self, request: Request) -> Response:
        """Create (POST) or update (PATCH on GitHub, PUT on GitLab) a comment."""
        forge = "github" if request.url.path.startswith("/repos/") else "gitlab"
        refused = self._refusal(request, forge)
        if refused:
            return refused
        store = self.github if forge == "github" else self.gitlab
        body = (await request.json())["body"]
        if len(body) > LIMITS[forge]:
            return _too_long(forge)
        if "id" not in request.path_params:
            store.append(Stored(self._id(), body))
            return JSONResponse(self._json(forge, store[-1]), status_code=201)
        found = [c for c in store if c.id == request.path_params["id"]]
        if not found:
            return JSONResponse({"message": REFUSALS[404][forge == "gitlab"]}, status_code=404)
        found[0].body = body
        return JSONResponse(self._json(forge, found[0]))

    def _refusal(self, request: Request, forge: str) -> Response | None:
        self.requests.append((request.method, request.url.path))
        params = request.path_params
        if forge == "github":
            header, sent = "authorization", f"Bearer {self.token}"
            known = (
                f"{params['owner']}/{params['repo']}" == GITHUB_REPO
                and params.get("number", NUMBER) == NUMBER
            )
        else:
            header, sent = "private-token", self.token
            known = params["project"] in GITLAB_PROJECTS and params["iid"] == NUMBER
        status = self.refuse if request.headers.get(header) == sent else 401
        status = status or (None if known else 404)
        if status is None:
            return None
        message = REFUSALS[status][forge == "gitlab"] + self._echo(request, header)
        if forge == "gitlab":
            return JSONResponse({"message": message}, status_code=status)
        docs = "https://docs.github.com/rest/issues/comments"
        return JSONResponse({"message": message, "documentation_url": docs}, status_code=status)

    def _json(self, forge: str, comment: Stored) -> dict[str, Any]:
        return self._github_json(comment) if forge == "github" else self._gitlab_json(comment)

    def _echo(self, request: Request, header: str) -> str:
        return f" (sent {header}: {request.headers.get(header, '')})" if self.echo_token else ""

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id


def _paging(request: Request, *, default: int) -> tuple[int, int]:
    page = max(1, int(request.query_params.get("page", "1")))
    per_page = min(100, max(1, int(request.query_params.get("per_page", str(default)))))
    return page, per_page


def _page(items: list[Stored], page: int, per_page: int) -> tuple[list[Stored], int]:
    pages = max(1, math.ceil(len(items) / per_page))
    return items[(page - 1) * per_page : page * per_page], pages


def _url(request: Request, page: int, origin: str = "") -> str:
    url = str(request.url.include_query_params(page=page))
    return origin + url[len(f"{request.url.scheme}://{request.url.netloc}") :] if origin else url


def _too_long(forge: str) -> Response:
    if forge == "gitlab":
        return JSONResponse(
            {"message": {"note": ["is too long (maximum is 1000000 characters)"]}}, status_code=400
        )
    error = {
        "resource": "IssueComment",
        "code": "custom",
        "field": "body",
        "message": "body is too long (maximum is 65536 characters)",
    }
    docs = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
    return JSONResponse(
        {"message": "Validation Failed", "errors": [error], "documentation_url": docs}, status_code=422
    )
