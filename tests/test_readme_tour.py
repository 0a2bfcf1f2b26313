"""The README's quick tours run as written: the Python block, and every command of the
command-line block (in a fresh folder, with the store there)."""
import re
import shlex
from pathlib import Path

import pytest

import protocol_kit as pk
from protocol_kit.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def block(heading: str, lang: str = "") -> str:
    """The first fenced block after ``heading``."""
    rest = README[README.index(heading):]
    return re.search(r"```" + lang + r"\n(.*?)```", rest, re.S).group(1)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROTOCOL_KIT_STORE", str(tmp_path / "protocol_kit.db"))
    return tmp_path


def test_the_python_tour_runs_and_its_numbers_hold(folder):
    ns = {}
    exec(block("## A quick tour in Python", "python"), ns)
    r = ns["r"]
    # "about 3.1e-10 M, 95% CI 2.3e-10 to 4.0e-10 M": the demo's seed-1 plate (Ki 308 pM, 234-405 pM)
    assert f"{r.ki:.1e}" == "3.1e-10"
    assert (f"{r.ki_ci[0]:.1e}", f"{r.ki_ci[1]:.1e}") == ("2.3e-10", "4.0e-10")
    assert ns["p"].warnings == []
    assert (folder / "sheet.pdf").stat().st_size > 0 and (folder / "report.html").is_file()
    assert [f.name for f in ns["run"].reports] == ["report.html"]


def test_every_command_of_the_command_line_tour_exits_0(folder, capsys):
    pk.RadioligandBinding().simulate(seed=1).to_csv(folder / "counts.txt", index=False)
    commands = [line.split("#")[0].strip() for line in block("## A quick tour on the command line").splitlines()]
    commands = [c for c in commands if c]
    assert len(commands) >= 5 and all(c.startswith("protocol-kit ") for c in commands)
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, command
    assert (folder / "sheet.pdf").is_file() and (folder / "report.pdf").is_file()
    assert "sertraline" in capsys.readouterr().out
