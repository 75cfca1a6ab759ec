"""Small stand-ins shared by tests."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def compose_failing_on(question: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """A stand-in for bot.answering.compose that raises RuntimeError for one question's text and
    composes every other question with `real`."""
    def compose(knowledge: Any, text: str, *args: Any, **kwargs: Any) -> Any:
        if text == question:
            raise RuntimeError("kapot")
        return real(knowledge, text, *args, **kwargs)
    return compose
