"""`-c DIRECTORY`: the directory's YAML files are one estate. Each WABA and number is declared in one file,
`connection:` is written in one file, and every problem is reported in the file (and at the line) it is in,
naming the other place when something is declared twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sim_estate import SECRETS, copy_estate, split_estate

from reconciler import runtime
from reconciler.cli.commands.comment import project_of
from reconciler.config import estate, load
from reconciler.config.yamlsource import parse_yaml_text
from reconciler.plan.build import WriteOnly, build_plan
from reconciler.snapshot import LiveWaba, Snapshot
from reconciler.statedir import locate

HK = 'wabas:\n  hk:\n    id: "2000000000001"\n'
HK_NUMBER = 'numbers:\n  "+852 5123 4567":\n    waba: hk\n    display_name: Harbour Lane\n'


def _estate(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_a_split_estate_is_the_single_files_estate(tmp_path: Path) -> None:
    environ = {**SECRETS, "WABAPLAN_ACCESS_TOKEN": "token", "ACME_SOURCE_TOKEN": "token"}
    single = load(copy_estate(tmp_path / "single"), check_secrets=True, environ=environ)
    split = load(split_estate(tmp_path / "split"), check_secrets=True, environ=environ)  # ${file:…} too
    assert split.ok, split.diagnostics
    assert [p.name for p in split.files] == ["00-connection.yaml", "hk.yaml", "tw.yaml"]
    assert split.config == single.config
    assert single.config is not None and split.config is not None
    bare = Snapshot(wabas={w.id: LiveWaba(w.id) for w in single.config.wabas.values()})  # all is to do
    plans = [build_plan(c, bare, WriteOnly()).to_json() for c in (single.config, split.config)]
    assert plans[0] == plans[1]
    assert len(plans[0]["actions"]) > 10


def test_a_waba_declared_in_two_files_names_both_places(tmp_path: Path) -> None:
    directory = _estate(
        tmp_path / "e", {"a.yaml": HK, "b.yaml": '# Hong Kong again\nwabas:\n  hk:\n    id: "9"\n'}
    )
    [twice] = load(directory).diagnostics
    assert str(twice) == (
        f"{directory}/b.yaml:3:3: wabas.hk: WABA 'hk' is already declared at {directory}/a.yaml:2:3 "
        "(declare each WABA in one file of the directory: remove this entry or that one)"
    )


def test_a_number_written_two_ways_in_two_files_is_declared_twice(tmp_path: Path) -> None:
    other = 'numbers:\n  "+85251234567":\n    waba: hk\n    display_name: Harbour Lane\n'
    directory = _estate(tmp_path / "e", {"a.yaml": HK + HK_NUMBER, "b.yaml": other})
    [twice] = load(directory).diagnostics
    assert (twice.file, twice.line, twice.column) == (f"{directory}/b.yaml", 2, 3)
    assert twice.message == f"number '+85251234567' is already declared at {directory}/a.yaml:5:3"
    assert twice.path == 'numbers["+85251234567"]'


def test_one_waba_id_under_two_names_in_two_files_names_the_first(tmp_path: Path) -> None:
    directory = _estate(
        tmp_path / "e", {"a.yaml": HK, "b.yaml": 'wabas:\n  hk_again:\n    id: "2000000000001"\n'}
    )
    [twice] = load(directory).diagnostics
    assert (twice.file, twice.line, twice.path) == (f"{directory}/b.yaml", 3, "wabas.hk_again.id")
    assert twice.message == f"WABA 2000000000001 is already declared as 'hk' at {directory}/a.yaml:2:3"


def test_connection_is_written_in_one_file_and_version_the_same_in_each(tmp_path: Path) -> None:
    connection = "connection:\n  api_version: v23.0\n"
    directory = _estate(
        tmp_path / "e",
        {"a.yaml": "version: 1\n" + connection + HK, "b.yaml": "version: 1\n" + HK_NUMBER},
    )
    assert load(directory).ok  # the same version twice is fine
    (directory / "c.yaml").write_text("version: 2\n" + connection, encoding="utf-8")
    version, again = load(directory).diagnostics
    assert (version.file, version.line, version.path) == (f"{directory}/c.yaml", 1, "version")
    assert version.message == f"version 2 differs from version 1 at {directory}/a.yaml:1:1"
    assert (again.file, again.line, again.path) == (f"{directory}/c.yaml", 2, "connection")
    assert f"`connection:` is already written at {directory}/a.yaml:2:1" in again.message
    assert again.fix == "keep `connection:` in one file of the directory and remove it here"


def test_every_problem_is_reported_in_its_own_file(tmp_path: Path) -> None:
    directory = split_estate(tmp_path / "e")
    hk = (directory / "hk.yaml").read_text(encoding="utf-8")
    (directory / "hk.yaml").write_text(hk.replace("display_name: Harbour Lane\n", "display_nam: x\n", 1))
    tw = (directory / "tw.yaml").read_text(encoding="utf-8")
    (directory / "tw.yaml").write_text(tw.replace("waba: tw_retail", "waba: tw_retial"), encoding="utf-8")
    connection = (directory / "00-connection.yaml").read_text(encoding="utf-8")
    (directory / "00-connection.yaml").write_text(connection.replace("v23.0", "23"), encoding="utf-8")
    found = {(d.file.rsplit("/", 1)[1], d.path, d.message) for d in load(directory).diagnostics}
    line_of = {
        name: (directory / name).read_text(encoding="utf-8").splitlines() for name in ("hk.yaml", "tw.yaml")
    }
    assert ("hk.yaml", 'numbers["+85251234567"].display_nam', "unknown key 'display_nam'") in found
    assert ("tw.yaml", 'numbers["+886912345678"].waba', "no WABA named 'tw_retial'") in found
    assert ("00-connection.yaml", "connection.api_version", "API version 23 has no leading v") in found
    by_path = {d.path: d for d in load(directory).diagnostics}
    assert "display_nam" in line_of["hk.yaml"][by_path['numbers["+85251234567"].display_nam'].line - 1]
    assert "tw_retial" in line_of["tw.yaml"][by_path['numbers["+886912345678"].waba'].line - 1]


def test_which_files_are_read_and_in_what_order(tmp_path: Path) -> None:
    directory = _estate(
        tmp_path / "e",
        {"b.yml": HK_NUMBER, "a.yaml": HK, ".draft.yaml": "not: [yaml", "notes.txt": "{", "README.md": "#"},
    )
    (directory / "old").mkdir()
    (directory / "old" / "c.yaml").write_text("wabas: [", encoding="utf-8")  # not read: not recursive
    (directory / "sub.yaml").mkdir()
    loaded = load(directory)
    assert loaded.ok, loaded.diagnostics
    assert [p.name for p in loaded.files] == ["a.yaml", "b.yml"]


@pytest.mark.parametrize("files", [{}, {"notes.txt": "wabas: {}"}])
def test_a_directory_without_yaml_is_one_clear_problem(tmp_path: Path, files: dict[str, str]) -> None:
    directory = _estate(tmp_path / "e", files)
    [empty] = load(directory).diagnostics
    assert str(empty) == (
        f"{directory}:1:1: the directory holds no *.yaml or *.yml file "
        "(start from examples/numbers.yaml, or pass a single file with -c)"
    )


def test_a_file_that_cannot_be_read_is_reported_alone(tmp_path: Path) -> None:
    directory = _estate(tmp_path / "e", {"a.yaml": HK, "b.yaml": HK_NUMBER, "c.yaml": "numbers: [\n"})
    [broken] = load(directory).diagnostics  # not also b.yaml's number, whose WABA might be in the broken file
    assert broken.file == f"{directory}/c.yaml"
    assert (broken.line, broken.message.split(":")[0]) == (1, "YAML syntax error")


def test_each_file_is_read_within_the_single_files_limit(tmp_path: Path) -> None:
    directory = _estate(tmp_path / "e", {"a.yaml": HK})
    with (directory / "b.yaml").open("wb") as handle:  # sparse: no disk is used
        handle.truncate(estate.MAX_FILE_BYTES + 1)
    [large] = load(directory).diagnostics
    assert large.file == f"{directory}/b.yaml"
    assert "larger than 16 MiB" in large.message


def test_the_files_together_are_read_within_the_estates_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _estate(tmp_path / "e", {"a.yaml": HK, "b.yaml": HK_NUMBER, "c.yaml": "version: 1\n"})
    monkeypatch.setattr(estate, "MAX_ESTATE_BYTES", len(HK) + 10)
    [size] = load(directory).diagnostics
    assert (size.file, size.line) == (f"{directory}/b.yaml", 1)
    assert size.message.startswith(f"the directory's files hold more than {len(HK) + 10} bytes together")
    monkeypatch.undo()
    monkeypatch.setattr(estate, "MAX_ESTATE_VALUES", parse_yaml_text(HK).values + 1)  # a.yaml fits
    [values] = load(directory).diagnostics
    assert values.file == f"{directory}/b.yaml"
    assert "keys and values together, the most wabaplan reads of one estate" in values.message
    monkeypatch.setattr(estate, "MAX_FILES", 2)
    [files] = load(directory).diagnostics
    assert (files.file, files.message) == (
        str(directory),
        "the directory holds more than 2 YAML files, the most wabaplan reads as one estate",
    )


def test_the_checksum_covers_every_file_and_nothing_else(tmp_path: Path) -> None:
    directory = split_estate(tmp_path / "e")
    before = runtime.config_hash(directory)
    (directory / "notes.txt").write_text("not part of the estate", encoding="utf-8")
    (directory / ".wabaplan").mkdir()
    assert runtime.config_hash(directory) == before
    with (directory / "tw.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# a comment is a change to review\n")
    assert runtime.config_hash(directory) != before
    (directory / "tw.yaml").rename(directory / "taiwan.yaml")  # same bytes, another name
    assert len({before, runtime.config_hash(directory)}) == 2


def test_the_state_lives_inside_the_directory_and_the_project_is_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = split_estate(tmp_path / "e")
    assert locate(directory, {}) == directory.resolve() / ".wabaplan"
    monkeypatch.chdir(tmp_path)
    assert project_of("e/") == project_of("e") == "e"


def test_validate_json_lists_the_files_read(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    directory = split_estate(tmp_path / "e")
    code, out = cli("validate", "-c", str(directory), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["valid"] is True
    assert document["files"] == [str(directory / n) for n in ("00-connection.yaml", "hk.yaml", "tw.yaml")]
    code, out = cli("validate", "-c", str(directory))
    assert out == f"{directory} (3 files): valid — 2 WABAs, 3 numbers, 4 templates\n"


def test_ci_annotations_name_the_file_each_problem_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:  # type: ignore[no-untyped-def]
    directory = _estate(
        tmp_path / "config", {"a.yaml": HK + HK_NUMBER, "b.yaml": 'wabas:\n  hk:\n    id: "7"\n'}
    )
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    code, out = cli("validate", "-c", str(directory), "--format", "github")
    assert code == 1
    annotation = out.splitlines()[0]
    assert annotation.startswith(
        "::error file=config/b.yaml,line=2,col=3,title=wabaplan validate::wabas.hk: "
    )
    assert f"already declared at {directory}/a.yaml:2:3" in annotation
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    code, out = cli("validate", "-c", str(directory), "--format", "gitlab")
    [issue] = json.loads(out[: out.rindex("]") + 1])
    assert issue["location"] == {"path": "config/b.yaml", "lines": {"begin": 2}}


def test_import_refuses_to_write_into_a_directory(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("import", "--waba", "2000000000001", "--sim", "--out", str(tmp_path))
    assert code == 1
    assert f"--out {tmp_path} is a directory, and import writes one file" in out
    assert f"--out {tmp_path / 'imported.yaml'}" in out
