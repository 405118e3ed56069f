"""Columnar state of the four populations.

Each population is a set of numpy columns, one row per agent. The model owns
them; Mesa agents (:mod:`govsim.agents`) are views over a row. Updates over a
whole population are vectorised.

Knowledge profiles follow MODEL-SKETCH: employees know the professional side,
administrators the procedure, citizens local and experiential matters (spread
widely and unevenly), politicians values and support.
"""

from __future__ import annotations

import numpy as np

from govsim.mechanisms import EXPERIENTIAL, K, LOCAL, POLITICAL, PROCEDURAL, PROFESSIONAL

ROLE_CODES = {"subject": 0, "customer": 1, "co-creator": 2}


def _profile(rng: np.random.Generator, n: int, strong: list[int], high: float, low: float) -> np.ndarray:
    """Knowledge rows: Beta draws around ``high`` on the ``strong`` dimensions, ``low`` elsewhere."""
    k = rng.beta(2.0, 2.0 / max(low, 1e-3) - 2.0, size=(n, K)) if low > 0 else np.zeros((n, K))
    hi = rng.beta(8.0 * high, 8.0 * (1.0 - high), size=(n, len(strong)))
    k[:, strong] = hi
    return np.clip(k, 0.0, 1.0)


class Citizens:
    """Citizens: resources, knowledge, trust, efficacy, willingness, satisfaction, role (T11, T26)."""

    def __init__(self, n: int, rng: np.random.Generator, cfg, providers: int) -> None:
        self.n = n
        raw = rng.lognormal(0.0, cfg.resource_inequality, size=n)
        # Resources in (0, 1]: rank-preserving squash of a skewed draw (T26).
        self.resources = raw / (raw + np.median(raw))
        self.high_resource = self.resources >= np.median(self.resources)
        # Local knowledge is widespread; experiential knowledge is held by some.
        self.knowledge = _profile(rng, n, [LOCAL], 0.55, 0.08)
        self.knowledge[:, EXPERIENTIAL] = rng.beta(1.2, 2.0, size=n)
        self.position = rng.random(n)
        self.trust = np.clip(rng.normal(cfg.initial_trust, 0.1, size=n), 0, 1)
        self.efficacy = np.clip(rng.normal(cfg.initial_efficacy, 0.1, size=n), 0, 1)
        self.willingness = np.clip(rng.normal(cfg.initial_willingness, 0.1, size=n) * (0.5 + self.resources), 0, 1)
        self.satisfaction = np.full(n, 0.5)
        self.expectation = np.full(n, 0.5)
        self.provider = rng.integers(0, providers, size=n)
        self.last_participated = np.full(n, -(10**9), dtype=np.int64)
        self.last_rung = np.zeros(n, dtype=np.int64)
        self.last_deliberated = np.full(n, -(10**9), dtype=np.int64)
        self.participations = np.zeros(n, dtype=np.int64)
        self.role_code = np.zeros(n, dtype=np.int64)


class Employees:
    """Front-line employees: motivation, pressure, discretion, effort (T3, T4, T5, T27)."""

    def __init__(self, n: int, rng: np.random.Generator, cfg, providers: int) -> None:
        self.n = n
        self.knowledge = _profile(rng, n, [PROFESSIONAL], 0.75, 0.1)
        self.knowledge[:, EXPERIENTIAL] = rng.beta(1.5, 6.0, size=n)
        self.motivation = np.clip(rng.normal(cfg.initial_motivation, 0.1, size=n), 0, 1)
        self.pressure = np.zeros(n)
        self.discretion = np.full(n, 0.5)
        self.effort = np.zeros(n)
        self.steered_share = np.zeros(n)
        self.provider = np.arange(n) % providers
        self.position = rng.random(n)


class Administrators:
    """Civil servants: procedural knowledge, facilitation skill, control orientation (T25)."""

    def __init__(self, n: int, rng: np.random.Generator, cfg) -> None:
        self.n = n
        self.knowledge = _profile(rng, n, [PROCEDURAL], 0.8, 0.1)
        self.knowledge[:, PROFESSIONAL] = rng.beta(2.0, 3.0, size=n)
        self.facilitation = np.clip(rng.normal(cfg.facilitation_skill, 0.1, size=n), 0, 1)
        self.control = np.clip(rng.normal(cfg.control_orientation, 0.1, size=n), 0, 1)
        self.hours_left = np.zeros(n)
        self.position = np.clip(rng.normal(0.5, 0.1, size=n), 0, 1)


class Politicians:
    """Politicians: political knowledge, positions, openness, time on policy vs cases (T20–T24)."""

    def __init__(self, n: int, rng: np.random.Generator, cfg) -> None:
        self.n = n
        self.knowledge = _profile(rng, n, [POLITICAL], 0.8, 0.1)
        self.knowledge[:, LOCAL] = rng.beta(1.5, 6.0, size=n)
        self.position = rng.random(n)
        self.openness = np.clip(rng.normal(cfg.openness, 0.1, size=n), 0, 1)
        self.legitimacy = np.full(n, 0.5)
        self.hours_left = np.zeros(n)
        self.policy_hours = np.zeros(n)
        self.case_hours = np.zeros(n)
