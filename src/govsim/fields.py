"""One way to declare a scenario field: default, range, meaning and the theory claim (docs/theory.md) together."""

from __future__ import annotations

from typing import Any

from pydantic import Field


def param(default: Any, lo: float | None, hi: float | None, description: str, theory: str, **kw: Any) -> Any:
    """A pydantic Field with its range (``ge``/``le``), meaning and the claim of docs/theory.md (T1–T28) it serves."""
    return Field(default, ge=lo, le=hi, description=description, json_schema_extra={"theory": theory}, **kw)
