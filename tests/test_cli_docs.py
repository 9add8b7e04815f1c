"""The README documents every command and option of the CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

from shirube.cli import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _parsers(p: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, p
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sp in a.choices.items():
                yield from _parsers(sp, path + (name,))


def test_every_command_and_option_is_in_the_readme():
    missing = []
    for path, p in _parsers(build_parser()):
        if path and f"`{' '.join(path)}`" not in README and f"shirube {' '.join(path)}" not in README:
            missing.append(" ".join(path))
        for a in p._actions:
            for opt in a.option_strings:
                if opt.startswith("--") and opt != "--help" and opt not in README:
                    missing.append(f"{' '.join(path)} {opt}")
    assert missing == []
