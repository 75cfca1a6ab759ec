"""Tags that bind a button to the chat it was sent to, without storing that chat anywhere.

The 👍/👎/"klopt niet meer" buttons under an answer carry the id of an anonymous signal row.
Without a tag, anyone could walk the ids and read which services another school was shown (its
need and municipality) or overwrite its feedback. The tag is a keyed BLAKE2b hash of the chat id
and the signal id: only a press from the chat that received the answer verifies. The key is
derived from the bot's token (each bot its own); 40 bits are plenty for a button that cannot be
tried faster than Telegram delivers presses.
"""
from __future__ import annotations

import hashlib
import hmac

TAG_BYTES = 5


class Signer:
    def __init__(self, secret: str):
        self._key = hashlib.blake2b(secret.encode(), digest_size=32, person=b"wb-callback").digest()

    def tag(self, chat_id: int, value: int) -> str:
        """Hex tag for (chat, value)."""
        digest = hashlib.blake2b(f"{chat_id}:{value}".encode(), key=self._key, digest_size=TAG_BYTES)
        return digest.hexdigest()

    def verify(self, chat_id: int, value: int, tag: str) -> bool:
        return bool(tag) and hmac.compare_digest(self.tag(chat_id, value), tag)
