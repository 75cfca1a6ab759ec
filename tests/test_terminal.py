"""`welzijnsbot chat` holds the bot's conversation in the terminal; `run` explains a missing token."""
from __future__ import annotations

import io

from bot.answering import SEARCH_LIMIT
from bot.cli import main as cli_main
from bot.terminal import run
from kennisbank.fields import phone_national
from kennisbank.search import SearchEngine

QUESTION = "papa krijgt steeds brieven van nen deurwaarder"


def chat(kb, lines, postcode=None) -> str:
    out = io.StringIO()
    assert run(kb, io.StringIO("".join(line + "\n" for line in lines)), out, postcode) == 0
    return out.getvalue()


def test_terminal_conversation_matches_the_bot(bench_kb):
    output = chat(bench_kb, ["lindegm", QUESTION, "1", "/privacy", "/vergeet", QUESTION])
    top = SearchEngine(bench_kb).search(QUESTION, 9801, SEARCH_LIMIT).matches[0].service
    assert "Noem geen namen: ik bewaar je vraag niet." in output
    assert "Ingesteld: Lindegem (9801)" in output
    assert top.contact.name is not None and top.contact.phone is not None
    assert top.contact.name in output
    assert "[1] 📇 1." in output and "Meer resultaten" in output
    # "1" pressed the first button: the full card with the contact
    assert f"Contactkaart: {top.contact.name}, {phone_national(top.contact.phone)}" in output
    assert "Wat ik bewaar" in output and "Gewist" in output
    # after /vergeet the postcode is gone: it asks again instead of answering
    assert output.rstrip().endswith("stel daarna je vraag opnieuw.")
    assert "<b>" not in output and "&amp;" not in output


def test_terminal_with_postcode_option_and_help(bench_kb):
    output = chat(bench_kb, ["/help", "/postcode 9810", "/onbekend", "7"], postcode=9801)
    assert "Lindegem" in output and "Oosterveld" in output
    assert "Die opdracht ken ik niet" in output
    assert "Kies een nummer" in output


def test_run_without_token_explains_botfather(monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert cli_main(["run"]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "TELEGRAM_BOT_TOKEN" in err and "/newbot" in err
