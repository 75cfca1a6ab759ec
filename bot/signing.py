"""Tags that bind a button to the chat it was sent to, without storing that chat anywhere.

The 👍/👎/"klopt niet meer" buttons under an answer carry the id of an anonymous signal row.
Without a tag, anyone could walk the ids and read which services another school was shown (its
need and municipality) or overwrite its feedback. The tag is a keyed BLAKE2b hash of the chat id
and the signal id: only a press from the chat that received the answer verifies. The key is
derived from the bot's token (each bot its own); 40 bits are plenty for a button that cannot be
tried faster than Telegram delivers presses.

The buttons of a "klopt niet meer" report (send without a remark, withdraw) are bound the same
way to the chat that made the report, with their own `purpose` (REPORT), so a tag for a signal
never passes for a report with the same number. The report row itself keeps no chat id.
"""
from __future__ import annotations

import hashlib
import hmac

TAG_BYTES = 5
SIGNAL = ""          # the answer buttons (the first tags; their format stays)
REPORT = "report"    # the buttons of a report


class Signer:
    def __init__(self, secret: str):
        self._key = hashlib.blake2b(secret.encode(), digest_size=32, person=b"wb-callback").digest()

    def tag(self, chat_id: int, value: int, purpose: str = SIGNAL) -> str:
        """Hex tag for (chat, value), for buttons of `purpose`."""
        message = f"{chat_id}:{value}" if purpose == SIGNAL else f"{purpose}:{chat_id}:{value}"
        digest = hashlib.blake2b(message.encode(), key=self._key, digest_size=TAG_BYTES)
        return digest.hexdigest()

    def verify(self, chat_id: int, value: int, tag: str, purpose: str = SIGNAL) -> bool:
        return bool(tag) and hmac.compare_digest(self.tag(chat_id, value, purpose), tag)
