"""The cheaper forms of the whole-population phases compute exactly what the straightforward
forms compute, bit for bit: the implement phase's delivery of decided solutions (co-producers'
knowledge pooled together, one politician's legitimacy read as a float, NPM teams' quality worked
out together), and the respond phase's closures and participation effects."""

import copy

import numpy as np
import pytest

from govsim import mechanisms as mech
from govsim import phases
from govsim.config import validate
from govsim.mechanisms import K
from govsim.model import GovModel
from govsim.phases import Phase
from govsim.problems import Group, Problem, Stage
from test_performance_phases import _plain_solution, _steer_and_deliver_routine  # the straightforward forms


def same(a, b) -> bool:
    """Equal bit for bit (so 0.0 and -0.0 differ, and NaN equals NaN)."""
    return np.asarray(a).tobytes() == np.asarray(b).tobytes() and np.asarray(a).dtype == np.asarray(b).dtype


def model(paradigm="npg", meta=None, seed=1, n=1200, **tables):
    meta = meta or ("hands_on" if paradigm == "npg" else "none")
    return GovModel(validate({"paradigm": paradigm, "metagovernance": meta, "seed": seed,
                              "population": {"citizens": n}, **tables}), history=False)


def swap_phase(m, name, run):
    m.phases = type(m.phases)(Phase(ph.name, run, ph.theory, ph.doc) if ph.name == name else ph for ph in m.phases)


# ----------------------------------------------------------------------------- pooled knowledge
def test_pooled_producers_equal_pool_knowledge_per_problem():
    rng = np.random.default_rng(3)
    knowledge = rng.random((400, K))
    knowledge[5] = 0.0
    knowledge[6] = -0.0  # signed zeros: the maximum keeps the first of equals, as pool_knowledge does
    tried = empty = 0
    for _ in range(300):
        k = int(rng.integers(1, 9))
        affs = [rng.choice(400, size=int(rng.integers(0, 12)), replace=False) for _ in range(k)]
        if rng.random() < 0.3:
            affs[0] = np.array([5, 6, 6, 5], dtype=np.int64)  # repeated rows in a problem
        aff = np.concatenate(affs).astype(np.int64)
        produce = rng.random(aff.size) < rng.choice([0.0, 0.3, 1.0])
        ends = np.cumsum([a.size for a in affs]).tolist()
        got = phases._pooled_producers(knowledge, aff, produce, ends)
        start = 0
        for i, end in enumerate(ends):
            producers = aff[start:end][produce[start:end]]
            if producers.size:
                assert same(got[i], mech.pool_knowledge(knowledge[producers])), i
                tried += 1
            else:
                assert i not in got
                empty += 1
            start = end
    assert tried > 300 and empty > 100
    assert phases._pooled_producers(knowledge.astype(np.float32), aff, produce, ends) is None
    assert phases._pooled_producers(knowledge, aff[:0], produce[:0], []) == {}


# ----------------------------------------------------------------------------- implement
def _plain_implement(m):
    w, rules, ready, st, effective = _steer_and_deliver_routine(m)
    m.steering = st
    for p in ready:
        _plain_solution(w, rules, p, st, effective)


_FIELDS = ("quality", "support", "clarity", "implemented", "value", "solved", "outcome", "attempts", "ready_at",
           "citizen_hours", "public_hours", "closed_at", "stage")


def _check_implement(tally, tweak=None):
    def run(m):
        if tweak is not None:
            tweak(m)
        ready = m.world.ready(Stage.DECIDED)
        a, b = copy.deepcopy(m), copy.deepcopy(m)
        phases.implement(a)
        _plain_implement(b)
        wa, wb = a.world, b.world
        for pa, pb in zip(sorted(ready, key=lambda p: p.id), sorted(ready, key=lambda p: p.id)):
            qa = next(q for q in [*wa.open, *wa.closed_now] if q.id == pa.id)
            qb = next(q for q in [*wb.open, *wb.closed_now] if q.id == pb.id)
            for f in _FIELDS:
                assert same(getattr(qa, f), getattr(qb, f)), (qa.id, f, getattr(qa, f), getattr(qb, f))
        assert [q.id for q in wa.closed_now] == [q.id for q in wb.closed_now]
        assert same(wa.public_hours, wb.public_hours)
        assert len(wa.participation) == len(wb.participation)
        for (r1, g1, i1), (r2, g2, i2) in zip(wa.participation, wb.participation):
            assert r1.tolist() == r2.tolist() and g1 == g2 and same(i1, i2)
        assert same(wa.experience, wb.experience) and same(wa.providers.quality, wb.providers.quality)
        tally["solutions"] += len(ready)
        tally["closed"] += len(wb.closed_now)
        tally["coproduced"] += sum(p.citizen_hours > 0 for p in ready)
        tally["one_seat"] += sum(p.group.politicians.size == 1 for p in ready)
        tally["seats"] += sum(p.group.politicians.size > 1 for p in ready)
        phases.implement(m)
    return run


@pytest.mark.parametrize("paradigm,seed,n,tables", [
    ("opa", 1, 1500, {}),
    ("npm", 2, 1500, {}),  # one focus row per provider; exit moves customers between providers
    ("npm", 3, 1200, {"employees": {"implementation_team": 5}}),
    ("npg", 4, 1500, {}),
    ("npg", 5, 900, {"firms": {"count": 5, "partnership": "trust"}}),
])
def test_implement_equals_plain_form(paradigm, seed, n, tables):
    m = model(paradigm, seed=seed, n=n, **tables)
    for _ in range(6):
        m.step()
    tally = dict(solutions=0, closed=0, coproduced=0, one_seat=0, seats=0)
    swap_phase(m, "implement", _check_implement(tally))
    for _ in range(14):
        m.step()
    assert tally["solutions"] > 30 and tally["closed"] > 10, tally
    assert tally["coproduced"] > (0 if paradigm == "npm" else 5), tally  # customers seldom co-produce
    if paradigm != "npm":  # NPM's groups give politicians no seat (the signed-zero test below gives them some)
        assert tally["one_seat"] > 0 or tally["seats"] > 0, tally


def test_implement_with_signed_zero_legitimacy_and_standard_solutions():
    """A politician's legitimacy of -0.0 is read as numpy's mean reads it (0.0); standard solutions
    under per-provider focus use the procedure's focus; several NPM providers in one team."""
    for paradigm in ("opa", "npm"):
        m = model(paradigm, seed=9, n=1500)
        for _ in range(6):
            m.step()
        tally = dict(solutions=0, closed=0, coproduced=0, one_seat=0, seats=0)

        def tweak(mm):
            mm.world.politicians.legitimacy[::2] = -0.0
            for i, p in enumerate(mm.world.ready(Stage.DECIDED)):
                if i % 3 == 0:
                    p.standard = True
                if i % 4 == 1:
                    p.group = p.group.replace(politicians=np.array([], dtype=np.int64))
                if i % 4 == 2:
                    p.group = p.group.replace(politicians=np.array([0, 3, 5], dtype=np.int64))
                if i % 4 == 3:
                    p.group = p.group.replace(politicians=np.array([2 * (i % 7)], dtype=np.int64))  # -0.0

        swap_phase(m, "implement", _check_implement(tally, tweak))
        for _ in range(14):
            m.step()
        assert tally["solutions"] > 20 and tally["one_seat"] > 3 and tally["seats"] > 3, tally


# ----------------------------------------------------------------------------- take_part
def _plain_take_part(w):
    """Each act in the order recorded, one after the other, on its distinct citizens."""
    c, cfg, now = w.citizens, w.config.citizens, w.now
    for rows, rung, influence in w.participation:
        rows = np.unique(rows)
        if not rows.size:
            continue
        c.fatigue[rows] = mech.tire(c.fatigue[rows], cfg.fatigue)
        c.trust[rows] = mech.participation_effect(c.trust[rows], influence, cfg.tokenism_threshold,
                                                  cfg.participation_effect)
        c.efficacy[rows] = mech.participation_effect(c.efficacy[rows], influence, cfg.tokenism_threshold,
                                                     cfg.participation_effect)
        recent = c.last_participated[rows] == now
        c.last_rung[rows] = np.where(recent, np.maximum(c.last_rung[rows], rung), rung)
        c.last_participated[rows] = now
        if rung >= mech.RUNG_PANEL:
            c.last_deliberated[rows] = now
        c.participations[rows] += 1


_TOUCHED = ("fatigue", "trust", "efficacy", "last_rung", "last_participated", "last_deliberated", "participations")


def _compare_take_part(w):
    a, b = copy.deepcopy(w), copy.deepcopy(w)
    phases.take_part(a)
    _plain_take_part(b)
    for col in _TOUCHED:
        assert same(getattr(a.citizens, col), getattr(b.citizens, col)), col


@pytest.mark.parametrize("seed", range(6))
def test_take_part_equals_acts_one_after_another(seed):
    m = model("npg", seed=seed, n=300)
    for _ in range(3):
        m.step()
    w, rng = m.world, np.random.default_rng(seed)
    w.now += 1
    c = w.citizens
    for trial in range(40):
        acts = []
        for _ in range(int(rng.integers(0, 7))):
            size = int(rng.integers(0, 40))
            rows = rng.integers(0, 60 if trial % 2 else c.n, size=size).astype(np.int64)  # repeats, overlaps
            if rng.random() < 0.5:
                rows = np.sort(rows)
            acts.append((rows, int(rng.integers(1, mech.LADDER_TOP + 1)), float(rng.random())))
        w.participation = acts
        # some citizens already took part this step (their latest rung counts), some long ago
        c.last_participated[rng.random(c.n) < 0.2] = w.now
        c.last_rung[:] = rng.integers(0, mech.LADDER_TOP + 1, size=c.n)
        c.trust[rng.random(c.n) < 0.05] = 0.0
        c.efficacy[rng.random(c.n) < 0.05] = 1.0
        _compare_take_part(w)
    for acts in ([], [(np.array([], dtype=np.int64), 3, 0.5)], [(np.array([7]), 4, 0.9)],
                 [(np.array([7, 7, 7]), 2, 0.1)], [(np.array([7, 8]), 3, 0.2), (np.array([8, 7]), 1, 0.9)]):
        w.participation = acts
        _compare_take_part(w)


# ----------------------------------------------------------------------------- respond
def _plain_respond(m):
    w, rules = m.world, m.paradigm
    c, e, cfg, core = w.citizens, w.employees, w.config, w.core
    a = cfg.citizens.adaptation
    exp = w.experience
    open_aff = [p.affected for p in w.open]
    if open_aff:
        exp[np.concatenate(open_aff)] *= 1.0 - cfg.problems.harm
    for p in w.closed_now:
        exp[p.affected] = 0.5 * exp[p.affected] + 0.5 * p.value
    felt = np.clip(0.5 + exp - c.expectation, 0.0, 1.0)
    c.satisfaction += a * (felt - c.satisfaction)
    u = w.streams.get("voice", w.now).random(c.n)
    w.record_voice(np.flatnonzero((c.satisfaction < 0.5) & (u < cfg.citizens.voice)), rules.complaint_influence())
    c.trust += cfg.citizens.trust_adaptation * (c.satisfaction - c.trust)
    growth = cfg.citizens.expectation_growth + rules.expectation_push()
    c.expectation += core.expectation_share * a * (exp - c.expectation) + growth * (1.0 - c.expectation)
    c.fatigue *= 1.0 - cfg.citizens.recovery
    _plain_take_part(w)
    target = (c.efficacy * (core.willingness_base + (1.0 - core.willingness_base) * c.resources)
              * (1.0 - c.fatigue))
    c.willingness += a * (target - c.willingness)
    w.providers.loss[:] = 0.0
    rules.respond(w)
    e.motivation[:] = mech.crowd_out_motivation(e.motivation, e.pressure, e.discretion, cfg.employees.crowding_out,
                                                cfg.employees.autonomy_support, e.intrinsic)
    pol = w.politicians
    w.hours_log.append((float(pol.policy_hours.sum()), float(pol.case_hours.sum()), pol.n * cfg.politicians.hours))


_CITIZENS = ("satisfaction", "trust", "expectation", "fatigue", "willingness", "efficacy", "complaints",
             "participations", "last_rung", "last_participated", "last_deliberated", "provider")


def _check_respond(tally, tweak=None):
    def run(m):
        if tweak is not None:
            tweak(m)
        a, b = copy.deepcopy(m), copy.deepcopy(m)
        phases.respond(a)
        _plain_respond(b)
        wa, wb = a.world, b.world
        for col in _CITIZENS:
            assert same(getattr(wa.citizens, col), getattr(wb.citizens, col)), col
        assert same(wa.experience, wb.experience)
        assert same(wa.employees.motivation, wb.employees.motivation)
        assert same(wa.providers.loss, wb.providers.loss) and same(wa.providers.complaints, wb.providers.complaints)
        assert wa.hours_log == wb.hours_log
        closed = [p.affected for p in m.world.closed_now]
        tally["steps"] += 1
        tally["closed"] += len(closed)
        if len(closed) > 1:
            cat = np.concatenate(closed)
            tally["twice_closed"] += cat.size - np.unique(cat).size  # citizens in two closed problems
        tally["moved"] += int((wb.citizens.provider != m.world.citizens.provider).sum())
        tally["complaints"] += int(wb.citizens.complaints.sum() - m.world.citizens.complaints.sum())
        phases.respond(m)
    return run


@pytest.mark.parametrize("paradigm,seed,n,voice", [("opa", 1, 1500, 0.01), ("npm", 2, 1500, 0.01),
                                                   ("npg", 3, 1500, 0.01), ("npm", 4, 800, 0.6),
                                                   ("npg", 5, 3000, 1.0)])
def test_respond_equals_plain_form(paradigm, seed, n, voice):
    m = model(paradigm, seed=seed, n=n, citizens={"adaptation": 0.3, "voice": voice})
    tally = dict(steps=0, closed=0, twice_closed=0, moved=0, complaints=0)
    swap_phase(m, "respond", _check_respond(tally))
    for _ in range(16):
        m.step()
    assert tally["steps"] == 16 and tally["closed"] > 10 and tally["twice_closed"] > 0, tally
    assert tally["complaints"] > (n * voice if voice > 0.1 else 0), tally
    if paradigm == "npm":
        assert tally["moved"] > 0, tally  # customers exited to other providers


def _problem(pid, affected, now, value=0.0):
    return Problem(id=pid, arrived=now, driver="test", wickedness=0.5, need=np.full(K, 1.0 / K),
                   affected=np.asarray(affected, dtype=np.int64), ready_at=now + 1000, group=Group())


def test_respond_with_problems_added_and_closed_by_hand():
    """No open problems; problems appended to the open list directly; a citizen in several closed
    problems and listed twice in one; a problem closed in the middle of the step; NaN and -0.0 values."""
    m = model("opa", seed=7, n=500, citizens={"adaptation": 0.3})
    for _ in range(4):
        m.step()
    tally = dict(steps=0, closed=0, twice_closed=0, moved=0, complaints=0)
    state = {"k": 0}

    def tweak(mm):
        w, k = mm.world, state["k"]
        state["k"] += 1
        if k == 0:
            for p in list(w.open):
                w.close(p, "expired")  # nothing left open
            return
        extra = [_problem(10_000 + 10 * k + j, [1, 2, 3, 3, 40 + j], w.now) for j in range(3)]
        w.open.extend(extra)  # as a test or a tool might add them
        w.open.append(extra[0])  # listed twice
        for j, p in enumerate(extra[:2]):
            p.value = [0.7, float("nan"), -0.0][(k + j) % 3]
            w.close(p, "solved")  # closed after the phases before respond: it gets both updates
        late = _problem(20_000 + k, [3, 2, 1, 1], w.now)
        late.value = 0.25
        w.open.append(late)
        w.close(late, "unsolved")

    swap_phase(m, "respond", _check_respond(tally, tweak))
    for _ in range(6):
        m.step()
    assert tally["steps"] == 6 and tally["twice_closed"] > 10, tally
