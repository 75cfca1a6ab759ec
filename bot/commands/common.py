"""Options and loading shared by several subcommands."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kennisbank.loader import DEFAULT_KB, KnowledgeBaseError, load_knowledge_base_cached
from kennisbank.schema import KnowledgeBase
from kennisbank.text import count


class Subcommand:
    """Several related subcommands in one module, one class each: `class Audit(Subcommand,
    name="audit", help="...")` with static configure(parser) and main(args) (see bot/cli.py)."""

    NAME: str
    HELP: str

    def __init_subclass__(cls, *, name: str, help: str) -> None:
        super().__init_subclass__()
        cls.NAME, cls.HELP = name, help


def show_search_progress() -> None:
    """The search's progress messages on stderr: a machine's first start embeds the services and
    fits the needs and safety models (one to two minutes on 2 cores), and says so instead of
    staying silent. Later starts read both from the cache and print nothing."""
    search_log = logging.getLogger("kennisbank.search")
    if any(getattr(h, "_welzijnsbot_progress", False) for h in search_log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._welzijnsbot_progress = True  # type: ignore[attr-defined]
    search_log.addHandler(handler)
    search_log.setLevel(logging.INFO)


def services_line(kb: KnowledgeBase) -> str:
    """"69 diensten (1 niet meer actief)": the one way `check` and `versheid` count services.

    An inactive service stays in its file (an id is never reused) but no school sees it, so
    freshness counts only the others; saying so keeps both figures explainable."""
    inactive = sum(not s.is_active for s in kb.services.values())
    line = count(len(kb.services), "dienst", "diensten")
    return line + (f" ({inactive} niet meer actief)" if inactive else "")


def cannot_write(where: Path, exc: OSError) -> int:
    """The message for a folder or file that cannot be written; the exit code (1)."""
    print(f"Kan niet schrijven in {where}: {exc.strerror or exc}", file=sys.stderr)
    return 1


def add_kb_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, metavar="MAP",
                        help=f"map met de regio-bestanden (standaard: {DEFAULT_KB})")


def load_kb_or_exit(path: Path) -> KnowledgeBase:
    """Load for commands that need good data: print every error and exit 1 instead of a traceback."""
    try:
        return load_knowledge_base_cached(path)
    except KnowledgeBaseError as exc:
        for problem in exc.problems:
            if not problem.warning:
                print(problem, file=sys.stderr)
        print("De kennisbank heeft fouten; los ze op en probeer opnieuw (welzijnsbot check).", file=sys.stderr)
        raise SystemExit(1) from None
