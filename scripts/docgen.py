"""What the reference generators (gen_scenario_docs.py, gen_experiment_docs.py) share:
how a schema field is shown in a Markdown table, and writing or checking the output."""

from __future__ import annotations

import argparse
import typing
from pathlib import Path


def type_name(ann) -> str:
    """A field's type in words: ``int``, ``list of str``, ``one of "a", "b"``, ``float or absent``."""
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return "one of " + ", ".join(f'"{a}"' for a in typing.get_args(ann))
    if origin in (tuple, list):
        return f"list of {type_name(typing.get_args(ann)[0])}"
    if origin is dict:
        return "table"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(type_name(a) for a in typing.get_args(ann))
    if ann is type(None):
        return "absent"
    return getattr(ann, "__name__", str(ann))


def field_range(field) -> str:
    """``lo – hi`` (or ``≥ lo``) from the field's ``ge``/``le`` constraints, else empty."""
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    if lo is not None and hi is not None:
        return f"{lo} – {hi}"
    if lo is not None:
        return f"≥ {lo}"
    return ""


def default_text(field, none: str = "None") -> str:
    """A field's default as it would be written in TOML; ``none`` stands for a default of None."""
    if field.is_required():
        return "(required)"
    d = field.default
    if d is None:
        return none
    if isinstance(d, tuple):
        return "[" + ", ".join(f'"{x}"' if isinstance(x, str) else str(x) for x in d) + "]"
    if isinstance(d, dict):
        return "{}"
    if isinstance(d, str):
        return f'"{d}"'
    return str(d).lower() if isinstance(d, bool) else str(d)


def cell(text: str) -> str:
    """A table cell: ``|`` escaped so it does not end the cell, and no line breaks."""
    return text.replace("|", "\\|").replace("\n", " ")


def row(cells) -> str:
    return "| " + " | ".join(cell(str(c)) for c in cells) + " |"


def write_or_check(out: Path, text: str, script: str, description: str) -> int:
    """The generators' command line: write ``out``, or with ``--check`` exit 1 if it is out of date."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if {out.name} is out of date")
    args = parser.parse_args()
    if args.check:
        if not out.exists() or out.read_text() != text:
            print(f"{out} is out of date: run python scripts/{script}")
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}")
    return 0
