"""The README's config reference, generated from the config models' field descriptions.

Each key of `config.yaml` is documented once, where it is declared (`Field(description=…)` in
`duluan.config`); this module turns the models into the README's table. `python -m
duluan.config_reference` prints it, `--write README.md` puts it between the README's markers,
and `tests/test_config_reference.py` fails when the README and the models drift apart (as
Fundus tests its publisher table against its code).
"""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from duluan.config import Config
from duluan.units import format_duration

START = "<!-- config-reference: python -m duluan.config_reference --write README.md -->"
END = "<!-- /config-reference -->"
SHOWN_DEFAULT = "shown_default"  # json_schema_extra key: the default as the README should say it


def _model_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds (inside `X | None` or `list[X]`), and whether it is a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = get_origin(annotation)
    if origin is list:
        inner, _ = _model_in(get_args(annotation)[0])
        return inner, inner is not None
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            inner, many = _model_in(arg)
            if inner is not None:
                return inner, many
    return None, False


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, timedelta):
        return f"`{format_duration(value)}`"
    if isinstance(value, BaseModel):
        return "—"  # a section: its keys follow
    if isinstance(value, str):
        return f'`"{value}"`' if not value or ":" in value else f"`{value}`"
    if isinstance(value, list | dict):
        flow = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
        return f"`{flow.strip()}`"
    return f"`{value}`"


def default_of(info: FieldInfo) -> str:
    """How the README says a field's default: `required`, `none`, or the value as YAML."""
    extra = info.json_schema_extra
    if isinstance(extra, dict) and SHOWN_DEFAULT in extra:
        return str(extra[SHOWN_DEFAULT])
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        return _shown(info.default_factory())  # type: ignore[call-arg]
    return _shown(info.default)


def rows(model: type[BaseModel] = Config, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(key, default, meaning) for every field of `model` and of the models inside it, in
    declaration order; a field without a description is a bug (`ValueError`)."""
    for name, info in model.model_fields.items():
        key = f"{prefix}.{name}" if prefix else name
        if not info.description:
            raise ValueError(f"{model.__name__}.{name} has no description")
        inner, many = _model_in(info.annotation)
        yield key + ("[]" if many else ""), default_of(info), info.description
        if inner is not None:
            yield from rows(inner, key + ("[]" if many else ""))


def table() -> str:
    """The Markdown table of every key."""
    lines = ["| key | default | meaning |", "| --- | --- | --- |"]
    for key, default, meaning in rows():
        cells = (f"`{key}`", default, meaning)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def replaced(text: str) -> str:
    """`text` (the README) with the generated table between its markers; `ValueError` when the
    markers are missing."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {START!r} … {END!r} are missing")
    return text[: start + len(START)] + "\n" + table() + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table, or write it into a README (`--write README.md`)."""
    parser = argparse.ArgumentParser(prog="python -m duluan.config_reference")
    parser.add_argument("--write", metavar="README", type=Path, help="update this file in place")
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(table())
        return 0
    text = args.write.read_text(encoding="utf-8")
    args.write.write_text(replaced(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
