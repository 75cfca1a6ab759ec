"""New region files from the coordinator, merged with the changes organisations made in the bot.

Rules (documented in the README, "Beheer door organisaties"):
- The new files become the baseline; every revision is applied on top again, so a change an
  organisation made to one field survives a coordinator's edit of other fields.
- A field changed both in the file and through the bot is a conflict. The organisation's
  revision stays applied (it knows its own offer, and it confirmed the value in the bot) and the
  coordinator is told, with the revision numbers: `welzijnsbot revert N` lets the file win.
  A field is "changed in the file" when the file's value is neither the value the organisation
  saw before its change nor the value it set; this needs no copy of the old files, so it also
  holds after a restart.
- A file with errors is refused as a whole: the caller keeps the last good knowledge base and
  shows the problems (from loader.check_directory_cached).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .fields import shown
from .loader import check_directory_cached, errors_only
from .revisions import FIELDS, NEW_SERVICE, Json, Revision, active_revisions, apply_revisions
from .schema import KnowledgeBase, Problem
from .text import count

NOT_CONFLICTING = ("last_verified",)   # a later confirmation date is never worth a warning


@dataclass(frozen=True)
class Conflict:
    service_id: str
    field: str
    file_value: Json
    bot_value: Json
    revision_ids: tuple[int, ...]    # the organisation's active changes to this field, in order

    def __str__(self) -> str:
        spec = FIELDS[self.field]
        ids = " ".join(str(i) for i in reversed(self.revision_ids))
        return (f"dienst {self.service_id} · {spec.label}: het bestand zegt '{shown(spec.show(self.file_value))}', "
                f"de organisatie zette '{shown(spec.show(self.bot_value))}' (wijziging "
                f"#{', #'.join(map(str, self.revision_ids))}); de bot houdt de waarde van de organisatie. "
                f"Wil je die uit het bestand: welzijnsbot revert {ids}")


@dataclass
class ReloadResult:
    baseline: KnowledgeBase | None        # the new files, validated; None when refused
    kb: KnowledgeBase | None              # baseline with the revisions applied
    problems: list[Problem] = field(default_factory=list)    # every problem of the files
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)     # revisions that no longer fit

    dropped: tuple[str, ...] = ()       # services of the running bot the new files no longer have
    held_back: bool = False              # valid, but not applied: it drops services (confirm first)

    @property
    def ok(self) -> bool:
        return self.kb is not None and not self.held_back


def find_conflicts(baseline: KnowledgeBase, revisions: Iterable[Revision]) -> list[Conflict]:
    chains: dict[tuple[str, str], list[Revision]] = {}
    for rev in active_revisions(revisions):
        if rev.field != NEW_SERVICE and rev.field not in NOT_CONFLICTING:
            chains.setdefault((rev.service_id, rev.field), []).append(rev)
    conflicts = []
    for (service_id, key), chain in chains.items():
        service = baseline.services.get(service_id)
        if service is None:
            continue  # created in the bot, or gone from the files: reported as skipped
        in_file = FIELDS[key].get(service)
        if in_file != chain[0].old and in_file != chain[-1].new:
            conflicts.append(Conflict(service_id, key, in_file, chain[-1].new, tuple(r.id for r in chain)))
    return sorted(conflicts, key=lambda c: (c.service_id, c.field))


def merge(baseline: KnowledgeBase, revisions: Iterable[Revision]) -> ReloadResult:
    """Pure: the validated new baseline plus the revisions, with conflicts and skipped changes."""
    revisions = list(revisions)
    kb = apply_revisions(baseline, revisions)
    skipped = kb.warnings[len(baseline.warnings):]
    return ReloadResult(baseline, kb, list(baseline.warnings), find_conflicts(baseline, revisions), skipped)


def reload_directory(directory: Path | str, revisions: Iterable[Revision], today: date | None = None
                     ) -> ReloadResult:
    """Read and check the files; refused (ok False, kb None) when any file has an error."""
    baseline, problems = check_directory_cached(directory, today)
    if baseline is None:
        return ReloadResult(None, None, problems)
    return merge(baseline, revisions)


def report(result: ReloadResult, limit: int = 20) -> str:
    """What the coordinator reads after a reload (plain text; the bot escapes it)."""
    if result.held_back and result.kb is not None:
        fewer = count(len(result.dropped), "dienst", "diensten")
        lines = [f"De nieuwe regio-bestanden zijn NIET geladen: ze hebben {fewer} "
                 f"minder ({len(result.kb.services)} in plaats van {len(result.kb.services) + len(result.dropped)}). "
                 "Is een bestand afgekapt, leeg of weg? De bot werkt verder met de vorige kennisbank.",
                 "Verdwijnen deze diensten echt, laad dan opnieuw met /herlaad zeker:"]
        lines += [f"• {sid}" for sid in result.dropped[:limit]]
        if len(result.dropped) > limit:
            lines.append(f"… en nog {len(result.dropped) - limit}.")
        return "\n".join(lines)
    if not result.ok:
        errors = errors_only(result.problems)
        lines = [f"De nieuwe regio-bestanden zijn NIET geladen: {count(len(errors), 'fout', 'fouten')}. "
                 "De bot werkt verder met de vorige kennisbank."]
        lines += [f"• {p}" for p in errors[:limit]]
        if len(errors) > limit:
            lines.append(f"… en nog {len(errors) - limit}. Alles zien: welzijnsbot check")
        return "\n".join(lines)
    assert result.kb is not None
    lines = [f"Kennisbank geladen: {count(len(result.kb.services), 'dienst', 'diensten')}."]
    if result.dropped:
        gone = count(len(result.dropped), "dienst", "diensten")
        lines.append(f"Bevestigd: {gone} verdwenen: {', '.join(result.dropped[:limit])}.")
    if result.conflicts:
        both = count(len(result.conflicts), "veld veranderde", "velden veranderden")
        lines.append(f"{both} zowel in het bestand als via de bot:")
        lines += [f"• {c}" for c in result.conflicts[:limit]]
    if result.skipped:
        stale = count(len(result.skipped), "wijziging via de bot past", "wijzigingen via de bot passen")
        lines.append(f"{stale} niet meer:")
        lines += [f"• {p.message} (dienst {p.service})" for p in result.skipped[:limit]]
    if not result.conflicts and not result.skipped:
        lines.append("Geen conflicten met wijzigingen via de bot.")
    return "\n".join(lines)
