"""One module per `welzijnsbot` subcommand (see bot/cli.py)."""
