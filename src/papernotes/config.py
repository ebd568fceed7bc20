"""Configuration: one pydantic model, found by walking up from the working folder.

The repository root is the nearest folder holding ``papernotes.toml``, a ``pyproject.toml`` with a
``[tool.papernotes]`` table, or ``.git``. Keys are kebab-case, as in ruff and pre-commit configs; a misspelt
key is an error that names the closest valid key and lists them all.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from papernotes.errors import ConfigError

__all__ = ["DEFAULT_EXCLUDE", "LoadedConfig", "Settings", "find_root", "load_config"]

DEFAULT_EXCLUDE = [
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".papernotes_cache",
    "_site",
    ".jekyll-cache",
    ".sass-cache",
    "site-packages",
    ".obsidian",
    ".trash",
    ".idea",
    ".vscode",
    ".github",
    "build",
    "dist",
    "**/template.md",
    "**/templates/**",
    "**/_template*.md",
]
# Files that are never paper indexes, whatever their headings look like.
NOT_INDEXES = [
    "CHANGELOG*",
    "HISTORY*",
    "CONTRIBUTING*",
    "CODE_OF_CONDUCT*",
    "SECURITY*",
    "LICENSE*",
    "SUPPORT*",
]
DEFAULT_INDEX_CANDIDATES = ["*.md", "*.markdown", "notes/*.md", "docs/*.md", "papers/*.md"]
IMAGE_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".webp",
    ".bmp",
    ".tif",
    ".tiff",
    ".avif",
    ".ico",
)
MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mdown", ".mkd")


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class Settings(BaseModel):
    """Every key papernotes reads from ``papernotes.toml`` or ``[tool.papernotes]``."""

    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True)

    indexes: list[str] | None = Field(
        default=None,
        description="Globs of index files (topic indexes, READMEs). Unset: auto-detect Markdown files at the "
        "root and in notes/ or docs/ that hold paper entries.",
    )
    notes: list[str] | None = Field(
        default=None, description="Globs of per-paper note files. Unset: every other Markdown file."
    )
    assets: list[str] | None = Field(
        default=None,
        description="Folders whose images must be referenced (unused-image). "
        "Unset: every image in the repository.",
    )
    exclude: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDE),
        description="Files and folders never read (built sites, editor folders, templates).",
    )
    extend_exclude: list[str] = Field(default_factory=list, description="Added to `exclude`.")
    mirrors: list[str] = Field(
        default_factory=list,
        description="Generated-mirror indexes: their duplicates of other indexes are expected.",
    )
    slug_flavour: Literal["github", "gitlab", "vscode-raw", "typora", "raw"] = Field(
        default="github", description="How heading anchors are made."
    )
    select: list[str] | None = Field(default=None, description="Rules to run (names or codes). Unset: all.")
    ignore: list[str] = Field(default_factory=list, description="Rules never to run (names or codes).")
    fail_on: Literal["error", "warning", "info"] = Field(
        default="warning", description="Lowest severity that makes lint exit 1."
    )
    severity: dict[str, Literal["error", "warning", "info"]] = Field(
        default_factory=dict, description="Per-rule severity overrides: {rule = 'error'}."
    )
    wikilinks: bool = Field(default=False, description="Resolve [[wikilinks]] by note name.")
    self_urls: list[str] = Field(
        default_factory=list,
        description="URL prefixes of this repository (https://github.com/OWNER/REPO): links to them are "
        "checked as local files. Unset: read from the git remote `origin`.",
    )
    external_ignore: list[str] = Field(
        default_factory=list,
        description="Globs of URLs `lint --external` never requests; without a scheme they match any.",
    )
    typora_toc: bool = Field(
        default=False,
        description="Maintain a generated TOC block right after a Typora [toc] line.",
    )
    max_file_size: int = Field(
        default=5 * 1024 * 1024, description="Larger files are skipped, with a message."
    )
    note_path: str | None = Field(
        default=None,
        description="Where `add` writes notes, relative to the index; {id}, {slug}, {yyyymm} placeholders. "
        "Unset: follow the index's existing notes.",
    )
    note_template: str | None = Field(default=None, description="Path of a note template for `add`.")
    arxiv_api: str = Field(default="https://export.arxiv.org/api/query", description="arXiv API base URL.")
    crossref_api: str = Field(default="https://api.crossref.org", description="Crossref API base URL.")
    crossref_mailto: str | None = Field(default=None, description="E-mail sent to Crossref (polite pool).")
    cache: bool = Field(default=True, description="Keep lint's per-file cache in .papernotes_cache/.")

    @property
    def all_excludes(self) -> list[str]:
        return [*self.exclude, *self.extend_exclude]

    def fingerprint(self) -> str:
        """A hash of everything that changes what is extracted from a file (the cache key)."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class LoadedConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: Path
    settings: Settings
    source: Path | None = Field(description="The file the settings came from; None for defaults")


def valid_keys() -> list[str]:
    return [_kebab(name) for name in Settings.model_fields]


def find_root(start: Path) -> tuple[Path, Path | None]:
    """(repository root, config file or None), walking up from ``start``."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        candidate = folder / "papernotes.toml"
        if candidate.is_file():
            return folder, candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return folder, pyproject
        if (folder / ".git").exists():
            return folder, None
    return start, None


def load_config(start: Path | None = None, *, config_file: Path | None = None) -> LoadedConfig:
    source: Path | None
    if config_file is not None:
        root, source = config_file.resolve().parent, config_file.resolve()
    else:
        root, source = find_root(start or Path.cwd())
    if source is None:
        return LoadedConfig(root=root, settings=Settings(), source=None)
    table = _read_table(source)
    return LoadedConfig(root=root, settings=settings_from_table(table, source), source=source)


def settings_from_table(table: dict[str, Any], source: Path | str) -> Settings:
    unknown = [key for key in table if key not in valid_keys() and key not in Settings.model_fields]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, valid_keys(), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"unknown key '{key}'{hint}; valid keys: {', '.join(valid_keys())}", path=source)
    try:
        return Settings.model_validate(table)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{loc}: {first['msg']}", path=source) from None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        # A pyproject that meant to configure papernotes but does not parse must say so, not be skipped.
        return "[tool.papernotes]" in text
    return isinstance(data.get("tool"), dict) and "papernotes" in data["tool"]


def _read_table(source: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the configuration: {err}", path=source) from None
    except RecursionError:
        raise ConfigError("invalid TOML: nested too deeply", path=source) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"invalid TOML: {err}", path=source) from None
    if source.name == "pyproject.toml":
        table = data.get("tool", {}).get("papernotes", {})
        if not isinstance(table, dict):
            raise ConfigError("[tool.papernotes] must be a table", path=source)
        return table
    return data


def env_override(name: str, default: str) -> str:
    return os.environ.get(name) or default
