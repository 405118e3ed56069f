"""Running scenarios: ``simulate`` returns a tidy time series with its provenance."""

from __future__ import annotations

import datetime as _dt
import gc
import importlib.metadata as _md
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from govsim import kernels
from govsim.config import coerce, with_overrides
from govsim.metrics import FAMILIES, INDICATORS, SERIES


@lru_cache(maxsize=None)
def _version(pkg: str) -> str:
    """``pkg``'s installed version, looked up once per process (a process runs the code it imported)."""
    try:
        return _md.version(pkg)
    except _md.PackageNotFoundError:  # pragma: no cover
        return "unknown"


@lru_cache(maxsize=1)
def _git_hash() -> str:
    """The checkout's commit, once per process: ``git`` is run for the first provenance only (a run's
    provenance cost about 10 ms with a lookup every time, a share of a small run)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(scenario) -> dict[str, Any]:
    """What shaped a result: versions, scenario hash and seed."""
    return {
        "govsim": _version("govsim"),
        "git": _git_hash(),
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": scenario.seed,
        "steps": scenario.steps,
        "python": sys.version.split()[0],
        **{lib: _version(lib) for lib in ("mesa", "numpy", "scipy", "pandas")},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


_provenance = provenance


YOUNG_THRESHOLD = 20_000
"""New objects between two of the garbage collector's passes over young objects during a run
(Python's default is 700)."""


@contextmanager
def gc_for_run() -> Iterator[Callable[[], None]]:
    """The garbage collector set for a run until the block ends: what exists now is left out of its
    passes, and it looks at young objects less often.

    Python's cyclic garbage collector now and then looks at every object it tracks. In a run those
    are mostly the libraries' (Mesa, pandas, scipy: about 110,000 objects; the compiled kernels
    about 77,000 more), and the model's own are few, so each full pass spends ~0.1 s on objects
    that live as long as the process. Such passes come more often the more problems a step
    creates, so they cost a step a share that grows with the population (about 4% at 100k and
    300k citizens, under 1% at 10k). Frozen (``gc.freeze``), those objects are skipped. Its
    passes over young objects, every 700 new ones by default, often run while a step's objects
    are still in use, which the step frees a moment later; those survive into the older
    generations, which are visited again at greater cost. With :data:`YOUNG_THRESHOLD` most are
    freed before a pass comes.

    The block yields a function to call after each step: it freezes again once the compiled
    kernels have been loaded part-way through the run (they live as long as the process). The
    block's end unfreezes everything and restores the thresholds. Where the caller froze objects
    already, or turned the collector off, nothing is changed. Results do not depend on it: the
    collector frees memory and never touches a number.
    """
    if gc.get_freeze_count() or not gc.isenabled():
        yield lambda: None
        return
    compiled = kernels.loaded()

    def after_step() -> None:
        nonlocal compiled
        if not compiled and kernels.loaded():
            compiled = True
            gc.freeze()

    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield after_step
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def prepare(scenario_or_path, *, steps: int | None = None, seed: int | None = None,
            overrides: Mapping[str, Any] | None = None, source: str = "overrides"):
    """The validated scenario a run will use (overrides, steps and seed applied).

    ``steps`` and ``seed`` accept Python and numpy integers; a bool, a float, a negative
    number or a string raises ScenarioError naming the field. ``source`` names where the
    overrides came from in error messages.
    """
    scenario = coerce(scenario_or_path)
    if overrides is not None and not isinstance(overrides, Mapping):
        return with_overrides(scenario, overrides, source)  # raises the clear error
    extra = dict(overrides or {})
    if steps is not None:
        extra["steps"] = steps
    if seed is not None:
        extra["seed"] = seed
    return with_overrides(scenario, extra, source)


def simulate(scenario_or_path=None, *, steps: int | None = None, seed: int | None = None,
             overrides: Mapping[str, Any] | None = None, progress: bool = False,
             on_built: Callable[[], None] | None = None, provenance: bool = True) -> pd.DataFrame:
    """Run one scenario and return one row per step.

    Args:
        scenario_or_path: a Scenario, a TOML path, a dict or None (defaults).
        steps, seed: override the scenario's values.
        overrides: dotted field paths to values, e.g. ``{"population.citizens": 10000}``,
            validated like a file (a bad one raises :class:`govsim.config.ScenarioError`).
        progress: show a progress bar on stderr.
        on_built: called once the model (population and network) is built, before the first
            step; the command line uses it to say how long building a large population took.
        provenance: record ``df.attrs["provenance"]`` (runs git once; sweeps record it once per sweep
            and pass False).

    Returns:
        A DataFrame with columns ``step, paradigm, metagovernance, efficiency, democracy,
        innovation`` and every indicator; ``df.attrs["provenance"]`` records what shaped it.
        The same scenario and seed give an identical frame.
    """
    from govsim.model import GovModel

    scenario = prepare(scenario_or_path, steps=steps, seed=seed, overrides=overrides)
    model = GovModel(scenario, history=False)  # only the data collector is read
    if on_built is not None:
        on_built()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=scenario.steps, desc=scenario.name or "govsim", unit="step", file=sys.stderr)
    with gc_for_run() as after_step:  # the libraries and the built model are long-lived
        for _ in range(scenario.steps):
            model.step()
            after_step()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "step", range(1, len(df) + 1))
    cols = ["step", "paradigm", "metagovernance", *SERIES]
    df = df[cols]
    if provenance:
        df.attrs["provenance"] = _provenance(scenario)
    return df
