"""GovModel: the public sector handling a stream of societal problems under a rule set.

The model builds the :class:`govsim.world.World` (populations, network, ledgers,
random streams), holds the current rule set and metagovernance, and runs the
phases of :mod:`govsim.phases` in order (``print(model.phases)``). Rule sets and
tools see only the world. Mesa agents (:mod:`govsim.agents`) are views over the
world's columns, created only when first asked for (``model.agents``).
"""

from __future__ import annotations

import mesa
import numpy as np

from govsim.agents import AGENT_TYPES
from govsim.config import coerce, coerce_seed
from govsim.metagovernance import Metagovernance
from govsim.metrics import SERIES, compute_outcomes, reporters
from govsim.network import Neighbourhood, row_normalise, small_world
from govsim.paradigms import REGISTRY, Paradigm, Steering
from govsim.phases import PHASES, Phase, describe
from govsim.problems import ProblemStream
from govsim.state import ROLE_CODES, Administrators, Citizens, Employees, Firms, Politicians
from govsim.streams import Streams
from govsim.world import World


_RECORDED = ["paradigm", "metagovernance", *SERIES]


class Recorder(mesa.DataCollector):
    """Mesa's DataCollector for the reporters of :func:`govsim.metrics.reporters`: each step appends the
    rule set, the metagovernance setting and the step's outcomes (computed once, by the ``collect``
    phase) to the same columns Mesa's ``collect`` appends them to. Mesa's reporters are called one by
    one and their values deep-copied; the values here are numbers and names, which a copy leaves as
    they are."""

    def collect(self, model) -> None:
        mv = self.model_vars
        if list(mv) != _RECORDED or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)  # reporters other than govsim's: Mesa's own way
            return
        mv["paradigm"].append(model.paradigm.name)
        mv["metagovernance"].append(model.meta.setting)
        out = model.outcomes
        for name in SERIES:
            mv[name].append(out[name])


class PhaseList(list):
    """The phases ``step()`` runs; printing it lists them."""

    def __str__(self) -> str:
        return describe(self)


class GovModel(mesa.Model):
    """Politicians, administrators, employees and citizens (and optionally firms) governing
    under OPA, NPM or NPG rules.

    Args:
        scenario: a :class:`govsim.config.Scenario`, a path to a TOML scenario, a dict, or
            ``None`` for the defaults.
        rng: root seed (an int, or a numpy Generator to draw one from) overriding the
            scenario's ``seed``.

    Randomness comes from three child streams of the root seed
    (``numpy.random.SeedSequence``): *population* (agents and network),
    *problems* (the problem stream) and *behaviour*, which is split further into one
    keyed stream per mechanism (:mod:`govsim.streams`). The first two never depend on
    the rule set, so under one seed every paradigm starts from the same population and
    meets the same problems (common random numbers).

    ``history=False`` keeps no problem after it has left the indicators' window
    (``outcomes.window`` steps): ``closed``, ``designs`` and ``decisions`` then hold only
    the window's events (``len(model.world.closed)`` still counts all), so memory stays flat over a long run.
    Outcomes are the same either way.
    """

    def __init__(self, scenario=None, *, rng: int | np.random.Generator | None = None,
                 history: bool = True) -> None:
        cfg = coerce(scenario)
        seed = int(cfg.seed) if rng is None else coerce_seed(rng, "rng", "GovModel")
        super().__init__(rng=seed)
        self.config = cfg
        self.seed = seed
        pop_seq, prob_seq, beh_seq = np.random.SeedSequence(seed).spawn(3)
        pop_rng = np.random.default_rng(pop_seq)

        p = cfg.population
        populations = {
            "citizens": Citizens(p.citizens, pop_rng, cfg.citizens, providers=p.providers),
            "employees": Employees(p.employees, pop_rng, cfg.employees, providers=p.providers),
            "administrators": Administrators(p.administrators, pop_rng, cfg.administrators),
            "politicians": Politicians(p.politicians, pop_rng, cfg.politicians),
        }
        network = small_world(p.citizens, cfg.network.degree, cfg.network.rewire, pop_rng)
        pos = populations["citizens"].position  # polarised positions (no draws: common random numbers kept)
        pos[:] = np.clip(0.5 + (pos - 0.5) * (1.0 + 2.0 * cfg.core.polarisation), 0.0, 1.0)
        populations["firms"] = Firms(cfg.firms.count, pop_rng, cfg.firms)
        self.world = World(cfg, populations, network, row_normalise(network), Streams(beh_seq),
                           keep_history=history)
        self.problem_stream = ProblemStream(
            np.random.default_rng(prob_seq), cfg.problems.rate * p.citizens / 1000.0, cfg.problems.wickedness,
            cfg.problems.reach, Neighbourhood(network), cfg.problems.dispersion,
        )
        self._agents_built = False  # agent objects are made on first access (see ``agents``)

        self.phases: PhaseList[Phase] = PhaseList(PHASES)
        self.steering: Steering | None = None
        self.paradigm: Paradigm
        self._explicit = {k: v for k, v in cfg.metagovernance_tools.model_dump().items() if v is not None}
        self.set_paradigm(cfg.paradigm)
        self.set_metagovernance(cfg.metagovernance)
        self.reforms = {r.step: r for r in cfg.reforms}
        self.outcomes: dict[str, float] = compute_outcomes(self)
        self.datacollector = Recorder(model_reporters=reporters())

    # ------------------------------------------------------------------ rule sets
    def set_paradigm(self, name: str) -> None:
        """Switch the rule set (a reform). Agents keep their state; problems in flight continue."""
        if name not in REGISTRY:
            raise ValueError(f"unknown paradigm {name!r}; allowed: {', '.join(REGISTRY)}")
        cls = REGISTRY[name]
        params = getattr(self.config, name, None)
        self.paradigm = cls(params if isinstance(params, cls.Params) else cls.Params())
        self.world.citizens.role_code[:] = ROLE_CODES[cls.citizen_role]

    def set_metagovernance(self, setting: str, **intensities: float) -> None:
        """Change the metagovernance preset ("none", "hands_off", "hands_on").

        Keyword arguments set tools' intensities explicitly (``process=0.4``); they replace
        the preset's value for that tool from now on, as ``[metagovernance_tools]`` does.
        """
        explicit = {**self._explicit, **intensities}
        meta = Metagovernance.build(setting, explicit, getattr(self.config, "toolbox", None))
        self._explicit = explicit
        self.world.meta = meta

    # ------------------------------------------------------------------ Mesa agents, made when asked for
    def _build_agents(self) -> None:
        """Create one agent object per row of each population, once, in a fixed order.

        ``step()`` works on the world's columns and never needs these objects, so they are
        made only when a viewer or a user first asks for ``agents``, ``agents_by_type`` or
        ``agent_types`` (a million citizens build in a fraction of the time and memory).
        The agents and their ``unique_id`` are the same whenever they are first asked for.
        """
        if self._agents_built:
            return
        self._agents_built = True
        for agent_type in AGENT_TYPES:
            n = getattr(self.world, agent_type.store).n
            if n:
                agent_type.create_agents(self, n, row=list(range(n)))

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every agent (Mesa's ``AgentSet``), created on first access."""
        self._build_agents()
        return self._all_agents

    @property
    def agents_by_type(self) -> dict:
        """One ``AgentSet`` per agent class, created on first access."""
        self._build_agents()
        return self._agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._build_agents()
        return list(self._agents_by_type)

    @property
    def meta(self) -> Metagovernance:
        return self.world.meta

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one step (about a month): run ``self.phases`` in order (see :mod:`govsim.phases`)."""
        self.world.now = self.steps
        for phase in self.phases:
            phase.run(self)

    # ------------------------------------------------------------------ read access (stable API)
    citizens = property(lambda self: self.world.citizens)
    employees = property(lambda self: self.world.employees)
    administrators = property(lambda self: self.world.administrators)
    politicians = property(lambda self: self.world.politicians)
    firms = property(lambda self: self.world.firms)
    network = property(lambda self: self.world.network)
    weights = property(lambda self: self.world.weights)
    open = property(lambda self: self.world.open)
    closed = property(lambda self: self.world.closed.events())
    designs = property(lambda self: self.world.designs.events())
    decisions = property(lambda self: self.world.decisions.events())

    def problem_table(self):
        """Every problem closed so far, one row each (a pandas DataFrame; kept with or without ``history``).

        Columns: ids and times (``id``, ``arrived``, ``closed_at``, ``age``), how it went
        (``outcome``, ``solved``, ``implemented``, ``value``, ``fit``, ``quality``,
        ``definition_quality``, ``novelty``, ``standard``, ...), who and how (``paradigm``,
        ``initiator``, ``driver``, ``rung``, ``influence``, ``rounds``, ``attempts``,
        ``conflict``, ``legitimacy``) and what it cost (``public_hours``, ``citizen_hours``).
        See :class:`govsim.problems.ProblemRecords`.
        """
        return self.world.records.frame()
    hours_log = property(lambda self: self.world.hours_log)
    provider_quality = property(lambda self: self.world.providers.quality)
    provider_loss = property(lambda self: self.world.providers.loss)
    experience = property(lambda self: self.world.experience)
    n_providers = property(lambda self: self.world.providers.n)
