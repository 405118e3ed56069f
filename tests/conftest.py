"""Shared fixtures: small populations that keep model-level tests fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsim import kernels
from govsim.config import validate
from govsim.model import GovModel

ROOT = Path(__file__).resolve().parents[1]

SMALL_OVERRIDES = {"population.citizens": 300, "population.employees": 20}
"""Dotted overrides for ``simulate`` and ``with_overrides``: a population small enough for quick runs."""


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def scenarios_dir(root) -> Path:
    return root / "scenarios"


@pytest.fixture(params=["python forms", "compiled"])
def forms(request):
    """Runs within the test through the Python forms, then through the compiled kernels and batches (a
    rule set's subclass, such as a test's reference form, takes its problems one by one through its
    own methods either way)."""
    if request.param == "compiled":
        with kernels.enabled() as k:
            assert k is not None, "the compiled kernels could not be loaded"
            yield request.param
    else:
        with kernels.disabled():
            yield request.param


@pytest.fixture
def small() -> dict:
    """Overrides for ``simulate(..., overrides=small)`` (a fresh copy per test)."""
    return dict(SMALL_OVERRIDES)


@pytest.fixture
def small_model():
    """Factory: ``small_model(paradigm="opa", metagovernance="none", seed=5, rng=None)`` -> GovModel."""

    def make(paradigm: str = "opa", metagovernance: str = "none", seed: int = 5, rng=None, **tables) -> GovModel:
        data = {
            "paradigm": paradigm,
            "metagovernance": metagovernance,
            "seed": seed,
            "population": {"citizens": SMALL_OVERRIDES["population.citizens"],
                           "employees": SMALL_OVERRIDES["population.employees"]},
        }
        for key, value in tables.items():
            data[key] = {**data.get(key, {}), **value}
        return GovModel(validate(data), rng=rng)

    return make
