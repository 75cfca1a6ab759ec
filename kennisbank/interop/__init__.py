"""Exchange with the outside world: region YAML, Open Referral HSDS 3, spreadsheets (CSV) and
De Sociale Kaart. Every importer produces drafts in the contract's shape; `importing.build`
validates them with the project's own loader, so there is one check for every way data comes in.
"""
from __future__ import annotations

from kennisbank.schema import Service


def needs_named_contact(service: Service) -> bool:
    """An entry without contact.name still lacks "een gezicht" (e.g. fresh from De Sociale Kaart).

    This is the documented convention for imports: no name is invented, the gap itself is the
    marker, so `welzijnsbot check` accepts the entry and the bot can say a name is still missing.
    """
    return not service.contact.name
