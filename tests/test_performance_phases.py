"""The cheaper forms of the arrive, implement and respond phases compute exactly
what the straightforward numpy forms compute (bit for bit, not approximately)."""

import copy

import numpy as np
import pytest

from govsim import mechanisms as mech
from govsim import partners, phases
from govsim.config import validate
from govsim.ladder import RUNGS
from govsim.mechanisms import K
from govsim.model import GovModel
from govsim.network import Neighbourhood, small_world
from govsim.problems import DRIVERS, Problem, ProblemStream, Stage, _DimensionDraw, _shares, _weighted_dims
from _helpers import plain_neighbourhood


# ----------------------------------------------------------------------------- arrivals
class _PlainStream:
    """Problem arrivals written the straightforward way: one problem after the other, Generator.dirichlet
    for the shares, the weighted dimension draw of ``_weighted_dims``, a plain breadth-first search."""

    def __init__(self, rng, rate, wickedness, reach, adj, dispersion):
        self.rng, self.rate, self.wickedness, self.reach, self.adj = rng, rate, wickedness, reach, adj
        self.weights = np.full(K, (1.0 - dispersion) / 3.0)
        self.weights[[mech.LOCAL, mech.EXPERIENTIAL]] = dispersion / 2.0
        self.next_id = 0

    def hood(self, origin, size):
        return plain_neighbourhood(self.adj, origin, size)

    def draw(self, step):
        rng, out = self.rng, []
        for _ in range(int(rng.poisson(self.rate))):
            mean = min(max(self.wickedness, 1e-3), 1 - 1e-3)
            w = float(rng.beta(4 * mean, 4 * (1 - mean)))
            m = 1 + int(round(w * (K - 1)))
            dims = _weighted_dims(rng, self.weights, m)
            need = np.zeros(K)
            need[dims] = rng.dirichlet(np.full(m, 2.0))
            driver = DRIVERS[int(rng.integers(len(DRIVERS)))]
            origin = int(rng.integers(self.adj.shape[0]))
            size = max(1, int(rng.poisson(self.reach)))
            out.append(Problem(id=self.next_id, arrived=step, driver=driver, wickedness=w, need=need,
                               affected=self.hood(origin, size), ready_at=step))
            self.next_id += 1
        return out


@pytest.mark.parametrize("seed,wickedness,dispersion,n", [(0, 0.5, 0.4, 500), (1, 0.9, 0.0, 300), (2, 0.1, 1.0, 800),
                                                         (3, 0.6, 0.7, 60)])
def test_problem_stream_equals_plain_draws(seed, wickedness, dispersion, n):
    adj = small_world(n, 6, 0.2, np.random.default_rng(seed))
    fast = ProblemStream(np.random.default_rng(seed), 30.0, wickedness, 25, Neighbourhood(adj), dispersion)
    plain = _PlainStream(np.random.default_rng(seed), 30.0, wickedness, 25, adj, dispersion)
    drawn = 0
    for step in range(25):
        got, want = fast.draw(step), plain.draw(step)
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert (a.id, a.arrived, a.driver, a.wickedness, a.ready_at) == (b.id, b.arrived, b.driver, b.wickedness,
                                                                            b.ready_at)
            assert a.need.tolist() == b.need.tolist()  # bit for bit
            assert a.affected.dtype == np.int64 and a.affected.tolist() == b.affected.tolist()
        drawn += len(got)
    assert drawn > 25 * 20 and fast.next_id == plain.next_id
    assert fast.rng.random() == plain.rng.random()  # the same number of draws taken


def test_shares_equal_dirichlet():
    for seed in range(40):
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        for m in [1, 2, 3, 4, 5] * 40:
            assert _shares(r1.standard_gamma(2.0, m).tolist()) == r2.dirichlet(np.full(m, 2.0)).tolist()
        assert r1.random() == r2.random()


@pytest.mark.parametrize("weights", [[.2, .2, .2, .2, .2], [.3, 0, .1, .3, .3], [0, 0, .5, 0, .5], [.1, .4, .1, .1, .3]])
def test_dimension_order_equals_one_draw_at_a_time(weights):
    w = np.array(weights)
    draw = _DimensionDraw(w)
    u = np.random.default_rng(len(weights)).random((2000, K))
    u[:5] = [0.5, 0.5, 0.25, 0.5, 0.0]  # ties and a zero draw
    order = draw.order(u)

    class Replay:  # hands one row of u to __call__ as its rng.random(K)
        def __init__(self, row):
            self.row = row

        def random(self, k):
            return self.row.copy()

    for i in range(u.shape[0]):
        assert order[i].tolist() == draw(Replay(u[i]), K)


def test_neighbourhood_survives_pickling_and_equals_plain_search():
    import pickle
    adj = small_world(400, 4, 0.3, np.random.default_rng(8))
    hood = Neighbourhood(adj)
    plain = _PlainStream(None, 0, 0.5, 1, adj, 0.4)
    rng = np.random.default_rng(3)
    cases = [(int(rng.integers(400)), int(rng.integers(0, 120))) for _ in range(300)] + [(0, 400), (1, 10 ** 6)]
    twin = pickle.loads(pickle.dumps(hood))
    for origin, size in cases:
        want = plain.hood(origin, max(size, 1)) if size else np.array([origin])
        assert hood(origin, size).tolist() == want.tolist() == twin(origin, size).tolist()
    # A network in two pieces: the search stops at the origin's piece.
    import scipy.sparse as sp
    two = sp.block_diag([small_world(20, 4, 0.0, np.random.default_rng(1))] * 2, format="csr")
    assert Neighbourhood(two)(3, 100).tolist() == list(range(20))


# ----------------------------------------------------------------------------- implement
def _plain_solution(w, rules, p, st, effective):
    """The per-problem delivery written with the mechanisms' own functions (np.isin, service_quality, ...)."""
    c, cfg = w.citizens, w.config
    rng = w.streams.get("implementation", p.id, p.attempts)
    u = rng.random()
    team = w.pick_employees(p, cfg.employees.implementation_team, rng)
    focus = np.asarray(st.focus)
    focus = np.ones(K) if p.standard else (focus if focus.ndim == 1 else focus[w.employees.provider[team]])
    q_public = float(np.mean(mech.service_quality(effective[team], w.employees.steered_share[team], focus,
                                                  p.direction, w.employees.drift[team]))) if team.size else 0.0
    aff = p.affected
    role = rules.coproduction * (RUNGS[p.arena.rung].coproduction if p.arena is not None else 1.0)
    co = mech.mobilise_resources(c.resources[aff], c.willingness[aff], role)
    co_draw = w.streams.get("coproduction", p.id, p.attempts).random(aff.size)
    if co > 0:
        producers = aff[co_draw < c.willingness[aff] * role]
        w.citizen_hours(p, producers, cfg.employees.implementation_hours)
        discretion = float(np.mean(w.employees.discretion[team])) if team.size else 0.0
        w.record_participation(p, producers, mech.RUNG_VOLUNTEER, RUNGS[mech.RUNG_VOLUNTEER].depth * discretion)
        co *= mech.coproduction_reach(p.need, c.knowledge[producers])
    q = q_public + (1.0 - q_public) * co
    p.quality = partners.add_resources(w, p, q)
    ownership = np.where(np.isin(aff, p.group.citizens), p.influence, 0.0)
    pol = p.group.politicians
    legit = w.politicians.legitimacy[pol] if pol.size else w.politicians.legitimacy
    p.support = w.core.mobilisation * p.political_ownership * float(np.mean(legit))
    contested = 1.0 - w.core.contestation * (1.0 - p.wickedness)
    resistance = mech.implementation_resistance(c.trust[aff], ownership) * (1.0 - p.support) * contested
    w.spend("employees", team, cfg.employees.implementation_hours, p)
    phases._settle(w, rules, p, u, resistance)


def _steer_and_deliver_routine(model):
    """The implement phase up to the solutions: steering, effort, routine services (plain form)."""
    w, rules = model.world, model.paradigm
    ready = w.ready(Stage.DECIDED)
    st = rules.steer(w)
    e, cfg = w.employees, w.config.employees
    e.pressure[:] = np.asarray(st.pressure, dtype=float)
    e.discretion[:] = st.discretion
    e.effort[:] = mech.employee_effort(e.motivation, e.pressure, cfg.extrinsic_weight)
    e.steered_share[:] = mech.steered_share(e.pressure, e.motivation, e.discretion)
    e.drift[:] = mech.drift_share(e.motivation, e.pressure, cfg.agency)
    effective = e.effort * (1.0 - st.overhead)
    phases.deliver_routine(w, st, effective)
    return w, rules, ready, st, effective


def _plain_implement(model):
    w, rules, ready, st, effective = _steer_and_deliver_routine(model)
    for p in ready:
        _plain_solution(w, rules, p, st, effective)


_FIELDS = ("quality", "support", "clarity", "implemented", "value", "solved", "outcome", "attempts", "ready_at",
           "citizen_hours", "public_hours", "closed_at", "stage", "rung", "influence")


def _compare_implement(m, tally):
    """Run the batched and the plain implement phase on copies of ``m`` and compare everything they touch."""
    ready = m.world.ready(Stage.DECIDED)
    a, b = copy.deepcopy(m), copy.deepcopy(m)
    phases.implement(a)
    _plain_implement(b)
    wa, wb = a.world, b.world
    got = {p.id: p for p in wa.ready(Stage.DECIDED)} | {p.id: p for p in wa.closed_now}
    want = {p.id: p for p in wb.ready(Stage.DECIDED)} | {p.id: p for p in wb.closed_now}
    assert sorted(got) == sorted(want)
    for pid, p in want.items():
        for f in _FIELDS:
            assert getattr(got[pid], f) == getattr(p, f), (pid, f)
    assert [q.id for q in wa.closed_now] == [q.id for q in wb.closed_now]
    assert wa.public_hours == wb.public_hours
    assert len(wa.participation) == len(wb.participation)
    for (r1, g1, i1), (r2, g2, i2) in zip(wa.participation, wb.participation):
        assert r1.tolist() == r2.tolist() and g1 == g2 and i1 == i2
    assert wa.firms.trust.tolist() == wb.firms.trust.tolist()
    assert wa.experience.tolist() == wb.experience.tolist()
    tally["solutions"] += len(ready)
    tally["coproduced"] += sum(p.citizen_hours > 0 for p in want.values())
    tally["owned"] += sum(p.group.citizens.size > 0 for p in ready)
    tally["closed"] += len(wb.closed_now)
    phases.implement(m)  # the model itself goes on as usual


def _checking(model, tally):
    from govsim.phases import Phase
    return type(model.phases)(Phase(ph.name, lambda mm: _compare_implement(mm, tally), ph.theory, ph.doc)
                              if ph.name == "implement" else ph for ph in model.phases)


@pytest.mark.parametrize("settings", [
    dict(paradigm="npg", metagovernance="hands_on", seed=1),
    dict(paradigm="npg", metagovernance="hands_off", seed=2),
    dict(paradigm="npm", metagovernance="none", seed=3),  # one focus row per provider
    dict(paradigm="opa", metagovernance="none", seed=4),
    dict(paradigm="npg", metagovernance="hands_on", seed=5, firms={"count": 6, "partnership": "trust"}),
    dict(paradigm="npg", metagovernance="hands_on", seed=6, employees={"implementation_team": 9}),  # teams of 8+
])
def test_batched_implement_equals_one_solution_at_a_time(settings):
    m = GovModel(validate({**settings, "population": {"citizens": 1500}}), history=False)
    tally = dict(solutions=0, coproduced=0, owned=0, closed=0)
    for _ in range(6):
        m.step()
    m.phases = _checking(m, tally)
    for _ in range(18):
        m.step()
    # The comparison covered real deliveries, closures and co-producers.
    assert tally["solutions"] > 30 and tally["closed"] > 10 and tally["coproduced"] > 5, tally
    if settings["paradigm"] == "npg":
        assert tally["owned"] > 5, tally  # and affected citizens who owned the solution


def _one_at_a_time(model):
    """The implement phase with :func:`govsim.phases.implement_solution` called for each solution."""
    w, rules, ready, st, effective = _steer_and_deliver_routine(model)
    for p in ready:
        phases.implement_solution(w, rules, p, st, effective)


@pytest.mark.parametrize("paradigm,seed", [("npg", 7), ("npm", 8)])
def test_implement_solution_alone_equals_plain_form(paradigm, seed):
    m = GovModel(validate({"paradigm": paradigm, "metagovernance": "hands_on" if paradigm == "npg" else "none",
                           "seed": seed, "population": {"citizens": 1200}}), history=False)
    seen = []

    def check(mm):
        a, b = copy.deepcopy(mm), copy.deepcopy(mm)
        _one_at_a_time(a)
        _plain_implement(b)
        got = [(p.id, p.quality, p.support, p.clarity, p.outcome, p.citizen_hours) for p in a.world.closed_now]
        assert got == [(p.id, p.quality, p.support, p.clarity, p.outcome, p.citizen_hours)
                       for p in b.world.closed_now]
        assert a.world.public_hours == b.world.public_hours
        seen.extend(got)
        phases.implement(mm)

    from govsim.phases import Phase
    m.phases = type(m.phases)(Phase(ph.name, check, ph.theory, ph.doc) if ph.name == "implement" else ph
                              for ph in m.phases)
    for _ in range(24):
        m.step()
    assert len(seen) > 20


def test_resistance_equals_mechanism():
    rng = np.random.default_rng(11)
    for _ in range(300):
        aff = np.sort(rng.choice(500, size=int(rng.integers(0, 80)), replace=False)).astype(np.int64)
        members = rng.choice(500, size=int(rng.integers(0, 40)), replace=False).astype(np.int64)
        trust, influence = rng.random(aff.size), float(rng.random())
        want = mech.implementation_resistance(trust, np.where(np.isin(aff, members), influence, 0.0))
        assert phases._resistance(trust, aff, members, influence) == want


# ----------------------------------------------------------------------------- respond
_CITIZENS = ("satisfaction", "trust", "expectation", "fatigue", "willingness", "efficacy", "complaints",
             "participations")


@pytest.mark.parametrize("paradigm,meta,seed", [("npg", "hands_on", 1), ("npm", "none", 2), ("opa", "none", 3)])
def test_respond_equals_plain_form(paradigm, meta, seed):
    m = GovModel(validate({"paradigm": paradigm, "metagovernance": meta, "seed": seed,
                           "population": {"citizens": 1500}, "citizens": {"adaptation": 0.3}}), history=False)
    checked = []

    def twin(name, fast, plain):
        def run(mm):
            a, b = copy.deepcopy(mm), copy.deepcopy(mm)
            fast(a)
            plain(b)
            for col in _CITIZENS:
                assert getattr(a.world.citizens, col).tobytes() == getattr(b.world.citizens, col).tobytes(), (name, col)
            assert a.world.experience.tobytes() == b.world.experience.tobytes()
            assert a.world.employees.motivation.tobytes() == b.world.employees.motivation.tobytes()
            assert a.world.hours_log == b.world.hours_log
            checked.append(name)
            fast(mm)
        return run

    from govsim.phases import Phase
    from test_performance_respond import _plain_respond  # respond written with the plain forms throughout

    checks = {"respond": twin("respond", phases.respond, _plain_respond)}
    m.phases = type(m.phases)(Phase(ph.name, checks[ph.name], ph.theory, ph.doc) if ph.name in checks else ph
                              for ph in m.phases)
    for _ in range(15):
        m.step()
    assert checked.count("respond") == 15
    c = m.world.citizens
    assert c.trust.std() > 0 and c.willingness.std() > 0 and c.complaints.sum() > 0  # the updates did something
