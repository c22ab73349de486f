"""The README is a session a new user can paste: its commands run, and CI runs its test command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_chat_and_test_commands() -> None:
    first, second = _blocks("sh")[:2]
    assert "pip install" in first and "nervebot" in first
    assert "pip install" in second and "pytest" in second


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    test_command = _blocks("sh")[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_nervebot_commands_run() -> None:
    commands = [
        c
        for block in _blocks("sh")[2:]
        for c in block.replace("\\\n", " ").splitlines()
        if "nervebot" in c and "=..." not in c and "pip install" not in c
    ]
    assert len(commands) >= 4
    for command in commands:
        command = command.replace(".venv/bin/", f"{BIN}/")
        if command.split()[0].endswith("nervebot") and command.split()[1] == "build" and "--check" not in command:
            continue  # rebuilding is covered by the build tests, against a copy
        out = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"{command}\n{out.stderr}"
        assert "Traceback" not in out.stderr


def test_readme_embedding_snippets_compile() -> None:
    snippets = _blocks("py")
    assert len(snippets) >= 2
    for snippet in snippets:
        compile(snippet, "README.md", "exec")


def test_readme_python_example_runs() -> None:
    (code,) = _blocks("python")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("answered")
