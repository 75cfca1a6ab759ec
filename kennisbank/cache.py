"""A disk cache for work derived from the region files (the validated model, the search index).

Parsing 20,000 services of YAML takes seconds even with libyaml; the bot and `zoek` should start
in well under that. The cache key is a fingerprint of every region file (name, size, mtime) and
of the code that reads them, so an edited file or a new release never serves stale data.
The cache lives in the user's own cache directory (pickle is only read from there) and is purely
an optimisation: any problem reading or writing it falls back to the slow path.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_CODE_FILES = ("schema.py", "fields.py", "text.py", "loader.py", "practical.py", "themes.yaml", "themes.py")
# What reading a truncated, corrupt or older-release pickle raises (the pickle module documents the
# last four beside UnpicklingError; a changed class or array layout adds the others).
_UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError,
               KeyError, TypeError, ValueError)


def cache_dir() -> Path | None:
    """WELZIJNSBOT_CACHE_DIR, else $XDG_CACHE_HOME/welzijnsbot; '' or 'off' disables caching."""
    configured = os.environ.get("WELZIJNSBOT_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "welzijnsbot"


def content_key(path: Path, code: str | None = None) -> str:
    """A region file's bytes and the code that reads them (`code`: fingerprint([]), computed once
    per load). By content, not by size and mtime: a copy that keeps timestamps (cp -p, tar) or two
    saves within one clock tick still changes it, and /herlaad must never answer from a file's
    old content."""
    h = hashlib.blake2b((code or fingerprint([])).encode(), digest_size=16)
    h.update(path.read_bytes())
    return h.hexdigest()


def fingerprint(files: Iterable[Path], extra: str = "") -> str:
    """Changes whenever a data file or the code that interprets it changes."""
    h = hashlib.sha256(extra.encode())
    here = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        path = here / name
        if path.exists():
            st = path.stat()
            h.update(f"{name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    for path in sorted(Path(f).resolve() for f in files):
        st = path.stat()
        h.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:32]


KEEP_GENERATIONS = 3   # cached objects per kind (the one being written included)


def load(kind: str, key: str) -> Any | None:
    directory = cache_dir()
    if directory is None:
        return None
    path = directory / f"{kind}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # safe to unpickle: written by this program into the user's cache dir
    except FileNotFoundError:
        return None
    except _UNREADABLE as exc:  # a corrupt or incompatible cache is only a missed shortcut
        log.warning("cache %s onbruikbaar (%s); opnieuw opbouwen", path.name, type(exc).__name__)
        return None


def save(kind: str, key: str, value: Any) -> None:
    directory = cache_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # A few generations per kind, newest kept: two checkouts (or a branch switch) each find
        # their own models instead of refitting in turn, and the folder stays bounded.
        older = sorted(directory.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in older[KEEP_GENERATIONS - 1:]:
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{kind}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, directory / f"{kind}-{key}.pickle")
    except OSError as exc:
        log.warning("cache niet geschreven (%s)", type(exc).__name__)
