"""A small Telegram Bot API stand-in on 127.0.0.1, so tests run the real bot without the internet.

The bot reaches it through TELEGRAM_BASE_URL (`standin.base_url`), exactly as it would reach a
local Bot API server. It speaks HTTP/1.1 (keep-alive) over asyncio streams, records every call,
serves injected updates through long-polling getUpdates (timeout and offset as Telegram does),
answers the usual methods with plausible objects, returns `true` for any method it does not know
(so later features can use it before it learns them), and can fail the next N calls with 429
(retry_after) or 5xx, or every call during a time window (`fail_for`). Like a flaky network it
can also carry out a call and then lose the answer: `drop_next` delivers (records) the message
and closes the connection without a response, `delay_next` delivers it and answers only after
a delay (longer than the bot's read timeout, say). Such calls count as delivered (status 200)
and carry `fault` "dropped" or "delayed".

In a test (same event loop):
    standin = await StandIn().start()
    standin.message(chat_id, "/start"); call = await standin.wait_for("sendMessage", chat_id=...)

As a separate process (benchmarks, trying the bot by hand):
    python -m tests.standin --port 8081    # then TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot
    control over HTTP: POST /_standin/inject (an update or {"chat_id":..,"text":..}),
    GET /_standin/calls?since=N, POST /_standin/fail {"n":2,"status":429,"retry_after":1}
    (also {"seconds": 6, "status": 500}, {"n": 3, "drop": true}, {"n": 1, "delay": 12})
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.parser
import email.policy
import html.parser
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DEFAULT_TOKEN = "123456789:STANDIN-secret-token_abcdefghijklmnop"

# Parameters that PTB sends JSON-encoded inside form fields.
_JSON_KEYS = {"reply_markup", "commands", "results", "entities", "caption_entities", "media",
              "link_preview_options", "reply_parameters", "allowed_updates", "scope", "button",
              "options", "permissions"}
_INT_KEYS = {"chat_id", "message_id", "user_id", "offset", "limit", "timeout", "cache_time",
             "from_chat_id", "reply_to_message_id", "message_thread_id"}
_FLOAT_KEYS = {"latitude", "longitude"}
_DROP = 0   # _dispatch's status for "close the connection without an answer"
_MESSAGE_METHODS = {"sendMessage", "sendContact", "sendVenue", "sendDocument", "sendPhoto",
                    "sendLocation", "sendVideo", "sendAudio", "sendVoice", "sendSticker",
                    "sendAnimation", "forwardMessage", "editMessageText", "editMessageReplyMarkup",
                    "editMessageCaption"}


@dataclass
class Call:
    """One request the bot made: method, decoded parameters, and the HTTP status it got."""
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)
    result: Any = None
    files: dict[str, bytes] = field(default_factory=dict)        # form field -> uploaded bytes
    filenames: dict[str, str] = field(default_factory=dict)     # form field -> file name
    fault: str | None = None    # "dropped" / "delayed": carried out, but the answer was lost or late

    @property
    def chat_id(self) -> int | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict]:
        """Inline keyboard buttons of this call, flattened (label in 'text', 'callback_data')."""
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class _Failure:
    remaining: int
    status: int
    retry_after: int
    methods: frozenset[str] | None
    description: str | None = None
    window: tuple[float, float] | None = None   # (from, until) monotonic: every call in it fails
    drop: bool = False                          # carry the call out, then close without answering
    delay: float = 0.0                          # carry the call out, answer after this many seconds

    def applies(self, method: str, now: float) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.executes and method == "getUpdates":   # no message to deliver; long polling goes on
            return False
        if self.window is not None:
            return self.window[0] <= now < self.window[1]
        return self.remaining > 0

    @property
    def executes(self) -> bool:
        """The call is carried out (a message delivered) and only its answer goes wrong."""
        return self.drop or self.delay > 0


# Telegram's limits, as the Bot API enforces them (a request over one is refused with 400 and
# the user gets nothing): text after entity parsing in UTF-16 units, the vCard in bytes.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
VCARD_LIMIT = 2048
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
              "tg-spoiler", "span", "blockquote", "tg-emoji"}


class _EntityParser(html.parser.HTMLParser):
    """Telegram's HTML parse mode: only its tags, each closed in order; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            self.error = self.error or f"unsupported start tag \"{tag}\""
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.error = self.error or f"can't find end tag corresponding to start tag \"{tag}\""
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed_length(text: str, parse_mode: str | None) -> tuple[int, str | None]:
    """(visible length in UTF-16 units, parse error or None), as Telegram measures a message."""
    if parse_mode != "HTML":
        return len(text.encode("utf-16-le")) // 2, None
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    error = parser.error or (f"can't find end tag corresponding to start tag \"{parser.open[-1]}\""
                             if parser.open else None)
    return len("".join(parser.text).encode("utf-16-le")) // 2, error


def refusal(method: str, params: dict) -> str | None:
    """Why the real Bot API would refuse this call for its size or markup ("Bad Request: ..."), or None."""
    if method in ("sendMessage", "editMessageText") and isinstance(params.get("text"), str):
        length, error = _parsed_length(params["text"], params.get("parse_mode"))
        if error:
            return f"Bad Request: can't parse entities: {error}"
        if length > TEXT_LIMIT:
            return "Bad Request: message is too long"
        if length == 0:
            return "Bad Request: message text is empty"
    if isinstance(params.get("caption"), str):
        length, error = _parsed_length(params["caption"], params.get("parse_mode"))
        if error:
            return f"Bad Request: can't parse entities: {error}"
        if length > CAPTION_LIMIT:
            return "Bad Request: message caption is too long"
    if method == "sendContact" and isinstance(params.get("vcard"), str) \
            and len(params["vcard"].encode("utf-8")) > VCARD_LIMIT:
        return "Bad Request: VCARD_INVALID"
    return None


def _words_at(text: str) -> list[tuple[int, str]]:
    """(offset, word) for each whitespace-separated word (offsets in UTF-16 units, as Telegram)."""
    out, i = [], 0
    for word in text.split():
        i = text.index(word, i)
        out.append((len(text[:i].encode("utf-16-le")) // 2, word.rstrip(",.:;!?")))
        i += len(word)
    return out


class StandIn:
    def __init__(self, token: str = DEFAULT_TOKEN, username: str = "welzijns_test_bot"):
        self.token = token
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Welzijnsbot",
                         "username": username, "can_join_groups": True,
                         "can_read_all_group_messages": False, "supports_inline_queries": True}
        self.calls: list[Call] = []
        self.pending: list[dict] = []             # updates not yet confirmed by offset
        self.delivered_at: dict[int, float] = {}  # update_id -> monotonic time first served
        self.commands: list[dict] = []
        self.failures: list[_Failure] = []
        self.enforce_limits = True                # refuse what Telegram refuses (refusal())
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        self._changed: asyncio.Condition | None = None
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task] = set()
        self.port = 0

    # ── life cycle ─────────────────────────────────────────────────────────────────────

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> StandIn:
        self._changed = asyncio.Condition()
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> StandIn:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def changed(self) -> asyncio.Condition:
        """What waiters sleep on; made by start(), inside the running event loop."""
        if self._changed is None:
            raise RuntimeError("the stand-in is not started")
        return self._changed

    @property
    def base_url(self) -> str:
        """What TELEGRAM_BASE_URL should be: the token is appended by the bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ── injecting updates ──────────────────────────────────────────────────────────────

    def inject(self, update: dict) -> dict:
        """Queue any update (without update_id); returns it with its new update_id."""
        update = {"update_id": next(self._update_ids), **update}
        self.pending.append(update)
        self._notify()
        return update

    @staticmethod
    def user(user_id: int, first_name: str = "Zorgco") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "nl"}

    def message(self, chat_id: int, text: str, user_id: int | None = None,
                reply_to: dict | None = None, chat_type: str = "private", media: str | None = None) -> dict:
        """A text message (private by default); a leading /command gets its bot_command entity,
        every @name a mention entity.

        reply_to: a message the bot sent (e.g. a ForceReply prompt) that this one answers.
        chat_type: "private", "group" or "supergroup" (a channel post: `channel_post`).
        media: "photo", "document" or "video": the text is that message's caption."""
        msg = self._user_message(chat_id, text, user_id, chat_type, media)
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        return self.inject({"message": msg})

    def channel_post(self, chat_id: int, text: str, media: str | None = None) -> dict:
        """A post in a channel the bot administers (no sender)."""
        msg = self._user_message(chat_id, text, None, "channel", media)
        del msg["from"]
        return self.inject({"channel_post": msg})

    def edit(self, update: dict, text: str) -> dict:
        """The message of an injected update, edited by its sender to `text`."""
        kind = "channel_post" if "channel_post" in update else "message"
        original = update[kind]
        msg = self._user_message(original["chat"]["id"], text, original.get("from", {}).get("id"),
                                 original["chat"]["type"], None)
        msg.update(message_id=original["message_id"], date=original["date"], edit_date=int(time.time()))
        if "from" not in original:
            msg.pop("from", None)
        return self.inject({f"edited_{kind}": msg})

    def _user_message(self, chat_id: int, text: str, user_id: int | None, chat_type: str,
                      media: str | None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "Zorgco"} if chat_type == "private" else {"title": "Leerkrachtenkamer"})
        msg: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                               "from": self.user(user_id or abs(chat_id))}
        entities = [{"type": "mention", "offset": i, "length": len(word)}
                    for i, word in _words_at(text) if word.startswith("@") and len(word) > 1]
        if text.startswith("/"):
            entities.insert(0, {"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        if media is None:
            msg["text"] = text
            if entities:
                msg["entities"] = entities
            return msg
        number = msg["message_id"]
        msg[media] = ([{"file_id": f"photo{number}", "file_unique_id": f"p{number}", "width": 640, "height": 480}]
                      if media == "photo" else
                      {"file_id": f"{media}{number}", "file_unique_id": f"{media[0]}{number}",
                       **({"duration": 3, "width": 640, "height": 480} if media == "video" else {})})
        if text:
            msg["caption"] = text
            if entities:
                msg["caption_entities"] = entities
        return msg

    def callback(self, chat_id: int, data: str, message: dict | None = None,
                 user_id: int | None = None) -> dict:
        """A tap on an inline button; `message` defaults to the bot's last message in that chat."""
        if message is None:
            message = self.last_bot_message(chat_id) or {
                "message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"}, "text": "…"}
        return self.inject({"callback_query": {
            "id": str(next(self._query_ids)), "from": self.user(user_id or chat_id),
            "chat_instance": str(chat_id), "data": data, "message": message}})

    def inline_query(self, user_id: int, query: str, offset: str = "") -> dict:
        return self.inject({"inline_query": {
            "id": str(next(self._query_ids)), "from": self.user(user_id), "query": query,
            "offset": offset, "chat_type": "sender"}})

    def fail_next(self, n: int, status: int = 429, retry_after: int = 1,
                  methods: set[str] | None = None, description: str | None = None) -> None:
        """The next n matching calls fail: 429 with retry_after, or any other HTTP status
        (description: Telegram's text, e.g. "Bad Request: query is too old ...")."""
        self.failures.append(_Failure(n, status, retry_after, frozenset(methods) if methods else None,
                                      description))

    def fail_for(self, seconds: float, status: int = 500, retry_after: int = 1,
                 methods: set[str] | None = None, after: float = 0.0) -> None:
        """Every matching call fails with `status` during `seconds`, starting `after` seconds from
        now (windows added earlier win where they overlap)."""
        start = time.monotonic() + after
        self.failures.append(_Failure(0, status, retry_after, frozenset(methods) if methods else None,
                                      window=(start, start + seconds)))

    def drop_next(self, n: int, methods: set[str] | None = None) -> None:
        """The next n matching calls are carried out (the message is delivered and recorded), then
        the connection is closed without an answer: the bot cannot know the message arrived."""
        self.failures.append(_Failure(n, 200, 0, frozenset(methods) if methods else None, drop=True))

    def delay_next(self, n: int, seconds: float, methods: set[str] | None = None) -> None:
        """The next n matching calls are carried out at once but answered only after `seconds`."""
        self.failures.append(_Failure(n, 200, 0, frozenset(methods) if methods else None, delay=seconds))

    # ── inspecting calls ───────────────────────────────────────────────────────────────

    def calls_to(self, method: str | None = None, chat_id: int | None = None, since: int = 0,
                 ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls[since:]
                if (method is None or c.method == method)
                and (chat_id is None or c.chat_id == chat_id)
                and (not ok_only or c.status == 200)]

    def last_bot_message(self, chat_id: int) -> dict | None:
        for call in reversed(self.calls):
            if call.chat_id == chat_id and call.status == 200 and isinstance(call.result, dict) \
                    and "message_id" in call.result:
                return call.result
        return None

    async def wait_for(self, method: str | None = None, chat_id: int | None = None, since: int = 0,
                       predicate: Callable[[Call], bool] | None = None, timeout: float = 10) -> Call:
        """The first successful call (from index `since`) that matches; TimeoutError if none comes."""
        def found() -> Call | None:
            for call in self.calls_to(method, chat_id, since):
                if predicate is None or predicate(call):
                    return call
            return None

        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(found), timeout)
        call = found()
        assert call is not None  # the wait ends only when one is found
        return call

    async def wait_count(self, n: int, method: str | None = None, chat_id: int | None = None,
                         since: int = 0, timeout: float = 10) -> list[Call]:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(
                lambda: len(self.calls_to(method, chat_id, since)) >= n), timeout)
        return self.calls_to(method, chat_id, since)

    def _notify(self) -> None:
        changed = self._changed
        if changed is None:
            return

        async def notify() -> None:
            async with changed:
                changed.notify_all()
        asyncio.get_running_loop().create_task(notify())

    # ── HTTP ───────────────────────────────────────────────────────────────────────────

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # a connection is served in its own task
        self._connections.add(task)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                verb, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    key, _, value = line.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await self._read_body(reader, headers)
                status, payload = await self._dispatch(verb, target, headers, body)
                if status == _DROP:   # the call was carried out; its answer is lost with the connection
                    break
                data = json.dumps(payload, ensure_ascii=False).encode()
                writer.write(
                    f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    f"Connection: keep-alive\r\n\r\n".encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError, ValueError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int((await reader.readline()).split(b";")[0].strip(), 16)
                if size == 0:
                    await reader.readline()
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readline()
        length = int(headers.get("content-length") or 0)
        return await reader.readexactly(length) if length else b""

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in _JSON_KEYS:
            try:
                return json.loads(value)
            except ValueError:
                return value
        if key in _INT_KEYS:
            try:
                return int(value)
            except ValueError:
                return value
        if key in _FLOAT_KEYS:
            return float(value)
        return value

    def _parse_params(self, headers: dict[str, str], body: bytes, query: str):
        params: dict[str, Any] = dict(parse_qsl(query))
        files: dict[str, bytes] = {}
        filenames: dict[str, str] = {}
        ctype = headers.get("content-type", "")
        if ctype.startswith("application/json") and body:
            params.update(json.loads(body))
        elif ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                filename = part.get_filename()
                assert isinstance(name, str) and isinstance(payload, bytes)  # a form field: named, decoded
                if filename is not None:
                    files[name], filenames[name] = payload, filename
                else:
                    params[name] = payload.decode("utf-8")
        elif body:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return {k: self._decode(k, v) for k, v in params.items()}, files, filenames

    async def _dispatch(self, verb: str, target: str, headers: dict[str, str], body: bytes):
        url = urlsplit(target)
        if url.path.startswith("/_standin/"):
            return await self._control(url.path[len("/_standin/"):], url.query, body)
        prefix = f"/bot{self.token}/"
        if not url.path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = url.path[len(prefix):]
        params, files, filenames = self._parse_params(headers, body, url.query)
        call = Call(method, params, files=files, filenames=filenames)
        now = time.monotonic()
        failure = next((f for f in self.failures if f.applies(method, now)), None)
        if failure is not None and failure.window is None:
            failure.remaining -= 1
        if failure is not None and failure.executes:
            call.result = self._result(method, params, call)
            call.fault = "dropped" if failure.drop else "delayed"
            self.calls.append(call)
            self._notify()
            if failure.drop:
                return _DROP, None
            await asyncio.sleep(failure.delay)
            return 200, {"ok": True, "result": call.result}
        if failure is not None:
            call.status = failure.status
            self.calls.append(call)
            self._notify()
            error = {"ok": False, "error_code": failure.status,
                     "description": failure.description or HTTPStatus(failure.status).phrase}
            if failure.status == 429:
                error["description"] = f"Too Many Requests: retry after {failure.retry_after}"
                error["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, error
        refused = refusal(method, params) if self.enforce_limits else None
        if refused is not None:
            call.status = 400
            self.calls.append(call)
            self._notify()
            return 400, {"ok": False, "error_code": 400, "description": refused}
        if method == "getUpdates":
            result = await self._get_updates(params)
        else:
            result = self._result(method, params, call)
        call.result = result
        if method != "getUpdates" or result:
            self.calls.append(call)
            self._notify()
        return 200, {"ok": True, "result": result}

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = params.get("offset") or 0
        if offset:  # confirming: everything below offset is gone for good
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        limit = params.get("limit") or 100
        timeout = float(params.get("timeout") or 0)

        def ready() -> list[dict]:
            return [u for u in self.pending if u["update_id"] >= offset][:limit]

        if not ready() and timeout > 0:
            try:
                async with self.changed:
                    await asyncio.wait_for(self.changed.wait_for(lambda: bool(ready())), timeout)
            except TimeoutError:
                pass
        updates = ready()
        now = time.monotonic()
        for u in updates:
            self.delivered_at.setdefault(u["update_id"], now)
        return updates

    def _result(self, method: str, params: dict, call: Call) -> Any:
        if method == "getMe":
            return self.bot_user
        if method == "setMyCommands":
            self.commands = params.get("commands") or []
            return True
        if method == "deleteMyCommands":
            self.commands = []
            return True
        if method == "getMyCommands":
            return self.commands
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.pending)}
        if method == "getChat":
            return {"id": params.get("chat_id"), "type": "private"}
        if method == "getFile":
            return {"file_id": params.get("file_id"), "file_unique_id": "u1", "file_path": "docs/file"}
        if method in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption") \
                and "inline_message_id" in params:
            return True
        if method in _MESSAGE_METHODS:
            return self._message(method, params, call)
        return True  # answerCallbackQuery, answerInlineQuery, deleteWebhook, unknown methods, ...

    def _message(self, method: str, params: dict, call: Call) -> dict:
        chat_id = params.get("chat_id")
        message_id = params.get("message_id") if method.startswith("edit") else next(self._message_ids)
        msg: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                               "chat": {"id": chat_id, "type": "private"}, "from": self.bot_user}
        if "text" in params:
            msg["text"] = params["text"]
        if "caption" in params:
            msg["caption"] = params["caption"]
        if params.get("reply_markup") and "inline_keyboard" in params["reply_markup"]:
            msg["reply_markup"] = params["reply_markup"]
        if method == "sendContact":
            msg["contact"] = {k: params[k] for k in ("phone_number", "first_name", "last_name", "vcard")
                              if k in params}
        elif method == "sendVenue":
            msg["venue"] = {"location": {"latitude": params["latitude"], "longitude": params["longitude"]},
                            "title": params.get("title", ""), "address": params.get("address", "")}
        elif method == "sendLocation":
            msg["location"] = {"latitude": params["latitude"], "longitude": params["longitude"]}
        elif method == "sendDocument":
            field_ = "document" if "document" in call.files else next(iter(call.files), "document")
            msg["document"] = {"file_id": f"doc{message_id}", "file_unique_id": f"d{message_id}",
                               "file_name": call.filenames.get(field_, field_),
                               "file_size": len(call.files.get(field_, b""))}
        elif method == "sendPhoto":
            msg["photo"] = [{"file_id": f"photo{message_id}", "file_unique_id": f"p{message_id}",
                             "width": 640, "height": 480}]
        return msg

    # ── control API for a stand-in in another process ──────────────────────────────────

    async def _control(self, action: str, query: str, body: bytes):
        data = json.loads(body) if body else {}
        if action == "inject":
            if "text" in data and "chat_id" in data:
                return 200, self.message(int(data["chat_id"]), str(data["text"]))
            if "callback_data" in data and "chat_id" in data:
                return 200, self.callback(int(data["chat_id"]), str(data["callback_data"]))
            return 200, self.inject(data)
        if action == "calls":
            since = int(dict(parse_qsl(query)).get("since", 0))
            return 200, [{"method": c.method, "params": c.params, "status": c.status, "at": c.at}
                         for c in self.calls[since:]]
        if action == "fail":
            methods = set(data["methods"]) if data.get("methods") else None
            if data.get("drop"):
                self.drop_next(int(data.get("n", 1)), methods)
            elif data.get("delay"):
                self.delay_next(int(data.get("n", 1)), float(data["delay"]), methods)
            elif data.get("seconds"):
                self.fail_for(float(data["seconds"]), int(data.get("status", 500)), int(data.get("retry_after", 1)),
                              methods)
            else:
                self.fail_next(int(data.get("n", 1)), int(data.get("status", 429)),
                               int(data.get("retry_after", 1)), methods)
            return 200, True
        return 404, {"ok": False, "description": "unknown control action"}


async def _main(port: int, token: str) -> None:
    standin = await StandIn(token).start(port=port)
    print(f"Bot API stand-in: TELEGRAM_BASE_URL={standin.base_url} TELEGRAM_BOT_TOKEN={token}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Telegram Bot API stand-in on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.port, args.token))
