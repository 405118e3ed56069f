"""Who metagoverns, and with what: NATO resources (T18).

A metagovernor acts through four resources, each in [0, 1]: **nodality** (its
centrality: many contacts, reach), **authority** (being respected and listened
to), **treasure** (money to pay for outreach, facilitation, a budget) and
**organisation** (capacity to reflect on and intervene in the network). Each
tool declares the resources it needs (``Tool.needs``); its strength is its
intensity times ``min(1, r / adequate)`` for every needed resource ``r``:
a resource at or above the adequate level does not limit, one below it weakens
the tool in proportion, a missing one disables it. The hours a tool costs follow
the intensity and are paid regardless.

Who metagoverns is configurable: ``administrators`` (the facilitating civil
servant; the default), ``politicians`` (whose authority is their current
legitimacy, T21) or ``other`` (an outside actor such as a foundation or a
consultancy, paid from the public purse). Their default resources are below;
each can be set in ``[metagovernor]``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from govsim.fields import param

ACTORS = ("administrators", "politicians", "other")

DEFAULTS: dict[str, dict[str, float]] = {
    # central in the administration, respected as experts, a budget, capacity to facilitate
    "administrators": {"nodality": 0.6, "authority": 0.6, "treasure": 0.7, "organisation": 0.8},
    # central in the community and the council; authority = legitimacy (dynamic); little capacity
    "politicians": {"nodality": 0.7, "authority": -1.0, "treasure": 0.8, "organisation": 0.35},
    # an outside actor: few contacts and little standing, but paid capacity
    "other": {"nodality": 0.35, "authority": 0.4, "treasure": 0.6, "organisation": 0.8},
}
"""Default resources per actor; ``-1`` means "read from the model" (politicians' legitimacy)."""


class MetagovernorParams(BaseModel):
    """Who metagoverns NPG's networks, and their NATO resources (T18)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    actor: Literal["administrators", "politicians", "other"] = param("administrators", None, None, "Who metagoverns: administrators, politicians or another actor.", "T18")
    nodality: float | None = param(None, 0, 1, "Centrality: reach for recruitment and for steering from inside (default by actor).", "T18")
    authority: float | None = param(None, 0, 1, "Being listened to (default by actor; politicians: their legitimacy).", "T18, T21")
    treasure: float | None = param(None, 0, 1, "Money for outreach, facilitation and a budget (default by actor).", "T18")
    organisation: float | None = param(None, 0, 1, "Capacity to reflect on and intervene in the network (default by actor).", "T18")
    adequate: float = param(0.5, 0.01, 1, "Resource level at and above which a resource no longer limits a tool.", "T18")
    other_control: float = param(0.5, 0, 1, "Control orientation of another actor sitting in a network.", "T16")


def resources(params: MetagovernorParams, legitimacy: float) -> dict[str, float]:
    """The metagovernor's NATO resources now."""
    base = DEFAULTS[params.actor]
    out = {}
    for r, default in base.items():
        v = getattr(params, r)
        if v is None:
            v = legitimacy if default < 0 else default
        out[r] = float(v)
    return out


def reads_legitimacy(params: MetagovernorParams) -> bool:
    """Whether :func:`resources` uses the politicians' legitimacy (a resource read from the model and not set)."""
    return any(default < 0 and getattr(params, r) is None for r, default in DEFAULTS[params.actor].items())


def strength_factor(needs: tuple[str, ...], res: dict[str, float], adequate: float) -> float:
    """``prod_r min(1, res_r / adequate)`` over the resources a tool needs."""
    f = 1.0
    for r in needs:
        f *= min(1.0, max(res.get(r, 0.0), 0.0) / adequate)
    return f
