"""One entry point to write a KnowledgeBase in any exchange format, whatever it was loaded from.

`welzijnsbot export` loads the region files and calls this; a caller that applies pending
revisions first (admin module, --db) passes its own KnowledgeBase in the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kennisbank.schema import KnowledgeBase

from . import hsds, spreadsheet, yaml_writer

WRITERS: dict[str, Callable[[KnowledgeBase, Path], list[Path]]] = {
    "yaml": yaml_writer.write_knowledge_base,
    "hsds": hsds.write,
    "csv": spreadsheet.write,
}
ExportError = spreadsheet.ExportError


def export_knowledge_base(kb: KnowledgeBase, fmt: str, out_dir: Path) -> list[Path]:
    """Write kb to out_dir as yaml, hsds or csv; returns the files written."""
    return WRITERS[fmt](kb, out_dir)
