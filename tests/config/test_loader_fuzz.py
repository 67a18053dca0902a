"""Property: whatever bytes a config file holds, loading gives a config or diagnostics, never an exception.

Three sources of input, each on a fixed budget so the whole module runs in a few seconds: arbitrary bytes,
text drawn from YAML's punctuation, and examples/numbers.yaml mutated (bytes flipped, cut short, YAML
syntax inserted, a stretch deleted or repeated). Every diagnostic must print on a UTF-8 terminal, name a
line of the file, and come back quickly: the limits in yamlsource bound time and memory for any input.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.config import load

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "numbers.yaml").read_bytes()
# CPU seconds this process spends loading one input (time.process_time: the work done, not the wall clock,
# so a busy shared machine does not move it); far above what any input takes; a blow-up would cross it
CPU_SECONDS_PER_FILE = 10
YAML_SYNTAX = [
    b":", b": ", b"- ", b"-", b"[", b"]", b"{", b"}", b",", b"?", b"? ", b"&a ", b"*a", b"&b [*a, *a, *a]",
    b"<<: *a", b"<<: [*a, *b]", b"!secret ", b"!!python/object:os.system ", b"!!str ", b"!!int ",
    b"!!binary ", b"!!set ", b"'", b'"', b'"\\ud800"', b"|", b">-", b"#", b"\t", b"\n", b"\r\n", b"---\n",
    b"...\n", b"%YAML 1.1\n", b"\x00", b"\xff", b"\xe9", b"\xef\xbb\xbf", b"\x1b[31m", b"~", b"null", b"yes",
    b"0x" + b"f" * 120, b"9" * 5000, b"2024-13-45", b".inf", b"1.0e+999", b"+852 51TE A567",
    b"registered: false", b"version: '1'", b" " * 40,
]  # fmt: skip


@st.composite
def mutated_example(draw: st.DrawFn) -> bytes:
    data = bytearray(EXAMPLE)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete", "repeat"]))
        if action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.sampled_from(YAML_SYNTAX))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 5))
    return bytes(data)


yaml_punctuation = st.lists(
    st.one_of(st.sampled_from(YAML_SYNTAX), st.sampled_from([b"a", b"b", b"wabas", b"numbers", b"hk", b"1"])),
    max_size=80,
).map(b"".join)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "numbers.yaml"


def _loads_without_raising(path: Path, raw: bytes) -> None:
    path.write_bytes(raw)
    started = time.process_time()
    loaded = load(path)  # raising anything here is the failure this test looks for
    assert time.process_time() - started < CPU_SECONDS_PER_FILE
    if loaded.config is not None:
        assert loaded.diagnostics == []
        return
    assert loaded.diagnostics, "neither a config nor a diagnostic"
    lines = max(1, len(raw.decode("utf-8", errors="replace").splitlines()))  # YAML's breaks, and more
    for diagnostic in loaded.diagnostics:
        str(diagnostic).encode("utf-8")  # prints on a UTF-8 terminal: no lone surrogate reaches it
        assert "\x1b" not in str(diagnostic)
        assert 1 <= diagnostic.line <= lines and diagnostic.column >= 1, str(diagnostic)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw=st.binary(max_size=4096))
def test_any_bytes_give_a_config_or_diagnostics(scratch: Path, raw: bytes) -> None:
    _loads_without_raising(scratch, raw)


@FUZZ
@given(raw=yaml_punctuation)
def test_yaml_punctuation_gives_a_config_or_diagnostics(scratch: Path, raw: bytes) -> None:
    _loads_without_raising(scratch, raw)


@FUZZ
@given(raw=mutated_example())
def test_a_mutated_example_gives_a_config_or_diagnostics(scratch: Path, raw: bytes) -> None:
    _loads_without_raising(scratch, raw)
