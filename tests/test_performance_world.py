"""The world's cheaper helpers give exactly what the plain numpy forms give, and draw the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from govsim.config import validate
from govsim.model import GovModel
from govsim.problems import Group
from govsim.streams import STREAMS, Streams
from govsim.world import fmean, top_rows


def _model(citizens: int = 3000, seed: int = 3, steps: int = 2, **population) -> GovModel:
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": seed,
                           "population": {"citizens": citizens, **population}}), history=False)
    for _ in range(steps):
        m.step()
    return m


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _setter_streams(seed: int) -> Streams:
    """Streams that re-key every generator through ``Philox.state`` (the plain way)."""
    s = Streams(np.random.SeedSequence(seed))
    for name in STREAMS:
        entry = s._make(name)
        s._gens[name] = entry[:3] + (None,)
    return s


def test_streams_rekeyed_directly_draw_what_the_state_setter_gives():
    fast, slow = Streams(np.random.SeedSequence(11)), _setter_streams(11)
    rng = np.random.default_rng(0)
    names = list(STREAMS)
    for i in range(1500):
        name = names[i % len(names)]
        key = tuple(int(k) for k in rng.integers(0, 2**40, size=int(rng.integers(0, 4))))
        a, b = fast.get(name, *key), slow.get(name, *key)
        m = int(rng.integers(1, 9))
        assert a.random(m).tolist() == b.random(m).tolist()
        assert a.integers(0, 7, 3, dtype=np.int32).tolist() == b.integers(0, 7, 3, dtype=np.int32).tolist()
        assert _same(a.dirichlet(np.ones(5)), b.dirichlet(np.ones(5)))
        assert a.integers(0, 1000) == b.integers(0, 1000)  # a half-used 32-bit word must not leak
    assert all(e[3] is not None for e in fast._gens.values())  # the direct path is the one tested here
    assert fast.get("noticing", np.int64(4), 2).random() == slow.get("noticing", 4, 2).random()
    for bad in [(-1,), (2**64,)]:
        with pytest.raises(OverflowError):
            fast.get("noticing", *bad)
    with pytest.raises(ValueError):
        fast.get("noticing", 1, 2, 3, 4)
    with pytest.raises(KeyError):
        fast.get("no such stream")


@pytest.mark.parametrize("providers", [None, 150])
def test_serving_staff_is_the_staff_of_the_unique_serving_providers(providers):
    extra = {} if providers is None else {"providers": providers}
    m = _model(**extra)
    w = m.world
    rng = np.random.default_rng(1)
    for p in list(w.open)[:40]:
        want = w.staff(np.unique(w.citizens.provider[p.affected]))
        assert _same(w.serving_staff(p), want)
    for size in (0, 1, 3, 10, 200, 3000):  # both ways of finding them (few or many providers for the size)
        p = w.open[0]
        saved = p.affected
        p.affected = np.sort(rng.choice(w.citizens.n, size=size, replace=False))
        want = w.staff(np.unique(w.citizens.provider[p.affected]))
        assert _same(w.serving_staff(p), want)
        r1, r2 = np.random.default_rng(size), np.random.default_rng(size)
        pool = want if want.size else np.arange(w.employees.n)
        assert _same(w.pick_employees(p, 3, r1), pool[top_rows(r2.random(pool.size), 3)])
        p.affected = saved


def test_knowledge_positions_goal_and_learning_match_numpy():
    m = _model()
    w = m.world
    rng = np.random.default_rng(2)
    stores = ("citizens", "employees", "administrators", "politicians", "firms")
    for trial in range(60):
        rows = {}
        for name in stores:
            n = getattr(w, name).n
            k = int(rng.integers(0, 4)) if n else 0
            rows[name] = np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)
        g = Group(**rows)
        parts = [getattr(w, s).knowledge[rows[s]] for s in stores if rows[s].size]
        want = parts[0] if len(parts) == 1 else (np.vstack(parts) if parts else np.zeros((0, 5)))
        assert _same(w.knowledge_of(g), want)
        pos = [getattr(w, s).position[rows[s]] for s in stores if rows[s].size]
        assert _same(w.positions_of(g), pos[0] if len(pos) == 1 else (np.concatenate(pos) if pos else np.zeros(0)))
        # learning: the same knowledge afterwards and the same mean gain as the plain form
        coverage, share = rng.random(5), float(rng.random())
        before = {s: getattr(w, s).knowledge.copy() for s in stores}
        got = w.learn(g, coverage, share)
        after = {s: getattr(w, s).knowledge.copy() for s in stores}
        for s in stores:
            getattr(w, s).knowledge[:] = before[s]
        lr = w.config.citizens.learning_rate * share
        gains = []
        for s in stores:
            if rows[s].size:
                gap = np.maximum(coverage - getattr(w, s).knowledge[rows[s]], 0.0)
                getattr(w, s).knowledge[rows[s]] += lr * gap
                gains.append(gap * share)
        assert got == (float(np.mean(np.vstack(gains))) if gains else 0.0)
        for s in stores:
            assert _same(getattr(w, s).knowledge, after[s])
    pol = w.politicians.position
    saved = pol.copy()
    for n in (1, 2, 7, 8, pol.size):
        sub = rng.random(n)
        w.politicians.position = sub
        assert w.political_goal() == float(np.median(sub))
    sub[3] = np.nan
    assert np.isnan(w.political_goal())
    w.politicians.position = saved
    assert w.political_goal() == float(np.median(saved))


def test_fmean_is_ndarray_mean():
    rng = np.random.default_rng(3)
    for n in range(1, 40):
        x = rng.random(n)
        assert fmean(x) == float(x.mean())
        assert fmean(x.reshape(1, -1)) == float(x.mean())
    assert np.isnan(fmean(np.zeros(0)))


class _Event:
    def __init__(self, t: int) -> None:
        self.at = t


def test_event_log_window_is_the_plain_filter():
    """Looking again only at entries appended at ``since`` or before gives the plain filter's list."""
    from govsim.world import EventLog

    rng = np.random.default_rng(4)
    for trial in range(30):
        log, plain, since = EventLog("at", keep_history=False), [], -(1 << 62)
        live: list[_Event] = []
        for now in range(1, 120):
            for _ in range(int(rng.integers(0, 6))):
                if live and rng.random() < 0.3:  # an event again: its time stamp moves on, appended again
                    e = live[int(rng.integers(0, len(live)))]
                    e.at = now
                else:
                    e = _Event(now)
                    live.append(e)
                log.append(e)
                plain.append(e)
            if trial % 3 == 0 and now == 60:  # the list replaced from outside, then given back
                saved = log.recent
                log.recent, log._since = list(plain), -(1 << 62)
                assert log.window(now - 10) == [p for p in plain if p.at > now - 10]
                log.recent, log._since = saved, since
            if rng.random() < 0.8:
                since = now - int(rng.integers(5, 15)) if rng.random() < 0.9 else since
                plain = [p for p in plain if p.at > since] if since > log._since else plain
                assert log.window(since) == plain
    log = EventLog("at", keep_history=False)  # out of order appends: every entry looked at
    for t in (5, 3, 9, 1, 7):
        log.append(_Event(t))
    assert [e.at for e in log.window(4)] == [5, 9, 7]


def test_copied_or_pickled_streams_draw_the_same_and_leave_the_original_alone():
    import copy
    import pickle

    s = Streams(np.random.SeedSequence(21))
    want = s.get("conflict", 3, 1).random(4).tolist()
    for other in (copy.deepcopy(s), pickle.loads(pickle.dumps(s)), copy.copy(s)):
        g = s.get("conflict", 9)  # the original's generator, re-keyed
        assert other.get("conflict", 3, 1).random(4).tolist() == want
        assert g.random() == Streams(np.random.SeedSequence(21)).get("conflict", 9).random()


def test_a_problems_serving_staff_is_kept_only_while_its_customers_providers_stay_the_same():
    m = _model(providers=150)
    w = m.world
    p = next(q for q in w.open if q.affected.size)
    first = w.serving_staff(p)
    assert w.serving_staff(p) is first  # kept: the same providers serve the same citizens
    # Customers move (as NPM's exit does, or a user writing the array): the pool follows them.
    c = w.citizens
    moved = p.affected[: max(1, p.affected.size // 2)]
    c.provider[moved] = (c.provider[moved] + 7) % w.providers.n
    again = w.serving_staff(p)
    assert again is not first
    assert _same(again, w.staff(np.unique(c.provider[p.affected])))
    # A closed problem's pool is dropped, and a closed problem's is not kept.
    w.close(p, "expired")
    assert p.id not in w._serving
    w.serving_staff(p)
    assert p.id not in w._serving


def test_willing_citizens_are_the_best_keys_as_a_stable_sort_gives_them():
    m = GovModel(validate({"paradigm": "npg", "seed": 3, "population": {"citizens": 2000}}))
    w = m.world
    checked = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        size = int(rng.integers(0, 120))
        candidates = np.sort(rng.choice(2000, size=size, replace=False))
        n = int(rng.integers(0, 12))
        if seed % 5 == 0:  # many candidates of equal willingness
            w.citizens.willingness[candidates[: size // 2]] = 0.5
        got = w.pick_willing_citizens(candidates, n, np.random.default_rng(1000 + seed))
        keys = np.random.default_rng(1000 + seed).random(size)
        if size and n > 0:
            score = np.log(np.maximum(keys, 1e-300)) / (w.citizens.willingness[candidates] + 1e-9)
            want = np.sort(candidates[np.argsort(-score, kind="stable")[:min(n, size)]])
            checked += 1
        else:
            want = candidates[:0]
        assert np.array_equal(got, want)
    assert checked > 25
