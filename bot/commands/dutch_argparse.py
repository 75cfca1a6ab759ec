"""argparse in Dutch: usage, help and usage errors of `welzijnsbot …` carry no English.

argparse looks up its few texts with gettext (`_` and `ngettext`, module globals of argparse).
DutchArgumentParser swaps those two for the translations below while it builds, formats or
parses, and puts the originals back afterwards, so other parsers in the same process (pytest's)
keep theirs. Texts without a translation (programming errors such as a conflicting option)
stay as they are.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

DUTCH = {
    "usage: ": "gebruik: ",
    "positional arguments": "argumenten",
    "options": "opties",
    "show this help message and exit": "toon deze hulp en stop",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout: %(message)s\n",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "the following arguments are required: %s": "deze argumenten ontbreken: %s",
    "one of the arguments %s is required": "een van de argumenten %s is nodig",
    "not allowed with argument %s": "niet samen met argument %s",
    "ignored explicit argument %r": "argument %r genegeerd",
    "expected one argument": "verwacht één waarde",
    "expected at most one argument": "verwacht hoogstens één waarde",
    "expected at least one argument": "verwacht minstens één waarde",
    "ambiguous option: %(option)s could match %(matches)s":
        "dubbelzinnige optie: %(option)s kan %(matches)s zijn",
    "unexpected option string: %s": "onverwachte optie: %s",
    "invalid %(type)s value: %(value)r": "ongeldige waarde: %(value)r",   # the type's name is English
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze: %(value)r (kies uit %(choices)s)",
    "can't open '%(filename)s': %(error)s": "kan '%(filename)s' niet openen: %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "onbekende opdracht %(parser_name)r (kies uit %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
}
DUTCH_PLURAL = {
    ("expected %s argument", "expected %s arguments"): ("verwacht %s waarde", "verwacht %s waarden"),
}


def gettext(message: str) -> str:
    return DUTCH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    one, many = DUTCH_PLURAL.get((singular, plural), (singular, plural))
    return one if n == 1 else many


@contextmanager
def dutch() -> Iterator[None]:
    """argparse speaks Dutch inside this block."""
    names = vars(argparse)             # `_` is not in argparse's type stubs: go through its namespace
    saved = {"_": names["_"], "ngettext": names["ngettext"]}
    names.update(_=gettext, ngettext=ngettext)
    try:
        yield
    finally:
        names.update(saved)


def _in_dutch(call: Callable[[], T]) -> T:
    with dutch():
        return call()


class DutchArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose own texts are Dutch; subparsers are of the same class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with dutch():
            super().__init__(*args, **kwargs)

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: Any = None) -> tuple[Any, list[str]]:
        return _in_dutch(lambda: super(DutchArgumentParser, self).parse_known_args(args, namespace))

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: Any = None) -> Any:
        return _in_dutch(lambda: super(DutchArgumentParser, self).parse_args(args, namespace))

    def format_usage(self) -> str:
        return _in_dutch(super().format_usage)

    def format_help(self) -> str:
        return _in_dutch(super().format_help)

    def error(self, message: str) -> NoReturn:
        with dutch():
            super().error(message)
