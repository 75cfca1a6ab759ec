"""The README's commands work on the data that is loaded by default (issue: first contact).

Every ```sh block in README.md preceded by `<!-- runnable -->` is run line by line, as a newcomer
would after `make run`: in an empty working folder, with the installed `welzijnsbot` on the PATH,
without a Telegram token, against the default regions/. Each command must succeed, and what it
claims to do must have happened (files written, a service of the named postcode found, ...).
The README's one-liner for the terminal chat is run too (issue 15's bar).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from paths import ROOT

README = ROOT / "README.md"
BIN = Path(sys.executable).parent


def runnable_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- runnable -->\n```sh\n(.*?)```", text, flags=re.DOTALL)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command:
                commands.append(command)
    return commands


def newcomer_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=newcomer_env(), capture_output=True,
                          text=True, timeout=300)


def test_the_readme_marks_its_runnable_commands():
    commands = runnable_commands()
    assert len(commands) >= 8
    assert all(c.startswith("welzijnsbot ") for c in commands), commands


def test_every_runnable_readme_command_works_on_the_default_data(tmp_path):
    regions = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ROOT / "regions").glob("*.yaml")}
    ids = {s["id"] for r in regions.values() for s in r.get("services") or ()}
    for command in runnable_commands():
        result = run(command, tmp_path)
        assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        assert result.stdout.strip(), command
        words = command.split()
        if words[1] == "zoek":
            postcode = int(words[words.index("--postcode") + 1])
            shown = re.findall(r"^\d+\. (.+?) · ", result.stdout, flags=re.MULTILINE)
            assert shown, result.stdout
            local = {s["organisation"] for r in regions.values() if r["region"]["municipalities"]
                     for s in r["services"]
                     if any(postcode in m["postcodes"] for m in r["region"]["municipalities"])}
            assert set(shown) & local, (shown, postcode)
        elif words[1] == "kaart":
            assert words[2] in ids
            if "--lang" in words and words[words.index("--lang") + 1] == "ar":
                assert re.search(r"[\u0600-\u06ff]", result.stdout)
            if "--vcard" in words:
                assert result.stdout.startswith("BEGIN:VCARD")
        elif words[1] in ("export", "import"):
            out = tmp_path / words[words.index("--out") + 1]
            assert any(out.iterdir()), command
        elif words[1] == "check":
            assert result.stdout.startswith("OK: ") or "\nOK: " in result.stdout, result.stdout
        elif words[1] == "invite":
            code = result.stdout.strip().splitlines()[-1]
            assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code), code
            assert (tmp_path / "welzijnsbot.sqlite3").stat().st_size > 0


def test_the_readme_terminal_one_liner_answers_for_that_municipality(tmp_path):
    text = README.read_text(encoding="utf-8").replace("\n", " ")
    found = re.search(r"`printf '([^'\\]+)\\n([^'\\]+)\\n' \| make run`", text)
    assert found, "the README shows how to pipe a question and a municipality into make run"
    question, place = found.group(1), found.group(2)
    result = subprocess.run(["make", "-s", "-C", str(ROOT), "run"], input=f"{question}\n{place}\n",
                            env=newcomer_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    beekland = yaml.safe_load((ROOT / "regions" / "beekland.yaml").read_text(encoding="utf-8"))
    assert place in {m["name"] for m in beekland["region"]["municipalities"]}
    answer = result.stdout[result.stdout.index(place):] if place in result.stdout else result.stdout
    assert "Wonen en huisvesting" in answer and "CAW Beekland" in answer, result.stdout[-3000:]


def test_readme_stays_short_and_points_to_existing_docs():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    for link in re.findall(r"\]\(([^)#]+)\)", text):
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link


@pytest.mark.parametrize("doc", ["docs/coordinators.md", "docs/developers.md"])
def test_moved_docs_link_to_existing_files(doc):
    path = ROOT / doc
    for link in re.findall(r"\]\(([^)#]+)\)", path.read_text(encoding="utf-8")):
        if not link.startswith("http"):
            assert (path.parent / link).resolve().exists(), (doc, link)
