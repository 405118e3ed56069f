"""Compiled kernels (govsim.kernels): the same draws, rows and results as the Python forms.

Each kernel is compared with the numpy call or the Python function it stands in for, on the
numbers it returns and on the state it leaves the generator in (the next draw through numpy
must be the same); whole runs are compared with and without kernels.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from govsim import kernels
from govsim import mechanisms as mech
from govsim.config import validate
from govsim.kernels import compiled as K  # numba is a dependency: without it this file fails
from govsim.model import GovModel
from govsim.paradigms import REGISTRY
from govsim.paradigms.base import Paradigm
from govsim.paradigms.npg import NPG, _competence
from govsim.problems import Stage
from govsim.kernels import state_views as _views
from govsim.streams import Streams
from govsim.world import World, top_rows


@pytest.fixture
def kernels_on():
    with kernels.enabled() as k:
        assert k is K
        yield k


def test_auto_mode_loads_the_kernels_after_enough_arrivals(monkeypatch):
    monkeypatch.setattr(kernels, "_mode", "auto")
    monkeypatch.setattr(kernels, "_loaded", False)
    monkeypatch.setattr(kernels, "_work", 0)
    monkeypatch.setattr(kernels, "_next_try", 0)
    monkeypatch.setattr(kernels, "_in_cache", lambda compiled: True)  # compiled for this machine already
    assert kernels.get() is None
    kernels.note_arrivals(kernels.AFTER - 1)
    assert kernels.get() is None
    kernels.note_arrivals(1)
    assert kernels.get() is K
    monkeypatch.setattr(kernels, "_mode", "0")
    monkeypatch.setattr(kernels, "_loaded", False)
    assert kernels.get() is None


def _new_process(monkeypatch):
    """The kernels' module as a new process in auto mode finds it."""
    monkeypatch.setattr(kernels, "_mode", "auto")
    monkeypatch.setattr(kernels, "_loaded", False)
    monkeypatch.setattr(kernels, "_work", 0)
    monkeypatch.setattr(kernels, "_next_try", 0)
    monkeypatch.setattr(kernels, "_counted", 0)


@pytest.fixture
def auto_mode(monkeypatch, tmp_path):
    """Auto mode from a process's start, with numba's cache empty for this machine (``cache["ready"]``),
    the lock and the count of arrivals in ``tmp_path``, and compiling recorded in ``compiled`` instead
    of done."""
    cache, compiled = {"ready": False}, []
    _new_process(monkeypatch)
    monkeypatch.setattr(kernels, "_folder", lambda k: str(tmp_path))
    monkeypatch.setattr(kernels, "_in_cache", lambda k: cache["ready"])
    monkeypatch.setattr(kernels, "prepare", lambda k: compiled.append(cache["ready"]))
    return cache, compiled


def test_auto_mode_compiles_the_kernels_only_after_many_arrivals(auto_mode):
    # Compiling costs 35-55 s: a process with nothing in numba's cache runs the Python forms until
    # AFTER_COMPILE problems have arrived in it, then compiles (once) and uses the kernels.
    cache, compiled = auto_mode
    kernels.note_arrivals(kernels.AFTER)
    assert kernels.get() is None and compiled == []
    while kernels._work + kernels.RETRY < kernels.AFTER_COMPILE:
        kernels.note_arrivals(kernels.RETRY)
        assert kernels.get() is None
    assert compiled == []
    kernels.note_arrivals(kernels.AFTER_COMPILE - kernels._work)
    assert kernels.get() is K and compiled == [False]
    assert kernels.get() is K and compiled == [False]  # once


def test_arrivals_in_many_processes_add_up_to_a_compile(auto_mode, monkeypatch, tmp_path):
    # Many runs in short-lived processes (separate commands, sweeps) count together: the processes
    # add their arrivals to a count beside numba's cache each time they look at the cache.
    cache, compiled = auto_mode
    for process in range(3):
        _new_process(monkeypatch)
        while kernels._work < 60_000:
            kernels.note_arrivals(kernels.RETRY)
            assert kernels.get() is None
    assert compiled == [] and int((tmp_path / "govsim-python-arrivals").read_text()) == 180_000
    _new_process(monkeypatch)
    kernels.note_arrivals(kernels.AFTER)
    assert kernels.get() is None  # 185,000
    kernels.note_arrivals(kernels.RETRY)
    assert kernels.get() is None  # 190,000
    kernels.note_arrivals(kernels.RETRY)
    assert kernels.get() is None  # 195,000
    kernels.note_arrivals(kernels.RETRY)
    assert kernels.get() is K and compiled == [False]  # 200,000, with 20,000 of its own
    assert kernels._work == 20_000


def test_auto_mode_loads_what_another_process_compiled(auto_mode):
    # While its cache is empty, a process looks again every RETRY arrivals: once another process
    # has compiled the kernels it loads them, long before it would have compiled them itself.
    cache, compiled = auto_mode
    kernels.note_arrivals(kernels.AFTER)
    assert kernels.get() is None
    cache["ready"] = True  # compiled elsewhere
    kernels.note_arrivals(kernels.RETRY - 1)
    assert kernels.get() is None and compiled == []
    kernels.note_arrivals(1)
    assert kernels.get() is K and compiled == [True]
    assert kernels._work < kernels.AFTER_COMPILE


def test_one_process_at_a_time_compiles_the_kernels(auto_mode):
    # The lock beside numba's cache: a process that finds it held goes on with the Python forms and
    # tries again RETRY arrivals later (a lock taken through another descriptor conflicts, as
    # another process's would).
    cache, compiled = auto_mode
    kernels.note_arrivals(kernels.AFTER_COMPILE)
    with kernels._compile_lock(K, wait=False) as held:
        assert held
        assert kernels.get() is None and compiled == []
        kernels.note_arrivals(kernels.RETRY)
        assert kernels.get() is None and compiled == []
    kernels.note_arrivals(kernels.RETRY - 1)
    assert kernels.get() is None  # not looked at again before RETRY arrivals
    kernels.note_arrivals(1)
    assert kernels.get() is K and compiled == [False]


def test_jit_mode_waits_for_a_compile_under_way(monkeypatch):
    # GOVSIM_JIT=1 loads the kernels at once, compiling them if need be: where another process is
    # compiling them, it waits for it rather than compile them a second time alongside.
    import threading
    import time

    order = []
    monkeypatch.setattr(kernels, "_mode", "1")
    monkeypatch.setattr(kernels, "_loaded", False)
    monkeypatch.setattr(kernels, "_in_cache", lambda k: False)
    monkeypatch.setattr(kernels, "prepare", lambda k: order.append("compiled here"))
    ready = threading.Event()

    def other():
        with kernels._compile_lock(K, wait=True):
            ready.set()
            time.sleep(0.5)
            order.append("compiled elsewhere")

    t = threading.Thread(target=other)
    t.start()
    ready.wait(5)
    assert kernels._load() is K
    t.join()
    assert order == ["compiled elsewhere", "compiled here"]


def test_a_run_is_the_same_when_the_kernels_start_part_way(monkeypatch):
    cfg = {"paradigm": "npg", "metagovernance": "hands_off", "seed": 5, "population": {"citizens": 4000},
           "ladder": {"mix": [1, 1, 1, 1, 1, 1]}}
    with kernels.disabled():
        frame0, table0 = _run(cfg, 24)
    monkeypatch.setattr(kernels, "_mode", "auto")
    monkeypatch.setattr(kernels, "_loaded", False)
    monkeypatch.setattr(kernels, "_work", 0)
    monkeypatch.setattr(kernels, "_next_try", 0)
    monkeypatch.setattr(kernels, "AFTER", 60)  # about 8 steps of arrivals at 4,000 citizens
    monkeypatch.setattr(kernels, "_in_cache", lambda compiled: True)  # loaded as from the cache
    m = GovModel(validate(cfg), history=False)
    loaded_at = None
    for step in range(24):
        m.step()
        if loaded_at is None and kernels._loaded is K:
            loaded_at = step
    assert loaded_at is not None and 2 < loaded_at < 20, loaded_at
    assert m.datacollector.get_model_vars_dataframe().equals(frame0)
    assert m.problem_table().equals(table0)


def _pair(seed: int):
    """Two generators in the same state: one drawn through numpy, one through the kernels."""
    a = np.random.Generator(np.random.Philox(seed))
    b = np.random.Generator(np.random.Philox(seed))
    return a, b, _views(b.bit_generator)


def _same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    sa, sb = a.bit_generator.state, b.bit_generator.state
    return (sa["state"]["counter"].tolist() == sb["state"]["counter"].tolist() and sa["buffer_pos"] == sb["buffer_pos"]
            and sa["buffer"].tolist() == sb["buffer"].tolist() and sa["has_uint32"] == sb["has_uint32"]
            and sa["uinteger"] == sb["uinteger"] and a.random() == b.random())


@pytest.mark.parametrize("seed", range(6))
def test_uniform_and_integer_draws_are_numpys(seed):
    a, b, g = _pair(seed)
    out = np.empty(9)
    K.random_into(g, out)
    assert np.array_equal(out, a.random(9))
    assert K.random(g) == a.random()
    # integers use 32-bit half words: an odd count leaves one kept for the next integer draw
    for n in (2, 13, 1000, 2**31 + 5, 2**32 - 1, 2**32):
        want = a.integers(0, n, size=3)
        assert [K.integer(g, n) for _ in range(3)] == want.tolist()
    assert a.integers(0, 1, size=4).tolist() == [K.integer(g, 1) for _ in range(4)]  # nothing drawn
    assert _same_state(a, b)


@pytest.mark.parametrize("n, m", [(10000, 60), (10000, 10000), (20000, 30), (20000, 900), (12000, 6000), (50, 50),
                                  (300000, 40), (100, 0), (1, 1)])
def test_sampling_without_replacement_is_numpys(n, m):
    for seed in range(4):
        a, b, g = _pair(100 + seed)
        a.random(3)  # start mid-buffer
        K.random_into(g, np.empty(3))
        assert np.array_equal(K.choice_sorted(g, n, m), np.sort(a.choice(n, size=m, replace=False)))
        assert _same_state(a, b)


def test_the_philox_counter_carries_into_the_next_word():
    a, b, g = _pair(7)
    state = a.bit_generator.state
    state["state"]["counter"] = np.array([2**64 - 1, 2**64 - 1, 5, 0], dtype=np.uint64)
    state["buffer_pos"] = 4
    a.bit_generator.state = state
    b.bit_generator.state = state
    out = np.empty(12)
    K.random_into(g, out)
    assert np.array_equal(out, a.random(12))
    assert _same_state(a, b)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 230, 231])
def test_staff_keys_and_top_rows(n):
    pool = np.sort(np.random.default_rng(1).choice(5000, size=230, replace=False)).astype(np.int64)
    for seed in range(5):
        a, b, g = _pair(seed)
        keys = a.random(pool.size)
        want = pool[top_rows(keys, n)] if n > 0 else pool[:0]
        assert np.array_equal(K.keys_top(g, pool, n), want)
        assert _same_state(a, b)


def _plain_select(cands, will, resources, knowledge, public, profile, outreach, bias, seats, seated, rng):
    will = will.copy()
    if seated.size:
        will[np.isin(cands, seated)] = 0.0
    competence = _competence(knowledge, cands, public) if profile > 0 and cands.size else None
    return mech.select_recruits(cands, will, resources, bias, outreach, seats, rng, competence, profile)


@pytest.mark.parametrize("profile", [0.0, 0.6])
@pytest.mark.parametrize("seats", [0, 3, 10, 200])
def test_recruit_selection_is_select_recruits(profile, seats):
    rng = np.random.default_rng(11)
    knowledge = rng.random((3000, mech.K))
    public = rng.random(mech.K) * 0.5
    for seed in range(8):
        size = [0, 1, 30, 400][seed % 4]
        cands = np.sort(rng.choice(3000, size=size, replace=False)).astype(np.int64)
        will = rng.random(size)
        resources = rng.random(size) * 3.0
        seated = np.sort(cands[: size // 3]) if seed % 2 else np.zeros(0, dtype=np.int64)
        outreach, bias = [0.0, 0.3, 1.0][seed % 3], [1.5, 0.0, 2.5][seed % 3]
        a, b, g = _pair(seed)
        want = _plain_select(cands, will, resources, knowledge, public, profile, outreach, bias, seats, seated, a)
        x = resources / max(float(resources.max()), 1e-9) if size else resources
        if size:
            x **= bias
        got = K.select(g, cands, will, x, outreach, seats, knowledge, public, profile, seated)
        assert np.array_equal(got, want)
        assert _same_state(a, b)


def _world(seed: int, hours_left: float | None = None, citizens: int = 3000) -> World:
    m = GovModel(validate({"paradigm": "npg", "seed": seed, "population": {"citizens": citizens}}), history=False)
    m.step()
    if hours_left is not None:  # few politicians have time: the rounds run out and the last pass decides
        pol = m.world.politicians
        pol.hours_left[:] = 0.0
        pol.hours_left[:: max(1, pol.n // 4)] = hours_left
    return m.world


@pytest.mark.parametrize("hours_left, citizens", [(None, 3000), (40.0, 3000), (40.0, 20000)])
def test_open_politicians_are_the_same(kernels_on, hours_left, citizens):
    # With 180 politicians of whom a quarter have time, the rounds often end before enough have
    # joined, and the last pass over the politicians not looked at decides.
    w = _world(3, hours_left, citizens)
    streams = w.streams
    for key in range(40):
        for need, n in ((2.0, 3), (6.0, 1), (500.0, 2), (1.0, 12)):
            with kernels.disabled():
                gen = streams.get("recruitment", key, n)
                want = w.pick_open_politicians(need, n, gen)
                next_want = gen.random()
            gen = streams.get("recruitment", key, n)
            got = w.pick_open_politicians(need, n, gen)
            assert np.array_equal(got, want), (key, need, n)
            assert gen.random() == next_want


def test_views_are_given_for_the_streams_own_generators_only():
    s = Streams(np.random.SeedSequence(5))
    gen = s.get("recruitment", 1)
    assert s.views_of(gen) is not None
    assert s.views_of(np.random.default_rng(1)) is None
    assert Streams(np.random.SeedSequence(5)).views_of(gen) is None


@pytest.mark.parametrize("bias, kernels_called", [
    (1.5, ("arena_recruit",)),  # an arena's recruitment in one call
    (0.5, ("select", "staff_top", "open_rounds")),  # numpy's power hands 0.5 to its square root: call by call
])
def test_the_kernels_are_used_in_a_run(kernels_on, monkeypatch, bias, kernels_called):
    calls = {name: 0 for name in ("arena_recruit", "select", "staff_top", "open_rounds")}
    for name in calls:
        real = getattr(K, name)

        def counted(*args, _real=real, _name=name):
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(K, name, counted)
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_off", "seed": 2,
                           "population": {"citizens": 3000}, "citizens": {"participation_bias": bias}}), history=False)
    for _ in range(8):
        m.step()
    assert min(calls[name] for name in kernels_called) > 10, calls
    if bias == 0.5:
        assert calls["arena_recruit"] == 0


def _run(cfg: dict, steps: int):
    m = GovModel(validate(cfg), history=False)
    for _ in range(steps):
        m.step()
    return m.datacollector.get_model_vars_dataframe(), m.problem_table()


@pytest.mark.parametrize("paradigm, setting", [("npg", "hands_off"), ("npg", "hands_on"), ("opa", "hands_off"),
                                               ("npm", "hands_on")])
@pytest.mark.parametrize("mix", [None, [1, 1, 1, 1, 1, 1]])
def test_runs_are_the_same_with_and_without_kernels(kernels_on, paradigm, setting, mix):
    for seed, citizens in ((4, 2500), (9, 12000)):
        cfg = {"paradigm": paradigm, "metagovernance": setting, "seed": seed, "population": {"citizens": citizens}}
        if mix:
            cfg["ladder"] = {"mix": mix}
        if seed == 4 and paradigm == "npg":  # partner firms in the arenas (T28), under trust and under contract
            cfg["firms"] = {"count": 5, "seats": 2, "partnership": "trust" if mix else "contract"}
        frame, table = _run(cfg, 20)
        with kernels.disabled():
            frame0, table0 = _run(cfg, 20)
        assert frame.equals(frame0)
        assert table.equals(table0)


def test_reach_is_the_breadth_first_search(kernels_on):
    import scipy.sparse as sp

    from govsim.network import Neighbourhood, small_world

    rng = np.random.default_rng(3)
    graphs = [small_world(3000, 8, 0.1, np.random.default_rng(1))]
    # a hub, a chain and small components: rings of different sizes, cut mid-ring
    rows = [0] * 500 + list(range(1, 600)) + [700, 701, 702]
    cols = list(range(1, 501)) + list(range(2, 601)) + [701, 702, 700]
    adj = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(800, 800)).tocsr()
    graphs.append(((adj + adj.T) > 0).astype(np.int8).tocsr())
    for adj in graphs:
        hood = Neighbourhood(adj)
        n = adj.shape[0]
        for origin in list(rng.integers(0, n, size=60)) + [0, 700, 799]:
            for size in (1, 2, 7, 30, 31, 400, n + 5):
                with kernels.disabled():
                    want = hood(int(origin), size)
                got = hood(int(origin), size)
                assert got.dtype == want.dtype
                assert np.array_equal(got, want), (int(origin), size)


@pytest.mark.parametrize("n", [0, 1, 5, 7, 8, 9, 15, 16, 17, 63, 64, 100, 127, 128, 129, 200, 256, 257, 1000, 5003])
def test_pairwise_sum_is_numpys(n):
    rng = np.random.default_rng(n)
    for scale in (1.0, 1e-3, 1e6):
        x = rng.random(n + 3) * scale - 0.3 * scale
        assert K.pairwise_sum(x, 3, n) == float(np.add.reduce(x[3:], None))


def test_learning_is_the_same(kernels_on):
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": 6,
                           "population": {"citizens": 3000}}), history=False)
    for _ in range(6):
        m.step()
    w = m.world
    rng = np.random.default_rng(2)
    groups = []
    for size in (1, 4, 12, 40):
        groups.append(dict(citizens=np.sort(rng.choice(w.citizens.n, size, replace=False)),
                           employees=np.sort(rng.choice(w.employees.n, max(1, size // 4), replace=False)),
                           administrators=np.sort(rng.choice(w.administrators.n, 1, replace=False)),
                           politicians=np.sort(rng.choice(w.politicians.n, size % 3, replace=False))))
    groups.append(dict(employees=np.arange(3)))
    from govsim.problems import Group

    for share in (1.0, 0.4):
        for kinds in groups:
            g = Group(**kinds)
            coverage = rng.random(5)
            before = {kind: getattr(w, kind).knowledge.copy() for kind in kinds}
            with kernels.disabled():
                want = w.learn(g, coverage, share)
            after = {kind: getattr(w, kind).knowledge.copy() for kind in kinds}
            for kind in kinds:
                getattr(w, kind).knowledge[:] = before[kind]
            got = w.learn(g, coverage, share)
            assert got == want
            for kind in kinds:
                assert np.array_equal(getattr(w, kind).knowledge, after[kind])


@pytest.mark.parametrize("name", ["gentofte.toml", "reform.toml", "svelvik.toml", "wicked.toml"])
def test_bundled_scenarios_are_the_same_with_and_without_kernels(kernels_on, name):
    from pathlib import Path

    from govsim.runner import prepare

    path = Path(__file__).resolve().parents[1] / "scenarios" / name
    scenario = prepare(path, steps=120, seed=7, overrides={"population.citizens": 1500})
    runs = []
    for off in (False, True):
        m = GovModel(scenario, history=False)
        if off:
            with kernels.disabled():
                for _ in range(120):
                    m.step()
        else:
            for _ in range(120):
                m.step()
        runs.append((m.datacollector.get_model_vars_dataframe(), m.problem_table()))
    assert runs[0][0].equals(runs[1][0])
    assert runs[0][1].equals(runs[1][1])


def test_an_unknown_mode_is_named_and_auto_is_used():
    out = subprocess.run([sys.executable, "-c", "import govsim.kernels as k; print(k.mode())"],
                         capture_output=True, text=True, env={**os.environ, "GOVSIM_JIT": "yes"})
    assert out.returncode == 0
    assert out.stdout.strip() == "auto"
    assert "GOVSIM_JIT='yes' is not one of auto, 0, 1" in out.stderr


@pytest.mark.parametrize("setting", ["hands_off", "hands_on", "none"])
def test_arena_knowledge_and_trust_are_the_same(kernels_on, setting):
    m = GovModel(validate({"paradigm": "npg", "metagovernance": setting, "seed": 8,
                           "population": {"citizens": 3000}}), history=False)
    for _ in range(8):
        m.step()
    w, rules = m.world, m.paradigm
    arenas = [p for p in w.open if p.arena is not None and p.group.size()]
    assert len(arenas) >= 5
    from govsim.problems import Group

    groups = [(p.group, p.arena) for p in arenas] + [(Group(), arenas[0].arena),
                                                      (Group(employees=arenas[0].group.employees), arenas[0].arena)]
    for group, arena in groups:
        best, block = rules._best_known(w, group, arena)
        assert block is None
        with kernels.disabled():
            want, _ = rules._best_known(w, group, arena)
            trust = rules._trust_of(w, group)
        assert (best is None) == (want is None)
        if want is not None:
            assert np.array_equal(best, want)
        assert rules._trust_of(w, group) == trust


def test_warming_loads_every_kernel():
    K.warm()
    for name in ("keys_top", "choice_sorted", "select", "open_rounds", "reach", "learn", "members_best",
                 "members_trust", "dot_rows", "logs", "exponentials", "reading", "numpy_unary", "design_from_best",
                 "arena_definition", "arena_design", "arena_rounds", "council_decisions", "chain_designs", "chain_notice", "chain_phase", "team_phase", "arena_notice", "implementation_teams",
                 "deliver", "indicators", "citizens_respond", "citizens_willingness", "take_part"):
        assert getattr(K, name).signatures, name  # compiled (or read from numba's cache) for some types


def _count_calls(monkeypatch, name: str) -> dict:
    """Count the calls to kernel ``name`` (in ``["n"]``) for the rest of the test."""
    calls = {"n": 0}
    real = getattr(K, name)

    def counted(*args):
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(K, name, counted)
    return calls


def _at_noticing(cfg: dict, steps: int) -> GovModel:
    """A model run ``steps`` steps, then through the phases before noticing of the next step."""
    m = GovModel(validate(cfg), history=False)
    for _ in range(steps):
        m.step()
    for phase in m.phases:
        if phase.name == "notice_and_define":
            break
        phase.run(m)
    return m


def _scan_both(w, rules, waiting, start, uses):
    """OPA's compiled scan and the Python form from the same state: (found, floor) of each."""
    floor0 = w._admin_floor
    got = rules.next_noticed(w, waiting, start, uses)
    got_floor = w._admin_floor
    w._admin_floor = floor0
    with kernels.disabled():
        want = Paradigm.next_noticed(rules, w, waiting, start, uses)
    return (got, got_floor), (want, w._admin_floor)


@pytest.mark.parametrize("share_left", [None, 0.5, 0.12, 0.0])
@pytest.mark.parametrize("paradigm, cfg", [
    ("opa", {"seed": 3, "population": {"citizens": 3000}}),
    ("opa", {"seed": 8, "population": {"citizens": 12000}}),
    # every employee in one of two providers (of 12), and the citizens affected by some problems
    # served by a provider without staff only: those problems find no serving staff at all
    ("opa", {"seed": 5, "population": {"citizens": 2000, "employees": 12, "providers": 12}, "staff_in": 2}),
    ("npg", {"seed": 3, "population": {"citizens": 3000}}),
    ("npg", {"seed": 8, "population": {"citizens": 12000}, "npg": {"watchers": 12}}),
    ("npg", {"seed": 4, "population": {"citizens": 2500}, "npg": {"watchers": 1, "other_salience": 0.9}}),
    ("npg", {"seed": 5, "population": {"citizens": 2000, "employees": 12, "providers": 12}, "staff_in": 2,
             "npg": {"watchers": 0}}),
])
def test_noticing_is_the_python_form(kernels_on, monkeypatch, paradigm, cfg, share_left):
    # The compiled scan (OPA's and NPG's next_noticed) against Paradigm.next_noticed with the rule
    # set's notice, from every starting point of the waiting list: the same problem noticed, by the
    # same kind of agent, and the same floor kept on administrators' share of hours. A share of
    # hours left below the congestion threshold (0.3) makes admission draw from the congestion
    # stream; none left admits nobody. NPG's watchers: 12 (often more than a problem's affected),
    # 1, or none.
    calls = _count_calls(monkeypatch, "chain_notice" if paradigm == "opa" else "arena_notice")
    found, kinds = 0, set()
    cfg = dict(cfg)
    staff_in = cfg.pop("staff_in", None)
    for steps in (3, 9):
        m = _at_noticing({"paradigm": paradigm, **cfg}, steps)
        w, rules = m.world, m.paradigm
        if staff_in:
            w.employees.provider = np.arange(w.employees.n, dtype=np.int64) % staff_in
            w.citizens.provider[:] = 5
            for p in w.ready(Stage.ARRIVED)[::2]:
                w.citizens.provider[p.affected] = 0
            sizes = [w.serving_staff(p).size for p in w.ready(Stage.ARRIVED)]
            assert min(sizes) == 0 and max(sizes) > 0
        if share_left is not None:
            for pop, budget in ((w.administrators, w.config.administrators.hours),
                                (w.politicians, w.config.politicians.hours)):
                pop.hours_left[:] = budget * share_left
                pop.hours_left[::3] *= 0.5  # not all alike: the top one is the first of the largest
            w._admin_floor = None
        waiting = w.ready(Stage.ARRIVED)
        assert len(waiting) > 5
        for uses in (True, False):
            for start in range(len(waiting) + 1):
                got, want = _scan_both(w, rules, waiting, start, uses)
                assert got[0] == want[0], (steps, uses, start)
                assert (got[1] is None and want[1] is None) or got[1] == want[1]
                found += got[0] is not None
                if got[0] is not None:
                    kinds.add(got[0][1])
    assert calls["n"] > 20
    if share_left != 0.0:
        assert found > 10
    if paradigm == "npg" and share_left is None:  # initiators of several kinds were compared
        assert len(kinds) >= (2 if cfg.get("npg", {}).get("watchers") == 0 else 3), kinds


@pytest.mark.parametrize("paradigm, name", [("opa", "chain_notice"), ("npg", "arena_notice")])
def test_noticing_runs_compiled_in_a_run(kernels_on, monkeypatch, paradigm, name):
    # one problem at a time (OPA's batch, chain_phase, scans inside: see the test of it)
    monkeypatch.setattr(REGISTRY[paradigm], "notice_and_define_all", lambda *a: None)
    calls = _count_calls(monkeypatch, name)
    cfg = {"paradigm": paradigm, "seed": 6, "population": {"citizens": 3000}, "core": {"congestion": 0.9}}
    frame, table = _run(cfg, 25)
    assert calls["n"] > 100
    with kernels.disabled():
        frame0, table0 = _run(cfg, 25)
    assert frame.equals(frame0)
    assert table.equals(table0)


def _fma_chain(a, b) -> float:
    """a . b by C's fma, left to right from 0.0 (independent of numpy and numba)."""
    import ctypes
    import ctypes.util

    fma = ctypes.CDLL(ctypes.util.find_library("m")).fma
    fma.restype, fma.argtypes = ctypes.c_double, [ctypes.c_double] * 3
    s = 0.0
    for x, y in zip(a.tolist(), b.tolist()):
        s = fma(x, y, s)
    return s


def test_the_kernels_dot_products_add_both_ways(kernels_on):
    rng = np.random.default_rng(7)
    a = rng.random((500, mech.K)) * 10.0 ** rng.integers(-8, 8, size=(500, 1))
    b = rng.random((500, mech.K)) - 0.25
    plain, fused = K.dot_rows(a, b, False), K.dot_rows(a, b, True)
    for i in range(500):  # each product rounded, or added in one rounding
        s = 0.0
        for x, y in zip(a[i].tolist(), b[i].tolist()):
            s += x * y
        assert plain[i] == s
        assert fused[i] == _fma_chain(a[i], b[i])
    assert (plain != fused).sum() > 50  # the two ways differ on a good share


def test_the_dot_check_finds_how_numpy_adds(kernels_on):
    # numpy's dot adds one of the two ways on the CPUs govsim runs on (fused where OpenBLAS uses AVX-512)
    order = kernels.dot_order(K)
    assert order in (0, 1)
    rng = np.random.default_rng(2)
    a, b = rng.random((4096, mech.K)), rng.random((4096, mech.K))
    assert all(a[i].dot(b[i]) == x for i, x in enumerate(K.dot_rows(a, b, order == 1)))
    # the check's own data tell the other way, a reversed order, or pairs of products, from numpy's
    assert not kernels._adds_as_numpy(lambda x, y: K.dot_rows(x, y, order != 1))
    assert not kernels._adds_as_numpy(lambda x, y: (x[:, ::-1] * y[:, ::-1]).cumsum(axis=1)[:, -1])
    assert not kernels._adds_as_numpy(lambda x, y: ((x * y)[:, 0:4:2] + (x * y)[:, 1:4:2]).sum(axis=1) + (x * y)[:, 4])
    assert kernels._adds_as_numpy(lambda x, y: K.dot_rows(x, y, order == 1))


def test_the_log_check_tells_a_logarithm_too_far_off(kernels_on):
    assert kernels.close_log(K)
    x = np.random.default_rng(3).random(5000)
    ours, theirs = K.logs(x), np.log(x)
    assert np.all(np.abs(ours - theirs) <= 2.0 ** -50 * np.abs(theirs))  # at most a last bit or so apart
    assert kernels._logs_close(lambda v: np.log2(v) * np.log(2.0))  # another way, a few last bits off
    assert not kernels._logs_close(lambda v: np.log(v) * (1.0 + 2.0 ** -44))  # too far off
    assert not kernels._logs_close(lambda v: np.log(v * (1.0 + 2.0 ** -40)))
    assert kernels._logs_close(K.logs)
    assert 2.0 ** -48 * 64 < kernels.LOG_MARGIN  # the check leaves the margin room


def _count_returns(monkeypatch, name: str, code: int) -> dict:
    """Count the calls to kernel ``name`` (``["n"]``) and those returning ``code`` first (``["code"]``)."""
    calls = {"n": 0, "code": 0}
    real = getattr(K, name)

    def counted(*args):
        out = real(*args)
        calls["n"] += 1
        calls["code"] += out[0] == code
        return out

    monkeypatch.setattr(K, name, counted)
    return calls


@pytest.mark.parametrize("cfg", [{"seed": 3, "population": {"citizens": 3000}},
                                 {"seed": 8, "population": {"citizens": 6000}, "npg": {"watchers": 3}}])
def test_close_watchers_are_left_to_the_python_form(kernels_on, monkeypatch, cfg):
    # With a margin that no two scores clear, every problem with more affected citizens than
    # watchers goes back to the Python form, which carries the scan on from there: the same
    # problems noticed, by the same kinds, from every starting point.
    monkeypatch.setattr(kernels, "LOG_MARGIN", 1.0)
    calls = _count_returns(monkeypatch, "arena_notice", -3)
    found = 0
    for steps in (3, 9):
        m = _at_noticing({"paradigm": "npg", **cfg}, steps)
        w, rules = m.world, m.paradigm
        waiting = w.ready(Stage.ARRIVED)
        for uses in (True, False):
            for start in range(len(waiting) + 1):
                got, want = _scan_both(w, rules, waiting, start, uses)
                assert got == want, (steps, uses, start)
                found += got[0] is not None
    assert calls["code"] > 20 and found > 10
    monkeypatch.undo()
    # At the margin in use, hardly any choice is that close.
    monkeypatch.setattr(kernels, "_loaded", K)
    calls = _count_returns(monkeypatch, "arena_notice", -3)
    frame, table = _run({"paradigm": "npg", **cfg}, 20)
    assert calls["n"] > 100 and calls["code"] <= calls["n"] // 100
    with kernels.disabled():
        frame0, table0 = _run({"paradigm": "npg", **cfg}, 20)
    assert frame.equals(frame0) and table.equals(table0)


@pytest.mark.parametrize("staff_in", [None, 2])
def test_staffing_is_the_python_form(kernels_on, staff_in):
    # World.pick_employees compiled (the serving staff and their keys in one call) against the Python
    # form, for every open problem and several team sizes: the same rows, and the generator left in
    # the same state. With every employee in one of two providers and some problems' citizens served
    # by a provider without staff, those problems fall back on every employee.
    calls = 0
    for seed, citizens in ((2, 3000), (7, 15000)):
        m = GovModel(validate({"paradigm": "npg", "seed": seed, "population": {"citizens": citizens}}), history=False)
        for _ in range(4):
            m.step()
        w = m.world
        problems = list(w.open)
        if staff_in:
            w.employees.provider = np.arange(w.employees.n, dtype=np.int64) % staff_in
            w.citizens.provider[:] = 5
            for p in problems[::2]:
                w.citizens.provider[p.affected] = 0
        if staff_in:
            assert min(w.serving_staff(p).size for p in problems) == 0
        for p in problems:
            for n in (0, 1, 3, 7, w.employees.n + 1):
                with kernels.disabled():
                    gen = w.streams.get("staffing", p.id, n)
                    want = w.pick_employees(p, n, gen)
                    after = gen.random()
                gen = w.streams.get("staffing", p.id, n)
                got = w.pick_employees(p, n, gen)
                assert np.array_equal(got, want) and got.dtype == want.dtype, (p.id, n)
                assert gen.random() == after
                calls += 1
    assert calls > 200


def _at_phase(cfg: dict, steps: int, name: str) -> GovModel:
    """A model run ``steps`` steps with the Python forms, then through the phases of the next step before ``name``."""
    with kernels.disabled():
        m = GovModel(validate(cfg), history=False)
        for _ in range(steps):
            m.step()
        m.steps += 1  # what Mesa's step does before calling GovModel.step
        m.world.now = m.steps
        for phase in m.phases:
            if phase.name == name:
                break
            phase.run(m)
    return m


_DELIVERED = ("quality", "support", "clarity", "implemented", "value", "solved", "stage", "outcome", "attempts",
              "ready_at", "public_hours", "citizen_hours", "closed_at")


def _delivered(m: GovModel, ready: list) -> tuple:
    """What delivering ``ready`` changed: each problem's numbers, the participation recorded, the hours
    booked, partner firms' trust and the closures logged."""
    w = m.world
    problems = [tuple(getattr(p, f) for f in _DELIVERED) for p in ready]
    acts = [(rows.tolist(), rung, influence) for rows, rung, influence in w.participation]
    return problems, acts, w.public_hours, w.firms.trust.tolist(), len(w.closed)


@pytest.mark.parametrize("paradigm, cfg", [
    ("opa", {"seed": 3, "population": {"citizens": 3000}}),
    ("opa", {"seed": 4, "population": {"citizens": 3000}, "opa": {"standardisation": 0.6},
             "employees": {"implementation_team": 9}}),
    ("npm", {"seed": 5, "population": {"citizens": 3000}}),  # control's focus per provider
    ("npm", {"seed": 6, "population": {"citizens": 12000}, "employees": {"implementation_team": 8}}),
    ("npg", {"seed": 3, "population": {"citizens": 6000}}),
    ("npg", {"seed": 4, "metagovernance": "hands_on", "population": {"citizens": 2500},
             "firms": {"count": 5, "seats": 2, "partnership": "trust"}, "ladder": {"mix": [1, 1, 1, 1, 1, 1]}}),
    ("npg", {"seed": 7, "population": {"citizens": 6000}, "firms": {"count": 4, "seats": 1, "partnership": "contract"},
             "employees": {"implementation_team": 1}}),
])
def test_delivery_is_the_python_form(kernels_on, monkeypatch, paradigm, cfg):
    # phases.implement_solutions with its numbers compiled (implementation_teams and deliver) against
    # the Python form, from the same state: every delivered problem's numbers and fate, the
    # participation recorded, the hours booked, partner firms' trust and the closures. All the
    # decided problems together, then each of the first four alone (a step delivers from one to
    # dozens). The cases cover co-production with and without co-producers drawn, problems with and
    # without seated politicians and citizen members, standard solutions, teams of 1 to 9, and
    # partner firms.
    from govsim import phases

    calls = _count_calls(monkeypatch, "deliver")
    seen = {"acts": 0, "nobody": 0, "pols": set(), "members": 0, "standard": 0, "firms": 0, "closed": 0}
    compared = 0
    full = {"paradigm": paradigm, **cfg}
    for steps in (8, 16) if cfg["seed"] == 7 else (10, 16):
        n = len(_at_phase(full, steps, "implement").world.ready(Stage.DECIDED))
        assert n >= 4, n
        for part in [slice(None)] + [slice(i, i + 1) for i in range(4)]:
            results = []
            for on in (True, False):
                m = _at_phase(full, steps, "implement")
                w = m.world
                st = m.paradigm.steer(w)
                todo = w.ready(Stage.DECIDED)[part]
                before, closed = len(w.participation), len(w.closed)
                if on:
                    phases.implement_solutions(w, m.paradigm, todo, st, w.employees.effort * (1.0 - st.overhead))
                else:
                    with kernels.disabled():
                        phases.implement_solutions(w, m.paradigm, todo, st, w.employees.effort * (1.0 - st.overhead))
                results.append(_delivered(m, todo))
                if on and part == slice(None):
                    for p in todo:
                        seen["pols"].add(min(p.group.politicians.size, 2))
                        seen["members"] += p.group.citizens.size > 0
                        seen["standard"] += bool(p.standard)
                        seen["firms"] += p.group.firms.size > 0
                    acts = w.participation[before:]
                    seen["acts"] += len(acts)
                    seen["nobody"] += sum(rows.size == 0 for rows, _, _ in acts)
                    seen["closed"] += len(w.closed) - closed
            assert results[0] == results[1], (steps, part)
            compared += 1
    assert calls["n"] == compared
    assert seen["acts"] > 0 and seen["closed"] > 0
    # seats: OPA's politician in charge (one), none under NPM (the council), several in NPG's arenas
    assert {"opa": 1, "npm": 0, "npg": 2}[paradigm] in seen["pols"]
    if paradigm == "npg":
        assert seen["members"] > 0
    else:  # co-production where no co-producer was drawn
        assert seen["nobody"] > 0
    if "ladder" not in cfg:
        assert seen["standard"] > 0
    if "firms" in cfg:
        assert seen["firms"] > 0


@pytest.mark.parametrize("cfg", [
    {"paradigm": "npg", "seed": 2, "population": {"citizens": 3000}},
    {"paradigm": "npg", "metagovernance": "hands_on", "seed": 3, "population": {"citizens": 2000},
     "ladder": {"mix": [1, 1, 1, 1, 1, 1]}, "outcomes": {"window": 1}},
    {"paradigm": "opa", "seed": 4, "population": {"citizens": 2000}, "outcomes": {"novelty_threshold": 0.0},
     "citizens": {"hour_value": 0.0}},
    {"paradigm": "npm", "seed": 5, "population": {"citizens": 12000}},
])
def test_indicators_are_the_python_forms(kernels_on, monkeypatch, cfg):
    # Every indicator and index worked out by the compiled call (metrics._compiled_indicators) against
    # each indicator's Python function, from the first step (empty windows) on, with windows of one
    # step and of the default length, novelty counted without a threshold and citizens' time free.
    from govsim import metrics

    calls = _count_calls(monkeypatch, "indicators")
    m = GovModel(validate(cfg), history=False)
    nonzero = set()
    for step in range(40):
        if step:
            m.step()
        got = metrics.compute_outcomes(m)
        with kernels.disabled():
            want = metrics.compute_outcomes(m)
        assert got == want, step
        assert all(type(v) is float for v in got.values())
        nonzero |= {name for name, v in got.items() if v != 0.0}
    assert calls["n"] >= 40  # here, and in each step's collect phase
    # the comparison covered indicators of every source: closures, designs, decisions, citizens
    assert {"value_per_cost", "speed", "novelty_fit", "diversity", "legitimacy", "participation_rate",
            "trust"} <= nonzero
    if cfg["paradigm"] == "npg":
        assert {"goal_alignment", "seats_filled", "inclusion", "participation_depth"} <= nonzero


def test_the_recorder_records_what_mesas_collector_records():
    # GovModel's Recorder appends the outcomes directly; Mesa's DataCollector calls every reporter and
    # copies its value. The same frame either way, and Mesa's way again once other reporters are added.
    import mesa

    from govsim.metrics import reporters

    m = GovModel(validate({"paradigm": "npg", "seed": 1, "population": {"citizens": 1500}}), history=False)
    plain = mesa.DataCollector(model_reporters=reporters())
    for _ in range(15):
        m.step()
        plain.collect(m)
    got, want = m.datacollector.get_model_vars_dataframe(), plain.get_model_vars_dataframe()
    assert got.equals(want) and list(got.columns) == list(want.columns) and len(got) == 15
    m.datacollector._new_model_reporter("steps_seen", lambda model: model.steps)
    m.datacollector.model_vars["steps_seen"] = [None] * 15
    m.step()
    assert m.datacollector.model_vars["steps_seen"][-1] == m.steps


EMPTY_ROWS = np.zeros(0, dtype=np.int64)
_RESPONDING = ("satisfaction", "trust", "expectation", "fatigue", "efficacy", "willingness", "complaints",
               "last_participated", "last_rung", "last_deliberated", "participations", "provider")


@pytest.mark.parametrize("cfg", [
    {"paradigm": "npg", "metagovernance": "hands_on", "seed": 2, "population": {"citizens": 3000}},
    {"paradigm": "opa", "seed": 3, "population": {"citizens": 2000}, "problems": {"harm": 0.3}},
    {"paradigm": "npm", "seed": 4, "population": {"citizens": 12000}},  # customers exit (the rule set's response)
])
def test_respond_is_the_python_form(kernels_on, monkeypatch, cfg):
    # phases.respond with the citizens' passes compiled (citizens_respond, citizens_willingness) against
    # the Python form, from the same state: every citizen column it updates, the experience, the
    # complaints and participation recorded, employees' motivation and providers' numbers.
    from govsim import phases

    calls = _count_calls(monkeypatch, "citizens_respond")
    acts = _count_calls(monkeypatch, "take_part")
    closed = harmed = twice = 0
    for steps in (5, 13, 21):
        got, want = _at_phase(cfg, steps, "respond"), _at_phase(cfg, steps, "respond")
        closed += len(got.world.closed_now)
        harmed += len(got.world.open)
        rows = np.concatenate([a[0] for a in got.world.participation] + [EMPTY_ROWS])
        twice += rows.size - np.unique(rows).size  # citizens who took part more than once this step
        phases.respond(got)
        with kernels.disabled():
            phases.respond(want)
        for m in (got, want):
            m.seen = ([getattr(m.world.citizens, col).tolist() for col in _RESPONDING], m.world.experience.tolist(),
                      [(rows.tolist(), rung, x) for rows, rung, x in m.world.participation],
                      m.world.employees.motivation.tolist(), m.world.providers.quality.tolist(),
                      m.world.providers.complaints.tolist(), m.world.hours_log[-1])
        assert got.seen == want.seen, steps
    assert calls["n"] == 3 and acts["n"] == 3 and closed > 0 and harmed > 0 and twice > 0


def test_a_first_compile_is_announced(monkeypatch, capsys):
    # Loading the kernels compiles them where numba's cache has none for this machine: a line on stderr
    # before and after; loading them from the cache says nothing.
    warmed = []
    monkeypatch.setattr(K, "warm", lambda: warmed.append(1))
    monkeypatch.setattr(kernels, "_in_cache", lambda compiled: False)
    kernels.prepare(K)
    err = capsys.readouterr().err
    assert "compiling the numerical kernels for this machine" in err and "kernels compiled in" in err
    monkeypatch.setattr(kernels, "_in_cache", lambda compiled: True)
    kernels.prepare(K)
    assert capsys.readouterr().err == "" and warmed == [1, 1]


def _never_compiled(x):
    return x


def test_the_cache_check_reads_numbas_cache(kernels_on):
    import types

    import numba

    K.warm()
    assert kernels._in_cache(K)  # every kernel was compiled (or loaded) for this machine just now
    assert not kernels._in_cache(types.SimpleNamespace(take_part=numba.njit(cache=True)(_never_compiled)))


@pytest.mark.parametrize("seed", range(4))
def test_exponential_draws_are_numpys(seed):
    # numpy's ziggurat: most draws in a layer's box, some accepted against exp(-x), some from the tail
    a, b, g = _pair(200 + seed)
    a.random(3)  # start mid-buffer
    K.random_into(g, np.empty(3))
    want = a.standard_exponential(400_000)
    assert np.array_equal(K.exponentials(g, 400_000), want)
    assert (want > K._EXP_R).sum() > 100  # the tail was drawn from
    assert K.EXPONENTIALS
    assert _same_state(a, b)


def _readings(rng, n):
    """Needs, coverages and visibilities of K dimensions, with zeros, ones and clipped noise among them."""
    for i in range(n):
        need = rng.dirichlet(np.ones(mech.K))
        cov = rng.random(mech.K)
        if i % 7 == 0:
            cov[:] = 0.0  # nothing seen: the covered need is not normalised
        vis = np.ones(mech.K) if i % 3 else np.where(rng.random(mech.K) < 0.5, 1.0, 0.3)
        noise, wicked = (1.5, 0.0) if i % 11 == 0 else (float(rng.random()) * 0.3, float(rng.random()))
        yield need, cov, vis, noise, wicked


def test_readings_are_the_python_forms(kernels_on):
    from govsim.paradigms.base import perceived_chained

    order = kernels.dot_order(K)
    assert order in (0, 1)
    fused = order == 1
    rng = np.random.default_rng(11)
    for i, (need, cov, vis, noise, wicked) in enumerate(_readings(rng, 600)):
        links = i % 5
        keep = 1.0 - rng.random(mech.K) * 0.4
        rows = np.array([keep, 1.0 - keep])
        a, b, g = _pair(300 + i)
        x = a.standard_exponential(5 * (1 + links)).tolist()
        want = perceived_chained(need, cov, vis.tolist(), noise, wicked, x, keep.tolist() if links else None,
                                 (1.0 - keep).tolist() if links else None)
        assert K.reading(g, need, cov, vis, noise, wicked, rows, links, fused, False).tolist() == want
        assert _same_state(a, b)
        # perceive_need (NPG): one reading, no link
        a, b, g = _pair(900 + i)
        want = mech.perceive_need(need, cov, vis, noise, a, wicked)
        assert K.reading(g, need, cov, vis, noise, wicked, rows, 0, fused, True).tolist() == want.tolist()
        assert _same_state(a, b)


@pytest.mark.parametrize("paradigm", ["opa", "npm"])  # (NPG's arenas read within arena_definition and arena_design)
def test_readings_run_compiled_in_a_run(kernels_on, monkeypatch, paradigm):
    # one problem at a time (OPA's batch, chain_phase, reads inside: see the test of it)
    monkeypatch.setattr(REGISTRY[paradigm], "notice_and_define_all", lambda *a: None)
    calls = []
    real = K.reading
    monkeypatch.setattr(K, "reading", lambda *args: calls.append(1) or real(*args))
    frame, table = _run({"paradigm": paradigm, "metagovernance": "hands_on", "seed": 3,
                         "population": {"citizens": 2000}}, 10)
    assert len(calls) > 20
    with kernels.disabled():
        frame0, table0 = _run({"paradigm": paradigm, "metagovernance": "hands_on", "seed": 3,
                               "population": {"citizens": 2000}}, 10)
    assert frame.equals(frame0) and table.equals(table0)


def test_numpys_own_loops_give_numpys_logarithms_and_exponentials(kernels_on):
    loops = kernels.numpy_loops(K)
    assert loops is not None
    log, exp = loops
    rng = np.random.default_rng(5)
    x = rng.random((3000, mech.K)) * 10.0 ** rng.integers(-4, 1, size=(3000, 1))
    out = np.empty(mech.K)
    for row in x:
        K.numpy_unary(log, row, out, mech.K)
        assert np.array_equal(out, np.log(row))
    for v in ((rng.random(3000) - 0.9) * 8).tolist():
        K.numpy_unary(exp, np.array([v]), out, 1)
        assert out[0] == float(np.exp(v))
    # each ufunc's own loop, and none for a signature the ufunc does not have
    assert kernels._inner_loop(np.log, "d->d") != kernels._inner_loop(np.exp, "d->d")
    assert kernels._inner_loop(np.add, "dd->d") is not None and kernels._inner_loop(np.log, "q->q") is None


@pytest.mark.parametrize("paradigm, extra", [
    ("opa", {}),
    ("npm", {"npm": {"standardisation": 1.0}}),
    ("npg", {"npg": {"standardisation": 0.5}, "core": {"novelty_spread": 0.0}}),  # no width: the Python form
    ("npg", {"npg": {"standardisation": 0.0}, "citizens": {"learning_rate": 0.0}}),
    ("npg", {"ladder": {"mix": [1, 1, 1, 1, 1, 1]}, "firms": {"count": 4, "seats": 2}}),
    # facilitators only, no politicians' seats (the administration's restraint sets the influence), firms under
    # contract, tokenistic arenas
    ("npg", {"npg": {"administrators_as_members": False, "arena_politicians": 0},
             "firms": {"count": 4, "seats": 2, "partnership": "contract"}, "ladder": {"tokenism": 0.7}}),
])
def test_designs_run_compiled_and_the_same(kernels_on, monkeypatch, paradigm, extra):
    # A step's designs go through one batched kernel (NPG's arena_rounds, which calls arena_design inside,
    # OPA's chain_designs, NPM's team_designs, which call design_from_best inside) or, with the batch
    # off, one problem at a time through arena_design (NPG) or design_from_best; NPG's arenas define
    # through arena_definition
    calls = _count_calls(monkeypatch, "arena_design" if paradigm == "npg" else "design_from_best")
    batches = _count_calls(monkeypatch, BATCHED_DESIGNS[paradigm])
    defines = _count_calls(monkeypatch, "arena_definition")
    rules = REGISTRY[paradigm]
    for seed, citizens in ((3, 2000), (6, 5000)):
        cfg = {"paradigm": paradigm, "metagovernance": "hands_on", "seed": seed, "population": {"citizens": citizens},
               **extra}
        frame, table = _run(cfg, 15)
        with kernels.disabled():
            frame0, table0 = _run(cfg, 15)
        assert frame.equals(frame0) and table.equals(table0)
        with monkeypatch.context() as mp:
            mp.setattr(rules, "design_all", lambda *a: False)  # one design at a time
            frame1, table1 = _run(cfg, 15)
        assert frame1.equals(frame0) and table1.equals(table0)
    if extra.get("core", {}).get("novelty_spread") == 0.0:
        assert calls["n"] == 0 and batches["n"] == 0
    else:
        assert calls["n"] > 30 and batches["n"] > 10
    assert (defines["n"] > 30) == (paradigm == "npg")


BATCHED_DESIGNS = {"npg": "arena_rounds", "opa": "chain_designs", "npm": "team_designs"}


def _batched_runs_match(monkeypatch, cfg: dict, hook: str, off):
    """A 15-step run with the rule set's batch ``hook`` on, with it answering ``off`` (one problem at a
    time, compiled) and with the kernels off (the Python forms): the same frames and problem tables."""
    frame, table = _run(cfg, 15)
    with monkeypatch.context() as mp:
        mp.setattr(REGISTRY[cfg["paradigm"]], hook, lambda *a: off)
        frame1, table1 = _run(cfg, 15)
    with kernels.disabled():
        frame0, table0 = _run(cfg, 15)
    assert frame.equals(frame0) and table.equals(table0)
    assert frame1.equals(frame0) and table1.equals(table0)
    return table


@pytest.mark.parametrize("extra", [
    {},
    # a hearing for every decision, of 40 seats: all the affected heard where fewer, the best scores where more
    {"opa": {"hearing_share": 1.0, "hearing_seats": 40, "hearing_completeness": 0.5}},
    {"opa": {"hearing_share": 1.0, "hearing_seats": 0}},  # no seats: nobody heard
    # two politicians asked for more case time than they have; committee time for few discussions
    {"population": {"citizens": 4000, "politicians": 2}, "opa": {"case_hours": 30.0},
     "politics": {"discussion_hours": 40.0}},
])
def test_decisions_batched_are_the_python_form(kernels_on, monkeypatch, extra):
    # OPA's decisions in one compiled call (council_decisions: each case's politician, hours and committee
    # discussion, each hearing), against one problem at a time (compiled readings) and in Python: the same
    # frames and problem tables
    real, got = K.council_decisions, {"calls": 0, "cases": 0, "short": 0, "discussed": 0, "held": 0, "heard": 0,
                                      "all": 0, "best": 0}

    def counted(*args):
        out = real(*args)
        got["calls"] += 1
        got["cases"] += args[2].size
        got["short"] += int((out[0] < args[3]).sum())  # given less than asked: out of time
        got["discussed"] += int(out[1].sum())
        got["held"] += int(out[2].sum())
        got["heard"] += out[6].size
        sizes = np.diff(out[7], prepend=0)[out[2]]  # how many each hearing heard
        got["all"] += int((sizes < args[10]).sum())  # fewer affected than seats
        got["best"] += int((sizes == args[10]).sum())
        return out

    monkeypatch.setattr(K, "council_decisions", counted)
    _batched_runs_match(monkeypatch, {"paradigm": "opa", "seed": 6, "population": {"citizens": 3000}, **extra},
                        "decide_all", None)
    assert got["calls"] > 5 and got["cases"] > 40 and got["discussed"] > 0, got
    seats = extra.get("opa", {}).get("hearing_seats", 10)
    assert (got["held"] > 0) == (got["heard"] > 0) == (seats > 0), got
    if seats == 40:
        assert got["all"] > 0 and got["best"] > 0, got
    if "politicians" in extra.get("population", {}):
        assert got["short"] > 0 and got["discussed"] < got["cases"], got


@pytest.mark.parametrize("paradigm", ["opa", "npm"])
@pytest.mark.parametrize("extra", [
    {},
    {"metagovernance": "hands_on", "population": {"citizens": 5000}},
    # definitions that take many administrators' hours, congestion near every share of hours left
    {"opa": {"link_hours": 20.0}, "npm": {"manager_hours": 20.0}, "core": {"congestion": 0.95}},
    # OPA: two politicians, asked for more time than they have; NPM: teams of five, 40 providers
    {"population": {"citizens": 4000, "politicians": 2, "providers": 40}, "opa": {"case_hours": 30.0},
     "npm": {"team_size": 5}},
])
def test_noticing_and_defining_batched_is_the_python_form(kernels_on, monkeypatch, paradigm, extra):
    # A step's noticing and defining in one compiled call: OPA's chain_phase (the scan, then each noticed
    # problem's staff, administrator, politician, reading up the chain and hours), NPM's team_phase (each
    # problem's look, then each noticed problem's team of its main provider, manager, reading of what is
    # measured and hours), against one problem at a time, compiled and in Python: the same frames and
    # problem tables
    name = {"opa": "chain_phase", "npm": "team_phase"}[paradigm]
    real, got = getattr(K, name), {"calls": 0, "noticed": 0}

    def counted(*args):
        out = real(*args)
        got["calls"] += 1
        got["noticed"] += out[0]
        return out

    monkeypatch.setattr(K, name, counted)
    cfg = {"paradigm": paradigm, "seed": 6, "population": {"citizens": 3000}, **extra}
    table = _batched_runs_match(monkeypatch, cfg, "notice_and_define_all", None)
    assert got["calls"] == 15 and got["noticed"] > 40, got
    if paradigm == "opa" and "politicians" in extra.get("population", {}):  # some short of time
        assert (table["political_ownership"] < 0.99 * table["political_ownership"].max()).any()


@pytest.mark.parametrize("paradigm", ["opa", "npm"])
@pytest.mark.parametrize("extra, seen", [
    ({}, {2}),
    ({"opa": {"standardisation": 0.8}, "npm": {"standardisation": 1.0}}, {2, "standard"}),
    # designs that take many administrators' hours, congestion near every share of hours left: some wait
    ({"opa": {"link_hours": 20.0}, "npm": {"manager_hours": 20.0}, "core": {"congestion": 0.95}}, {-1, 2}),
])
def test_chain_and_team_designs_batched_are_the_python_form(kernels_on, monkeypatch, paradigm, extra, seen):
    # A step's designs under OPA (chain_designs: admission, the administrator with most time, a serving
    # employee, the definition one link down the chain, the design, the link's hours) and NPM
    # (team_designs: admission, the team's slack, the design, the manager's hours) in one compiled call,
    # against one problem at a time, compiled and in Python: the same frames and problem tables
    name = BATCHED_DESIGNS[paradigm]
    real, got = getattr(K, name), {}

    def counted(*args):
        out = real(*args)
        for s in out[0].tolist():
            got[s] = got.get(s, 0) + 1
        got["standard"] = got.get("standard", 0) + int((out[-5] >= 0).sum())
        return out

    monkeypatch.setattr(K, name, counted)
    _batched_runs_match(monkeypatch, {"paradigm": paradigm, "seed": 6, "population": {"citizens": 5000}, **extra},
                        "design_all", False)
    assert all(got.get(s, 0) > 0 for s in seen), got


@pytest.mark.parametrize("extra, seen", [
    ({}, {2}),
    # every rung, tokenism, quick deadlock: other rounds, deadlocks and designs
    ({"metagovernance": "hands_off", "ladder": {"mix": [1, 1, 1, 1, 1, 1], "tokenism": 0.5},
      "npg": {"deadlock_threshold": 0.05, "max_rounds": 2}}, {0, 1, 2}),
    # firms, politicians as metagovernor, facilitators only, one round: deadlocks and designs imposed
    ({"metagovernance": "hands_off", "firms": {"count": 3, "seats": 2}, "metagovernor": {"actor": "politicians"},
      "npg": {"administrators_as_members": False, "deadlock_threshold": 0.05, "max_rounds": 1}}, {1, 2, "imposed"}),
    # few administrators: some arenas wait for their time
    ({"population": {"citizens": 20000, "administrators": 40}}, {-1, 2}),
])
def test_design_rounds_batched_are_the_python_form(kernels_on, monkeypatch, extra, seen):
    # A step's design rounds in one compiled call (NPG.design_all, arena_rounds: admission, deliberation,
    # the meeting, the conflict draw, deadlock, the design) against one problem at a time, compiled
    # and in Python: the same frames and problem tables
    real, got = K.arena_rounds, {}

    def counted(*args):
        out = real(*args)
        for s in out[1].tolist():
            got[s] = got.get(s, 0) + 1
        got["imposed"] = got.get("imposed", 0) + int((out[5] & ~args[10]).sum())
        return out

    monkeypatch.setattr(K, "arena_rounds", counted)
    cfg = {"paradigm": "npg", "metagovernance": "hands_on", "seed": 4, "population": {"citizens": 3000}, **extra}
    _batched_runs_match(monkeypatch, cfg, "design_all", False)
    assert all(got.get(s, 0) > 0 for s in seen), got


def test_numpys_power_loop_gives_numpys_powers(kernels_on):
    # an array to a number's power, as `x **= e` computes it, for the exponents numpy computes by its
    # power loop; none for those it turns into another ufunc (-1, 0, 0.5, 1, 2)
    rng = np.random.default_rng(12)
    for e in (1.5, 0.3, 2.7, 3.0, -0.8):
        fn = kernels.numpy_power_loop(K, e)
        assert fn is not None, e
        for size in (1, 2, 5, 17, 64, 300):
            x = rng.random(size) * 3.0
            want = x.copy()
            want **= e
            K.numpy_power(fn, x, np.array([e]), size)
            assert np.array_equal(x, want), (e, size)
    for e in (-1.0, 0.0, 0.5, 1.0, 2.0, float("nan")):
        assert kernels.numpy_power_loop(K, e) is None


def _recruit_cases(m: GovModel):
    """Arenas for the problems waiting in ``m``: each rung, with and without outreach, competence profiles
    and broad advertisement (metagovernance's design tool), one or no facilitator."""
    from govsim.ladder import RUNGS
    from govsim.problems import Arena
    from govsim.world import Group

    w = m.world
    problems = w.open[:24]
    for i, p in enumerate(problems):
        rung = 1 + i % 6
        arena = Arena(rung=rung, outreach=0.4 * (i % 2), profile=0.7 * ((i // 2) % 2), broad=0.5 * ((i // 4) % 2))
        admins = w.pick_administrators(1) if i % 5 else np.zeros(0, dtype=np.int64)
        p.group = Group(administrators=admins)
        seats = int(round(m.paradigm.params.arena_citizens * RUNGS[rung].seats))
        yield p, arena, RUNGS[rung], seats, int(round(seats * arena.broad)), admins


@pytest.mark.parametrize("cfg", [
    {"seed": 3, "population": {"citizens": 3000}},
    {"seed": 5, "population": {"citizens": 20000}, "citizens": {"participation_bias": 2.5},
     "npg": {"arena_politicians": 3, "broad_reach": 40}},
    {"seed": 8, "population": {"citizens": 1500, "politicians": 60},
     "npg": {"arena_politicians": 4, "broad_reach": 800}},
])
def test_arena_recruitment_compiled_is_the_python_form(kernels_on, cfg):
    # arena_recruit (staff, citizens of an open call or the affected, a broad advertisement's pool,
    # politicians who join) against NPG._recruit_group's Python form, from the same state, arena by arena
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", **cfg}), history=False)
    for _ in range(6):
        m.step()
    npg, w = m.paradigm, m.world
    w.reset_hours()
    hours = w.politicians.hours_left
    if hours.size > 40:  # few with the time: the rounds look at 4 n + 16 in vain, then one pass over the rest
        hours[np.random.default_rng(1).random(hours.size) < 0.85] = 0.0
    seen = {"broad": 0, "profile": 0, "pols": 0, "all": 0, "none": 0}
    for p, arena, rung, seats, n_broad, admins in _recruit_cases(m):
        got = npg._recruit_compiled(w, p, arena, rung, seats, n_broad, admins)
        if arena.profile > 0 and admins.size == 0 and got is None:
            seen["none"] += 1  # no public member to weigh competence against: the Python form's case
            continue
        assert got is not None
        with kernels.disabled():
            want = npg._recruit_group(w, p, arena, rung, seats, n_broad, admins)
        for kind in ("citizens", "employees", "administrators", "politicians"):
            a, b = getattr(got, kind), getattr(want, kind)
            assert a.dtype == b.dtype and np.array_equal(a, b), (kind, rung.number, a, b)
        seen["broad"] += n_broad > 0 and want.citizens.size > 0
        seen["profile"] += arena.profile > 0 and want.citizens.size > 0
        seen["pols"] += want.politicians.size
        seen["all"] += 1
    assert seen["all"] >= 18 and seen["broad"] > 0 and seen["profile"] > 0 and seen["pols"] > 0


@pytest.mark.parametrize("bias, compiled", [(1.5, True), (0.5, False)])
def test_arenas_recruit_compiled_in_runs(kernels_on, monkeypatch, bias, compiled):
    # whole runs recruit through arena_recruit (every rung, partner firms joining after it) and give what the
    # Python forms give; an exponent numpy's power hands to its square root leaves recruitment to them
    calls = _count_calls(monkeypatch, "arena_recruit")
    cfg = {"paradigm": "npg", "metagovernance": "hands_on", "seed": 4, "population": {"citizens": 3000},
           "ladder": {"mix": [1, 1, 1, 1, 1, 1]}, "firms": {"count": 4, "seats": 2},
           "citizens": {"participation_bias": bias}}
    frame, table = _run(cfg, 15)
    with kernels.disabled():
        frame0, table0 = _run(cfg, 15)
    assert frame.equals(frame0) and table.equals(table0)
    assert (calls["n"] > 30) == compiled


@pytest.mark.parametrize("actor", ["administrators", "politicians", "other"])
def test_meetings_booked_compiled_are_the_python_form(kernels_on, monkeypatch, actor):
    # World.book_meeting compiled against its Python form (spend, spend_politicians, citizen_hours,
    # pay_metagovernor) from the same state: hours left and booked, the world's and the problem's public
    # hours, the citizens' hours and the admission floor, for groups of 0 to 10 politicians (numpy's
    # pairwise sum from 8 on), politicians short of time or out of it, no metagovernor's hours, an admission
    # floor kept or not, and groups without administrators or politicians (the metagovernor falls back)
    import copy

    from govsim.problems import Group

    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": 2,
                           "population": {"citizens": 1500, "politicians": 30},
                           "metagovernor": {"actor": actor}}), history=False)
    m.step()
    rng = np.random.default_rng(5)
    calls = _count_calls(monkeypatch, "book_meeting")
    seen = {"short": 0, "pairwise": 0, "no_pol": 0, "no_adm": 0, "floor": 0}
    for case in range(300):
        w = m.world
        pol, adm = w.politicians, w.administrators
        pol.hours_left[:] = rng.choice([0.0, 0.5, 3.0, 20.0], size=pol.n) * rng.random(pol.n)
        adm.hours_left[:] = rng.random(adm.n) * 40.0
        w._admin_floor = None if case % 3 == 0 else float(rng.random())
        n_pol = int(rng.integers(0, 11))
        pols = np.sort(rng.choice(pol.n, size=n_pol, replace=False)).astype(np.int64)
        admins = np.zeros(0, np.int64) if case % 7 == 0 else np.array([int(rng.integers(adm.n))], dtype=np.int64)
        group = Group(citizens=np.arange(int(rng.integers(0, 12)), dtype=np.int64),
                      employees=np.arange(int(rng.integers(0, 5)), dtype=np.int64), administrators=admins,
                      politicians=pols)
        hours = float(rng.random() * 6.0)
        extra = 0.0 if case % 5 == 0 else float(rng.random() * 4.0)
        results = []
        for on in (True, False):
            w2 = copy.deepcopy(w)
            p = copy.deepcopy(w.open[0])
            p.group = group
            p.public_hours, p.citizen_hours = 3.25, 1.5
            w2.public_hours = 101.125
            if on:
                w2.book_meeting(p, group, hours, extra)
            else:
                with kernels.disabled():
                    w2.book_meeting(p, group, hours, extra)
            results.append((w2.politicians.hours_left.tolist(), w2.politicians.policy_hours.tolist(),
                            w2.administrators.hours_left.tolist(), w2.public_hours, p.public_hours, p.citizen_hours,
                            w2._admin_floor))
        assert results[0] == results[1], case
        seen["short"] += bool(n_pol and (pol.hours_left[pols] < hours).any())
        seen["pairwise"] += n_pol >= 8
        seen["no_pol"] += n_pol == 0 and extra > 0
        seen["no_adm"] += admins.size == 0 and extra > 0
        seen["floor"] += w._admin_floor is not None
    assert min(seen.values()) > 5, seen
    assert calls["n"] == 300


def test_meetings_are_booked_compiled_in_runs(kernels_on, monkeypatch):
    calls = _count_calls(monkeypatch, "book_meeting")
    for actor in ("administrators", "politicians"):
        cfg = {"paradigm": "npg", "metagovernance": "hands_on", "seed": 5, "population": {"citizens": 3000},
               "metagovernor": {"actor": actor}}
        frame, table = _run(cfg, 15)
        with kernels.disabled():
            frame0, table0 = _run(cfg, 15)
        assert frame.equals(frame0) and table.equals(table0)
    assert calls["n"] > 100


@pytest.mark.parametrize("cfg", [
    {"seed": 3, "population": {"citizens": 2000}},
    {"seed": 6, "population": {"citizens": 2000}, "firms": {"count": 4, "seats": 2},
     "npg": {"administrators_as_members": False}},
])
def test_deliberation_compiled_is_the_python_form(kernels_on, cfg):
    # arena_deliberation (positions pulled towards the goal, alignment, trust, conflict) against
    # NPG._deliberation from the same state, for groups of 0 to 30 members of every kind, pulls and
    # process management from none to full, rungs that deliberate and rungs that do not
    from govsim.ladder import RUNGS
    from govsim.problems import Arena
    from govsim.world import Group

    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", **cfg}), history=False)
    for _ in range(4):
        m.step()
    npg, w = m.paradigm, m.world
    rng = np.random.default_rng(9)
    seen = {"none": 0, "one": 0, "many": 0, "conflict": 0, "quiet": 0}

    def rows(n, size):
        return np.sort(rng.choice(n, size=min(n, size), replace=False)).astype(np.int64)

    for case in range(400):
        group = Group(citizens=rows(w.citizens.n, int(rng.integers(0, 15)) * (case % 5 != 0)),
                      employees=rows(w.employees.n, int(rng.integers(0, 4)) * (case % 5 != 0)),
                      administrators=rows(w.administrators.n, int(rng.integers(0, 2)) * (case % 5 != 0)),
                      politicians=rows(w.politicians.n, int(rng.integers(0, 4)) * (case % 5 != 0)),
                      firms=rows(w.firms.n, int(rng.integers(0, 3))) if w.firms.n else np.zeros(0, np.int64))
        if case % 10 == 1:  # one member
            group = Group(citizens=rows(w.citizens.n, 1))
        arena = Arena(rung=1 + case % 6, pull=float(rng.choice([0.0, 0.3, 1.0])),
                      management=float(rng.choice([0.0, 0.4, 1.0])))
        rung = RUNGS[arena.rung]
        goal = w.political_goal()
        got = npg._deliberation_compiled(w, group, arena, rung, goal)
        want = npg._deliberation(w, group, arena, rung, goal)
        assert got is not None and got == want, (case, got, want)
        seen["none"] += want[1] == 0
        seen["one"] += want[1] == 1
        seen["many"] += want[1] > 8
        seen["conflict"] += want[2] > 0
        seen["quiet"] += want[1] > 1 and want[2] == 0
    assert min(seen.values()) > 5, seen


def test_deliberation_runs_compiled(kernels_on, monkeypatch):
    monkeypatch.setattr(NPG, "design_all", lambda *a: False)  # one design at a time (the batch deliberates inside)
    calls = _count_calls(monkeypatch, "arena_deliberation")
    cfg = {"paradigm": "npg", "metagovernance": "hands_on", "seed": 8, "population": {"citizens": 3000},
           "ladder": {"mix": [1, 1, 1, 1, 1, 1]}, "firms": {"count": 3, "seats": 2}}
    frame, table = _run(cfg, 15)
    with kernels.disabled():
        frame0, table0 = _run(cfg, 15)
    assert frame.equals(frame0) and table.equals(table0)
    assert calls["n"] > 60



@pytest.mark.parametrize("paradigm", ["opa", "npm", "npg"])
def test_a_variant_of_a_rule_set_has_its_own_methods_called(kernels_on, paradigm):
    # The batches and compiled scans stand in for a shipped rule set's notice, define, design and decide;
    # a subclass that overrides them has them called, the kernels loaded or not
    base = REGISTRY[paradigm]
    calls = {"notice": 0, "define": 0, "design": 0, "decide": 0}

    class Variant(base):
        def notice(self, world, problem, rng):
            calls["notice"] += 1
            return super().notice(world, problem, rng)

        def define(self, world, problem):
            calls["define"] += 1
            return super().define(world, problem)

        def design(self, world, problem):
            calls["design"] += 1
            return super().design(world, problem)

        def decide(self, world, problem):
            calls["decide"] += 1
            return super().decide(world, problem)

    cfg = {"paradigm": paradigm, "seed": 3, "population": {"citizens": 2000}}
    m = GovModel(validate(cfg), history=False)
    m.paradigm = Variant(m.paradigm.params)
    for _ in range(16):
        m.step()
    assert min(calls.values()) > 5, calls
    # and the variant's run is the shipped rule set's (its methods only count)
    shipped = GovModel(validate(cfg), history=False)
    for _ in range(16):
        shipped.step()
    assert m.problem_table().equals(shipped.problem_table())
