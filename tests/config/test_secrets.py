"""Secret references resolve only on demand and never show their values."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load
from reconciler.config.secrets import parse_reference, resolve
from reconciler.errors import SecretError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_env_reference_resolves_from_the_given_environment(tmp_path: Path) -> None:
    assert resolve("${env:HK_PIN}", base_dir=tmp_path, environ={"HK_PIN": "482915\n"}) == "482915"


def test_file_reference_is_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "pin.txt").write_text("482915\n", encoding="utf-8")
    assert resolve("${file:pin.txt}", base_dir=tmp_path, environ={}) == "482915"


@pytest.mark.parametrize(
    ("reference", "environ", "fragment"),
    [
        ("${env:HK_PIN}", {}, "is not set (export HK_PIN"),
        ("${env:HK_PIN}", {"HK_PIN": "  "}, "is empty"),
        ("${file:nowhere.txt}", {}, "does not exist"),
    ],
)
def test_unresolvable_reference_names_the_reference(
    tmp_path: Path, reference: str, environ: dict[str, str], fragment: str
) -> None:
    with pytest.raises(SecretError, match="^" + reference.replace("$", r"\$").replace("{", r"\{")) as info:
        resolve(reference, base_dir=tmp_path, environ=environ)
    assert fragment in str(info.value)


def test_literal_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as info:
        parse_reference("EAAGsecretTOKEN123")
    assert "EAAGsecretTOKEN123" not in str(info.value)


def test_validate_needs_no_secrets_but_check_secrets_resolves_them() -> None:
    path = FIXTURES / "valid" / "secrets-from-files.yaml"
    assert load(path, environ={}).ok
    assert load(path, check_secrets=True, environ={}).ok


def test_check_secrets_wants_six_digit_pins(tmp_path: Path) -> None:
    config = tmp_path / "numbers.yaml"
    config.write_text(
        'wabas: {hk: {id: "1"}}\nnumbers:\n  "+852 5123 4567": {waba: hk, pin: "${env:HK_PIN}"}\n',
        encoding="utf-8",
    )
    environ = {"HK_PIN": "12345x", "WABAPLAN_ACCESS_TOKEN": "EAAGsecretTOKEN123"}
    loaded = load(config, check_secrets=True, environ=environ)
    text = "\n".join(str(d) for d in loaded.diagnostics)
    assert "is not 6 digits" in text and ":3:" in text
    assert "12345x" not in text and "EAAGsecretTOKEN123" not in text
    environ["HK_PIN"] = "482915"
    assert load(config, check_secrets=True, environ=environ).ok


def test_check_secrets_points_at_the_declaration_kept_when_a_number_is_written_twice(tmp_path: Path) -> None:
    config = tmp_path / "numbers.yaml"
    config.write_text(
        'wabas: {hk: {id: "2000000000001"}}\n'
        "numbers:\n"
        '  "+852 5123 4567": {waba: hk, pin: "${env:FIRST_PIN}"}\n'
        '  "+85251234567": {waba: hk, pin: "${env:SECOND_PIN}"}\n',
        encoding="utf-8",
    )
    loaded = load(config, check_secrets=True, environ={"WABAPLAN_ACCESS_TOKEN": "t"})
    [unset] = [d for d in loaded.diagnostics if "is not set" in d.message]
    assert unset.line == 3 and "FIRST_PIN" in unset.message
    assert any(d.line == 4 and "declared twice" in d.message for d in loaded.diagnostics)
