"""GitLab: notes (comments) on a merge request, through the REST API v4.

Endpoints (https://docs.gitlab.com/api/notes/#merge-requests):

    GET  /projects/:id/merge_requests/:merge_request_iid/notes?sort=asc&order_by=created_at&per_page=100
    POST /projects/:id/merge_requests/:merge_request_iid/notes            {"body": …}  201, the note
    PUT  /projects/:id/merge_requests/:merge_request_iid/notes/:note_id   {"body": …}  200, the note

`:id` is the project's ID or its URL-encoded path. A note is `{"id": 302, "body": "…", "system": false, …}`
(no web address: it is made from CI_PROJECT_URL). Lists are paged (20 a page unless per_page, at most 100)
with a `Link` header and `x-next-page` (https://docs.gitlab.com/api/rest/#pagination). A note over
1,000,000 characters is refused: 400, "is too long (maximum is 1000000 characters)". Requests carry
`PRIVATE-TOKEN` (a personal, project or group access token with the api scope).

CI_JOB_TOKEN is not used: on most GitLab versions it may call only a short list of endpoints, and posting a
merge request note is not among them (https://docs.gitlab.com/ci/jobs/ci_job_token/).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from reconciler.gitops.ci import JOB_TOKEN_DOCS, Where
from reconciler.gitops.forge import Comment
from reconciler.gitops.rest import Advice, Rest

LIST: dict[str, str | int] = {"sort": "asc", "order_by": "created_at", "per_page": 100}


class GitLab:
    name = "GitLab"

    def __init__(self, where: Where, transport: httpx.BaseTransport | None = None) -> None:
        self.where = f"{where.repo}!{where.number}"
        self.path = f"/projects/{quote(where.repo, safe='')}/merge_requests/{where.number}/notes"
        self.web = f"{where.web_url}/-/merge_requests/{where.number}" if where.web_url else ""
        headers = {"PRIVATE-TOKEN": where.token.reveal()}
        self.rest = Rest(where.api_url, headers, where.token, advice(where), transport)

    def find(self, marker: str) -> Comment | None:
        doing = f"list the notes of {self.where}"
        for page in self.rest.pages(self.path, LIST, doing):
            for item in page:
                if not item.get("system") and str(item.get("body") or "").startswith(marker):
                    return self._note(item)
        return None

    def create(self, body: str) -> Comment:
        return self._note(self.rest.send("POST", self.path, body, f"add a note to {self.where}"))

    def update(self, comment_id: int, body: str) -> Comment:
        doing = f"update note {comment_id} on {self.where}"
        return self._note(self.rest.send("PUT", f"{self.path}/{comment_id}", body, doing))

    def close(self) -> None:
        self.rest.close()

    def _note(self, item: dict[str, Any]) -> Comment:
        note = int(item["id"])
        return Comment(note, str(item.get("body") or ""), f"{self.web}#note_{note}" if self.web else "")


def advice(where: Where) -> Advice:
    return Advice(
        forge="GitLab",
        subject=f"merge request {where.repo}!{where.number}",
        unauthorized="GITLAB_TOKEN is not a valid token (expired or revoked); create a project access "
        "token with the api scope and store it in the CI/CD variable GITLAB_TOKEN",
        forbidden="the token needs the api scope and at least the Reporter role in the project "
        f"(CI_JOB_TOKEN cannot post merge request notes on most GitLab versions: {JOB_TOKEN_DOCS})",
        not_found=f"check --repo {where.repo} and --pr {where.number}; a token without access to the "
        "project gets 404 too",
    )
