"""Loading puts each of pydantic's errors in the user's words, at its line and column, with a fix.

Every kind of error the model can raise is checked word for word (`LINE:COL: path: what (fix)`), and
what loading itself checks: pictures on disk, secrets behind their references, the order diagnostics
come in, a file that cannot be read, and that loading leaves the garbage collector as it found it.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from configtexts import TPL, WABA, expiring

from reconciler.config import load, load_or_raise, secret_references
from reconciler.config.load import _one_of
from reconciler.config.meta import PROFILE_PICTURE_MAX_BYTES
from reconciler.errors import ConfigError

NUMBER = WABA + 'numbers:\n  "+852 5123 4567":\n    waba: hk\n'
AT = 'numbers["+85251234567"]'
LIST_FIX = "write items as `- item` lines, or [a, b]"
MAPPING_FIX = "write `key: value` lines indented under it"


def _named(name: str) -> str:
    """A template whose name is `name` (the value at 5:15)."""
    return WABA + (
        f"    templates:\n      - name: {name}\n        language: en_US\n        category: UTILITY\n"
        "        components:\n          - type: BODY\n            text: hi\n"
    )


def _write(tmp_path: Path, text: str, name: str = "numbers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    """Each diagnostic as `validate` prints it, without the file name."""
    path = _write(tmp_path, text)
    return [str(d).removeprefix(f"{path}:") for d in load(path).diagnostics]


REPORTED: dict[str, tuple[str, list[str]]] = {
    # unknown keys: the closest allowed key, or all of them, wherever the mapping is
    "a misspelt key beside a missing one": (
        'wabas:\n  hk:\n    idd: "1"\n',
        [
            "2:3: wabas.hk.id: required key 'id' is missing (add `id:` — The WABA's Meta ID)",
            "3:5: wabas.hk.idd: unknown key 'idd' (did you mean 'id'?)",
        ],
    ),
    "an unknown key in a WABA": (
        WABA + "    zzzz: 1\n",
        [
            "4:5: wabas.hk.zzzz: unknown key 'zzzz' (allowed here: id, expect, webhooks, templates, "
            "delete_undeclared_templates, lifecycle)"
        ],
    ),
    "an unknown key in a component": (
        _named("t") + "            zzz: 1\n",
        [
            f"11:13: {TPL}.components[0].zzz: unknown key 'zzz' (allowed here: type, format, text, example, "
            "buttons, add_security_recommendation, code_expiration_minutes)"
        ],
    ),
    "an unknown key in a button": (
        _named("t")
        + "          - type: BUTTONS\n            buttons:\n"
        + "              - {type: QUICK_REPLY, text: q, zzz: 1}\n",
        [
            f"13:46: {TPL}.components[1].buttons[0].zzz: unknown key 'zzz' (allowed here: type, text, url, "
            "phone_number, example, otp_type)"
        ],
    ),
    "a misspelt key in a number's profile": (
        NUMBER + "    profile:\n      abuot: x\n",
        [f"8:7: {AT}.profile.abuot: unknown key 'abuot' (did you mean 'about'?)"],
    ),
    # required keys: at the mapping that lacks them, with the field's description when it has one
    "a webhooks mapping without its app": (
        WABA + "    webhooks: {}\n",
        [
            "4:5: wabas.hk.webhooks.app_id: required key 'app_id' is missing (add `app_id:` — ID of the app "
            "to subscribe (the app that owns the access token))"
        ],
    ),
    "a template without name, language or category, in the order of their paths": (
        WABA + "    templates:\n      - components: [{type: BODY, text: hi}]\n",
        [
            f"5:9: {TPL}.category: required key 'category' is missing (add `category:`)",
            f"5:9: {TPL}.language: required key 'language' is missing (add `language:` — Meta language code, "
            "e.g. en_US or zh_HK)",
            f"5:9: {TPL}.name: required key 'name' is missing (add `name:` — Lower-case letters, digits and "
            "underscores, at most 512 characters)",
        ],
    ),
    "a migration without its source WABA": (
        NUMBER + "    migrate_from: {}\n",
        [
            f"7:5: {AT}.migrate_from.waba_id: required key 'waba_id' is missing (add `waba_id:` — The source "
            "WABA's Meta ID (at the other BSP))"
        ],
    ),
    # a value not among Meta's
    "a review status one letter off": (
        WABA + "    expect:\n      account_review_status: APROVED\n",
        [
            "5:30: wabas.hk.expect.account_review_status: 'APROVED' is not allowed here "
            "(did you mean 'APPROVED'?)"
        ],
    ),
    "a review status like none of them": (
        WABA + "    expect:\n      account_review_status: zz\n",
        [
            "5:30: wabas.hk.expect.account_review_status: 'zz' is not allowed here (one of: APPROVED, "
            "PENDING, REJECTED)"
        ],
    ),
    "a review status written as a number": (
        WABA + "    expect:\n      account_review_status: 5\n",
        [
            "5:30: wabas.hk.expect.account_review_status: 5 is not allowed here (one of: APPROVED, PENDING, "
            "REJECTED)"
        ],
    ),
    "a language in the wrong case": (
        _named("t").replace("en_US", "en_us"),
        [f"6:19: {TPL}.language: 'en_us' is not allowed here (did you mean 'en_US'?)"],
    ),
    "a vertical like none of the 21": (
        NUMBER + "    profile:\n      vertical: ZZZ\n",
        [
            f"8:17: {AT}.profile.vertical: 'ZZZ' is not allowed here (one of 21 values, e.g. ALCOHOL, "
            "APPAREL, AUTO, BEAUTY, EDU, ENTERTAIN… (see schemas/numbers.schema.json))"
        ],
    ),
    # sizes
    "three websites": (
        NUMBER + "    profile:\n      websites: [https://a.b, https://a.b, https://a.b]\n",
        [f"8:7: {AT}.profile.websites: has 3 items; Meta allows at most 2 (remove some)"],
    ),
    "a button text of 26 characters": (
        _named("t") + "          - type: BUTTONS\n            buttons:\n              - type: QUICK_REPLY\n"
        "                text: " + "q" * 26 + "\n",
        [
            f"14:23: {TPL}.components[1].buttons[0].text: has 26 characters; Meta allows at most 25 "
            "(shorten it)"
        ],
    ),
    "an empty button text": (
        _named("t") + "          - type: BUTTONS\n            buttons:\n              - type: QUICK_REPLY\n"
        '                text: ""\n',
        [
            f"14:23: {TPL}.components[1].buttons[0].text: needs at least 1 characters "
            "(fill it in, or remove the key)"
        ],
    ),
    "no components": (
        WABA + "    templates:\n      - name: t\n        language: en_US\n        category: UTILITY\n"
        "        components: []\n",
        [f"8:9: {TPL}.components: needs at least 1 items (fill it in, or remove the key)"],
    ),
    # forms
    "an API version without its v": (
        'connection:\n  api_version: "23.0"\n' + WABA,
        ["2:16: connection.api_version: '23.0' does not have the expected form (write it like v23.0)"],
    ),
    # types, in YAML's words
    "a flag written as a word": (
        WABA + "    delete_undeclared_templates: maybe\n",
        [
            "4:34: wabas.hk.delete_undeclared_templates: expected true or false, found text "
            "(write true or false)"
        ],
    ),
    "a flag written as a number": (
        WABA + "    delete_undeclared_templates: 2\n",
        [
            "4:34: wabas.hk.delete_undeclared_templates: expected true or false, found a number "
            "(write true or false)"
        ],
    ),
    "a flag written as a decimal": (
        WABA + "    delete_undeclared_templates: 1.5\n",
        [
            "4:34: wabas.hk.delete_undeclared_templates: expected true or false, found a number "
            "(write true or false)"
        ],
    ),
    "wabas as a list": (
        "wabas: [1]\n",
        [f"1:1: wabas: expected a mapping of keys, found a list ({MAPPING_FIX})"],
    ),
    "a WABA as a number": (
        "wabas:\n  hk: 5\n",
        [f"2:7: wabas.hk: expected a mapping of keys, found a number ({MAPPING_FIX})"],
    ),
    "a number as a list": (
        WABA + 'numbers:\n  "+852 5123 4567": [1]\n',
        [f"5:3: {AT}: expected a mapping of keys, found a list ({MAPPING_FIX})"],
    ),
    "templates as a mapping": (
        WABA + "    templates: {a: 1}\n",
        [f"4:5: wabas.hk.templates: expected a list, found a mapping ({LIST_FIX})"],
    ),
    "ignored changes as a number": (
        WABA + "    lifecycle:\n      ignore_changes: 5\n",
        [f"5:23: wabas.hk.lifecycle.ignore_changes: expected a list, found a number ({LIST_FIX})"],
    ),
    "a name written as a number": (
        _named("5"),
        [f"5:15: {TPL}.name: expected text, found a number (quote the value)"],
    ),
    "a name written as a decimal": (
        _named("1.5"),
        [f"5:15: {TPL}.name: expected text, found a number (quote the value)"],
    ),
    "a name written as a date": (
        _named("2024-01-01"),
        [f"5:15: {TPL}.name: expected text, found date (quote the value)"],
    ),
    "a name written as true": (
        _named("true"),
        [f"5:15: {TPL}.name: expected text, found true/false (quote the value)"],
    ),
    "a name left empty": (
        _named(""),
        [f"5:9: {TPL}.name: expected text, found nothing (null) (quote the value)"],
    ),
    "a code expiry written as a word": (
        expiring("abc"),
        [
            f"11:38: {TPL}.components[1].code_expiration_minutes: expected a whole number, found text "
            "(change the value's type)"
        ],
    ),
    "a code expiry with a fraction": (
        expiring("1.5"),
        [
            f"11:38: {TPL}.components[1].code_expiration_minutes: expected a whole number, found a number "
            "(write a whole number)"
        ],
    ),
    "a code expiry that is not a number": (
        expiring(".nan"),
        [
            f"11:38: {TPL}.components[1].code_expiration_minutes: expected a whole number, found NaN "
            "(write a whole number)"
        ],
    ),
    "an endless code expiry": (
        expiring(".inf"),
        [
            f"11:38: {TPL}.components[1].code_expiration_minutes: expected a whole number, found infinity "
            "(write a whole number)"
        ],
    ),
    "a code expiry written as a list": (
        expiring("[1]"),
        [
            f"11:13: {TPL}.components[1].code_expiration_minutes: expected a whole number, found a list "
            "(change the value's type)"
        ],
    ),
    "a code expiry over 90": (
        expiring("91"),
        [
            f"11:38: {TPL}.components[1].code_expiration_minutes: 91 is more than allowed here "
            "(use a number of minutes from 1 to 90, as Meta allows)"
        ],
    ),
    "a code expiry written as true (not taken for 1)": (
        expiring("true"),
        [
            f"11:38: {TPL}.components[1].code_expiration_minutes: expected a whole number, found true/false "
            "(change the value's type)"
        ],
    ),
    # what the reader could not read is reported once, by the reader
    "an unknown tag on an ID": (
        "wabas:\n  hk:\n    id: !foo 1\n",
        [
            "3:9: wabas.hk.id: unknown YAML tag !foo (remove the tag: wabaplan reads plain YAML values and "
            "builds nothing else; a secret is written as ${env:NAME} or ${file:PATH})"
        ],
    ),
    # in the order of the file, whatever the order the model found them in
    "numbers written before the WABAs": (
        'numbers:\n  "+852 5123 4567":\n    waba: hx\n    display_name: H\nwabas:\n  hk:\n    id: x\n',
        [
            f"3:11: {AT}.waba: no WABA named 'hx' (declare it under wabas (hk))",
            f"4:19: {AT}.display_name: needs at least 2 characters (fill it in, or remove the key)",
            "7:9: wabas.hk.id: 'x' is not a Meta ID (Meta IDs are digits only, e.g. \"2000000000001\")",
        ],
    ),
}


@pytest.mark.parametrize(("text", "expected"), REPORTED.values(), ids=list(REPORTED))
def test_each_kind_of_error_is_put_in_the_user_s_words_at_its_place(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert _problems(tmp_path, text) == expected


def test_a_short_list_of_choices_is_shown_whole_and_a_long_one_summed_up() -> None:
    twelve = [f"C{i}" for i in range(12)]
    assert _one_of(twelve) == "one of: " + ", ".join(twelve)
    assert _one_of([*twelve, "C12"]) == (
        "one of 13 values, e.g. C0, C1, C2, C3, C4, C5… (see schemas/numbers.schema.json)"
    )


# ---------------------------------------------------------------- pictures on disk


def _picture(tmp_path: Path, content: bytes | None) -> list[str]:
    if content is not None:
        (tmp_path / "pic.img").write_bytes(content)
    return _problems(tmp_path, NUMBER + "    profile:\n      picture: pic.img\n")


@pytest.mark.parametrize("head", [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n"], ids=["a JPEG", "a PNG"])
def test_a_jpeg_or_png_picture_up_to_5_mib_is_valid(tmp_path: Path, head: bytes) -> None:
    assert _picture(tmp_path, head.ljust(PROFILE_PICTURE_MAX_BYTES, b"\0")) == []


def test_a_picture_one_byte_over_5_mib_is_refused(tmp_path: Path) -> None:
    size = PROFILE_PICTURE_MAX_BYTES + 1
    assert _picture(tmp_path, b"\xff\xd8\xff".ljust(size, b"\0")) == [
        f"8:16: {AT}.profile.picture: picture file {tmp_path}/pic.img is {size} bytes; Meta allows at most "
        "5 MB (use a smaller image)"
    ]


@pytest.mark.parametrize(
    "content",
    [b"GIF89a", b"\xff\xd8", b"\x89PNG\r\n\x1a"],
    ids=["a GIF", "half a JPEG mark", "half a PNG mark"],
)
def test_a_picture_that_is_not_a_jpeg_or_png_is_refused(tmp_path: Path, content: bytes) -> None:
    assert _picture(tmp_path, content) == [
        f"8:16: {AT}.profile.picture: picture file {tmp_path}/pic.img is not a JPEG or PNG image (Meta "
        "accepts JPEG and PNG profile pictures)"
    ]


def test_a_missing_picture_is_refused_with_where_it_was_looked_for(tmp_path: Path) -> None:
    assert _picture(tmp_path, None) == [
        f"8:16: {AT}.profile.picture: picture file {tmp_path}/pic.img does not exist (fix the path; it is "
        "relative to the config file)"
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('""', []),  # no picture
        ("5", [f"8:16: {AT}.profile.picture: expected text, found a number (quote the value)"]),
    ],
)
def test_only_a_picture_written_as_a_path_is_looked_for(
    tmp_path: Path, written: str, expected: list[str]
) -> None:
    assert _problems(tmp_path, NUMBER + f"    profile:\n      picture: {written}\n") == expected


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (
            "    profile: [pic.img]\n",
            f"7:5: {AT}.profile: expected a mapping of keys, found a list ({MAPPING_FIX})",
        ),
        ("", None),
    ],
)
def test_a_profile_or_numbers_not_a_mapping_is_reported_once(
    tmp_path: Path, tail: str, expected: str | None
) -> None:
    if expected is None:
        assert _problems(tmp_path, WABA + "numbers: [pic.img]\n") == [
            f"4:1: numbers: expected a mapping of keys, found a list ({MAPPING_FIX})"
        ]
    else:
        assert _problems(tmp_path, NUMBER + tail) == [expected]


def test_a_picture_is_checked_after_numbers_without_one(tmp_path: Path) -> None:
    text = NUMBER + (
        '  "+852 5123 4568":\n    waba: hk\n    profile: {about: x}\n'
        '  "+852 5123 4569":\n    waba: hk\n    profile: {picture: c.jpg}\n'
    )
    assert _problems(tmp_path, text) == [
        f'12:24: numbers["+85251234569"].profile.picture: picture file {tmp_path}/c.jpg does not exist (fix '
        "the path; it is relative to the config file)"
    ]


def test_each_declaration_of_a_number_written_twice_has_its_picture_checked(tmp_path: Path) -> None:
    text = WABA + (
        'numbers:\n  "+852 5123 4567":\n    waba: hk\n    profile: {picture: a.jpg}\n'
        '  "+85251234567":\n    waba: hk\n    profile: {picture: b.jpg}\n'
    )
    problems = _problems(tmp_path, text)
    assert [p.split(": ", 1)[0] for p in problems] == ["7:24", "8:3", "10:24"]
    assert (
        f"{tmp_path}/a.jpg does not exist" in problems[0]
        and f"{tmp_path}/b.jpg does not exist" in problems[2]
    )


# ---------------------------------------------------------------- secrets behind their references

SECRETS = NUMBER + "    pin: ${env:HK_PIN}\n"


def _secret_problems(tmp_path: Path, text: str, environ: dict[str, str]) -> list[str]:
    path = _write(tmp_path, text)
    loaded = load(path, check_secrets=True, environ=environ)
    assert loaded.ok == (not loaded.diagnostics)
    return [str(d).removeprefix(f"{path}:") for d in loaded.diagnostics]


def test_secrets_are_resolved_only_when_asked(tmp_path: Path) -> None:
    path = _write(tmp_path, SECRETS)
    assert load(path).ok and load(path, check_secrets=False, environ={}).ok


def test_an_unset_variable_is_reported_at_the_reference_with_its_fix(tmp_path: Path) -> None:
    assert _secret_problems(tmp_path, SECRETS, {"WABAPLAN_ACCESS_TOKEN": "t"}) == [
        f"7:10: {AT}.pin: ${{env:HK_PIN}} is not set (export HK_PIN before running)"
    ]


def test_an_invalid_config_asked_to_check_its_secrets_reports_the_model_s_problems_only(
    tmp_path: Path,
) -> None:
    assert _secret_problems(tmp_path, SECRETS + "    display_name: H\n", {}) == [
        f"8:19: {AT}.display_name: needs at least 2 characters (fill it in, or remove the key)"
    ]


def test_every_unresolvable_secret_is_reported_not_only_the_first(tmp_path: Path) -> None:
    assert _secret_problems(tmp_path, SECRETS, {}) == [  # the default token, not written: the file's start
        "1:1: connection.access_token: ${env:WABAPLAN_ACCESS_TOKEN} is not set (export WABAPLAN_ACCESS_TOKEN "
        "before running)",
        f"7:10: {AT}.pin: ${{env:HK_PIN}} is not set (export HK_PIN before running)",
    ]


def test_a_pin_that_is_not_six_digits_is_reported_without_its_value(tmp_path: Path) -> None:
    problems = _secret_problems(tmp_path, SECRETS, {"WABAPLAN_ACCESS_TOKEN": "t", "HK_PIN": "12345"})
    assert problems == [
        f"7:10: {AT}.pin: the PIN behind ${{env:HK_PIN}} is not 6 digits (a two-step verification PIN is "
        "exactly six digits)"
    ]


def test_a_token_is_not_held_to_a_pin_s_shape(tmp_path: Path) -> None:
    assert _secret_problems(tmp_path, SECRETS, {"WABAPLAN_ACCESS_TOKEN": "t", "HK_PIN": "123456"}) == []


def test_the_secret_of_a_number_written_twice_is_reported_at_the_declaration_kept(tmp_path: Path) -> None:
    text = WABA + (
        'numbers:\n  "+852 5123 4567":\n    waba: hk\n    pin: ${env:HK_PIN}\n'
        '  "+85251234567":\n    waba: hk\n'
    )
    problems = _secret_problems(tmp_path, text, {"WABAPLAN_ACCESS_TOKEN": "t"})
    assert [p.split(": ", 1)[0] for p in problems] == ["7:10", "8:3"]


def test_every_secret_reference_is_listed_with_its_place_and_kind(tmp_path: Path) -> None:
    text = (
        "connection:\n  access_token: ${env:T}\n"
        + WABA
        + '    webhooks:\n      app_id: "4"\n      override_callback_uri: https://h.example/x\n'
        "      verify_token: ${env:V}\n"
        'numbers:\n  "+852 5123 4567":\n    waba: hk\n    pin: ${env:P}\n'
        '    migrate_from: {waba_id: "9", access_token: "${env:S}"}\n'
        '  "+852 5123 4568":\n    waba: hk\n'
    )
    config = load_or_raise(_write(tmp_path, text))
    assert list(secret_references(config)) == [
        (("connection", "access_token"), "${env:T}", "token"),
        (("wabas", "hk", "webhooks", "verify_token"), "${env:V}", "token"),
        (("numbers", "+85251234567", "pin"), "${env:P}", "pin"),
        (("numbers", "+85251234567", "migrate_from", "access_token"), "${env:S}", "token"),
    ]


# ---------------------------------------------------------------- the file, and loading itself


def test_a_missing_file_is_one_problem_at_its_start_and_no_file_read(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    loaded = load(path)
    assert (loaded.config, loaded.files, loaded.ok) == (None, [], False)
    [diagnostic] = loaded.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.path) == (str(path), 1, 1, "")


def test_a_valid_file_is_listed_as_read_and_ok(tmp_path: Path) -> None:
    path = _write(tmp_path, WABA)
    loaded = load(path)
    assert (loaded.ok, loaded.diagnostics, loaded.files) == (True, [], [path])


def test_load_or_raise_lists_every_problem_one_a_line(tmp_path: Path) -> None:
    path = _write(tmp_path, NUMBER + "    display_name: H\n    registered: maybe\n")
    with pytest.raises(ConfigError) as info:
        load_or_raise(path)
    assert str(info.value) == "\n".join(str(d) for d in load(path).diagnostics)
    assert len(str(info.value).splitlines()) == 2


def test_a_directory_with_an_unreadable_file_reports_it_alone(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(WABA, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("wabas: [\n", encoding="utf-8")
    loaded = load(tmp_path)
    assert loaded.config is None
    assert [(Path(d.file).name, d.line) for d in loaded.diagnostics] == [("b.yaml", 1)]
    assert loaded.files == [tmp_path / "a.yaml"]  # what was read


def test_a_directory_without_config_files_is_one_problem_at_its_start(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    [diagnostic] = loaded.diagnostics
    assert (loaded.config, diagnostic.file, diagnostic.line, diagnostic.column) == (None, str(tmp_path), 1, 1)


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    path = _write(tmp_path, WABA)
    (gc.enable if enabled else gc.disable)()
    try:
        load(path)
        load(tmp_path / "nowhere.yaml")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_directory_s_problems_are_each_in_their_own_file_beside_what_the_merge_found(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yaml").write_text(WABA, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(NUMBER + "    display_name: H\n", encoding="utf-8")
    loaded = load(tmp_path)
    assert (loaded.config, loaded.files) == (None, [tmp_path / "a.yaml", tmp_path / "b.yaml"])
    assert [str(d) for d in loaded.diagnostics] == [
        f"{tmp_path}/b.yaml:2:3: wabas.hk: WABA 'hk' is already declared at {tmp_path}/a.yaml:2:3 (declare "
        "each WABA in one file of the directory: remove this entry or that one)",
        f"{tmp_path}/b.yaml:7:19: {AT}.display_name: needs at least 2 characters (fill it in, or remove the "
        "key)",
    ]
