"""What state tests share: fingerprint keys to run shared state with."""

KEY = "ab" * 32  # a valid WABAPLAN_STATE_KEY
OTHER_KEY = "cd" * 32
