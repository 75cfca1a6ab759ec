"""The labelled situations the needs model and the safety detector learn from (kennisbank/needs/).

  needs/themes/<theme>.yaml   {theme: id, situations: [text, ...]}   how staff describe each need
  needs/geen-nood.yaml        {theme: geen-nood, situations: [...]}  school matters no service answers
  needs/stories/<theme>.yaml  {theme: id or geen-nood, situations}   long stories: one need among
                                                                     details of other needs (round 20)
  needs/school/<theme>.yaml   {theme: id or geen-nood, situations}   the school's own needs, and
                                                                     ordinary school matters that
                                                                     use the same words (round 21)
  needs/safety/<kind>.yaml    {kind: id, situations: [...]}          life-safety situations per kind
  needs/safety/harmless.yaml  {kind: harmless, situations: [...]}    the same words used harmlessly
  needs/safety/harmless-stories.yaml                                 long stories with hard, sad or
                                                                     alarming-sounding details, no danger
  needs/safety/<kind>-<topic>.yaml                                   more situations of one kind, kept
                                                                     apart by how they were asked for
                                                                     (alone-in-passing.yaml, round 29)
  search/training-regions/*/questions.yaml                           (safety only, round 22) questions
                                                                     written by others with their
                                                                     `safety:` label: a kind, harmless
                                                                     (a look-alike) or none (ordinary)

The phrases and signals of themes.yaml are added as short examples of their theme: they are how a
need is named in one or two words. None of this knows any region: the models work on any region
file. Evaluation questions (shared/benchmark, benchmarks/) are never part of it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..schema import THEME_IDS
from ..themes import THEMES_FILE, load_themes
from ..yaml_syntax import safe_load

NEEDS_DIR = Path(__file__).resolve().parents[1] / "needs"
# Fictional regions and their labelled questions, written by fresh helpers (training.py fits the
# ranking on them). Their `safety:` labels make them situations of the safety detector too.
TRAINING_REGIONS = Path(__file__).with_name("training-regions")
NO_NEED = "geen-nood"
HARMLESS = "harmless"
# The kinds of life-safety situation the detector names (issue: life-safety first).
SAFETY_KINDS: tuple[str, ...] = (
    "suicide", "self-harm", "abuse", "sexual-abuse", "domestic-violence", "alone", "parent-unable",
    "no-roof-tonight", "honour",
)


# Themes whose situations may be about a life or a child's safety: never used as negatives.
UNSAFE_THEMES = frozenset({"geweld", "crisis", "psychisch-welzijn"})


class CorpusError(ValueError):
    """A corpus file is missing, unreadable or has an unknown label; names the file."""


@dataclass(frozen=True)
class Corpus:
    texts: tuple[str, ...]
    labels: tuple[str, ...]     # a theme id or NO_NEED (needs); a safety kind or HARMLESS (safety)
    sources: tuple[str, ...]    # "file.yaml:index" or "themes.yaml" per text, for explanations
    fingerprint: str

    def __len__(self) -> int:
        return len(self.texts)


def _read(path: Path, key: str, allowed: set[str]) -> tuple[str, list[str]]:
    try:
        raw = safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError(f"{path}: {exc}") from exc
    label = raw.get(key)
    if label not in allowed:
        raise CorpusError(f"{path}: '{key}: {label}' is geen gekend label")
    situations = raw.get("situations") or []
    if not all(isinstance(s, str) and s.strip() for s in situations):
        raise CorpusError(f"{path}: elke situatie is een niet-lege tekst")
    return label, situations


def _source_name(path: Path) -> str:
    """"huisvesting.yaml", or "stories/huisvesting.yaml" for the theme's long stories (and
    "school/huisvesting.yaml" for the school's own needs)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name in _FOLDERS else path.name


# Folders of needs files next to themes/ whose files are named "<folder>/<file>" in sources.
_FOLDERS = ("stories", "school")


def _needs_files(directory: Path) -> list[Path]:
    return [*sorted((directory / "themes").glob("*.yaml")), directory / f"{NO_NEED}.yaml",
            *(path for folder in _FOLDERS for path in sorted((directory / folder).glob("*.yaml")))]


def _safety_files(directory: Path) -> list[Path]:
    """Each kind's file, then its topical files ("alone-in-passing.yaml", "harmless-stories.yaml")."""
    kinds = (*SAFETY_KINDS, HARMLESS)
    return [*(directory / "safety" / f"{kind}.yaml" for kind in kinds),
            *(path for kind in kinds for path in sorted((directory / "safety").glob(f"{kind}-*.yaml")))]


def needs_fingerprint(directory: Path = NEEDS_DIR) -> str:
    """needs_corpus(directory).fingerprint without parsing the corpus (a fitted model's cache key)."""
    return _fingerprint([*_needs_files(directory), THEMES_FILE])


def _region_question_files(regions: Path) -> list[Path]:
    """The question file of every region folder; a folder without one, or no folder at all, is an
    error: the fitted thresholds in ranking.json assume these questions are in the corpus."""
    folders = sorted(p for p in regions.iterdir() if p.is_dir()) if regions.is_dir() else []
    if not folders:
        raise CorpusError(f"{regions}: geen trainingsregio's (map ontbreekt of is leeg)")
    missing = [f for f in folders if not (f / "questions.yaml").is_file()]
    if missing:
        raise CorpusError(f"{missing[0]}: questions.yaml ontbreekt")
    return [f / "questions.yaml" for f in folders]


def safety_fingerprint(directory: Path = NEEDS_DIR, regions: Path = TRAINING_REGIONS) -> str:
    """safety_corpus(directory, regions).fingerprint without parsing the corpus."""
    return (_fingerprint([*_safety_files(directory), *_region_question_files(regions)])
            + needs_fingerprint(directory)[:8])


# Source of a labelled question that its writer marked `safety: harmless`: alarming words used
# harmlessly, so a look-alike like those of needs/safety/harmless.yaml.
_LOOK_ALIKE_MARK = ":look-alike"


def is_look_alike(source: str) -> bool:
    """Whether a safety-corpus situation was written to look alarming without being so
    (needs/safety/harmless.yaml, or a training-region question labelled `safety: harmless`): the
    false alarms the lead threshold is fitted on, and that training reports."""
    return source.startswith(f"{HARMLESS}.yaml:") or source.endswith(_LOOK_ALIKE_MARK)


def _fingerprint(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:24]


@lru_cache(maxsize=4)
def needs_corpus(directory: Path = NEEDS_DIR) -> Corpus:
    """Theme situations, the no-need class and the taxonomy's phrases, in a stable order."""
    files = _needs_files(directory)
    texts: list[str] = []
    labels: list[str] = []
    sources: list[str] = []
    allowed = set(THEME_IDS) | {NO_NEED}
    for path in files:
        if not path.exists():
            raise CorpusError(f"{path}: ontbreekt")
        label, situations = _read(path, "theme", allowed)
        for i, text in enumerate(situations):
            texts.append(text.strip())
            labels.append(label)
            sources.append(f"{_source_name(path)}:{i + 1}")
    for theme in load_themes().values():
        for text in (*theme.phrases, *theme.signals):
            texts.append(text)
            labels.append(theme.id)
            sources.append(THEMES_FILE.name)
    return Corpus(tuple(texts), tuple(labels), tuple(sources), needs_fingerprint(directory))


@lru_cache(maxsize=4)
def safety_corpus(directory: Path = NEEDS_DIR, regions: Path = TRAINING_REGIONS) -> Corpus:
    """Life-safety situations per kind, plus harmless look-alikes and every ordinary need as negatives,
    plus the labelled questions of the training regions (`regions`/*/questions.yaml)."""
    files = _safety_files(directory)
    texts: list[str] = []
    labels: list[str] = []
    sources: list[str] = []
    for path in files:
        if not path.exists():
            raise CorpusError(f"{path}: ontbreekt")
        label, situations = _read(path, "kind", set(SAFETY_KINDS) | {HARMLESS})
        for i, text in enumerate(situations):
            texts.append(text.strip())
            labels.append(label)
            sources.append(f"{path.name}:{i + 1}")
    needs = needs_corpus(directory)
    for text, label, source in zip(needs.texts, needs.labels, needs.sources, strict=True):
        # Ordinary needs are not alarms. Violence, crisis and mental health are left out: situations
        # that are often about safety must not teach the detector that they are not. So is school/
        # (round 21): with its ~500 school messages as negatives the refit's out-of-fold recall fell
        # from 0.953 to 0.938 (dense) and 0.951 to 0.942 (word-only); they are there for the needs model.
        if label not in UNSAFE_THEMES and source != THEMES_FILE.name and not source.startswith("school/"):
            texts.append(text)
            labels.append(HARMLESS)
            sources.append(source)
    # Round 22: the corpus is our own writing; these questions are how others write a danger, a
    # look-alike and an ordinary need, long stories with interpreter and money details included.
    # Fitted without one region at a time and read on that region's questions, the detectors rank
    # others' dangers above their ordinary questions better (AUC 0.988 -> 0.993 dense, 0.984 ->
    # 0.990 word-only). The dense detector alone, at the threshold that still finds all 89 of their
    # dangers: 54 instead of 80 of the 449 ordinary questions alarm; the pair at the thresholds
    # then fitted (either fires): 87 instead of 94. docs/search.md, round 22.
    for path in _region_question_files(regions):
        for q in read_labelled_questions(path, safety_required=True):
            # `safety: none` and `harmless` are both harmless to the detector; only the second was
            # written to look alarming.
            texts.append(q.text)
            labels.append(HARMLESS if q.safety in (HARMLESS, "none") else str(q.safety))
            sources.append(f"{path.parent.name}/{path.name}:{q.number}"
                           + (_LOOK_ALIKE_MARK if q.safety == HARMLESS else ""))
    return Corpus(tuple(texts), tuple(labels), tuple(sources), safety_fingerprint(directory, regions))


@dataclass(frozen=True)
class LabelledQuestion:
    """One question of a labelled question file: what a writer asked, where, and what fits.

    The files are training-regions/*/questions.yaml and training-questions/*.yaml (the format of
    benchmarks/*/questions.yaml): a YAML list of {q, postcode, expect, safety, kind}.
    """
    number: int                     # position in the file, from 1 (for error messages and sources)
    text: str                       # `q`, stripped
    postcode: int | None            # the school's postcode, if the writer gave one
    expect: tuple[str, ...]         # ids of the services that fit; () when nothing fits
    safety: str | None              # a danger kind, "harmless" (a look-alike) or "none";
                                    # None when the file does not label it (training-questions/)


def read_labelled_questions(path: Path, safety_required: bool = False) -> list[LabelledQuestion]:
    """Every question of a labelled question file, checked.

    Raises CorpusError naming the file (and the question) when it cannot be read, is not a list, a
    question has no `q` (or an empty one where `safety_required`), a postcode is no number,
    `expect` is no list of ids, or a `safety:` label is unknown, or missing where
    `safety_required` (a danger written without its label would silently teach the detector
    "harmless").
    """
    try:
        raw = safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorpusError(f"{path}: {exc}") from exc
    if not isinstance(raw, list):
        raise CorpusError(f"{path}: een lijst van vragen verwacht")
    found = []
    for i, item in enumerate(raw, start=1):
        text = item.get("q") if isinstance(item, dict) else None
        # An empty message is a question a set may hold (the bot gets them); a situation to learn
        # life safety from must say something.
        if not isinstance(text, str) or (safety_required and not text.strip()):
            raise CorpusError(f"{path}: vraag {i} heeft geen tekst (q)")
        postcode = item.get("postcode")
        if postcode is not None and (isinstance(postcode, bool) or not isinstance(postcode, int)):
            raise CorpusError(f"{path}: vraag {i}: 'postcode: {postcode}' is geen getal")
        expect = item.get("expect") or []
        if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
            raise CorpusError(f"{path}: vraag {i}: 'expect' moet een lijst van dienst-id's zijn")
        kind = item.get("safety")
        if (kind is not None or safety_required) and kind not in (*SAFETY_KINDS, HARMLESS, "none"):
            raise CorpusError(f"{path}: vraag {i}: 'safety: {kind}' is geen gekend label")
        found.append(LabelledQuestion(i, text.strip(), postcode, tuple(expect), kind))
    return found
