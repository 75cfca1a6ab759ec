"""`welzijnsbot check` as a coordinator runs it: exit code, and every problem on the right stream.

Runs the real command in a subprocess, so argument parsing, printing and exit codes are what a
person (or CI) gets.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest

from paths import BENCHMARK_KB, ROOT
from test_loader import region, service, write

REPO = ROOT


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", "check", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60)


def test_shipped_regions_pass_with_a_one_line_summary():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("OK: ") and "in 2 regio's en de Vlaamse laag" in summary


def test_errors_in_several_files_are_all_listed_on_stderr_and_exit_1(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service("a", **{"themes: [inkomen]": "themes: [wonen]"})
          + service("b", **{'phone: "+32 9 999 20 11"': 'phone: "09 999"'}))
    write(tmp_path, "meersdal.yaml", region("meersdal", (9813, 9814, 9815))
          + service("c", **{"    area: [Beekdonk]\n": "    area: [Nergensdorp]\n"}))
    write(tmp_path, "binair.yaml", b"\x89PNG\r\n\x1a\n\xff\x00")
    write(tmp_path, "lijst.yaml", "- a\n- b\n")
    result = run_check("--kb", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    expected = [
        ("beekland.yaml:", "dienst a", "veld themes", "onbekend thema 'wonen'"),
        ("beekland.yaml:", "dienst b", "veld contact.phone", "geen geldig telefoonnummer"),
        ("meersdal.yaml:", "dienst c", "veld area", "'Nergensdorp' is geen gemeente"),
        ("binair.yaml:1", "geen UTF-8-tekst"),
        ("lijst.yaml:1", "moet beginnen met"),
    ]
    for parts in expected:
        assert any(all(p in line for p in parts) for line in lines), (parts, lines)
    assert lines[-1].startswith("5 fouten")
    assert result.stdout == ""


def test_error_lines_carry_the_yaml_line_number(tmp_path):
    text = region() + service(**{"url: https://www.beekdonk.example": "url: www.beekdonk.example"})
    path = write(tmp_path, "beekland.yaml", text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "url:" in t)
    result = run_check("--kb", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:{line} · dienst onthaal · veld url: fout: ")


def test_warnings_alone_exit_0_and_go_to_stdout(tmp_path):
    stale = (date.today() - timedelta(days=400)).isoformat()
    write(tmp_path, "beekland.yaml", region() + service(**{"last_verified: 2026-09-01": f"last_verified: {stale}"}))
    result = run_check("--kb", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    warning, summary = result.stdout.strip().splitlines()
    assert "dienst onthaal · veld last_verified: waarschuwing:" in warning
    assert summary.startswith("OK: 1 dienst in") and "1 waarschuwing." in summary


def test_a_single_file_can_be_checked(tmp_path):
    path = write(tmp_path, "beekland.yaml", region() + service())
    result = run_check("--kb", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 1 dienst in 1 regio (zonder Vlaamse laag)")


def test_missing_directory_is_a_clear_error(tmp_path):
    result = run_check("--kb", str(tmp_path / "nergens"))
    assert result.returncode == 1
    assert "bestaat niet" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not BENCHMARK_KB.is_dir(), reason="shared/benchmark is not beside the repository")
def test_benchmark_knowledge_base_passes():
    result = run_check("--kb", str(BENCHMARK_KB))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "OK: " in result.stdout


def test_problems_are_listed_file_by_file_top_to_bottom(tmp_path):
    text = region() + service(**{"    summary:": "    summery:"})  # unknown key below, missing field above
    write(tmp_path, "beekland.yaml", text)
    result = run_check("--kb", str(tmp_path))
    numbers = [int(line.split(":")[1].split(" ")[0]) for line in result.stderr.splitlines()[:-1]]
    assert len(numbers) == 2 and numbers == sorted(numbers)


def test_the_readme_example_region_is_valid(tmp_path):
    """The coordinators' README snippet must stay in step with the checker."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Een regio-bestand schrijven en controleren"):]
    snippet = section[section.index("```yaml\n") + 8: section.index("```", section.index("```yaml\n") + 8)]
    write(tmp_path, "mijnregio.yaml", snippet)
    result = run_check("--kb", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "ziet eruit als voorbeelddata" in result.stdout  # the placeholders are flagged, as the README says


def test_a_syntax_error_hides_neither_other_files_nor_the_other_services_and_speaks_dutch(tmp_path):
    broken = region() + service("a", **{"      name: Lotte": "    name: Lotte"}) \
        + service("b", **{"themes: [inkomen]": "themes: [schuld]"})
    write(tmp_path, "beekland.yaml", broken)
    write(tmp_path, "meersdal.yaml", region("meersdal", (9813, 9814, 9815))
          + service("c", **{"themes: [inkomen]": "themes: [Wonen en huisvesting]"}))
    result = run_check("--kb", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert "beekland.yaml:" in lines[0] and "controleer het inspringen: 'name' staat op 4 spaties" in lines[0]
    assert "dienst b" in lines[1] and "bedoel je 'schulden'?" in lines[1]
    assert "dienst c" in lines[2] and "bedoel je 'huisvesting'?" in lines[2]
    assert lines[3].startswith("3 fouten")
    assert "(mapping" not in result.stderr and "found" not in result.stderr
