"""Who may change what: region coordinators, organisation editors and their invite codes.

Coordinators come from the configuration (WELZIJNSBOT_COORDINATORS="123,456:lindeland") or
from the database (`welzijnsbot coordinator add`); they may change everything in their region
(or everywhere without a region). An organisation editor is a Telegram user bound to one
organisation by a one-time invite code and sees and changes only that organisation's services.

An organisation is its stable key (kennisbank.schema.organisation_key): its explicit
`organisation_id`, else region + name. Two organisations of the same name in two regions are two
organisations; a rename keeps the editors only with an explicit organisation_id. Bindings made
before the key existed (schema 9) carry no key and grant nothing until `reconcile` matches their
name to exactly one organisation of the knowledge base.

Invite codes are 100 random bits (20 characters, Crockford base 32, no look-alike letters).
Only a salted SHA-256 of the code is stored: a slow hash such as scrypt protects guessable
secrets like passwords; a code this random cannot be guessed from its hash anyway. A code is
single use and expires; wrong tries are counted per user and limited per hour, so nobody can
try codes in bulk through the bot.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz, process, utils

from .fields import FieldError
from .revisions import immediate
from .schema import KnowledgeBase, Service, organisation_key
from .store import Store, fetch_all, fetch_one
from .text import identity

log = logging.getLogger(__name__)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"   # Crockford: no I, L, O, U
CODE_LENGTH = 20
MAX_FAILED_PER_HOUR = 5
DEFAULT_VALID = timedelta(days=14)
ENV_COORDINATORS = "WELZIJNSBOT_COORDINATORS"
ALL_REGIONS = ""  # the region of a coordinator for every region


class InviteError(Exception):
    """A code that cannot be used (unknown, used, expired, too many tries); message in Dutch."""


# ── roles ───────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Roles:
    user_id: int
    coordinator_regions: frozenset[str] = frozenset()   # ALL_REGIONS in it: every region
    organisations: tuple[str, ...] = ()   # organisation keys (schema.organisation_key)

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinator_regions)

    @property
    def is_editor(self) -> bool:
        return bool(self.organisations)

    def coordinates(self, region_id: str) -> bool:
        return ALL_REGIONS in self.coordinator_regions or region_id in self.coordinator_regions

    def may_edit(self, service: Service) -> bool:
        """Coordinators: their region. Editors: their organisation, by its key (never by name alone:
        a namesake in another region is another organisation)."""
        if self.coordinates(service.region_id):
            return True
        return service.org_key in self.organisations

    def services(self, kb: KnowledgeBase) -> list[Service]:
        """What this user may change (inactive ones included: they can be switched back on)."""
        return sorted((s for s in kb.services.values() if self.may_edit(s)),
                      key=lambda s: (s.organisation.casefold(), s.name.casefold()))


def parse_coordinators(value: str | None) -> dict[int, frozenset[str]]:
    """'123,456:lindeland,456:oosterland' -> {123: {''}, 456: {'lindeland', 'oosterland'}}.

    A user id without a region coordinates every region. Raises FieldError on a bad entry, so a
    typo in the configuration is reported at start-up instead of silently granting nothing.
    """
    out: dict[int, set[str]] = {}
    for entry in (value or "").replace(";", ",").split(","):
        entry = entry.strip()
        if not entry:
            continue
        user, _, region = entry.partition(":")
        if not user.strip().isdigit():
            raise FieldError(f"{ENV_COORDINATORS}: '{entry}' is geen Telegram-gebruikers-id "
                             "(verwacht bv. 123456 of 123456:lindeland)")
        out.setdefault(int(user), set()).add(region.strip())
    return {uid: frozenset(regions) for uid, regions in out.items()}


def configured_coordinators(*, lenient: bool = False) -> dict[int, frozenset[str]]:
    """WELZIJNSBOT_COORDINATORS; FieldError when malformed, or none at all when `lenient` (for
    jobs that run on: `check` and the bot's start-up report the broken setting)."""
    try:
        return parse_coordinators(os.environ.get(ENV_COORDINATORS))
    except FieldError:
        if lenient:
            return {}
        raise


async def roles_of(store: Store, user_id: int, configured: dict[int, frozenset[str]] | None = None) -> Roles:
    configured = configured_coordinators() if configured is None else configured
    regions = set(configured.get(user_id, ()))
    regions.update(row[0] for row in await fetch_all(store.conn, "SELECT region FROM coordinator WHERE user_id = ?",
                                                     (user_id,)))
    bound = await fetch_all(store.conn, "SELECT org_key FROM editor WHERE user_id = ? AND org_key IS NOT NULL "
                            "ORDER BY bound_at", (user_id,))
    organisations = tuple(row[0] for row in bound)
    return Roles(user_id, frozenset(regions), organisations)


async def add_coordinator(store: Store, user_id: int, region: str = ALL_REGIONS) -> None:
    async with immediate(store) as conn:
        await conn.execute("INSERT OR IGNORE INTO coordinator (user_id, region, added_at) VALUES (?, ?, ?)",
                           (user_id, region, _iso(_now())))


async def remove_coordinator(store: Store, user_id: int, region: str | None = None) -> int:
    async with immediate(store) as conn:
        if region is None:
            cur = await conn.execute("DELETE FROM coordinator WHERE user_id = ?", (user_id,))
        else:
            cur = await conn.execute("DELETE FROM coordinator WHERE user_id = ? AND region = ?", (user_id, region))
        return cur.rowcount


async def list_coordinators(store: Store) -> list[tuple[int, str]]:
    rows = await fetch_all(store.conn, "SELECT user_id, region FROM coordinator ORDER BY user_id, region")
    return [(row[0], row[1]) for row in rows]


async def all_coordinator_ids(store: Store) -> list[int]:
    """Every coordinator (configured or stored) to alert, as far as the database can still be
    read: for telling them the database is damaged, so a failing read only costs those stored."""
    ids = set(configured_coordinators(lenient=True))
    try:
        ids.update(uid for uid, _region in await list_coordinators(store))
    except sqlite3.Error as exc:
        log.error("coordinators in the database not read: %s", type(exc).__name__)
    return sorted(ids)


async def remove_editor(store: Store, user_id: int, organisation: Organisation | None = None) -> int:
    async with immediate(store) as conn:
        if organisation is None:
            cur = await conn.execute("DELETE FROM editor WHERE user_id = ?", (user_id,))
        else:
            cur = await conn.execute("DELETE FROM editor WHERE user_id = ? AND org_key = ?",
                                     (user_id, organisation.key))
        return cur.rowcount


# ── organisations ──────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Organisation:
    """One organisation: its key (what editors are bound to), its name, the regions it serves."""
    key: str
    name: str
    regions: tuple[str, ...]
    organisation_id: str | None = None   # the explicit id from the region files (then it is the key)

    @property
    def label(self) -> str:
        """The name, with its region(s) when the name alone does not say which one."""
        return f"{self.name} ({', '.join(self.regions)})"


def organisations_by_key(kb: KnowledgeBase) -> dict[str, Organisation]:
    """Each organisation once, by key; its name as first spelled, its regions sorted."""
    names: dict[str, str] = {}
    regions: dict[str, set[str]] = {}
    for service in kb.services.values():
        names.setdefault(service.org_key, service.organisation)
        regions.setdefault(service.org_key, set()).add(service.region_id)
    explicit = {s.org_key: s.organisation_id for s in kb.services.values() if s.organisation_id}
    return {key: Organisation(key, names[key], tuple(sorted(regions[key])), explicit.get(key)) for key in names}


def organisations(kb: KnowledgeBase) -> list[str]:
    """Each organisation name once, however it was typed (NFC/NFD, case): the first spelling."""
    seen: dict[str, str] = {}
    for service in kb.services.values():
        seen.setdefault(identity(service.organisation), service.organisation)
    return sorted(seen.values(), key=identity)


def find_organisation(kb: KnowledgeBase, name: str, region: str | None = None) -> Organisation:
    """The organisation of that name (in that region); FieldError in Dutch naming close matches,
    or, when the name is used in several regions and no region was given, those regions."""
    wanted = identity(name)
    found = [o for o in organisations_by_key(kb).values() if identity(o.name) == wanted]
    if found and region is not None:
        in_region = [o for o in found if region in o.regions]
        if not in_region:
            raise FieldError(f"organisatie '{found[0].name}' staat niet in regio '{region}', wel in: "
                             + ", ".join(sorted({r for o in found for r in o.regions})) + ".")
        found = in_region
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        regions = sorted({r for o in found for r in o.regions})
        raise FieldError(f"er zijn {len(found)} organisaties met de naam '{found[0].name}', in de regio's "
                         f"{', '.join(regions)}. Zeg welke met --region (bv. --region {regions[0]}).")
    known = organisations(kb)
    close = [m[0] for m in process.extract(name, known, scorer=fuzz.WRatio, processor=utils.default_process,
                                          limit=5, score_cutoff=60)]
    hint = ("Bedoel je: " + "; ".join(f'"{c}"' for c in close) + "?") if close else \
        "Geen organisatie lijkt erop; kijk de schrijfwijze na in de regio-bestanden."
    raise FieldError(f"organisatie '{name}' staat niet in de kennisbank. {hint}")


async def reconcile(store: Store, kb: KnowledgeBase) -> int:
    """Bring editor bindings and unused invites in line with the knowledge base; how many changed.

    - Rows from before schema 9 have no key: a name that is exactly one organisation in `kb`
      gets its key; a name in several regions (or none) stays without one and grants nothing
      (the coordinator gives a new code with --region).
    - A region + name key whose organisation now carries an explicit organisation_id moves to
      that id, so adding an id to the region file and a later rename keep the editors.
    Called at start and after every reload (kennisbank/services/knowledge.py).
    """
    by_name: dict[str, set[str]] = {}
    adopted: dict[str, str] = {}   # region + name key -> explicit id
    for service in kb.services.values():
        by_name.setdefault(identity(service.organisation), set()).add(service.org_key)
        if service.organisation_id:
            adopted[organisation_key(service.region_id, service.organisation)] = service.organisation_id
    changed = 0
    async with immediate(store) as conn:
        for table in ("editor", "invite"):
            rows = await fetch_all(conn, f"SELECT rowid, organisation, org_key FROM {table}")
            for rowid, name, key in rows:
                new = key
                if key is None:
                    keys = by_name.get(identity(name), set())
                    new = next(iter(keys)) if len(keys) == 1 else None
                elif key in adopted:
                    new = adopted[key]
                if new is not None and new != key:
                    # OR REPLACE: a user already bound to that key keeps one binding
                    await conn.execute(f"UPDATE OR REPLACE {table} SET org_key = ? WHERE rowid = ?", (new, rowid))
                    changed += 1
            if table == "editor":
                left = await fetch_one(conn, "SELECT COUNT(*) FROM editor WHERE org_key IS NULL")
                if left and left[0]:
                    log.warning("%d editor bindings match no single organisation and grant nothing "
                                "(same name in several regions, or renamed): give a new code with --region",
                                left[0])
    return changed


# ── invite codes ───────────────────────────────────────────────────────────────────────

def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_duration(text: str) -> timedelta:
    """'14d', '36h', '2w' -> timedelta; FieldError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*([hdw])\s*", text or "")
    if not match or int(match.group(1)) == 0:
        raise FieldError(f"'{text}' is geen geldige duur; verwacht bv. 14d (dagen), 36h (uren) of 2w (weken)")
    amount, unit = int(match.group(1)), match.group(2)
    return {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]


def normalise_code(text: str) -> str:
    """What people type: spaces, dashes, lower case, O for 0 and I/L for 1 are forgiven."""
    cleaned = re.sub(r"[\s\-_.]", "", text or "").upper()
    return cleaned.translate(str.maketrans("OIL", "011"))


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _hash(salt: bytes, code: str) -> bytes:
    return hashlib.sha256(salt + normalise_code(code).encode()).digest()


@dataclass(frozen=True)
class Invite:
    id: int
    organisation: str  # the name (shown)
    code: str          # shown once, never stored
    expires_at: str
    regions: tuple[str, ...] = ()


async def create_invite(store: Store, organisation: Organisation, valid: timedelta = DEFAULT_VALID,
                        now: datetime | None = None) -> Invite:
    now = now or _now()
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    salt = secrets.token_bytes(16)
    expires = _iso(now + valid)
    async with immediate(store) as conn:
        cur = await conn.execute(
            "INSERT INTO invite (organisation, org_key, salt, code_hash, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (organisation.name, organisation.key, salt, _hash(salt, code), _iso(now), expires))
        assert cur.lastrowid is not None  # set by every INSERT
        return Invite(cur.lastrowid, organisation.name, format_code(code), expires, organisation.regions)


async def redeem(store: Store, user_id: int, code: str, now: datetime | None = None) -> str:
    """Bind user_id to the code's organisation; returns the organisation. InviteError otherwise.

    One transaction: the attempt count, the check and the binding, so a code can never be used
    twice, even by two users at the same moment.
    """
    now = now or _now()
    hour_ago = _iso(now - timedelta(hours=1))
    async with immediate(store) as conn:
        row = await fetch_one(conn, "SELECT COUNT(*) FROM code_attempt WHERE user_id = ? AND at > ?",
                              (user_id, hour_ago))
        assert row is not None  # COUNT(*) always returns a row
        failed = row[0]
        if failed >= MAX_FAILED_PER_HOUR:
            raise InviteError("Je gaf te vaak een foute code. Probeer het over een uur opnieuw, "
                              "of vraag de regiocoördinator om een nieuwe code.")
        wanted = normalise_code(code)
        match = None
        if len(wanted) == CODE_LENGTH:
            for row in await fetch_all(conn, "SELECT id, organisation, org_key, salt, code_hash, expires_at, used_at "
                                             "FROM invite"):
                if hmac.compare_digest(_hash(row["salt"], wanted), row["code_hash"]):
                    match = row
                    break
        problem = None
        if match is None:
            problem = "Die code ken ik niet. Kijk hem na (20 tekens, bv. ABCD-EFGH-JKMN-PQRS-TVWX)."
        elif match["used_at"] is not None:
            problem = "Die code is al gebruikt. Vraag de regiocoördinator om een nieuwe code."
        elif match["expires_at"] <= _iso(now):
            problem = "Die code is verlopen. Vraag de regiocoördinator om een nieuwe code."
        if match is None or problem is not None:
            await conn.execute("DELETE FROM code_attempt WHERE at < ?", (_iso(now - timedelta(days=1)),))
            await conn.execute("INSERT INTO code_attempt (user_id, at) VALUES (?, ?)", (user_id, _iso(now)))
            # The attempt must count even though the code was refused: commit, then report.
            error = InviteError(problem)
        else:
            await conn.execute("UPDATE invite SET used_at = ?, used_by = ? WHERE id = ?",
                               (_iso(now), user_id, match["id"]))
            await conn.execute(
                "INSERT INTO editor (user_id, organisation, org_key, invite_id, bound_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(user_id, org_key) DO UPDATE SET invite_id = excluded.invite_id, "
                "organisation = excluded.organisation",
                (user_id, match["organisation"], match["org_key"], match["id"], _iso(now)))
            organisation: str = match["organisation"]
            error = None
    if error is not None:
        raise error
    return organisation


@dataclass
class InviteInfo:
    id: int
    organisation: str
    created_at: str
    expires_at: str
    used_at: str | None
    used_by: int | None


async def list_invites(store: Store) -> list[InviteInfo]:
    rows = await fetch_all(store.conn, "SELECT id, organisation, created_at, expires_at, used_at, used_by FROM invite "
                                       "ORDER BY id")
    return [InviteInfo(*row) for row in rows]
