"""A configuration is read within limits: bytes, values after aliases expand, nesting depth.

`read_bounded` reads at most one byte past its limit, so `/dev/zero` and an endless pipe end at once; a
pipe nobody writes to reads as empty instead of hanging. Each limit crossed is one diagnostic at the line
that crossed it, and the 10,000-number estate of the benchmarks stays well inside all of them.
"""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from estate import estate

from reconciler.boundedio import describe_size, read_bounded
from reconciler.cli import main
from reconciler.config import load, yamlsource
from reconciler.config.yamlsource import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, parse_yaml_text
from reconciler.errors import InputTooLarge, WabaplanError

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
MiB = 1 << 20


def _finishes(call: Callable[[], Any], seconds: float = 10) -> Any:
    """`call()`'s result, or a failure (not a hung test run) when it does not return in time."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still reading after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "numbers.yaml"
    os.mkfifo(path)
    yield path
    _let_go()


def _let_go() -> None:
    """Close the readers `_write_to` kept open: a writer then meets a closed pipe and ends."""
    while _KEEPERS:
        os.close(_KEEPERS.pop())


def _write_to(path: Path, chunks: Iterator[bytes]) -> threading.Thread:
    """A writer that holds the pipe open before this returns (so the reader never finds it writerless
    however late the thread runs), then writes `chunks` until the reader goes."""
    keeper = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so opening to write does not wait
    fd = os.open(path, os.O_WRONLY)

    def write() -> None:
        try:
            with os.fdopen(fd, "wb") as pipe:
                for chunk in chunks:
                    pipe.write(chunk)
        except BrokenPipeError:
            pass  # the reader stopped reading: what a bounded read does

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    _KEEPERS.append(keeper)  # open until the test ends: the pipe keeps a reader, the writer never errs early
    return writer


_KEEPERS: list[int] = []


def _forever(chunk: bytes) -> Iterator[bytes]:
    while True:
        yield chunk


# ---------------------------------------------------------------- read_bounded


def test_read_bounded_returns_a_small_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b'{"format_version": "1"}')
    assert read_bounded(path, 100) == b'{"format_version": "1"}'
    assert read_bounded(path, len(b'{"format_version": "1"}')) == b'{"format_version": "1"}'


def test_read_bounded_refuses_one_byte_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputTooLarge) as info:
        read_bounded(path, 100)
    assert isinstance(info.value, WabaplanError)
    assert (info.value.path, info.value.limit) == (str(path), 100)
    assert str(info.value).startswith(f"{path} holds more than 100 bytes")


def test_read_bounded_stops_reading_dev_zero_at_once() -> None:
    """An endless file is refused at the limit: that it returns at all is the property (`_finishes` only
    keeps a regression from hanging the run)."""
    with pytest.raises(InputTooLarge, match="holds more than 4 MiB") as refused:
        _finishes(lambda: read_bounded("/dev/zero", 4 * MiB))
    assert refused.value.limit == 4 * MiB


def test_read_bounded_stops_reading_an_endless_fifo(fifo: Path) -> None:
    writer = _write_to(fifo, _forever(b"a: 1\n" * 1000))
    with pytest.raises(InputTooLarge):
        _finishes(lambda: read_bounded(fifo, MiB))
    _let_go()  # no reader is left: the writer meets a closed pipe
    writer.join(5)
    assert not writer.is_alive()


def test_read_bounded_reads_a_fifo_nobody_writes_to_as_empty(fifo: Path) -> None:
    assert _finishes(lambda: read_bounded(fifo, MiB)) == b""


def test_read_bounded_waits_for_a_pipe_writer_that_is_there(fifo: Path) -> None:
    opened = threading.Event()

    def slowly() -> Iterator[bytes]:
        opened.set()
        for part in (b"wabas:\n", b"  hk: {id: '1'}\n"):
            time.sleep(0.05)
            yield part

    # The writer opens first (as a shell's `<(…)` does), then takes its time.
    writer_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        writer = _write_to(fifo, slowly())
        opened.wait(5)
        time.sleep(0.05)
        assert _finishes(lambda: read_bounded(fifo, MiB)) == b"wabas:\n  hk: {id: '1'}\n"
        writer.join(5)
    finally:
        os.close(writer_fd)


def test_sizes_are_described_in_the_unit_they_were_chosen_in() -> None:
    assert describe_size(16 * MiB) == "16 MiB"
    assert describe_size(512 * 1024) == "512 KiB"
    assert describe_size(1000) == "1000 bytes"


# ---------------------------------------------------------------- the configuration's limits


def _validate(path: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = _finishes(lambda: main(["validate", "-c", str(path)]))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in out + err
    return status, out


def test_validate_dev_zero_is_refused_after_the_file_limit(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _validate("/dev/zero", capsys)
    assert status == 1
    assert out.startswith("/dev/zero:1:1: file is larger than 16 MiB, the most wabaplan reads of a config (")


def test_validate_an_endless_fifo_is_refused(fifo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_to(fifo, _forever(b"# a comment that never ends\n" * 1000))
    status, out = _validate(fifo, capsys)
    assert status == 1 and "file is larger than 16 MiB" in out


def test_validate_a_fifo_nobody_writes_to_says_the_file_is_empty(
    fifo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _validate(fifo, capsys)
    assert status == 1 and f"{fifo}:1:1: file is empty" in out


def test_the_file_limit_is_exact(tmp_path: Path) -> None:
    at_limit, over = tmp_path / "at.yaml", tmp_path / "over.yaml"
    with at_limit.open("wb") as handle:  # sparse: no disk is used
        handle.truncate(MAX_FILE_BYTES)
    with over.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    assert "NUL byte" in load(at_limit).diagnostics[0].message  # read whole, refused for what it holds
    assert "larger than 16 MiB" in load(over).diagnostics[0].message


def test_a_missing_file_and_a_directory_are_one_line_each(tmp_path: Path) -> None:
    [missing] = load(tmp_path / "nowhere.yaml").diagnostics
    assert missing.message == "file not found"
    assert missing.fix == "check the path, or pass another file with -c"
    [directory] = load(tmp_path).diagnostics  # a directory is an estate of files: this one has none
    assert directory.message == "the directory holds no *.yaml or *.yml file"
    assert directory.file == str(tmp_path)


def test_too_many_values_stops_at_the_value_that_crosses_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_VALUES", 10)
    with pytest.raises(yamlsource.FileUnreadable) as info:
        # the document, a, [, 1, 2, 3, b, [, 4, 5: ten; 6 is the eleventh
        parse_yaml_text("a: [1, 2, 3]\nb: [4, 5, 6, 7]\n")
    assert info.value.mark == (2, 11)
    assert info.value.what == "the file holds more than 10 keys and values, the most wabaplan reads"


def test_an_alias_is_counted_as_all_it_stands_for(monkeypatch: pytest.MonkeyPatch) -> None:
    # the document, x and its six (the list and five numbers): 8; y, [, *x, *x: 8 + 14 = 22; z, *x: 29
    text = "x: &x [1, 2, 3, 4, 5]\ny: [*x, *x]\nz: *x\n"
    monkeypatch.setattr(yamlsource, "MAX_VALUES", 29)
    assert parse_yaml_text(text).values == 29
    for limit, mark in ((28, (3, 4)), (21, (2, 9))):
        monkeypatch.setattr(yamlsource, "MAX_VALUES", limit)
        with pytest.raises(yamlsource.FileUnreadable) as info:
            parse_yaml_text(text)
        assert info.value.mark == mark
        assert info.value.what.startswith(f"aliases expand the file past {limit} keys and values")
        assert info.value.what.endswith("(*x repeats 6)")


def test_nesting_is_refused_one_level_past_the_limit() -> None:
    assert parse_yaml_text("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)).depth == MAX_DEPTH
    with pytest.raises(yamlsource.FileUnreadable) as info:
        parse_yaml_text("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert info.value.mark == (1, 3 + MAX_DEPTH)
    assert info.value.what == f"nesting deeper than {MAX_DEPTH} levels, the most wabaplan reads"


def test_a_billion_laughs_is_refused_before_it_takes_memory() -> None:
    tracemalloc.start()
    try:
        loaded = load(HOSTILE / "alias-bomb-billion-laughs-under-an-extension-key.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "aliases expand the file past" in loaded.diagnostics[0].message
    assert peak < 20 * MiB


def test_the_benchmark_estate_is_well_inside_every_limit() -> None:
    _, config = estate(1000, 10_000)
    text = yaml.dump(
        config, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False
    )
    source = parse_yaml_text(text)
    assert len(source.data["numbers"]) == 10_000
    assert len(text.encode()) * 4 < MAX_FILE_BYTES
    assert source.values * 4 < MAX_VALUES
    assert source.depth * 4 < MAX_DEPTH
