"""GitHub: comments on a pull request, through the REST API's issue comments (every pull request is an issue).

Endpoints (https://docs.github.com/en/rest/issues/comments):

    GET   /repos/{owner}/{repo}/issues/{issue_number}/comments?per_page=100   a page, oldest first
    POST  /repos/{owner}/{repo}/issues/{issue_number}/comments   {"body": …}  201, the comment
    PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}     {"body": …}  200, the comment

A comment is `{"id": 1, "body": "…", "html_url": "https://github.com/…#issuecomment-1", …}`. Lists are paged
by the `link` header's rel="next" (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api;
per_page at most 100). A body over 65,536 characters is refused: 422, "body is too long (maximum is 65536
characters)". Requests carry `Authorization: Bearer TOKEN`, `Accept: application/vnd.github+json` and
`X-GitHub-Api-Version` (https://docs.github.com/en/rest/about-the-rest-api/api-versions).
"""

from __future__ import annotations

from typing import Any

import httpx

from reconciler.gitops.ci import Where
from reconciler.gitops.forge import Comment
from reconciler.gitops.rest import Advice, Rest

API_VERSION = "2022-11-28"


class GitHub:
    name = "GitHub"

    def __init__(self, where: Where, transport: httpx.BaseTransport | None = None) -> None:
        self.where = f"{where.repo}#{where.number}"
        self.path = f"/repos/{where.repo}/issues"
        self.number = where.number
        headers = {
            "Authorization": f"Bearer {where.token.reveal()}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        self.rest = Rest(where.api_url, headers, where.token, advice(where), transport)

    def find(self, marker: str) -> Comment | None:
        doing = f"list the comments of {self.where}"
        for page in self.rest.pages(f"{self.path}/{self.number}/comments", {"per_page": 100}, doing):
            for item in page:
                if str(item.get("body") or "").startswith(marker):
                    return _comment(item)
        return None

    def create(self, body: str) -> Comment:
        doing = f"comment on {self.where}"
        return _comment(self.rest.send("POST", f"{self.path}/{self.number}/comments", body, doing))

    def update(self, comment_id: int, body: str) -> Comment:
        doing = f"update comment {comment_id} on {self.where}"
        return _comment(self.rest.send("PATCH", f"{self.path}/comments/{comment_id}", body, doing))

    def close(self) -> None:
        self.rest.close()


def advice(where: Where) -> Advice:
    return Advice(
        forge="GitHub",
        subject=f"pull request {where.repo}#{where.number}",
        unauthorized="GITHUB_TOKEN is not a valid token (expired or revoked); pass the job's own, "
        "`GITHUB_TOKEN: ${{ github.token }}`",
        forbidden="give the job `permissions: pull-requests: write`; on a pull request from a fork "
        "GITHUB_TOKEN is read-only, so comment from a `workflow_run` job instead",
        not_found=f"check --repo {where.repo} and --pr {where.number}; a token that cannot see a private "
        "repository gets 404 too",
    )


def _comment(item: dict[str, Any]) -> Comment:
    return Comment(int(item["id"]), str(item.get("body") or ""), str(item.get("html_url") or ""))
