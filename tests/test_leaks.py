"""The tests' own secret scan finds real leaks and ignores digits that only happen to line up."""

import pytest
from leaks import assert_no_secret, leaked


def test_a_pin_or_code_standing_alone_is_a_leak() -> None:
    for text in ("PIN 915204", "code=915204.", "915204", "otp:915204\n"):
        assert leaked(text, ["915204"]) == ["915204"], text


def test_a_pin_inside_a_longer_run_of_digits_is_not() -> None:
    journal_row = "INSERT INTO actions VALUES(3,'register',1.79579152044542551041e+09)"
    assert leaked(journal_row, ["915204"]) == []


def test_a_token_is_found_anywhere() -> None:
    assert leaked("Bearer xsim-token-harbourx", ["sim-token-harbour", ""]) == ["sim-token-harbour"]
    with pytest.raises(AssertionError, match=r"si…") as info:
        assert_no_secret("Bearer sim-token-harbour", "sim-token-harbour")
    assert "sim-token-harbour" not in str(info.value)
