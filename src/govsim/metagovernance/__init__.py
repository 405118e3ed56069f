"""Metagovernance of NPG's networks: a toolbox of four tools with intensities (T16–T18).

=============  ======  ===================================================  ==============
tool           hands   upside / cost                                        THEORY
=============  ======  ===================================================  ==============
design         off     inclusive, competent recruitment / servicing hours   T17, T22, T26
framing        off     direction, mandate, deadline / premises narrow ideas  T15–T17, T21
process        on      less conflict, activation, progress / hours, ownership T15–T17, T24
participation  on      alignment, progress / felt influence, options         T16, T17, T21
=============  ======  ===================================================  ==============

**Presets and explicit intensities.** ``metagovernance`` in a scenario (or a reform, or
``GovModel.set_metagovernance``) names a preset: ``none`` (all 0), ``hands_off``
(design 0.7, framing 0.5) or ``hands_on`` (process 0.7, participation 0.5). The
``[metagovernance_tools]`` table may set any tool's intensity explicitly; an explicit
value replaces the preset's value for that tool, and a tool not set explicitly takes
the preset's value (0 if the preset does not use it). Tools combine freely. A reform's
``metagovernance_tools`` replaces the explicit values it names from its step on.

Over- and under-steering are not penalty terms: they come from what each tool does
(see the tool files and docs/mechanisms.md). OPA and NPM form no networks, so
metagovernance changes nothing under them.

To add a tool: one file with a :class:`Tool` subclass and one line in ``TOOLS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import create_model

from govsim.fields import param
from govsim.metagovernance.base import HOOKS, NATO, Tool, ToolParams
from govsim.metagovernance.design import Design
from govsim.metagovernance.framing import Framing
from govsim.metagovernance.nato import ACTORS, MetagovernorParams, reads_legitimacy, resources, strength_factor
from govsim.metagovernance.participation import Participation
from govsim.metagovernance.process import Process

TOOLS: dict[str, type[Tool]] = {cls.name: cls for cls in (Design, Framing, Process, Participation)}

PRESETS: dict[str, dict[str, float]] = {
    "none": {},
    "hands_off": {"design": 0.7, "framing": 0.5},
    "hands_on": {"process": 0.7, "participation": 0.5},
}
SETTINGS = tuple(PRESETS)


def tools_table():
    """The ``[metagovernance_tools]`` schema: one optional intensity per registered tool."""
    fields = {name: (float | None, param(None, 0, 1, f"Intensity of {cls.label} (hands-{cls.hands}); unset: the preset's value.", ", ".join(cls.theory)))
              for name, cls in TOOLS.items()}
    return create_model("MetagovernanceTools", __base__=ToolParams,
                        __doc__="Explicit intensities of the metagovernance tools, in [0, 1] (T17).", **fields)


def toolbox_table():
    """The ``[toolbox]`` schema: each tool's own parameter table."""
    fields = {name: (cls.Params, cls.Params()) for name, cls in TOOLS.items()}
    return create_model("Toolbox", __base__=ToolParams, __doc__="Parameters of each metagovernance tool (T17).", **fields)


def intensities(setting: str, explicit: dict[str, float | None] | None = None) -> dict[str, float]:
    """Effective intensity of every registered tool: explicit value, else the preset's, else 0."""
    if setting not in PRESETS:
        raise ValueError(f"unknown metagovernance setting {setting!r}; allowed: {', '.join(PRESETS)}")
    preset = PRESETS[setting]
    explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
    unknown = set(explicit) - set(TOOLS)
    if unknown:
        raise ValueError(f"unknown metagovernance tool(s) {', '.join(sorted(unknown))}; allowed: {', '.join(TOOLS)}")
    out = {}
    for name in TOOLS:
        v = float(explicit.get(name, preset.get(name, 0.0)))
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"intensity of {name} must be in [0, 1], got {v}")
        out[name] = v
    return out


@dataclass
class Metagovernance:
    """The metagovernance in force: a preset name, the tools' intensities and instances."""

    setting: str = "none"
    intensity: dict[str, float] = field(default_factory=dict)
    tools: dict[str, Tool] = field(default_factory=dict)

    @classmethod
    def build(cls, setting: str, explicit: dict | None = None, toolbox=None) -> Metagovernance:
        k = intensities(setting, explicit)
        tools = {}
        for name, tcls in TOOLS.items():
            params = getattr(toolbox, name, None) if toolbox is not None else None
            tools[name] = tcls(params if isinstance(params, tcls.Params) else None)
        return cls(setting, k, tools)

    def __getattr__(self, name: str) -> float:
        # meta.design, meta.framing, ...: a tool's intensity (0 if not registered).
        if name.startswith("_") or name in ("setting", "intensity", "tools"):
            raise AttributeError(name)
        try:
            return self.__dict__["intensity"].get(name, 0.0)
        except KeyError:
            raise AttributeError(name) from None

    @property
    def active(self) -> bool:
        return any(v > 0 for v in self.intensity.values())

    def apply(self, world, problem, arena) -> None:
        """Call every active tool's hooks on a forming arena, hook by hook, in registry order."""
        for name, k, s, hook in self._steps(world):
            arena.strengths[name] = s
            hook(world, problem, arena, k, s)

    def _steps(self, world) -> list:
        """What :meth:`apply` calls: ``(tool name, intensity, strength, bound hook)``, hook by hook.

        The strengths rest on the tools and their intensities, the ``[metagovernor]`` section
        and, where it is one of the metagovernor's resources, the politicians' mean
        legitimacy; the list is kept while all of these stay as they were.
        """
        cfg = world.config_section("metagovernor")
        tools = tuple(self.tools.items())
        levels = tuple(self.intensity.items())
        kept = self.__dict__.get("_kept")
        if kept is None or kept[0] is not cfg or kept[1] != tools or kept[2] != levels:
            kept = self.__dict__["_kept"] = (cfg, tools, levels, reads_legitimacy(cfg), None, None)
        legitimacy = float(world.politicians.legitimacy.mean()) if kept[3] else None
        if kept[5] is None or kept[4] != legitimacy:
            res = resources(cfg, float("nan") if legitimacy is None else legitimacy)
            intensity = self.intensity
            steps = []
            for hook in HOOKS:
                for name, tool in tools:
                    k = intensity.get(name, 0.0)
                    if k <= 0.0 or hook not in tool.hooks():
                        continue
                    steps.append((name, k, k * strength_factor(tool.needs, res, cfg.adequate), getattr(tool, hook)))
            kept = self.__dict__["_kept"] = kept[:4] + (legitimacy, steps)
        return kept[5]


__all__ = ["TOOLS", "PRESETS", "SETTINGS", "HOOKS", "NATO", "ACTORS", "Tool", "ToolParams", "Metagovernance",
           "MetagovernorParams", "intensities", "tools_table", "toolbox_table", "resources", "strength_factor"]
