"""The README is part of the product: its set-up commands are what CI runs, and every command is in it."""

from __future__ import annotations

from pathlib import Path

import typer

from papernotes.cli import app

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [
        lines[i + 1] for i, line in enumerate(lines) if line.startswith("# README:") and i + 1 < len(lines)
    ]


def test_ci_runs_exactly_the_readme_set_up_commands() -> None:
    commands = _ci_commands()
    assert len(commands) == 2
    for command in commands:
        assert f"\n{command}\n" in README, f"README lacks the CI command: {command}"


def test_every_command_is_documented_in_the_readme_and_has_help() -> None:
    group = typer.main.get_group(app)
    for name, command in group.commands.items():
        assert f"`papernotes {name}" in README, f"README does not mention `papernotes {name}`"
        assert command.help, f"{name} has no help text"


def test_every_configuration_key_is_documented_in_the_readme() -> None:
    from papernotes.config import valid_keys

    for key in valid_keys():
        assert f"| `{key}` |" in README, f"README lacks the configuration key {key}"
