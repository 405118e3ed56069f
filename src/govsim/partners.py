"""Private partners: firms in arenas under contract- or trust-based partnerships (T12, T28).

Firms are optional (``firms.count`` = 0 by default). Where there are firms, a
firm joins an arena on rung 5 or 6 with a chance that grows with its trust in the
public partner. It brings knowledge (pooled with the members') and resources
(added to the quality of the implemented solution), and costs administrators'
hours to manage the partnership. Under a **contract** the partnership fixes
responsibilities (clearer implementation) but the firm shares only part of what
it knows and the contract costs more to manage; under **trust** the firm shares
fully, and its trust (and so its willingness to join again) follows how the
solution turned out (T28: partnerships share risk, cost, knowledge and gains).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from pydantic import BaseModel, ConfigDict

from govsim.fields import param


class FirmParams(BaseModel):
    """Private partners (optional agent type, T28)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    count: int = param(0, 0, 10_000, "Firms in the municipality (0: no private partners).", "T28")
    partnership: Literal["contract", "trust"] = param("trust", None, None, "Contract-based or trust-based partnerships.", "T28")
    seats: int = param(1, 0, 20, "Firm seats per arena.", "T28")
    resources: float = param(0.6, 0.01, 0.99, "Mean resources a firm can bring.", "T12, T28")
    initial_trust: float = param(0.5, 0, 1, "Firms' initial trust in the public partner.", "T28")
    resource_share: float = param(0.3, 0, 1, "How far a firm's resources close the gap to full quality.", "T12")
    contract_sharing: float = param(0.5, 0, 1, "Share of its knowledge a firm shares under a contract.", "T28")
    contract_clarity: float = param(0.6, 0, 1, "Clarity of responsibilities a contract gives.", "T15, T28")
    contract_hours: float = param(8.0, 0, 200, "Administrator hours to manage a contract per arena.", "T28")
    trust_hours: float = param(3.0, 0, 200, "Administrator hours to keep a trust-based partnership per arena.", "T28")
    trust_rate: float = param(0.2, 0, 1, "Rate at which a partner firm's trust follows the value of the solution.", "T28")


def join(world, problem, rng) -> np.ndarray:
    """Firms that join an arena: each with chance = its trust; at most ``firms.seats`` (keys drawn per firm)."""
    f, cfg = world.firms, world.config.firms
    u = rng.random(f.n)
    keys = rng.random(f.n)
    if f.n == 0 or cfg.seats == 0:
        return np.zeros(0, dtype=np.int64)
    willing = np.flatnonzero(u < f.trust)
    chosen = willing[np.argsort(-keys[willing], kind="stable")[: cfg.seats]]
    f.engagements[chosen] += 1
    hours = cfg.contract_hours if cfg.partnership == "contract" else cfg.trust_hours
    if chosen.size:
        adm = problem.group.administrators
        world.spend("administrators", adm[:1], hours, problem)
    return np.sort(chosen)


def sharing(world) -> float:
    """Share of a partner firm's knowledge it brings: all under trust, part under a contract."""
    cfg = world.config.firms
    return 1.0 if cfg.partnership == "trust" else cfg.contract_sharing


def clarity(world, problem) -> float:
    """Clarity of responsibility a partnership gives (a contract fixes it)."""
    cfg = world.config.firms
    if problem.group.firms.size and cfg.partnership == "contract":
        return cfg.contract_clarity
    return 0.0


def add_resources(world, problem, quality: float) -> float:
    """Quality with the partner firms' resources: ``q + (1 - q) share mean(r)``."""
    rows = problem.group.firms
    if rows.size == 0:
        return quality
    r = float(world.firms.resources[rows].mean())
    return quality + (1.0 - quality) * world.config.firms.resource_share * r


def after_implementation(world, problem) -> None:
    """Under trust, a partner's trust follows how the solution turned out (shared gains and risk)."""
    rows = problem.group.firms
    if rows.size == 0 or world.config.firms.partnership != "trust":
        return
    f = world.firms
    f.trust[rows] += world.config.firms.trust_rate * (min(1.0, 2.0 * problem.value) - f.trust[rows])
