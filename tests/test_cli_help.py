"""`welzijnsbot … --help` and usage errors are Dutch: none of argparse's English strings."""
from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from bot.cli import build_parser, main
from bot.commands import dutch_argparse

ENGLISH = ("usage:", "show this help message and exit", "positional arguments", "options:",
           "optional arguments", "error:", "the following arguments are required", "invalid choice",
           "unrecognized arguments", "invalid int value", "expected one argument", "choose from")


def command_paths(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every (sub)command of the parser, nested ones included."""
    paths = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += command_paths(sub, (*path, name))
    return paths


PATHS = command_paths(build_parser())


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out + captured.err


def assert_dutch(text: str) -> None:
    for english in ENGLISH:
        assert english not in text, english


def test_every_subcommand_is_covered():
    names = {path[0] for path in PATHS if path}
    assert {"check", "zoek", "kaart", "run", "chat", "signalen", "versheid", "export", "import"} <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "welzijnsbot")
def test_help_is_dutch(path, capsys):
    code, text = run_cli([*path, "--help"], capsys)
    assert code == 0
    assert text.startswith("gebruik: welzijnsbot")
    assert "toon deze hulp en stop" in text and "opties:" in text
    assert_dutch(text)


@pytest.mark.parametrize("path", [p for p in PATHS if p], ids=" ".join)
def test_usage_errors_are_dutch(path, capsys):
    code, text = run_cli([*path, "--bestaat-niet"], capsys)
    assert code == 2
    assert "fout:" in text
    assert_dutch(text)


@pytest.mark.parametrize("argv, expected", [
    ([], "deze argumenten ontbreken: OPDRACHT"),
    (["bestaat-niet"], "ongeldige keuze: 'bestaat-niet' (kies uit 'check'"),
    (["chat", "--postcode", "x"], "argument --postcode: ongeldige waarde: 'x'"),
    (["kaart"], "deze argumenten ontbreken: DIENST_ID"),
    (["zoek", "schulden", "--postcode"], "verwacht één waarde"),
])
def test_typical_mistakes_get_a_dutch_message(argv, expected, capsys):
    code, text = run_cli(argv, capsys)
    assert code == 2 and expected in text
    assert text.startswith("gebruik: welzijnsbot")
    assert_dutch(text)


def test_other_parsers_keep_their_own_language():
    build_parser().format_help()
    assert "show this help message and exit" in argparse.ArgumentParser().format_help()
    assert vars(argparse)["_"] is not dutch_argparse.gettext


def test_the_installed_command_is_dutch():
    result = subprocess.run([sys.executable, "-m", "bot.cli", "check", "--help"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("gebruik: welzijnsbot check")
    assert_dutch(result.stdout + result.stderr)
