"""Each rule of the model, at its boundary, reported word for word at its line and column.

A config one step over a limit of Meta's is refused with the diagnostic `validate` prints (`LINE:COL:
path: what (fix)`), and the same config one step back is valid: the limit is neither loosened nor
tightened. Cross-resource rules report every offender, and where a declaration was first made.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from configtexts import TPL, WABA, expiring
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from reconciler.config import load
from reconciler.config.model import Config, _check_printable

NUMBER = WABA + 'numbers:\n  "+852 5123 4567":\n    waba: hk\n'
AT = 'numbers["+85251234567"]'  # a number's path, by its E.164 form
ONE_LINE = "remove it; this text is one line"


def _template(components: str, category: str = "UTILITY", name: str = "t") -> str:
    """A WABA with one template; its components start on line 9, each item at column 13."""
    return WABA + (
        f"    templates:\n      - name: {name}\n        language: en_US\n        category: {category}\n"
        f"        components:\n{components}"
    )


def _webhooks(uri: str) -> str:
    """A WABA whose webhooks override the callback with `uri` (the value at 6:30)."""
    return WABA + (
        '    webhooks:\n      app_id: "4"\n'
        f"      override_callback_uri: {uri}\n      verify_token: ${{env:V}}\n"
    )


def _profile(field: str, value: str) -> str:
    """A number whose profile sets `field` (the value on line 8)."""
    return NUMBER + f"    profile:\n      {field}: {value}\n"


def _component(kind: str, **fields: str) -> str:
    return f"          - type: {kind}\n" + "".join(f"            {k}: {v}\n" for k, v in fields.items())


BODY = _component("BODY", text="hi")
REPLY = "              - {type: QUICK_REPLY, text: q}\n"
WEB = f"{AT}.profile.websites[0]: website"


def _buttons(count: int) -> str:
    """A UTILITY template with a body and a BUTTONS component (at 11:13) of `count` quick replies."""
    return _template(BODY + _component("BUTTONS") + "            buttons:\n" + REPLY * count)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "numbers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    """Each diagnostic as `validate` prints it, without the file name."""
    path = _write(tmp_path, text)
    loaded = load(path)
    assert (loaded.config is None) == bool(loaded.diagnostics)
    return [str(d).removeprefix(f"{path}:") for d in loaded.diagnostics]


REFUSED: dict[str, tuple[str, list[str]]] = {
    # Meta IDs and local names
    "an ID written as true": (
        "wabas:\n  hk:\n    id: true\n",
        ["3:9: wabas.hk.id: expected text, found true/false (quote the value)"],
    ),
    "an ID left empty": (
        "wabas:\n  hk:\n    id:\n",
        ["3:5: wabas.hk.id: expected text, found nothing (null) (quote the value)"],
    ),
    "an ID with a decimal point": (
        "wabas:\n  hk:\n    id: 1.5\n",
        ["3:9: wabas.hk.id: expected text, found a number (quote the value)"],
    ),
    "an ID in full-width digits": (
        'wabas:\n  hk:\n    id: "２０００"\n',
        ["3:9: wabas.hk.id: '２０００' is not a Meta ID (Meta IDs are digits only, e.g. \"2000000000001\")"],
    ),
    "a local name starting with a digit": (
        'wabas:\n  1hk:\n    id: "1"\n',
        [
            "2:3: wabas[\"1hk\"]: '1hk' is not a usable local name (use letters, digits, `_` and `-`, "
            "starting with a letter, e.g. hk_retail)"
        ],
    ),
    "a local name with a space": (
        'wabas:\n  hk retail:\n    id: "1"\n',
        [
            "2:3: wabas[\"hk retail\"]: 'hk retail' is not a usable local name (use letters, digits, `_` "
            "and `-`, starting with a letter, e.g. hk_retail)"
        ],
    ),
    "an empty local name": (
        'wabas:\n  "":\n    id: "1"\n',
        [
            "2:3: wabas[\"\"]: '' is not a usable local name (use letters, digits, `_` and `-`, starting "
            "with a letter, e.g. hk_retail)"
        ],
    ),
    # secrets, by reference only
    "a literal access token": (
        "connection:\n  access_token: EAAB\n" + WABA,
        [
            "2:17: connection.access_token: a literal access token is not allowed (an access token must "
            "not be written in the file: use ${env:WABAPLAN_ACCESS_TOKEN} and set WABAPLAN_ACCESS_TOKEN in "
            "the environment, or ${file:secrets/wabaplan_access_token})"
        ],
    ),
    "an access token written as a number": (
        "connection:\n  access_token: 5\n" + WABA,
        [
            "2:17: connection.access_token: a literal access token is not allowed (an access token must "
            "not be written in the file: use ${env:WABAPLAN_ACCESS_TOKEN} and set WABAPLAN_ACCESS_TOKEN in "
            "the environment, or ${file:secrets/wabaplan_access_token})"
        ],
    ),
    "a literal PIN and a literal source token": (
        NUMBER + '    pin: "123456"\n    migrate_from: {waba_id: "9", access_token: EAAB}\n',
        [
            f"7:10: {AT}.pin: a literal two-step verification PIN is not allowed (a two-step verification "
            "PIN must not be written in the file: use ${env:HK_MAIN_PIN} and set HK_MAIN_PIN in the "
            "environment, or ${file:secrets/hk_main_pin})",
            f"8:48: {AT}.migrate_from.access_token: a literal source access token is not allowed (a source "
            "access token must not be written in the file: use ${env:SOURCE_ACCESS_TOKEN} and set "
            "SOURCE_ACCESS_TOKEN in the environment, or ${file:secrets/source_access_token})",
        ],
    ),
    "a literal verify token": (
        WABA + '    webhooks:\n      app_id: "4"\n      override_callback_uri: https://h.example/x\n'
        "      verify_token: abc\n",
        [
            "7:21: wabas.hk.webhooks.verify_token: a literal webhook verify token is not allowed (a webhook "
            "verify token must not be written in the file: use ${env:WEBHOOK_VERIFY_TOKEN} and set "
            "WEBHOOK_VERIFY_TOKEN in the environment, or ${file:secrets/webhook_verify_token})"
        ],
    ),
    "a malformed reference": (
        'connection:\n  access_token: "${env:}"\n' + WABA,
        [
            "2:17: connection.access_token: malformed secret reference; the forms are ${env:NAME} and "
            "${file:PATH} (write ${env:WABAPLAN_ACCESS_TOKEN} or ${file:PATH})"
        ],
    ),
    "an environment variable name starting with a digit": (
        'connection:\n  access_token: "${env:1X}"\n' + WABA,
        [
            "2:17: connection.access_token: environment variable names are letters, digits and "
            "underscores, not starting with a digit (write ${env:WABAPLAN_ACCESS_TOKEN} or ${file:PATH})"
        ],
    ),
    # the connection
    "an API version written as a number": (
        "connection:\n  api_version: 23.0\n" + WABA,
        ["2:16: connection.api_version: API version 23.0 has no leading v (write it as a string like v23.0)"],
    ),
    "an API version written as a whole number": (
        "connection:\n  api_version: 23\n" + WABA,
        ["2:16: connection.api_version: API version 23 has no leading v (write it as a string like v23)"],
    ),
    "an API version written as true": (
        "connection:\n  api_version: true\n" + WABA,
        ["2:16: connection.api_version: expected text, found true/false (quote the value)"],
    ),
    "a Graph URL that is not http(s)": (
        "connection:\n  graph_url: ftp://graph.facebook.com\n" + WABA,
        [
            "2:14: connection.graph_url: 'ftp://graph.facebook.com' is not an http(s) URL (write it like "
            "https://graph.facebook.com)"
        ],
    ),
    "a Graph URL without a host": (
        'connection:\n  graph_url: "https://"\n' + WABA,
        [
            "2:14: connection.graph_url: 'https://' is not an http(s) URL (write it like https://graph.facebook.com)"
        ],
    ),
    "plain http to Meta": (
        "connection:\n  graph_url: http://graph.facebook.com\n" + WABA,
        [
            "2:14: connection.graph_url: plain http:// would send the access token unencrypted (use "
            "https://, or a loopback address (127.0.0.1) for a local simulator)"
        ],
    ),
    "plain http to a private address": (
        "connection:\n  graph_url: http://10.0.0.1\n" + WABA,
        [
            "2:14: connection.graph_url: plain http:// would send the access token unencrypted (use "
            "https://, or a loopback address (127.0.0.1) for a local simulator)"
        ],
    ),
    "plain http to a host name that is not localhost": (
        "connection:\n  graph_url: http://localhost.example\n" + WABA,
        [
            "2:14: connection.graph_url: plain http:// would send the access token unencrypted (use "
            "https://, or a loopback address (127.0.0.1) for a local simulator)"
        ],
    ),
    "a Graph URL with the version in its path": (
        "connection:\n  graph_url: https://graph.facebook.com/v23.0\n" + WABA,
        [
            "2:14: connection.graph_url: 'https://graph.facebook.com/v23.0' has a path; the API version is "
            "added from api_version (write only scheme and host, e.g. https://graph.facebook.com)"
        ],
    ),
    # webhooks
    "an override callback over plain http": (
        _webhooks("http://h.example/x"),
        [
            "6:30: wabas.hk.webhooks.override_callback_uri: callback URL 'http://h.example/x' is not an "
            "https:// URL (Meta calls only https:// endpoints)"
        ],
    ),
    "an override callback without a host": (
        _webhooks("https:///x"),
        [
            "6:30: wabas.hk.webhooks.override_callback_uri: callback URL 'https:///x' is not an https:// URL "
            "(Meta calls only https:// endpoints)"
        ],
    ),
    "an override callback of 201 characters": (
        _webhooks("https://h.example/" + "x" * 183),
        [
            "6:30: wabas.hk.webhooks.override_callback_uri: callback URL is 201 characters; Meta allows at "
            "most 200 (shorten it)"
        ],
    ),
    "a verify token without an override callback": (
        WABA + '    webhooks:\n      app_id: "4"\n      verify_token: ${env:V}\n',
        [
            "4:5: wabas.hk.webhooks: override_callback_uri and verify_token go together (set both to "
            "override the callback, or neither)"
        ],
    ),
    "an override callback without a verify token": (
        WABA + '    webhooks:\n      app_id: "4"\n      override_callback_uri: https://h.example/x\n',
        [
            "4:5: wabas.hk.webhooks: override_callback_uri and verify_token go together (set both to "
            "override the callback, or neither)"
        ],
    ),
    # the business profile
    "a website that is not http(s)": (
        _profile("websites", "[ftp://a.b/]"),
        [f"8:18: {WEB} 'ftp://a.b/' does not start with http:// or https:// (write the full URL)"],
    ),
    "a website of 257 characters": (
        _profile("websites", '["https://a.b/' + "x" * 245 + '"]'),
        [f"8:18: {WEB} is 257 characters; Meta allows at most 256 (use a shorter URL)"],
    ),
    "a website of 257 characters that urlsplit must read": (
        _profile("websites", '["https://a.b/ ' + "x" * 244 + '"]'),
        [f"8:18: {WEB} is 257 characters; Meta allows at most 256 (use a shorter URL)"],
    ),
    "an e-mail address of 129 characters": (
        _profile("email", '"' + "a" * 117 + '@example.com"'),
        [
            f"8:14: {AT}.profile.email: email is 129 characters; Meta allows at most 128 "
            "(use a shorter address)"
        ],
    ),
    "an e-mail address with two dots in a row": (
        _profile("email", '"x@a..com"'),
        [
            f"8:14: {AT}.profile.email: 'x@a..com' is not a valid e-mail address: an email address cannot "
            "have two periods in a row (write it like name@example.com)"
        ],
    ),
    "an e-mail address at a special-use domain": (
        _profile("email", "x@a.test"),
        [
            f"8:14: {AT}.profile.email: 'x@a.test' is not a valid e-mail address: the part after the @-sign "
            "is a special-use or reserved name that cannot be used with email "
            "(write it like name@example.com)"
        ],
    ),
    "a blank about": (
        _profile("about", '"   "'),
        [f"8:14: {AT}.profile.about: must not be blank (write some text, or remove the key)"],
    ),
    "a tab in the about line": (
        _profile("about", '"a\\tb"'),
        [f"8:14: {AT}.profile.about: contains control character U+0009 ({ONE_LINE})"],
    ),
    "a line break in the about line": (
        _profile("about", '"a\\nb"'),
        [f"8:14: {AT}.profile.about: contains a line break ({ONE_LINE})"],
    ),
    "an escape character in the about line": (
        _profile("about", '"a\\x1bb"'),
        [f"8:14: {AT}.profile.about: contains control character U+001B ({ONE_LINE})"],
    ),
    "a delete character after a line break in the address": (
        _profile("address", '"a\\n\\x7fb"'),
        [f"8:16: {AT}.profile.address: contains control character U+007F (remove it)"],
    ),
    "a carriage return in the address": (
        _profile("address", '"a\\rb"'),
        [f"8:16: {AT}.profile.address: contains a line break (remove it)"],
    ),
    "a line separator in the address": (
        _profile("address", '"a\\u2028b"'),
        [f"8:16: {AT}.profile.address: contains a line break (remove it)"],
    ),
    "a paragraph separator in the description": (
        _profile("description", '"a\\u2029b"'),
        [f"8:20: {AT}.profile.description: contains a line break (remove it)"],
    ),
    "a next-line character in the address": (
        _profile("address", '"a\\x85b"'),
        [f"8:16: {AT}.profile.address: contains a line break (remove it)"],
    ),
    "a delete character in the address": (
        _profile("address", '"a\\x7fb"'),
        [f"8:16: {AT}.profile.address: contains control character U+007F (remove it)"],
    ),
    "an empty about": (
        _profile("about", '""'),
        [f"8:14: {AT}.profile.about: needs at least 1 characters (fill it in, or remove the key)"],
    ),
    "an about of 140 characters": (
        _profile("about", '"' + "a" * 140 + '"'),
        [f"8:14: {AT}.profile.about: has 140 characters; Meta allows at most 139 (shorten it)"],
    ),
    # numbers
    "a display name of 1 character": (
        NUMBER + "    display_name: H\n",
        [f"7:19: {AT}.display_name: needs at least 2 characters (fill it in, or remove the key)"],
    ),
    "a display name of 76 characters": (
        NUMBER + '    display_name: "' + "H" * 76 + '"\n',
        [f"7:19: {AT}.display_name: has 76 characters; Meta allows at most 75 (shorten it)"],
    ),
    "a code language with a dash": (
        NUMBER + "    verification:\n      language: en-US\n",
        [
            f"8:17: {AT}.verification.language: 'en-US' does not have the expected form (write a locale like "
            "en_US or zh_HK)"
        ],
    ),
    # lifecycle
    "an ignored path with a typo": (
        NUMBER + "    lifecycle:\n      ignore_changes: [profile.abot]\n",
        [
            f"8:7: {AT}.lifecycle.ignore_changes: 'profile.abot' is not a field that can be ignored here "
            "(did you mean 'profile.about'?)"
        ],
    ),
    "an ignored path unlike any of a WABA's": (
        WABA + "    lifecycle:\n      ignore_changes: [zzz]\n",
        [
            "5:7: wabas.hk.lifecycle.ignore_changes: 'zzz' is not a field that can be ignored here (one of: "
            "webhooks, webhooks.override_callback_uri, webhooks.verify_token, templates)"
        ],
    ),
    "an ignored path unlike any of a template's": (
        _template(BODY + "        lifecycle:\n          ignore_changes: [zzz]\n"),
        [
            f"12:11: {TPL}.lifecycle.ignore_changes: 'zzz' is not a field that can be ignored here (one of: "
            "category, components, parameter_format)"
        ],
    ),
    # templates
    "a TEXT header without text": (
        _template(_component("HEADER", format="TEXT") + BODY),
        [f"9:13: {TPL}.components[0]: a TEXT header needs text (add `text: …`, or another format)"],
    ),
    "a header without format or text": (
        _template(_component("HEADER") + BODY),
        [f"9:13: {TPL}.components[0]: a TEXT header needs text (add `text: …`, or another format)"],
    ),
    "a header text of 61 characters": (
        _template(_component("HEADER", text="h" * 61) + BODY),
        [f"9:13: {TPL}.components[0]: HEADER text is 61 characters; Meta allows at most 60 (shorten it)"],
    ),
    "an IMAGE header's text of 61 characters, reported at the text by the content rules": (
        _template(_component("HEADER", format="IMAGE", text="h" * 61) + BODY),
        [
            f"11:19: {TPL}.components[0].text: HEADER text is 61 characters; Meta allows at most 60 "
            "(shorten it)"
        ],
    ),
    "a footer of 61 characters": (
        _template(BODY + _component("FOOTER", text="f" * 61)),
        [f"11:13: {TPL}.components[1]: FOOTER text is 61 characters; Meta allows at most 60 (shorten it)"],
    ),
    "a body of 1025 characters": (
        _template(_component("BODY", text="b" * 1025)),
        [f"9:13: {TPL}.components[0]: BODY text is 1025 characters; Meta allows at most 1024 (shorten it)"],
    ),
    "eleven buttons": (
        _buttons(11),
        [f"11:13: {TPL}.components[1]: a BUTTONS component needs 1 to 10 buttons (list them under buttons:)"],
    ),
    "a BUTTONS component without buttons": (
        _template(BODY + _component("BUTTONS")),
        [f"11:13: {TPL}.components[1]: a BUTTONS component needs 1 to 10 buttons (list them under buttons:)"],
    ),
    "buttons on the body": (
        _template(_component("BODY", text="hi", buttons="[{type: QUICK_REPLY, text: q}]")),
        [
            f"9:13: {TPL}.components[0]: a BODY component cannot have buttons "
            "(put buttons in a BUTTONS component)"
        ],
    ),
    "a format on the body": (
        _template(_component("BODY", text="hi", format="TEXT")),
        [f"9:13: {TPL}.components[0]: only a HEADER has a format, not a BODY (remove `format`)"],
    ),
    "two footers": (
        _template(BODY + _component("FOOTER", text="a") + _component("FOOTER", text="b")),
        [f"8:9: {TPL}.components: more than one FOOTER component (keep a single FOOTER)"],
    ),
    "two bodies": (
        _template(BODY + BODY),
        [f"8:9: {TPL}.components: a template needs exactly one BODY component, not 2 (fix components)"],
    ),
    "a body without text": (
        _template(_component("BODY", example="{}")),
        [f"5:9: {TPL}: the BODY component needs text (add `text: …` to the BODY component)"],
    ),
    "an AUTHENTICATION body with text": (
        _template(BODY, category="AUTHENTICATION"),
        [
            f"5:9: {TPL}: AUTHENTICATION templates use Meta's preset body, not your text (remove `text` from "
            "the BODY; use add_security_recommendation instead)"
        ],
    ),
    "a security recommendation on a UTILITY template": (
        _template(_component("BODY", text="hi", add_security_recommendation="true")),
        [
            f"5:9: {TPL}: add_security_recommendation and code_expiration_minutes are for AUTHENTICATION "
            "templates (remove them, or set category: AUTHENTICATION)"
        ],
    ),
    "a code expiry on a UTILITY template": (
        _template(BODY + _component("FOOTER", code_expiration_minutes="5")),
        [
            f"5:9: {TPL}: add_security_recommendation and code_expiration_minutes are for AUTHENTICATION "
            "templates (remove them, or set category: AUTHENTICATION)"
        ],
    ),
    **{
        f"a code expiry of {minutes} minutes": (
            expiring(minutes),
            [
                f"11:38: {TPL}.components[1].code_expiration_minutes: {minutes} is {side} than allowed here "
                "(use a number of minutes from 1 to 90, as Meta allows)"
            ],
        )
        for minutes, side in (("0", "less"), ("91", "more"))
    },
    "a template name of 513 characters": (
        _template(BODY, name="a" * 513),
        [f"5:15: {TPL}.name: template name is longer than 512 characters (shorten it)"],
    ),
    "a template name with capitals, a space and a dash": (
        _template(BODY, name="Order Update-1"),
        [
            f"5:15: {TPL}.name: template name 'Order Update-1' may only hold lower-case letters, digits and "
            "underscores (rename it, e.g. 'order_update_1')"
        ],
    ),
    # the whole file
    "a number naming a WABA when none is declared": (
        'wabas: {}\nnumbers:\n  "+852 5123 4567":\n    waba: hk\n',
        [f"4:11: {AT}.waba: no WABA named 'hk' (declare it under wabas (none yet))"],
    ),
    "a number naming a WABA one letter off": (
        'wabas:\n  hk_retail:\n    id: "1"\nnumbers:\n  "+852 5123 4567":\n    waba: hk_retial\n',
        [f"6:11: {AT}.waba: no WABA named 'hk_retial' (did you mean 'hk_retail'?)"],
    ),
    "a number naming a WABA unlike any declared": (
        'wabas:\n  hk:\n    id: "1"\n  tw:\n    id: "2"\nnumbers:\n  "+852 5123 4567":\n    waba: zzz\n',
        [f"8:11: {AT}.waba: no WABA named 'zzz' (declare it under wabas (hk, tw))"],
    ),
    "version null": (
        "version:\n" + WABA,
        ["1:1: version: null is not a format version (write `version: 1`, a number without quotes)"],
    ),
    "version false": (
        "version: false\n" + WABA,
        ["1:10: version: false is not a format version (write `version: 1`, a number without quotes)"],
    ),
    "one number written three ways": (
        WABA + 'numbers:\n  "+852 5123 4567":\n    waba: hk\n  "+85251234567":\n    waba: hk\n'
        '  "+852-5123-4567":\n    waba: hk\n',
        [
            f"7:3: {AT}: '+85251234567' is the same number as '+852 5123 4567' (+85251234567), "
            "declared twice (keep one of the two entries)",
            f"9:3: {AT}: '+852-5123-4567' is the same number as '+852 5123 4567' (+85251234567), declared "
            "twice (keep one of the two entries)",
        ],
    ),
    "a number that is not one beside a number written twice": (
        WABA + 'numbers:\n  "+852 5":\n    waba: hk\n  "+852 5123 4567":\n    waba: hk\n'
        '  "+85251234567":\n    waba: hk\n',
        [
            "5:3: numbers[\"+852 5\"]: '+852 5' is not a phone number (The string supplied is too short "
            'to be a phone number) (write it like "+852 5123 4567")',
            f"9:3: {AT}: '+85251234567' is the same number as '+852 5123 4567' (+85251234567), "
            "declared twice (keep one of the two entries)",
        ],
    ),
    "one WABA ID under three names": (
        'wabas:\n  a:\n    id: "1"\n  b:\n    id: "1"\n  c:\n    id: "1"\n',
        [
            "5:5: wabas.b.id: WABA 1 is already declared as 'a' (declare each WABA once)",
            "7:5: wabas.c.id: WABA 1 is already declared as 'a' (declare each WABA once)",
        ],
    ),
    "one template declared three times": (
        WABA
        + "    templates:\n"
        + "      - {name: t, language: en_US, category: UTILITY, components: [{type: BODY, text: hi}]}\n" * 3,
        [
            "6:10: wabas.hk.templates[1].name: template 't' in en_US is already declared at templates[0] "
            "(declare each (name, language) once)",
            "7:10: wabas.hk.templates[2].name: template 't' in en_US is already declared at templates[0] "
            "(declare each (name, language) once)",
        ],
    ),
    "a number migrating from its own WABA": (
        NUMBER + '    migrate_from: {waba_id: "2000000000001"}\n',
        [
            f"7:20: {AT}.migrate_from.waba_id: the source WABA is the number's own WABA (migrate_from names "
            "the WABA at the other provider; remove it once the move is done)"
        ],
    ),
}


@pytest.mark.parametrize(("text", "expected"), REFUSED.values(), ids=list(REFUSED))
def test_a_broken_rule_is_reported_word_for_word_where_it_was_written(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert _problems(tmp_path, text) == expected


ACCEPTED: dict[str, str] = {
    "an ID written as a number": "wabas:\n  hk:\n    id: 2000000000001\n",
    "a local name of letters, digits, _ and -": 'wabas:\n  hk_re-tail2:\n    id: "1"\n',
    "plain http to 127.0.0.1": "connection:\n  graph_url: http://127.0.0.1:8080/\n" + WABA,
    "plain http to localhost": "connection:\n  graph_url: http://localhost:8080\n" + WABA,
    "plain http to ::1": "connection:\n  graph_url: http://[::1]:8080\n" + WABA,
    "an override callback of 200 characters": _webhooks("https://h.example/" + "x" * 182),
    "a website of 256 characters": _profile("websites", '["https://a.b/' + "x" * 244 + '"]'),
    "two websites": _profile("websites", "[https://a.b/, http://c.d/]"),
    "websites the quick check leaves to urlsplit, one of 256 characters": _profile(
        "websites", '["http://a.b/ x", "https://a.b/ ' + "x" * 243 + '"]'
    ),
    "an e-mail address of 128 characters": _profile("email", '"' + "a" * 116 + '@example.com"'),
    # validate is offline: no address is looked up in DNS (past the quick check)
    "an e-mail address at a domain nobody registered": _profile("email", '"a!b@no-such-domain-wabaplan.com"'),
    "an about of 139 characters": _profile("about", '"' + "a" * 139 + '"'),
    "line breaks and tabs in the address": _profile("address", '"a\\n\\tb"'),
    "a display name of 2 characters": NUMBER + "    display_name: HL\n",
    "a display name of 75 characters": NUMBER + '    display_name: "' + "H" * 75 + '"\n',
    "voice codes in a three-letter locale": NUMBER
    + "    verification:\n      method: VOICE\n      language: yue_HK\n",
    "every path a number may ignore": NUMBER
    + (
        "    lifecycle:\n      ignore_changes: [display_name, pin, data_localization_region, profile, "
        "profile.about, profile.address, profile.description, profile.email, profile.vertical, "
        "profile.websites, profile.picture]\n"
    ),
    "every path a WABA may ignore": WABA
    + (
        "    lifecycle:\n      ignore_changes: [webhooks, webhooks.override_callback_uri, "
        "webhooks.verify_token, templates]\n"
    ),
    "every path a template may ignore": _template(
        BODY + "        lifecycle:\n          ignore_changes: [category, components, parameter_format]\n"
    ),
    "a header text of 60 characters": _template(_component("HEADER", text="h" * 60) + BODY),
    "a footer of 60 characters": _template(BODY + _component("FOOTER", text="f" * 60)),
    "a body of 1024 characters": _template(_component("BODY", text="b" * 1024)),
    "ten buttons": _buttons(10),
    "one button": _buttons(1),
    **{
        f"a one-time-code button of type {kind}": _template(
            _component("BODY") + _component("BUTTONS", buttons=f"[{{type: OTP, otp_type: {kind}}}]"),
            category="AUTHENTICATION",
        )
        for kind in ("COPY_CODE", "ONE_TAP", "ZERO_TAP")
    },
    "a code expiry of 1 minute": expiring("1"),
    "a code expiry of 90 minutes": expiring("90"),
    "an about of 1 character": _profile("about", "a"),
    "a template name of 512 characters": _template(BODY, name="a" * 512),
    "one name in two languages": WABA
    + "    templates:\n"
    + "".join(
        f"      - {{name: t, language: {lang}, category: UTILITY, components: [{{type: BODY, text: hi}}]}}\n"
        for lang in ("en_US", "zh_HK")
    ),
    "one template in two WABAs": 'wabas:\n  a:\n    id: "1"\n    templates: [{name: t, language: en_US, '
    'category: UTILITY, components: [{type: BODY, text: hi}]}]\n  b:\n    id: "2"\n    templates: [{name: t, '
    "language: en_US, category: UTILITY, components: [{type: BODY, text: hi}]}]\n",
    "a number migrating from another WABA": NUMBER
    + '    migrate_from: {waba_id: "9", access_token: "${env:S}"}\n',
    "an x- key holding an anchor": "x-common: &c\n  waba: hk\n" + WABA + 'numbers:\n  "+852 5123 4567": *c\n',
}


@pytest.mark.parametrize("text", ACCEPTED.values(), ids=list(ACCEPTED))
def test_a_config_just_inside_each_limit_is_valid(tmp_path: Path, text: str) -> None:
    assert _problems(tmp_path, text) == []


def test_without_a_collector_a_cross_resource_problem_is_raised_with_its_dotted_place() -> None:
    data = {"wabas": {"hk": {"id": "1"}}, "numbers": {"+85251234567": {"waba": "tw"}}}
    with pytest.raises(ValidationError) as info:
        Config.model_validate(data)
    [error] = info.value.errors(include_url=False)
    assert error["msg"] == "numbers.+85251234567.waba: no WABA named 'tw'"
    assert error["ctx"] == {"what": error["msg"], "fix": "declare it under wabas (hk)"}


def test_what_is_left_unwritten_takes_meta_s_defaults(tmp_path: Path) -> None:
    config = load(_write(tmp_path, NUMBER)).config
    assert config is not None
    assert config.version == 1
    assert config.connection.model_dump() == {
        "api_version": "v23.0",
        "graph_url": "https://graph.facebook.com",
        "access_token": "${env:WABAPLAN_ACCESS_TOKEN}",
    }
    waba = config.wabas["hk"]
    assert waba.expect.model_dump() == {
        "account_review_status": "APPROVED",
        "business_verification_status": "verified",
    }
    assert (waba.webhooks, waba.templates, waba.delete_undeclared_templates) == (None, [], False)
    assert waba.lifecycle.model_dump() == {"prevent_destroy": False, "ignore_changes": ()}
    number = config.numbers["+85251234567"]
    assert number.verification.model_dump() == {"method": "SMS", "language": "en_US"}
    assert number.registered is True
    assert number.lifecycle.model_dump() == {"prevent_destroy": True, "ignore_changes": ()}


def test_a_secret_reference_is_kept_without_the_spaces_around_it(tmp_path: Path) -> None:
    config = load(_write(tmp_path, 'connection:\n  access_token: "  ${env:X}  "\n' + WABA)).config
    assert config is not None and config.connection.access_token == "${env:X}"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "https://SIM.BOX"])
def test_a_graph_url_is_kept_as_written_without_its_trailing_slash(tmp_path: Path, url: str) -> None:
    config = load(_write(tmp_path, f"connection:\n  graph_url: {url}/\n" + WABA)).config
    assert config is not None and config.connection.graph_url == url


def test_a_lone_surrogate_is_refused_even_where_the_reader_would_let_it_through() -> None:
    with pytest.raises(PydanticCustomError, match=r"^contains control character U\+D800$"):
        _check_printable(lines=True)("a\ud800b")


@pytest.mark.parametrize(("key", "shown"), [("x_common", "x_common"), ("1", '["1"]')])
def test_only_top_level_keys_starting_with_x_dash_are_set_aside(tmp_path: Path, key: str, shown: str) -> None:
    assert _problems(tmp_path, f"{key}: 1\n" + WABA) == [
        f"1:1: {shown}: unknown key {key!r} (allowed here: version, connection, wabas, numbers)"
    ]


def test_one_waba_id_in_two_files_names_the_first_declaration_at_its_name(tmp_path: Path) -> None:
    directory = tmp_path / "estate"
    directory.mkdir()
    (directory / "a.yaml").write_text('wabas: {hk: {id: "7"}}\n', encoding="utf-8")  # the name, not the {
    (directory / "b.yaml").write_text('wabas:\n  tw:\n    id: "7"\n', encoding="utf-8")
    assert [str(d) for d in load(directory).diagnostics] == [
        f"{directory}/b.yaml:3:5: wabas.tw.id: WABA 7 is already declared as 'hk' at {directory}/a.yaml:1:9 "
        "(declare each WABA once)"
    ]


def test_the_desired_state_cannot_be_changed_once_loaded(tmp_path: Path) -> None:
    config = load(_write(tmp_path, NUMBER)).config
    assert config is not None
    with pytest.raises(ValidationError, match="frozen"):
        config.numbers = {}  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        config.wabas["hk"].id = "2000000000002"  # type: ignore[misc]
