"""The stylized facts govsim is checked against, as small declarative records.

Each fact names a claim of the theory (docs/theory.md, IDs T1–T28) or a finding of the
literature, the experiment file that tests it (``experiments/validation/*.toml``, the
ordinary experiment format of ``govsim sweep``), the contrast that measures it (design
point A minus design point B, paired within replications, on an index or an indicator),
the direction the fact expects, and the conditions along which its boundary is sought.
Pattern-oriented modelling (Grimm et al. 2005) asks a model to reproduce several such
patterns at once, each at its documented condition, and to say where each stops holding.

The registry holds no outcome: whether a fact holds is measured by
:mod:`govsim.validation.evaluate` on whatever model is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GRIMM_2005 = ("Grimm, V., Revilla, E., Berger, U., et al. (2005). Pattern-oriented modeling of agent-based "
              "complex systems: lessons from ecology. Science 310(5750), 987–991.")
ADELT_2018 = ("Adelt, F., Weyer, J., Hoffmann, S., Ihrig, A. (2018). Simulation of the governance of complex "
              "systems (SimCo): basic concepts and experiments on urban transportation. JASSS 21(2), 2.")
CHOI_2014 = ("Choi, T., Robertson, P. J. (2014). Deliberation and decision in collaborative governance: a "
             "simulation of approaches to mitigate power imbalance. Journal of Public Administration Research "
             "and Theory 24(2), 495–518.")
ARNSTEIN_1969 = ("Arnstein, S. R. (1969). A ladder of citizen participation. Journal of the American Institute "
                 "of Planners 35(4), 216–224.")
LE_GRAND_2003 = ("Le Grand, J. (2003). Motivation, Agency, and Public Policy: Of Knights and Knaves, Pawns and "
                 "Queens. Oxford: Oxford University Press.")
HIRSCHMAN_1970 = ("Hirschman, A. O. (1970). Exit, Voice, and Loyalty: Responses to Decline in Firms, Organizations, "
                  "and States. Cambridge, MA: Harvard University Press.")
HAYEK_1945 = ("Hayek, F. A. (1945). The use of knowledge in society. American Economic Review 35(4), 519–530.")
LITERATURE = {"Grimm et al. 2005": GRIMM_2005, "Adelt et al. 2018": ADELT_2018,
              "Choi & Robertson 2014": CHOI_2014, "Arnstein 1969": ARNSTEIN_1969,
              "Le Grand 2003": LE_GRAND_2003, "Hirschman 1970": HIRSCHMAN_1970, "Hayek 1945": HAYEK_1945}


@dataclass(frozen=True)
class Condition:
    """A scenario field swept to find where a fact stops holding."""

    path: str                        # dotted scenario field
    label: str                       # plain words, e.g. "citizens' initial trust"
    levels: tuple[float, ...]        # full mode; quick mode takes the first, middle and last


CONDITIONS = {
    "trust": Condition("citizens.initial_trust", "citizens' initial trust", (0.1, 0.3, 0.5, 0.7, 0.9)),
    "wickedness": Condition("problems.wickedness", "wickedness of problems", (0.05, 0.25, 0.5, 0.75, 0.95)),
    "resources": Condition("citizens.resource_inequality", "inequality of citizens' resources",
                           (0.0, 0.5, 1.0, 1.5, 2.0)),
    "conflict": Condition("npg.deadlock_threshold", "arenas' tolerance of conflict (deadlock threshold; "
                          "low = conflict-prone)", (0.1, 0.2, 0.35, 0.5, 0.7)),
    "load": Condition("problems.rate", "problem load (new problems per step per 1,000 citizens)",
                      (0.5, 1.0, 2.0, 4.0, 6.0)),
    "meetings": Condition("npg.meeting_hours", "meeting hours per arena round", (2.0, 6.0, 10.0, 14.0, 18.0)),
    "motivation": Condition("employees.intrinsic_motivation", "employees' intrinsic (public-service) motivation",
                            (0.1, 0.3, 0.5, 0.7, 0.9)),
    "dispersion": Condition("problems.dispersion", "dispersion of the knowledge problems need (weight of citizens' "
                            "local and experiential knowledge)", (0.1, 0.25, 0.4, 0.6, 0.8)),
    "hour_value": Condition("citizens.hour_value", "value of a citizen's hour relative to a public hour",
                            (0.0, 0.5, 1.0, 2.0, 4.0)),
    "agency": Condition("employees.agency", "principal–agent drift of unwatched, unmotivated effort",
                        (0.0, 0.25, 0.5, 0.75, 1.0)),
    "coordination": Condition("core.coordination", "coordination cost per extra arena member",
                              (0.0, 0.02, 0.05, 0.1, 0.2)),
    "voice": Condition("citizens.voice", "citizens' readiness to complain (voice)", (0.0, 0.005, 0.01, 0.03, 0.1)),
}


@dataclass(frozen=True)
class Fact:
    id: str
    statement: str                   # plain words
    sources: tuple[str, ...]         # theory IDs ("T2") or keys of LITERATURE
    experiment: str                  # path relative to the repository root
    a: str                           # design point label
    b: str                           # design point label
    metric: str                      # index or indicator, summarised as <metric>_mean
    direction: int                   # +1: A > B expected; -1: A < B expected
    conditions: tuple[str, ...] = field(default=())   # keys of CONDITIONS
    # An interaction fact ("A's lead over B grows with x") also names the same contrast at a
    # reference condition: its effect is (A - B) - (a0 - b0), paired within replications.
    a0: str | None = None
    b0: str | None = None

    @property
    def column(self) -> str:
        return f"{self.metric}_mean"

    @property
    def points(self) -> tuple[str, ...]:
        """The design points the fact's contrast reads."""
        return (self.a, self.b) if self.a0 is None else (self.a, self.b, self.a0, self.b0)

    def contrast(self) -> str:
        if self.a0 is None:
            return f"{self.a} - {self.b}"
        return f"({self.a} - {self.b}) - ({self.a0} - {self.b0})"

    def expectation(self) -> str:
        return f"{self.contrast()} {'>' if self.direction > 0 else '<'} 0 on {self.metric}"


V = "experiments/validation/"

FACTS: tuple[Fact, ...] = (
    Fact("F01", "NPM raises efficiency over OPA in its first years.", ("T2",), V + "early_years.toml",
         "NPM", "OPA", "efficiency", +1, ("load", "motivation")),
    Fact("F02", "In the long run NPM erodes citizens' trust compared with OPA.", ("T3",), V + "paradigms.toml",
         "NPM", "OPA", "trust", -1, ("trust", "load")),
    Fact("F03", "NPM holds back innovation compared with co-creation.", ("T4",), V + "paradigms.toml",
         "NPM", "NPG hands-off", "innovation", -1, ("wickedness", "resources")),
    Fact("F04", "Strong target pressure crowds out motivation and lowers service quality.", ("T3", "T27"),
         V + "npm_pressure.toml", "NPM strong targets", "NPM soft targets", "service_quality", -1,
         ("motivation", "wickedness")),
    Fact("F05", "Trust-based steering (wide discretion) pays off where employees are motivated.", ("T27", "T5"),
         V + "discretion.toml", "NPG wide discretion", "NPG narrow discretion", "efficiency", +1,
         ("motivation", "load")),
    Fact("F06", "Self-selected recruitment over-represents the resourceful: stronger self-selection "
         "lowers inclusion.", ("T26", "T12"), V + "recruitment.toml", "strong self-selection",
         "weak self-selection", "inclusion", -1, ("resources", "trust")),
    Fact("F07", "Network design (hands-off metagovernance) widens inclusion over unmanaged networks.",
         ("T17", "T26"), V + "paradigms.toml", "NPG hands-off", "NPG none", "inclusion", +1,
         ("resources", "conflict")),
    Fact("F08", "Unmanaged networks deadlock and lose efficiency; metagovernance restores it.", ("T15", "T16"),
         V + "paradigms.toml", "NPG hands-off", "NPG none", "efficiency", +1, ("conflict", "trust")),
    Fact("F09", "Soft steering outperforms strong steering: hands-off metagovernance does at least as well "
         "as hands-on on efficiency.", ("Adelt et al. 2018", "T16"), V + "paradigms.toml",
         "NPG hands-off", "NPG hands-on", "efficiency", +1, ("conflict", "meetings")),
    Fact("F10", "Deliberation raises agreement and decision quality: more rounds of deliberation solve "
         "more problems.", ("Choi & Robertson 2014", "T15"), V + "deliberation.toml", "NPG long deliberation",
         "NPG one round", "share_solved", +1, ("conflict", "trust")),
    Fact("F11", "Hearings on finished proposals are tokenism and lower trust.", ("T7", "T11", "Arnstein 1969"),
         V + "hearings.toml", "OPA finished proposals", "OPA open proposals", "trust", -1,
         ("trust", "resources")),
    Fact("F12", "On wicked problems co-creation is more efficient than hierarchy.", ("T6", "T8"),
         V + "wicked.toml", "NPG hands-off", "OPA", "efficiency", +1, ("wickedness", "load")),
    Fact("F13", "On tame, routine problems hierarchy does at least as well as co-creation. Tame as T6 defines "
         "it: low wickedness (0.1) and the knowledge a problem needs held by the public sector (dispersion 0.1), "
         "where standard solutions fit.", ("T6",),
         V + "tame.toml", "OPA", "NPG hands-off", "efficiency", +1, ("motivation", "wickedness")),
    Fact("F14", "Where what is measured is what matters, NPM's goal steering is efficient: NPM beats "
         "co-creation on tame (wickedness 0.1, dispersion 0.1), fully measured problems.", ("T2", "T6"),
         V + "tame.toml", "NPM", "NPG hands-off", "efficiency", +1, ("motivation", "dispersion")),
    Fact("F15", "Co-creation is time-hungry: long meetings cost efficiency.", ("T24",), V + "meetings.toml",
         "NPG long meetings", "NPG short meetings", "efficiency", -1, ("load", "trust")),
    Fact("F16", "Citizens' knowledge improves the fit of solutions: arenas with citizens design better-fitting "
         "solutions than arenas without.", ("T8", "T12"), V + "arena.toml", "NPG with citizens",
         "NPG without citizens", "novelty_fit", +1, ("wickedness", "resources")),
    Fact("F17", "Trust is a precondition of collaboration: co-creation does better where citizens start "
         "trusting.", ("T11", "T19"), V + "initial_trust.toml", "NPG high trust", "NPG low trust",
         "efficiency", +1, ("wickedness", "conflict")),
    Fact("F18", "Principal–agent risk of trust-based steering: where employees' intrinsic motivation is low "
         "(0.4), NPM's control beats co-creation under hands-off metagovernance on efficiency (knaves need "
         "watching).", ("T27", "T3", "Le Grand 2003"), V + "agency.toml", "NPM", "NPG hands-off", "efficiency",
         +1, ("motivation", "agency")),
    Fact("F19", "Citizens' time is a cost: valuing citizens' hours like public hours lowers co-creation's value "
         "per cost.", ("T24", "T5"), V + "hour_value.toml", "NPG citizens' time valued",
         "NPG citizens' time free", "value_per_cost", -1, ("meetings", "resources")),
    Fact("F20", "Co-creation's lead over NPM on efficiency grows with the dispersion of the knowledge problems "
         "need: it is larger where needs lie in citizens' local and experiential knowledge (0.8) than where "
         "the public sector holds it (0.1).", ("T8", "T6", "Hayek 1945"), V + "dispersion.toml",
         "NPG hands-off dispersed", "NPM dispersed", "efficiency", +1, ("wickedness", "load"),
         a0="NPG hands-off concentrated", b0="NPM concentrated"),
    Fact("F21", "Participation fatigue: citizens who tire of taking part leave arena seats empty.", ("T15", "T11"),
         V + "fatigue.toml", "NPG strong fatigue", "NPG no fatigue", "seats_filled", -1, ("trust", "load")),
    Fact("F22", "Larger arenas cost more hours: arenas of 20 citizens deliver less value per hour than arenas "
         "of 5 (more citizens' hours, and coordination that grows with the number of members).", ("T15", "T24"), V + "arena_size.toml", "NPG large arenas", "NPG small arenas",
         "value_per_cost", -1, ("coordination", "meetings")),
    Fact("F23", "NPM's responsiveness to exit and complaints raises service quality: providers that move their "
         "focus towards what customers need serve them better than providers held to fixed targets.",
         ("T2", "Hirschman 1970"), V + "responsiveness.toml", "NPM responsive providers", "NPM fixed targets",
         "service_quality", +1, ("voice", "load")),
)


@dataclass(frozen=True)
class Leads:
    """Which design point leads on each index, across levels of each condition."""

    experiment: str = V + "leads.toml"
    conditions: tuple[str, ...] = ("wickedness", "trust", "resources", "conflict", "load", "motivation",
                                   "dispersion")
    metrics: tuple[str, ...] = ("efficiency", "democracy", "innovation")


LEADS = Leads()


@dataclass(frozen=True)
class Target:
    """A statement whose region of validity scenario discovery looks for."""

    id: str
    statement: str
    a: str                           # arm label (see ARMS)
    b: str
    metric: str


# Arms of the discovery experiment: each runs the same Latin hypercube with these fields
# added to [base], so replication r of sample i meets the same world under every arm.
ARMS: dict[str, dict[str, str]] = {
    "NPM": {"paradigm": "npm", "metagovernance": "none"},
    "NPG hands-off": {"paradigm": "npg", "metagovernance": "hands_off"},
    "NPG hands-on": {"paradigm": "npg", "metagovernance": "hands_on"},
}

DISCOVERY_EXPERIMENT = V + "discovery.toml"
TARGETS: tuple[Target, ...] = (
    Target("D1", "NPG leads NPM on efficiency", "NPG hands-off", "NPM", "efficiency"),
    Target("D2", "hands-on beats hands-off on democracy", "NPG hands-on", "NPG hands-off", "democracy"),
)

SOBOL_EXPERIMENT = V + "sobol.toml"


def fact(fid: str) -> Fact:
    for f in FACTS:
        if f.id == fid:
            return f
    raise KeyError(f"no fact {fid!r}; facts: {', '.join(f.id for f in FACTS)}")
