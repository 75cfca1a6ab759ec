"""Shared fixtures: the benchmark knowledge base, a Bot API stand-in, and the real bot polling it.

Typical end-to-end test:

    async def test_something(bot, chat):
        user = chat(4242)                      # one private chat with the bot
        await user.send("/postcode 9801")      # -> list of the bot's calls to that chat
        replies = await user.send("papa krijgt brieven van een deurwaarder")
        assert "Koen" in replies[-1].text
        await user.tap(replies[-1].buttons[0]["callback_data"])

Fixtures:
  bench_kb_dir   path of shared/benchmark/kb (fictional region Lindeland + Flemish layer)
  bench_kb       that knowledge base, loaded once per session
  standin        a started tests/standin.StandIn (records calls, injects updates, fails on request)
  db_path        tmp_path / "bot.sqlite3" (a real SQLite file)
  start_bot      factory: await start_bot(db_path=..., kb=... or kb_dir=..., setup=fn(app),
                 **build_application_kwargs) -> RunningBot (.application, .state, .stop());
                 `setup` may add handlers before start; bots are stopped at teardown
                 (stop one earlier and start another on the same db_path to test a restart)
  bot            one RunningBot on bench_kb and db_path
  running_bots   the RunningBots start_bot started in this test, newest last
  chat           factory: chat(chat_id) -> Chat, bound to the standin and the latest bot:
                 await send(text) / await tap(callback_data) -> the bot's calls to that chat
                 while it handled the update (standin.Call: .method .params .text .buttons)
"""
from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import build_application, stop_application
from bot.state import STATE_KEY, BotState
from kennisbank.loader import load_knowledge_base
from kennisbank.schema import KnowledgeBase
from paths import BENCHMARK_KB
from standin import Call, StandIn

BENCH_KB_DIR = BENCHMARK_KB


@pytest.fixture(scope="session")
def bench_kb_dir() -> Path:
    return BENCH_KB_DIR


@pytest.fixture(scope="session")
def bench_kb(bench_kb_dir) -> KnowledgeBase:
    return load_knowledge_base(bench_kb_dir)


@pytest.fixture
def region_files(tmp_path, monkeypatch) -> Path:
    """A writable copy of the benchmark region files, with a cache folder of its own."""
    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "kb"
    shutil.copytree(BENCH_KB_DIR, target)
    for f in target.iterdir():
        f.chmod(0o644)
    return target


@pytest.fixture
async def standin():
    server = await StandIn().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "bot.sqlite3"


@dataclass
class RunningBot:
    application: Application
    standin: StandIn

    @property
    def state(self) -> BotState:
        return self.application.bot_data[STATE_KEY]

    async def wait_processed(self, update_id: int, timeout: float = 15) -> None:
        """Until the bot has fully handled this update (handlers and error handler done)."""
        async def done() -> None:
            while update_id not in self.state.processed:
                await asyncio.sleep(0.005)
        await asyncio.wait_for(done(), timeout)

    async def stop(self) -> None:
        if self.application.running:
            await stop_application(self.application)


async def launch(standin: StandIn, kb: KnowledgeBase, db_path: Path,
                 setup: Callable[[Application], None] | None = None, **build_kwargs) -> RunningBot:
    """Build the real application, point it at the stand-in and start long polling."""
    application = build_application(standin.token, kb, db_path, base_url=standin.base_url,
                                    **build_kwargs)
    if setup is not None:
        setup(application)
    await application.initialize()
    assert application.post_init is not None and application.updater is not None  # both set by the builder
    await application.post_init(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=2,
                                            allowed_updates=Update.ALL_TYPES)
    return RunningBot(application, standin)


@pytest.fixture
def running_bots() -> list[RunningBot]:
    """The bots start_bot started in this test, newest last."""
    return []


@pytest.fixture
async def start_bot(standin, bench_kb, db_path, running_bots):
    async def start(db_path: Path = db_path, kb: KnowledgeBase | None = None, kb_dir: Path | None = None,
                    setup: Callable[[Application], None] | None = None, **build_kwargs) -> RunningBot:
        if kb is None:
            kb = load_knowledge_base(kb_dir) if kb_dir is not None else bench_kb
        bot = await launch(standin, kb, db_path, setup, kb_dir=kb_dir, **build_kwargs)
        running_bots.append(bot)
        return bot

    yield start
    for bot in reversed(running_bots):
        await bot.stop()


@pytest.fixture
async def bot(start_bot) -> RunningBot:
    return await start_bot()


class Chat:
    """One private chat: send text or tap buttons, get back what the bot sent to this chat."""

    def __init__(self, standin: StandIn, bots: list[RunningBot], chat_id: int):
        self.standin, self._bots, self.chat_id = standin, bots, chat_id

    @property
    def bot(self) -> RunningBot:
        return self._bots[-1]

    async def _run(self, update: dict) -> list[Call]:
        since = len(self.standin.calls)
        await self.bot.wait_processed(update["update_id"])
        return self.standin.calls_to(chat_id=self.chat_id, since=since)

    async def run(self, update: dict) -> list[Call]:
        """Any update injected into the stand-in (a group message, an edit, a channel post, a
        caption): processed by the bot; what it sent to this chat meanwhile."""
        return await self._run(update)

    async def send(self, text: str, reply_to: Call | None = None) -> list[Call]:
        """reply_to: a call of the bot (e.g. a ForceReply prompt) that this text answers."""
        message = reply_to.result if reply_to is not None else None
        return await self._run(self.standin.message(self.chat_id, text, reply_to=message))

    async def tap(self, callback_data: str) -> list[Call]:
        return await self._run(self.standin.callback(self.chat_id, callback_data))

    def buttons(self) -> list[dict]:
        message = self.standin.last_bot_message(self.chat_id) or {}
        return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


@pytest.fixture
def chat(standin, start_bot, running_bots) -> Callable[[int], Chat]:
    return lambda chat_id: Chat(standin, running_bots, chat_id)


# ── markers: `pytest -m "not e2e and not models"` runs the fast unit tests in seconds ────────

E2E_FIXTURES = {"standin", "bot", "chat", "start_bot"}
E2E_MODULES = {"test_crash_safety", "test_check_cli", "test_readme"}  # the real CLI in subprocesses
MODEL_MODULES = {"test_search", "test_safety", "test_terminal", "test_readme"}  # need the fitted models
# Single tests elsewhere that search through the CLI (answers compared before and after a round trip).
MODEL_TESTS = {"test_export_then_import_gives_the_same_knowledge_base",
               "test_export_with_revisions_then_check_then_reload_gives_the_same_answers"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: the real bot against the Bot API stand-in, or the CLI in a subprocess")
    config.addinivalue_line("markers", "models: needs the fitted search models (first run: minutes)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(getattr(item, "module", None), "__name__", "")
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())) or module in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)
        if module in MODEL_MODULES or getattr(item, "originalname", item.name) in MODEL_TESTS:
            item.add_marker(pytest.mark.models)
