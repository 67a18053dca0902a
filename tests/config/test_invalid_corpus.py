"""Every file in fixtures/invalid is rejected with the expected problem on the expected line.

Each fixture starts with one or more `# expect: LINE: fragment` comments; `# expect: LINE:COLUMN: fragment`
also pins the column (1-based, as editors count).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.config import load

FIXTURES = Path(__file__).parent.parent / "fixtures" / "invalid"
EXPECT = re.compile(r"^# expect: (\d+)(?::(\d+))?: (.+)$")
SECRET_LITERALS = ("246813", "EAAGsecretTOKEN123")


def _expectations(path: Path) -> list[tuple[int, int | None, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            column = int(match.group(2)) if match.group(2) else None
            found.append((int(match.group(1)), column, match.group(3)))
    return found


CASES = sorted(FIXTURES.glob("*.yaml"))


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_invalid_config_is_reported_on_the_right_line(path: Path) -> None:
    expectations = _expectations(path)
    assert expectations, f"{path.name} has no '# expect:' line"
    loaded = load(path)
    assert not loaded.ok
    assert loaded.config is None
    rendered = [str(d) for d in loaded.diagnostics]
    for line, column, fragment in expectations:
        matching = [
            d
            for d in loaded.diagnostics
            if d.line == line and column in (None, d.column) and fragment in str(d)
        ]
        where = f"{line}:{column}" if column else f"line {line}"
        assert matching, f"expected {where} to say {fragment!r}; got:\n" + "\n".join(rendered)
    for text in rendered:
        assert text.startswith(f"{path}:"), text
        for secret in SECRET_LITERALS:
            assert secret not in text, f"a secret literal leaked into: {text}"
