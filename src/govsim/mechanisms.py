"""Mechanisms shared by the rule sets: small pure functions named after the theory.

Every function here is deterministic given its arguments (randomness comes in
through an explicit ``numpy.random.Generator``) and touches no model state, so
each can be unit-tested on hand-made numbers. The rule sets in
:mod:`govsim.paradigms` combine them differently; that is all that separates
the paradigms.

Knowledge lives on ``K = len(DIMENSIONS)`` dimensions. A problem's *need* is a
probability vector over them; an agent's *knowledge* is a vector in [0, 1]^K.
"""

from __future__ import annotations

import math

import numpy as np

DIMENSIONS: tuple[str, ...] = ("professional", "procedural", "local", "experiential", "political")
"""Knowledge dimensions (docs/ODD.md §2: where each kind of agent's knowledge lies)."""

K = len(DIMENSIONS)
PROFESSIONAL, PROCEDURAL, LOCAL, EXPERIENTIAL, POLITICAL = range(K)
UNIFORM = np.full(K, 1.0 / K)
ROUTINE_NEED = np.array([0.35, 0.25, 0.10, 0.25, 0.05])
"""What routine services need: mostly professional, procedural and experiential knowledge."""

# Rungs of the co-creation ladder (T9).
RUNG_OWN_WELFARE = 1
RUNG_VOLUNTEER = 2
RUNG_PANEL = 3
RUNG_CROWDSOURCING = 4
RUNG_DIALOGUE = 5
RUNG_NETWORK = 6
LADDER_TOP = 6


_maximum = np.maximum
_add_reduce = np.add.reduce  # ndarray.sum() ends in _add_reduce(x, None); called directly, without its wrapper
_max_reduce = np.maximum.reduce
try:
    _clip = np._core.umath.clip  # the ufunc that np.clip(array, lo, hi) ends in
except AttributeError:  # pragma: no cover - older numpy
    _clip = np.clip


def clip01(x: float) -> float:
    """``float(np.clip(x, 0.0, 1.0))`` for one number, without numpy's call overhead.

    The same rule as numpy's ``clip`` on floats: a bound replaces ``x`` only when ``x`` lies
    strictly outside it (so -0.0 stays -0.0), and NaN stays NaN.
    """
    x = float(x)
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


def dirichlet_ones(rng: np.random.Generator) -> np.ndarray:
    """``rng.dirichlet(np.ones(K))``: the same numbers from the same draws, at a fraction of its cost.

    With every concentration 1 numpy's Dirichlet draws one standard exponential (its
    ziggurat sampler, as ``standard_exponential``) per dimension, adds them up in order and
    multiplies each by ``1 / sum``; ``sum`` over K < 8 elements adds them in order too.
    ``tests/test_performance_mechanisms.py`` checks the equality on many seeds.
    """
    e = rng.standard_exponential(K)
    e *= 1.0 / float(_add_reduce(e, None))
    return e


def normalise(v: np.ndarray) -> np.ndarray:
    """Clip ``v`` at zero and scale it to sum to one (uniform if it is all zero)."""
    if type(v) is not np.ndarray or v.dtype != np.float64:
        v = np.asarray(v, dtype=float)
    v = _maximum(v, 0.0)  # what np.clip(v, 0.0, None) computes
    s = _add_reduce(v, None)
    return v / s if s > 0 else UNIFORM.copy()


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap of two probability vectors, ``sum(min(a, b))`` in [0, 1] (1 = identical)."""
    return float(_add_reduce(np.minimum(a, b), None))


def pool_knowledge(knowledge: np.ndarray, sharing: float = 1.0) -> np.ndarray:
    """What a group can bring to bear on each dimension: ``c_d = s * max_i k_id`` (T8, T14).

    A dimension is covered as well as the group's best holder knows it and
    shares it, so coverage grows with the *diversity* of members, not with more
    members of the same kind. ``sharing`` (s, in [0, 1]) is how freely members
    share what they know: conflict blocks it (T15). An empty group covers
    nothing.
    """
    if (type(knowledge) is not np.ndarray or knowledge.ndim != 2 or knowledge.shape[1] != K
            or knowledge.dtype != np.float64):
        knowledge = np.asarray(knowledge, dtype=float).reshape(-1, K)
    if knowledge.shape[0] == 0:
        return np.zeros(K)
    best = _max_reduce(knowledge, axis=0)
    return best if type(sharing) is float and sharing == 1.0 else sharing * best  # 1.0 x c is c, for every double


def knowledge_diversity(knowledge: np.ndarray) -> float:
    """Breadth of distinct expertise in a group: ``mean_d max_i k_id`` in [0, 1] (T8, T13).

    Each kind of agent is expert on different dimensions, so a group of one kind
    (all employees) has a strong holder on one or two dimensions only, while a
    group that mixes citizens, employees, administrators and politicians has
    one on every dimension. More members of the same kind add little.
    """
    if (type(knowledge) is not np.ndarray or knowledge.ndim != 2 or knowledge.shape[1] != K
            or knowledge.dtype != np.float64):
        knowledge = np.asarray(knowledge, dtype=float).reshape(-1, K)
    if knowledge.shape[0] == 0:
        return 0.0
    best = _max_reduce(knowledge, axis=0)
    return float(_add_reduce(best, None)) / best.size  # ndarray.mean: the same sum over the same count


def perceive_need(
    need: np.ndarray,
    coverage: np.ndarray,
    visibility: np.ndarray,
    noise: float,
    rng: np.random.Generator,
    wickedness: float = 0.0,
) -> np.ndarray:
    """The need as a group defines it: ``normalise((1 - u) seen + u e)``.

    ``seen = need * coverage * visibility``: a group sees a dimension only as far
    as it knows it (``coverage``) and as far as its steering lets it look
    (``visibility``: NPM's counting regime hides unmeasured dimensions, T3).
    Uncertainty ``u = noise + wickedness * (1 - need . coverage)``: wicked
    problems are uncertain, unless the group knows the dimensions they touch
    (T6). ``e`` is a Dirichlet(1) draw.
    """
    if (K == 5 and type(need) is np.ndarray and type(coverage) is np.ndarray and type(visibility) is np.ndarray
            and need.dtype == np.float64 and coverage.dtype == np.float64 and visibility.dtype == np.float64
            and need.shape == _SHAPE_K and coverage.shape == _SHAPE_K and visibility.shape == _SHAPE_K):
        return _perceive_5(need, coverage, visibility, noise, rng, wickedness)
    u = clip01(noise + wickedness * (1.0 - float(np.dot(need, coverage))))
    seen = need * coverage * visibility
    total = _add_reduce(seen, None)
    if total > 0:
        seen = seen / total
    return normalise((1.0 - u) * seen + u * dirichlet_ones(rng))


_SHAPE_K = (K,)


def _perceive_5(need, coverage, visibility, noise, rng, wickedness) -> np.ndarray:
    """:func:`perceive_need` of three float64 vectors of 5 elements, written out element by element.

    The operations of the numpy form, in the same order: ``ndarray.dot`` is ``np.dot``; the Dirichlet
    draw is :func:`dirichlet_ones` (its exponentials scaled by one over their sum);
    each sum of 5 numbers is added one after the other from 0.0, as numpy adds fewer than 8.
    """
    u = clip01(noise + wickedness * (1.0 - float(need.dot(coverage))))
    n0, n1, n2, n3, n4 = need.tolist()
    c0, c1, c2, c3, c4 = coverage.tolist()
    v0, v1, v2, v3, v4 = visibility.tolist()
    s0, s1, s2, s3, s4 = n0 * c0 * v0, n1 * c1 * v1, n2 * c2 * v2, n3 * c3 * v3, n4 * c4 * v4
    total = 0.0 + s0 + s1 + s2 + s3 + s4  # evaluated from the left
    if total > 0:
        s0, s1, s2, s3, s4 = s0 / total, s1 / total, s2 / total, s3 / total, s4 / total
    e0, e1, e2, e3, e4 = rng.standard_exponential(5).tolist()
    inv = 1.0 / (0.0 + e0 + e1 + e2 + e3 + e4)
    keep = 1.0 - u
    m0, m1, m2, m3, m4 = (keep * s0 + u * (e0 * inv), keep * s1 + u * (e1 * inv), keep * s2 + u * (e2 * inv),
                          keep * s3 + u * (e3 * inv), keep * s4 + u * (e4 * inv))
    # normalise: np.maximum(m, 0.0) (NaN kept; on a tie, -0.0 against 0.0, numpy returns the second
    # argument, 0.0), the sum from 0.0, each divided by it
    if not m0 > 0.0 and m0 == m0:
        m0 = 0.0
    if not m1 > 0.0 and m1 == m1:
        m1 = 0.0
    if not m2 > 0.0 and m2 == m2:
        m2 = 0.0
    if not m3 > 0.0 and m3 == m3:
        m3 = 0.0
    if not m4 > 0.0 and m4 == m4:
        m4 = 0.0
    t = 0.0 + m0 + m1 + m2 + m3 + m4
    if t > 0:
        return np.array((m0 / t, m1 / t, m2 / t, m3 / t, m4 / t))
    return UNIFORM.copy()


def _plain_k(x) -> bool:
    """Whether ``x`` is a float64 vector of K elements (the case the list arithmetic covers)."""
    return type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (K,)


def pass_along_chain(view: np.ndarray, links: int, fidelity: float, rng: np.random.Generator,
                     codified: np.ndarray | None = None) -> np.ndarray:
    """Send a definition through ``links`` links of the chain of command (T1, T6).

    At each link the message keeps a share ``f_k`` of each dimension and the rest is
    replaced by the link's own Dirichlet(1) reading: ``v_k <- f_k v_k + (1 - f_k) e_k``,
    then normalised. What the rulebook codifies travels intact (a case of a known
    category is passed on as that category): ``f_k = 1 - (1 - fidelity)(1 - codified_k)``;
    tacit, local and experiential knowledge is what the chain loses. Without
    ``codified`` every dimension keeps ``fidelity``.
    """
    if links > 0 and _plain_k(view) and (codified is None or _plain_k(codified)):
        # The same arithmetic on K Python floats, in numpy's order (see perceive_need).
        f = float(fidelity)
        keep = [f] * K if codified is None else [1.0 - (1.0 - f) * (1.0 - c) for c in codified.tolist()]
        lose = [1.0 - k for k in keep]
        v = view.tolist()
        for _ in range(links):
            e = rng.standard_exponential(K).tolist()
            acc = 0.0
            for x in e:
                acc += x
            inv = 1.0 / acc
            v = [k * x + q * (y * inv) for k, x, q, y in zip(keep, v, lose, e)]
            v = [x if (x >= 0.0 or x != x) else 0.0 for x in v]
            s = 0.0
            for x in v:
                s += x
            v = [x / s for x in v] if s > 0 else UNIFORM.tolist()
        return np.array(v)
    keep = np.full(K, fidelity) if codified is None else 1.0 - (1.0 - fidelity) * (1.0 - np.asarray(codified, dtype=float))
    for _ in range(links):
        view = normalise(keep * view + (1.0 - keep) * dirichlet_ones(rng))
    return view


def conflict_level(positions: np.ndarray, trust: float, management: float, softening: float = 0.5) -> float:
    """Conflict in a group, ``2 std(positions) * (1 - softening * trust) * (1 - management)`` in [0, 1] (T15, T17).

    Preference positions lie in [0, 1] so ``2 std`` is at most 1. Trust between
    members softens conflict (by at most ``softening``, ``core.trust_softening``);
    process management lowers it further through ``management``. Framing and
    network participation act earlier, by pulling positions together.
    """
    if type(positions) is not np.ndarray or positions.dtype != np.float64 or positions.ndim != 1:
        positions = np.asarray(positions, dtype=float).ravel()
    n = positions.size
    if n < 2:
        return 0.0
    # ndarray.std, step by step: mean = sum / n, deviations squared, their sum / n, square root
    dev = positions - _add_reduce(positions, None) / n
    spread = min(1.0, 2.0 * math.sqrt(float(_add_reduce(dev * dev, None)) / n))
    return clip01(spread * (1.0 - softening * trust) * (1.0 - management))


def muddy_compromise(direction: np.ndarray, conflict: float) -> np.ndarray:
    """Blend a solution towards an unfocused average as conflict rises (T15).

    ``a' = (1 - conflict) a + conflict * uniform``: a compromise that gives every
    member something fits the actual need less.
    """
    return normalise((1.0 - conflict) * direction + conflict * UNIFORM)


def solution_fit(direction: np.ndarray, need: np.ndarray, coverage: np.ndarray) -> float:
    """How well a solution fits the true need: ``overlap(a, n) * prod_d c_d ^ n_d`` in [0, 1].

    The solution must aim at the right dimensions (overlap of ``a`` with ``n``)
    and its designers must be able to act on *every* dimension the need
    touches: the need-weighted geometric mean of coverage ``c`` punishes any
    uncovered dimension, so wicked problems, which touch many, defeat narrow
    groups (T6, T8).
    """
    capability = float(np.exp(_add_reduce(need * np.log(_clip(coverage, 1e-3, 1.0)), None)))
    return float(_add_reduce(np.minimum(direction, need), None)) * capability


def recombine_novelty(diversity: float, slack: float, constraint: float, rng: np.random.Generator,
                      spread: float = 0.5) -> float:
    """Novelty of a design: ``diversity * slack * (1 - constraint) * u``, u ~ U(1 - spread, 1 + spread), in [0, 1].

    New ideas come from recombining knowledge that differs between designers
    (``diversity``, T8); they need room to think differently (``slack``: the
    discretion and intrinsic motivation of those designing, T4, T5); steering
    from outside narrows them (``constraint``: rules, framing, over-steering, T16).
    """
    return clip01(diversity * slack * (1.0 - constraint) * rng.uniform(1.0 - spread, 1.0 + spread))


def employee_effort(motivation: np.ndarray, pressure: np.ndarray, extrinsic_weight: float) -> np.ndarray:
    """Effort from intrinsic motivation plus extrinsic pressure: ``1 - (1 - m)(1 - w p)`` (T3, T5).

    Without control (``p = 0``) effort is motivation alone: where intrinsic
    motivation is low, trust-based steering gets little effort (principal–agent, T27).
    """
    return 1.0 - (1.0 - motivation) * (1.0 - extrinsic_weight * pressure)


def drift_share(motivation: np.ndarray, pressure: np.ndarray, agency: float) -> np.ndarray:
    """Share of unsteered effort that drifts to employees' own ends: ``a (1 - m)(1 - p)`` (T3, T27).

    The principal–agent problem: an employee who is neither intrinsically motivated
    (``m``) nor watched (``p``) spends part of the effort on what suits them rather than
    on the service. ``agency`` (a) is how much room the work leaves for that; 0 switches
    the mechanism off.
    """
    return _clip(agency * (1.0 - motivation) * (1.0 - pressure), 0.0, 1.0)  # np.clip's ufunc, without its wrapper


def steered_share(pressure: np.ndarray, motivation: np.ndarray, discretion: np.ndarray) -> np.ndarray:
    """Share of effort pulled to what control looks at: ``p (1 - m d)`` (T3, T4).

    Under targets (NPM) that is the measured dimensions, under rules (OPA) the
    procedure. Employees with intrinsic motivation *and* discretion keep working
    on the actual need (professional judgement, T27).
    """
    return _clip(pressure * (1.0 - motivation * discretion), 0.0, 1.0)


def crowd_out_motivation(
    motivation: np.ndarray,
    pressure: np.ndarray,
    discretion: np.ndarray,
    crowding: float,
    support: float,
    intrinsic: np.ndarray | float = 1.0,
) -> np.ndarray:
    """One step of intrinsic motivation: ``m + s d (i - m) - c p m`` (T3, T5, T27).

    Control pressure ``p`` crowds intrinsic motivation out at rate ``c``; trusted
    discretion ``d`` sustains it at rate ``s``, but only up to the employee's own
    intrinsic (public-service) motivation ``i``: autonomy cannot create motivation
    that is not there, and above ``i`` it relaxes back. Fixed point
    ``s d i / (s d + c p)``.
    """
    m = motivation + support * discretion * (intrinsic - motivation) - crowding * pressure * motivation
    return _clip(m, 0.0, 1.0)


def focus_overlap(focus: np.ndarray, plan: np.ndarray) -> np.ndarray | float:
    """``sum_d plan_d focus_d``: the share of a plan that control watches (rows of ``focus`` each).

    ``focus`` weighs each dimension from 0 (not watched) to 1 (watched); ``plan`` is a
    probability vector. Control that watches every dimension the plan needs distorts nothing.
    """
    focus = np.asarray(focus, dtype=float)
    if focus.ndim == 1:
        return float(np.dot(focus, plan))
    return focus @ np.asarray(plan, dtype=float)


def service_quality(effort: np.ndarray, share: np.ndarray, focus: np.ndarray, plan: np.ndarray,
                    drift: np.ndarray | float = 0.0) -> np.ndarray:
    """Quality delivered against a plan: ``effort ((1 - s)(1 - x) + s overlap(focus, plan))``.

    Effort steered to the focus of control (``share`` s of it) only counts where
    the focus coincides with what the plan needs (T3, T4); of the unsteered rest, the
    share ``drift`` (x, :func:`drift_share`) goes to employees' own ends. ``focus`` is
    one vector, or one row per employee (a provider's own focus under NPM).
    """
    return effort * ((1.0 - share) * (1.0 - drift) + share * focus_overlap(focus, plan))


def standard_fit(defined: np.ndarray, need: np.ndarray, codified: np.ndarray) -> float:
    """Fit of a standard solution: ``n_t * k_t``, ``t`` the main dimension of the problem as defined (T6).

    A standard solution (the rulebook, best practice) treats a problem as a case of
    its main category, ``t = argmax(defined)``, and acts on that one dimension with
    the public sector's codified know-how ``k_t`` instead of the designers' own. A tame
    problem, whose need lies on one well-codified dimension, is met almost as well as by
    a tailored design; a wicked one, whose need is spread over several dimensions (and
    over local, experiential and political ones that resist codification), poorly.
    """
    t = int(np.argmax(defined))
    return float(need[t] * codified[t])


def coordination_factor(members: int, cost: float) -> float:
    """``1 + cost (n - 1)``: how coordination grows with a group of ``n`` members (T15, T24).

    Meeting hours per member are multiplied by it and the knowledge members manage to
    share is divided by it, so a larger arena costs more and pools less per member.
    """
    return 1.0 + cost * max(members - 1, 0)


def tire(fatigue: np.ndarray, rate: float) -> np.ndarray:
    """Fatigue after one more act of taking part: ``f + rate (1 - f)`` (T11, T15)."""
    return fatigue + rate * (1.0 - fatigue)


def mobilise_resources(resources: np.ndarray, willingness: np.ndarray, role_weight: float) -> float:
    """Citizen resources brought into a service: ``mean(r * w) * role_weight`` in [0, 1] (T5, T12).

    ``role_weight`` is what the citizen's role lets them bring: nothing for a
    subject or a customer, full for a co-creator.
    """
    if resources.size == 0:
        return 0.0
    brought = resources * willingness
    return clip01(float(_add_reduce(brought, None)) / brought.size * role_weight)


def coproduction_reach(need: np.ndarray, knowledge: np.ndarray) -> float:
    """How much of a solution co-producers can carry: ``need . pool(knowledge)`` in [0, 1] (T5, T12, T14).

    Citizens co-produce with what they know (mostly local and experiential knowledge):
    where a problem's need lies there, their time adds to the solution's quality;
    where it lies in professional or procedural know-how (a tame, codified problem),
    little. ``knowledge`` holds the co-producers' rows (their pooled knowledge, as in
    :func:`pool_knowledge`); no co-producers reach nothing.
    """
    pooled = pool_knowledge(knowledge)
    if type(need) is np.ndarray:
        return float(need.dot(pooled))  # ndarray.dot: np.dot's product, without its dispatch
    return float(np.dot(need, pooled))


def implementation_resistance(trust: np.ndarray, ownership: np.ndarray) -> float:
    """Resistance among those affected: ``mean((1 - trust)(1 - ownership))`` in [0, 1] (T8)."""
    if trust.size == 0:
        return 0.0
    r = (1.0 - trust) * (1.0 - ownership)
    return float(_add_reduce(r, None)) / r.size


def participation_effect(level: np.ndarray, influence: float, threshold: float, rate: float) -> np.ndarray:
    """Taking part moves trust/efficacy by its quality: ``x + rate (influence - threshold)`` (T7, T11).

    Real influence (above the threshold) builds trust and efficacy; tokenistic
    participation (below it) lowers them.
    """
    return _clip(level + rate * (influence - threshold), 0.0, 1.0)


def select_recruits(
    candidates: np.ndarray,
    willingness: np.ndarray,
    resources: np.ndarray,
    bias: float,
    outreach: float,
    seats: int,
    rng: np.random.Generator,
    competence: np.ndarray | None = None,
    profile: float = 0.0,
) -> np.ndarray:
    """Recruit citizens to an arena (T15, T17 network design, T22, T26).

    Each candidate accepts with probability
    ``(1 - outreach) * w * (r / max r)^bias + outreach * sqrt(w)``: self-selection
    favours the resourceful unless the network is designed to reach everyone, and
    outreach (personal invitation) also lifts acceptance among the less willing. At
    most ``seats`` of those who accept are taken, by the score
    ``(1 - profile) key + profile competence`` (``key`` ~ U(0, 1); competence
    profiles choose those who bring what the arena lacks). Exactly two draws per
    candidate, whatever the state, so other mechanisms' draws never shift.
    """
    u = rng.random(candidates.size)
    keys = rng.random(candidates.size)
    if candidates.size == 0 or seats <= 0:
        return candidates[:0]
    rmax = max(float(_max_reduce(resources, None)), 1e-9)
    # p = (1 - outreach) w (r / rmax)^bias + outreach sqrt(w), each operation in place on one new array
    p = resources / rmax
    if p.dtype == np.float64 and getattr(willingness, "dtype", None) == np.float64 and p.shape == willingness.shape:
        p **= bias
        p *= willingness  # w x, as x w: a product of two doubles does not depend on their order
        p *= 1.0 - outreach
        p += outreach * np.sqrt(willingness)
    else:
        p = (1.0 - outreach) * (willingness * p ** bias) + outreach * np.sqrt(willingness)
    idx = (u < p).nonzero()[0]
    if idx.size > seats:  # else every one who accepts is taken: no need to rank them
        score = keys if competence is None or profile <= 0 else (1.0 - profile) * keys + profile * competence
        idx = idx[(-score[idx]).argsort(kind="stable")[:seats]]  # np.argsort, without its wrapper
    out = candidates[idx]
    out.sort()
    return out


def spread_over_network(values: np.ndarray, weights, rate: float) -> np.ndarray:
    """Diffuse a citizen attribute over the row-normalised network: ``(1 - r) x + r W x`` (T11)."""
    return (1.0 - rate) * values + rate * (weights @ values)
