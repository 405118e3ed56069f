"""What one browser session owns: its scenario, its seed, its model(s) and their histories.

A :class:`Session` is plain Python (no Solara), so it is tested without a browser.
Each page builds its own; nothing is shared between sessions. In *single* mode it
runs one model; in *compare* mode it runs one model per paradigm (OPA, NPM, NPG)
in lockstep on the same seed, so they start from the same town and meet the same
problems (common random numbers).

Changes are applied *live* where the model allows it (paradigm, metagovernance
setting, tool strengths: a reform that takes effect from the next step and is
marked on every time series) and otherwise *on reset* (kept as pending overrides
until the user presses Reset).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from govsim.app import adapter as A

ROWS = (*A.FAMILIES, *(i.name for i in A.INDICATORS))
MAX_SEED = 2**63 - 1


def scenarios_dir() -> Path | None:
    """The checkout's scenarios/ folder (next to src/), or the working directory's, if any."""
    here = Path(__file__).resolve()
    for cand in (here.parents[3] / "scenarios", Path.cwd() / "scenarios"):
        if cand.is_dir():
            return cand
    return None


def list_scenarios() -> dict[str, Path]:
    """Name -> path of the ready-made scenario files (empty if the folder is not found)."""
    d = scenarios_dir()
    if d is None:
        return {}
    return {p.stem: p for p in sorted(d.glob("*.toml"))}


def parse_seed(text: Any) -> int:
    """An integer seed from what was typed, or ValueError with a one-line message."""
    if isinstance(text, bool):
        raise ValueError("seed: must be a whole number from 0 to 2^63-1")
    if isinstance(text, int):
        value = text
    else:
        s = str(text).strip().replace("_", "")
        if not s or not s.lstrip("+").isdigit():
            raise ValueError(f"seed: {str(text)!r} is not a whole number; allowed: 0 to 2^63-1")
        value = int(s)
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"seed: {value} is out of range; allowed: 0 to 2^63-1")
    return value


def parse_value(spec: A.FieldSpec, text: Any):
    """A field's value from what was typed (int or float), or ValueError naming the field."""
    try:
        value = int(str(text).strip()) if spec.kind == "int" else float(str(text).strip())
    except ValueError:
        raise ValueError(f"field '{spec.path}': {str(text)!r} is not a {'whole ' if spec.kind == 'int' else ''}number; "
                         f"allowed: {spec.kind} from {spec.lo} to {spec.hi}") from None
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        raise ValueError(f"field '{spec.path}': {value} is out of range; "
                         f"allowed: {spec.kind} from {spec.lo} to {spec.hi}")
    return value


@dataclass
class Run:
    """One model and what the page has read from it so far."""

    label: str
    model: Any
    rows: list[list[float]] = field(default_factory=list)  # one row per step, columns ROWS
    marks: list[tuple[int, str]] = field(default_factory=list)  # (step, label) of reforms
    snap: A.Snapshot | None = None
    events: list[str] = field(default_factory=list)
    problems: Any = field(default_factory=hashlib.sha256)  # running hash of the problems that arrived
    next_problem: int = 0

    def read(self) -> None:
        """Append the latest step's outcomes and the events since the previous read."""
        prev = self.snap
        cur = A.snapshot(self.model, prev)
        if prev is not None:
            out = A.outcomes(self.model)
            self.rows.append([out[k] for k in ROWS])
            if (cur.paradigm, cur.setting, cur.tools) != (prev.paradigm, prev.setting, prev.tools):
                self.marks.append((cur.step, _mark_label(prev, cur)))
        self.events = A.events(prev, cur)
        self.snap = cur
        for pid, arrays in A.problem_arrivals(self.model, self.next_problem):
            for arr in arrays:
                self.problems.update(np.ascontiguousarray(arr).tobytes())
            self.next_problem = pid + 1


def _mark_label(prev: A.Snapshot, cur: A.Snapshot) -> str:
    if cur.paradigm != prev.paradigm:
        return cur.paradigm.upper()
    if cur.setting != prev.setting:
        return cur.setting.replace("_", "-")
    return "tools"


class Session:
    """One page's scenario, seed and models."""

    def __init__(self, scenario=None, source: str = "defaults", seed: int | None = None,
                 mode: str = "single") -> None:
        self.lock = threading.RLock()
        self.scenario = scenario if scenario is not None else A.validate({}, "defaults")
        self.source = source
        self.seed = int(self.scenario.seed if seed is None else seed)
        self.mode = mode
        self.pending: dict[str, Any] = {}
        self.epoch = 0
        self.runs: list[Run] = []
        self.reset()

    # ------------------------------------------------------------ building
    def reset(self) -> None:
        """Rebuild the model(s) from the scenario, pending changes and the seed."""
        with self.lock:
            if self.pending:
                self.scenario = A.with_overrides(self.scenario, self.pending, "changes waiting for reset")
                self.pending = {}
            if self.mode == "compare":
                self.runs = [Run(p.upper(), self._build(paradigm=p)) for p in A.PARADIGMS]
            else:
                self.runs = [Run(self.scenario.paradigm.upper(), self._build())]
            for r in self.runs:
                r.read()
            # Checked once, at step 0: do all runs start from the same town?
            self.same_town = len({A.population_signature(r.model) for r in self.runs}) == 1
            self.built_seed = self.seed
            self.epoch += 1

    def _build(self, paradigm: str | None = None):
        sc = self.scenario
        if paradigm is not None:
            # The same town under each rule set: no scheduled reforms in side-by-side runs.
            sc = A.with_overrides(sc, {"paradigm": paradigm, "reforms": []}, "side by side")
        return A.build_model(sc, self.seed)

    def set_mode(self, mode: str) -> None:
        if mode not in ("single", "compare"):
            raise ValueError(f"mode: unknown {mode!r}; allowed: single, compare")
        with self.lock:
            if mode != self.mode:
                self.mode = mode
                self.reset()

    def load(self, scenario, source: str) -> None:
        """Use a new scenario (already validated) from the next reset, which happens now."""
        with self.lock:
            self.scenario, self.source = scenario, source
            self.seed = int(scenario.seed)
            self.pending = {}
            self.reset()

    def load_path(self, path: str | Path) -> None:
        """Load a scenario file; raises ScenarioError with the CLI's one-line message."""
        self.load(A.load_scenario(path), str(path))

    def load_text(self, text: str, name: str) -> None:
        """Load an uploaded scenario file's text (``extends`` resolves next to the ready-made ones)."""
        import tempfile

        folder = scenarios_dir()
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            if folder is not None:
                for p in folder.glob("*.toml"):
                    (base / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
            target = base / ("uploaded-" + Path(name).name)
            target.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
            try:
                sc = A.load_scenario(target)
            except A.ScenarioError as exc:
                raise A.ScenarioError(name, exc.field, exc.message) from None
        if sc.name == target.stem:
            sc = sc.model_copy(update={"name": Path(name).stem})
        self.load(sc, name)

    def same_problems(self) -> bool:
        """Whether every run has met the same problems so far (common random numbers)."""
        return len({r.problems.hexdigest() for r in self.runs}) == 1

    # ------------------------------------------------------------ stepping
    @property
    def step(self) -> int:
        return A.step_of(self.runs[0].model)

    def advance(self, n: int = 1) -> None:
        """Step every model ``n`` times, in lockstep, reading each step."""
        with self.lock:
            for _ in range(n):
                for r in self.runs:
                    r.model.step()
                    r.read()

    # ------------------------------------------------------------ changes
    def set_seed(self, text: Any) -> int:
        """Set the seed (used from the next reset); ValueError with a message on bad input."""
        value = parse_seed(text)
        with self.lock:
            self.seed = value
        return value

    def set_paradigm(self, name: str) -> None:
        """A live reform of the rule set (single mode)."""
        if name not in A.PARADIGMS:
            raise ValueError(f"paradigm: unknown {name!r}; allowed: {', '.join(A.PARADIGMS)}")
        with self.lock:
            if self.mode == "compare":
                raise ValueError("paradigm: side by side runs one model per paradigm; switch to one town to reform")
            A.reform(self.runs[0].model, paradigm=name)

    def set_metagovernance(self, setting: str) -> None:
        """A live change of metagovernance setting (every run; only NPG's networks feel it)."""
        if setting not in A.SETTINGS:
            raise ValueError(f"metagovernance: unknown {setting!r}; allowed: {', '.join(A.SETTINGS)}")
        with self.lock:
            for r in self.runs:
                A.reform(r.model, setting=setting)

    def set_field(self, path: str, value: Any) -> str:
        """Change a scenario field: live if the model allows it, else kept for reset.

        Returns ``"live"`` or ``"reset"``; raises ScenarioError (one line) on a bad value.
        """
        with self.lock:
            trial = {**self.pending, path: value}
            A.with_overrides(self.scenario, trial, "input")  # validate now, with the CLI's message
            if path == "paradigm":
                self.set_paradigm(value)
                return "live"
            if path == "metagovernance":
                self.set_metagovernance(value)
                return "live"
            if path.startswith("metagovernance_tools."):
                name = path.split(".", 1)[1]
                self.scenario = A.with_overrides(self.scenario, {path: value}, "input")
                for r in self.runs:
                    A.set_tools(r.model, {name: value}, "input")
                return "live"
            if A.value_at(self.scenario, path) == value:
                self.pending.pop(path, None)
            else:
                self.pending[path] = value
            return "reset"

    def current(self, path: str):
        """The value the page should show for a field: pending if any, else the scenario's."""
        if path in self.pending:
            return self.pending[path]
        if path.startswith("metagovernance_tools."):
            return A.tool_intensity(self.runs[0].model, path.split(".", 1)[1])
        return A.value_at(self.scenario, path)
