"""What a notification says, as a value: counts, the items that need action, where the run is (pure).

Built by one adaptor per source (`reports`: plan and status; `verdicts`: watch), so the wording and the
limits live here once. Nothing needs action → nothing is sent (`needs_action`).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ITEMS = 20  # listed in a message; the rest counted ("… and 7 more")
MAX_LINE = 300  # characters of one item (a long drift value is cut)


@dataclass(frozen=True)
class Count:
    label: str  # "drift", "unreadable WABAs", …
    n: int


@dataclass(frozen=True)
class Summary:
    """What one run found that needs a person, from which command, against which Graph API."""

    source: str  # the command that found it: "plan --refresh-only", "status", "watch"
    project: str  # what the run was about: the config's name
    counts: tuple[Count, ...]  # of what needs action, by kind (zero counts are left out of the text)
    items: tuple[str, ...]  # one line each: an address and what is wrong with it
    graph_url: str = ""
    simulated: bool = False
    job_url: str | None = None  # the CI job to open, when the run is in CI

    @property
    def needs_action(self) -> bool:
        return any(count.n for count in self.counts) or bool(self.items)

    @property
    def total(self) -> int:
        return sum(count.n for count in self.counts)

    def title(self) -> str:
        simulated = "SIMULATED: " if self.simulated else ""
        things = "item needs" if self.total == 1 else "items need"
        return f"{simulated}wabaplan {self.source}: {self.total} {things} action ({self.project})"

    def body(self) -> str:
        """Plain text: every chat service and e-mail shows it as it is."""
        counted = ", ".join(f"{count.label} {count.n}" for count in self.counts if count.n)
        where = f" at {self.graph_url}" if self.graph_url else ""
        lines = [f"Found{where}: {counted}.", ""]
        lines += [f"- {_cut(item)}" for item in self.items[:MAX_ITEMS]]
        if len(self.items) > MAX_ITEMS:
            lines.append(f"… and {len(self.items) - MAX_ITEMS} more")
        if self.job_url:
            lines += ["", f"CI job: {self.job_url}"]
        return "\n".join(lines)


def _cut(line: str) -> str:
    flat = " ".join(line.split())
    return flat if len(flat) <= MAX_LINE else flat[: MAX_LINE - 1] + "…"
