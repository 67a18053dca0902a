"""GitOps: the plan as one comment per project on a pull request (GitHub) or merge request (GitLab).

    environ ─▶ ci.locate ─▶ Where (forge, API, repository, number, token) ─▶ connect ─▶ Forge
    saved plan ─▶ comment.comment_body (pure: marker, sized to the forge's limit) ─▶ forge.upsert
                  find the comment that starts with the project's marker (every page), update it, or create it

    WabaplanError
    └── ForgeError      the forge could not be reached, refused the token or the request, or this run is
                        not for a pull request; one line, with the fix (reconciler.gitops.forge)

The token is read from the environment by `ci`, held by a `ForgeToken` that never shows its value, and
masked in every message. Nothing here imports the Graph client, the state store, apply or the simulator.
"""
