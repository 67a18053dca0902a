"""One module per command, each with `run(args) -> int`; `reconciler.cli.main` imports only the one named."""
