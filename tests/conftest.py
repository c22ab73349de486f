"""Shared fixtures. Each works under tmp_path and never writes to the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.build import build

REPO_ROOT = Path(__file__).parent.parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds a wheel and installs it into a fresh venv (still runs by default)")


# --- Fact store: a copy of sources/ and knowledge/, YAML edits, a built facts.db, the CLI -----------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throwaway copy of the real sources/ and knowledge/, safe to edit and rebuild."""
    root = tmp_path / "project"
    for folder in ("sources", "knowledge"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return root


@pytest.fixture
def edit_yaml(project: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], None]:
    """edit_yaml("knowledge/facts.yaml", change): load the file of `project`, let `change` mutate it, save it."""

    def edit(relative: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = project / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")

    return edit


@pytest.fixture
def replace_text(project: Path) -> Callable[[str, str, str], None]:
    """replace_text(relative, old, new): a byte-precise edit of one file of `project`; `old` must occur once."""

    def replace(relative: str, old: str, new: str) -> None:
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} should occur exactly once in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return replace


@pytest.fixture
def built_db(project: Path, tmp_path: Path) -> Path:
    """facts.db built from `project` under tmp_path."""
    out = tmp_path / "built" / "facts.db"
    build(project, out)
    return out


@pytest.fixture
def run_nervebot(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """run_nervebot("build", "--root", ...): the real command in a subprocess, run from tmp_path."""
    env = {k: v for k, v in os.environ.items() if k != "NERVEBOT_DB"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *map(str, args)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
