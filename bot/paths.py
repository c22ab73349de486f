"""Where the data lives: a checkout's root, or the copy bundled into an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_data"
_CHECKOUT = _PACKAGE.parent


def data_root() -> Path:
    """The folder holding facts.db and intents/: the wheel's bundle, else the checkout."""
    if (_BUNDLED / "facts.db").exists():
        return _BUNDLED
    return _CHECKOUT


def project_root() -> Path:
    """The checkout whose sources/ and knowledge/ `nervebot build` reads (the current folder if outside one)."""
    if (_CHECKOUT / "knowledge").is_dir():
        return _CHECKOUT
    return Path.cwd()


def default_db() -> Path:
    """facts.db from `NERVEBOT_DB`, else the bundled or checked-out one."""
    env = os.environ.get("NERVEBOT_DB")
    return Path(env) if env else data_root() / "facts.db"


def default_intents() -> Path:
    """intents/ from `NERVEBOT_INTENTS`, else the bundled or checked-out one."""
    env = os.environ.get("NERVEBOT_INTENTS")
    return Path(env) if env else data_root() / "intents"
