"""The README's config reference is generated from the models' field descriptions: it drifts
from the code only through a failing test (as Fundus tests its publisher table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, Field

from duluan.config_reference import END, START, replaced, rows, table

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_table_is_the_generated_one() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert replaced(text) == text, (
        "README.md's config table differs from the field descriptions in duluan/config.py: run "
        "python -m duluan.config_reference --write README.md"
    )


def _keys(node: Any, prefix: str = "") -> set[str]:
    """Every key path of a YAML document, a list of mappings written `[]` as in the table."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            mappings = isinstance(value, list) and any(isinstance(v, dict) for v in value)
            found.add(path + ("[]" if mappings else ""))
            found |= _keys(value, path)
    elif isinstance(node, list):
        for item in node:
            found |= _keys(item, f"{prefix}[]")
    return found


def test_every_key_of_the_shipped_config_is_documented() -> None:
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    documented = {key for key, _, _ in rows()}
    free = ("topics.", "extra_topics.", "locality.aliases.", "tone.")  # user-chosen names
    keys = {k for k in _keys(shipped) if not k.startswith(free)}
    assert {k for k in keys - documented if f"{k}[]" not in documented} == set()  # `units: []`


def test_defaults_are_shown_as_the_config_writes_them() -> None:
    shown = {key: default for key, default, _ in rows()}
    assert shown["crawl.delay"] == "`1.5s`"  # not rounded to 1s
    assert shown["sources[].name"] == "required"
    assert shown["crawl.max_page_size"] == "`10MB`"
    assert shown["web.secret"] == "`data/web-secret`"


def test_a_field_without_description_is_refused() -> None:
    class Undocumented(BaseModel):
        documented: int = Field(default=1, description="has one")
        bare: int = 2

    with pytest.raises(ValueError, match=r"Undocumented\.bare has no description"):
        list(rows(Undocumented))


def test_writing_needs_the_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        replaced("# README without markers\n")
    assert replaced(f"a\n{START}\nold\n{END}\nb") == f"a\n{START}\n{table()}{END}\nb"
