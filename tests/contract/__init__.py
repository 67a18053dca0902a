"""Contract tests: the simulator's JSON against Meta's OpenAPI spec (harness in `openapi.py`)."""
