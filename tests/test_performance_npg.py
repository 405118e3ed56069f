"""NPG's per-problem path computes exactly what the plain computation does.

The rule set reads members' knowledge and positions, recruits, notices and forms arenas
through shortcuts (no temporary groups, scalar arithmetic, a cached political goal,
ladder bounds and tool hooks found once). ``PlainNPG`` below is the plain
computation (group objects, ``World.knowledge_of``, ``np.isin``, ``np.union1d``,
``np.searchsorted``, ``World.political_goal`` every time); whole runs with either
must give identical numbers, draw for draw, in settings the default scenarios do not
reach (all rungs and tokenism, administrators as facilitators only, partner firms
under contract, politicians as metagovernor, all four tools).
"""

from __future__ import annotations

import numpy as np
import pytest

from govsim import mechanisms as mech
from govsim import partners
from govsim.config import validate
from govsim.ladder import RUNGS
from govsim.metagovernance import HOOKS, Tool, resources, strength_factor
from govsim.model import GovModel
from govsim.paradigms.npg import FIRST_FELT_BY, KINDS, NPG, _members_of, _union
from govsim.problems import EMPTY, Arena, Group, Problem
from govsim.world import fmean


class PlainNPG(NPG):
    """NPG with its per-problem path written out plainly (the reference)."""

    def visibility(self, world):
        return np.ones(mech.K)

    def notice(self, world, problem, rng):
        """Any kind of agent can initiate (T10), each under its own conditions; the driver says who feels it first.

        Each watcher kind k sees ``seen_k = need . coverage_k``; the kind that first feels
        the driver (citizens and front-line employees a problem, the administration a
        challenge, politicians an ambition) watches with salience 1, the others with ``other_salience``. A kind acts
        on what it sees as far as its own condition allows, ``f + (1 - f) cond_k`` (``f`` =
        ``initiative_floor``): citizens
        their efficacy (belief that taking part matters), employees their motivation x
        discretion (professional ambition with room to act), administrators their share
        of hours left (capacity), politicians their share of hours left after standing
        committees (time for policy). ``p = 1 - prod_k (1 - felt_k)``; the initiator is the
        kind with the largest ``felt_k``.
        """
        p = self.params
        c, e, a, pol = world.citizens, world.employees, world.administrators, world.politicians
        watchers = (
            world.pick_willing_citizens(problem.affected, p.watchers, rng),
            world.pick_employees(problem, 1, rng),
            world.pick_administrators(1),
            world.pick_politicians(1),
        )
        stores = (c, e, a, pol)
        seen = np.array([float(np.dot(problem.need, mech.pool_knowledge(s.knowledge[w])))
                         for s, w in zip(stores, watchers)])
        hours = world.config
        cond = np.array([
            fmean(c.efficacy[watchers[0]]) if watchers[0].size else 0.0,
            fmean(e.motivation[watchers[1]] * e.discretion[watchers[1]]) if watchers[1].size else 0.0,
            min(max(fmean(a.hours_left[watchers[2]]) / hours.administrators.hours, 0.0), 1.0) if watchers[2].size else 0.0,
            min(max(fmean(pol.hours_left[watchers[3]]) / hours.politicians.hours, 0.0), 1.0) if watchers[3].size else 0.0,
        ])
        salience = np.full(len(KINDS), p.other_salience)
        for kind in FIRST_FELT_BY[problem.driver]:
            salience[KINDS.index(kind)] = 1.0
        felt = salience * seen * (p.initiative_floor + (1.0 - p.initiative_floor) * cond)
        return float(1.0 - np.prod(1.0 - felt)), KINDS[int(np.argmax(felt))]

    # ------------------------------------------------------------------ forming the arena
    def _arena(self, world, problem) -> Arena:
        """Draw the arena's rung from the ladder mix, and whether it is run tokenistically (T7, T9)."""
        lad = world.config.ladder
        rng = world.streams.get("ladder", problem.id)
        u, v = rng.random(), rng.random()
        w = np.asarray(lad.mix, dtype=float)
        rung = 1 + int(np.searchsorted(np.cumsum(w / w.sum()), u, side="right"))
        return Arena(rung=min(rung, 6), tokenistic=bool(v < lad.tokenism))

    def _members(self, group: Group) -> Group:
        return group if self.params.administrators_as_members else group.replace(administrators=EMPTY)

    def _recruit(self, world, problem, arena: Arena) -> Group:
        """Recruit the arena (T15 hard recruitment, T17 network design, T22, T26 bias, T28 firms)."""
        p, c, rung = self.params, world.citizens, RUNGS[arena.rung]
        rng = world.streams.get("recruitment", problem.id)
        seats = int(round(p.arena_citizens * rung.seats))
        arena.seats = seats
        admins = problem.group.administrators
        employees = world.pick_employees(problem, p.arena_employees, world.streams.get("staffing", problem.id, 0))
        public = world.knowledge_of(Group(employees=employees, administrators=admins)).max(axis=0)
        bias = world.config.citizens.participation_bias

        def invite(cand, n):
            competence = np.maximum(c.knowledge[cand] - public, 0.0).sum(axis=1) if cand.size else None
            return mech.select_recruits(cand, c.willingness[cand], c.resources[cand], bias, arena.outreach, n, rng,
                                        competence, arena.profile)

        n_broad = int(round(seats * arena.broad))
        if rung.affected_only:
            local = problem.affected
        elif p.broad_reach * (seats - n_broad) >= c.n:
            local = np.arange(c.n)
        else:  # an open call reaches a random pool of p.broad_reach citizens per seat
            local = np.sort(rng.choice(c.n, size=p.broad_reach * (seats - n_broad), replace=False))
        citizens = invite(local, seats - n_broad)
        if n_broad > 0:  # broad advertisement with competence profiles (T22)
            # The advertisement reaches a random pool of p.broad_reach citizens per seat (one key each).
            m = min(c.n, p.broad_reach * n_broad)
            pool = np.sort(rng.choice(c.n, size=m, replace=False))
            will = np.where(np.isin(pool, citizens), 0.0, c.willingness[pool])  # the seated do not apply twice
            competence = np.maximum(c.knowledge[pool] - public, 0.0).sum(axis=1)
            extra = mech.select_recruits(pool, will, c.resources[pool], bias, arena.outreach, n_broad, rng,
                                         competence, arena.profile)
            citizens = np.union1d(citizens, extra)
        if rung.public_members:
            # Politicians join if time allows (T22: total time must not rise, T24) and if open.
            join = world.pick_open_politicians(p.meeting_hours * rung.hours, p.arena_politicians, rng)
        else:
            join = EMPTY
        group = Group(citizens=citizens, employees=employees, administrators=admins, politicians=join)
        if rung.public_members and world.firms.n:
            problem.group = group
            group = group.replace(firms=partners.join(world, problem, world.streams.get("firms", problem.id)))
        return group

    def _meet(self, world, problem, group: Group, arena: Arena, setup: bool = False) -> None:
        """Book a meeting: every member's hours grow with the arena's size (coordination, T15, T24)."""
        p, rung = self.params, RUNGS[arena.rung]
        hours = p.meeting_hours * rung.hours * mech.coordination_factor(group.size(), world.core.coordination)
        world.spend("employees", group.employees, hours, problem)
        world.spend("administrators", group.administrators, hours, problem)
        world.spend_politicians(group.politicians, hours, problem, policy=True)
        world.citizen_hours(problem, group.citizens, hours)
        extra = arena.round_hours + arena.servicing * group.size() + (arena.setup_hours if setup else 0.0)
        world.pay_metagovernor(problem, extra)

    def _trust(self, world, group: Group) -> float:
        parts = [world.citizens.trust[group.citizens], world.politicians.openness[group.politicians],
                 world.employees.motivation[group.employees], world.firms.trust[group.firms]]
        vals = np.concatenate(parts)
        return fmean(vals) if vals.size else 0.5

    def _knowledge(self, world, group: Group, arena: Arena) -> np.ndarray:
        """Members' knowledge as brought to the table: passive citizens hold some back unless activated."""
        members = self._members(group)
        k = world.knowledge_of(members)
        nc = members.citizens.size
        if nc:
            will = world.citizens.willingness[members.citizens]
            engaged = 1.0 - self.params.passivity * (1.0 - will) * (1.0 - arena.activation)
            k[:nc] = k[:nc] * engaged[:, None]
        if members.firms.size:
            k[-members.firms.size:] *= partners.sharing(world)
        return k

    def define(self, world, problem):
        p = self.params
        arena = self._arena(world, problem)
        problem.arena = arena
        problem.group = Group(administrators=world.pick_administrators(1))  # the facilitator
        world.meta.apply(world, problem, arena)
        group = self._recruit(world, problem, arena)
        problem.group = group
        cov = mech.pool_knowledge(self._knowledge(world, group, arena))
        noise = world.core.definition_noise + p.dialogue_noise * (1.0 - self._trust(world, group))
        rng = world.streams.get("definition", problem.id, 0)
        problem.defined = mech.perceive_need(problem.need, cov, self.visibility(world), noise, rng, problem.wickedness)
        self._meet(world, problem, group, arena, setup=True)
        filled = group.politicians.size / p.arena_politicians if p.arena_politicians else 0.0
        problem.political_ownership = min(1.0, filled)
        problem.ready_at = world.now + p.meeting_interval

    # ------------------------------------------------------------------ deliberation
    def _adopt(self, world, problem) -> Arena:
        """A problem defined under another rule set (before a reform) gets a governance network as it is."""
        if problem.arena is None:
            problem.arena = Arena(rung=6)
            world.meta.apply(world, problem, problem.arena)
        return problem.arena

    def design(self, world, problem):
        p, arena, group = self.params, self._adopt(world, problem), problem.group
        rung = RUNGS[arena.rung]
        members = self._members(group)
        goal = world.political_goal()
        positions = world.positions_of(members)
        positions = positions + arena.pull * (goal - positions)  # framing and taking part pull towards the goal
        problem.alignment = 1.0 - abs(fmean(positions) - goal) if positions.size else 0.0
        trust = self._trust(world, group)
        conflict = (mech.conflict_level(positions, trust, arena.management, world.core.trust_softening)
                    if rung.deliberates else 0.0)
        problem.conflict = conflict
        problem.rounds += 1
        self._meet(world, problem, group, arena)
        rng = world.streams.get("conflict", problem.id, problem.rounds)
        u = rng.random()
        threshold = p.deadlock_threshold + arena.breakthrough * (1.0 - p.deadlock_threshold)
        if conflict > threshold:  # paralysing conflict (T15)
            if problem.rounds < p.max_rounds:
                problem.ready_at = world.now + p.meeting_interval
                return False
            if u >= arena.deadline:
                world.close(problem, "deadlock")
                return False
            arena.imposed = True  # the mandate's deadline: the metagovernor decides (hierarchy creeps back)
        arena_view = mech.muddy_compromise(problem.defined, conflict)
        problem.muddy = conflict > p.muddy_threshold
        # Power sharing: politicians' openness (or the administration's restraint) gives the arena
        # its influence, within the rung's depth, the members' autonomy (T16) and tokenism (T7).
        adm = group.administrators
        control = fmean(world.administrators.control[adm]) if adm.size else 0.5
        share = fmean(world.politicians.openness[group.politicians]) if group.politicians.size else 1.0 - control
        cap = 1.0 - world.config.ladder.completeness if arena.tokenistic else 1.0
        if group.citizens.size and not arena.imposed:
            influence = share * arena.autonomy * rung.depth * cap
        else:
            influence = 0.0
        admin_cov = mech.pool_knowledge(world.knowledge_of(Group(administrators=adm)))
        rng_view = world.streams.get("definition", problem.id, problem.rounds)
        admin_view = mech.perceive_need(problem.need, admin_cov, self.visibility(world), world.core.definition_noise,
                                        rng_view, problem.wickedness)
        direction = mech.normalise(influence * arena_view + (1.0 - influence) * admin_view)
        problem.influence = influence
        eff = world.citizens.efficacy[group.citizens]
        slack_parts = np.concatenate([
            world.employees.discretion[group.employees] * world.employees.motivation[group.employees],
            eff + arena.activation * (1.0 - eff),
            world.administrators.facilitation[adm],
        ])
        slack = fmean(slack_parts) if slack_parts.size else 0.0
        constraint = 1.0 - (1.0 - arena.premises) * (1.0 - arena.inside)  # steering narrows ideas (T16)
        # Members share what they know as far as conflict and the arena's size let them (T15).
        sharing = (1.0 - conflict) / mech.coordination_factor(self._members(group).size(), world.core.coordination)
        self.design_with(world, problem, group, direction, slack, constraint, sharing=sharing,
                         knowledge=self._knowledge(world, group, arena), learning=rung.learning)
        problem.ready_at = world.now + p.meeting_interval
        return True



def plain_apply(meta, world, problem, arena) -> None:
    """Metagovernance.apply written out plainly: every tool and hook looked at, legitimacy always read."""
    cfg = world.config_section("metagovernor")
    res = resources(cfg, float(world.politicians.legitimacy.mean()))
    for hook in HOOKS:
        for name, tool in meta.tools.items():
            k = meta.intensity.get(name, 0.0)
            overrides = tuple(h for h in HOOKS if getattr(type(tool), h) is not getattr(Tool, h))
            if k <= 0.0 or hook not in overrides:
                continue
            s = k * strength_factor(tool.needs, res, cfg.adequate)
            arena.strengths[name] = s
            getattr(tool, hook)(world, problem, arena, k, s)


SETTINGS = {
    "all rungs, tokenism, facilitators only": dict(
        paradigm="npg", metagovernance="hands_off", seed=11, population={"citizens": 1500},
        ladder={"mix": [1, 1, 1, 1, 1, 1], "tokenism": 0.3},
        npg={"administrators_as_members": False, "watchers": 1}),
    "firms under contract, all tools, politicians metagovern": dict(
        paradigm="npg", metagovernance="hands_on", seed=12, population={"citizens": 1500},
        firms={"count": 6, "partnership": "contract"}, metagovernor={"actor": "politicians"},
        politicians={"election_interval": 10},  # legitimacy, the metagovernor's authority, changes in the run
        metagovernance_tools={"design": 0.6, "framing": 0.4}),
    "firms under trust, no tools, challenges and ambitions": dict(
        paradigm="npg", metagovernance="none", seed=13, population={"citizens": 1500},
        firms={"count": 4, "partnership": "trust"}, ladder={"mix": [0, 1, 0, 1, 2, 3]}),
}


def _run(scenario: dict, plain: bool, steps: int = 40, plain_class=None):
    """A run of ``steps`` with the NPG rule set as it is, or (``plain``) with its plain form
    (``plain_class``, by default :class:`PlainNPG`) and the plain metagovernance tools."""
    m = GovModel(validate(scenario), history=False)
    if plain:
        m.paradigm = (plain_class or PlainNPG)(m.paradigm.params)
        meta = m.world.meta
        meta.apply = lambda world, problem, arena: plain_apply(meta, world, problem, arena)
    for _ in range(steps):
        m.step()
    return m


def assert_same_runs(fast, plain) -> None:
    """Two runs recorded the same: every closed problem, every series, everyone's knowledge,
    citizens' trust and the open problems."""
    a, b = fast.problem_table(), plain.problem_table()
    assert len(a) > 20 and list(a.columns) == list(b.columns)
    for col in a.columns:
        assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), col
    da, db = fast.datacollector.get_model_vars_dataframe(), plain.datacollector.get_model_vars_dataframe()
    assert da.astype(str).equals(db.astype(str))
    for kind in ("citizens", "employees", "administrators", "politicians", "firms"):
        sa, sb = getattr(fast.world, kind), getattr(plain.world, kind)
        assert np.array_equal(sa.knowledge, sb.knowledge), kind
    assert np.array_equal(fast.world.citizens.trust, plain.world.citizens.trust)
    assert [p.id for p in fast.world.open] == [p.id for p in plain.world.open]


@pytest.mark.parametrize("name", list(SETTINGS))
def test_runs_equal_the_plain_computation(forms, name):
    fast, plain = _run(SETTINGS[name], False), _run(SETTINGS[name], True)
    assert isinstance(plain.paradigm, PlainNPG) and type(fast.paradigm) is NPG
    assert_same_runs(fast, plain)


def test_the_settings_reach_what_they_are_meant_to():
    """The comparison above is only worth something if these settings exercise the shortcuts' branches."""
    m = _run(SETTINGS["all rungs, tokenism, facilitators only"], False)
    t = m.problem_table()
    assert set(t["rung"].dropna().astype(int)) >= {3, 5, 6}
    m = _run(SETTINGS["firms under contract, all tools, politicians metagovern"], False)
    assert m.world.firms.engagements.sum() > 0


def test_members_of_and_union_equal_isin_and_union1d():
    rng = np.random.default_rng(0)
    for _ in range(300):
        pool = np.sort(rng.choice(200, size=int(rng.integers(1, 80)), replace=False))
        rows = np.sort(rng.integers(0, 220, size=int(rng.integers(1, 12))))  # may repeat, may lie outside pool
        assert np.array_equal(_members_of(pool, rows), np.isin(pool, rows))
        extra = np.sort(rng.integers(0, 220, size=int(rng.integers(0, 6))))
        got, want = _union(rows, extra), np.union1d(rows, extra)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_political_goal_follows_a_change_of_positions():
    m = GovModel(validate({"paradigm": "npg", "seed": 1, "population": {"citizens": 500}}), history=False)
    w = m.world
    assert w.political_goal() == float(np.median(w.politicians.position))
    w.politicians.position[:] = np.linspace(0.0, 0.2, w.politicians.n)
    assert w.political_goal() == float(np.median(w.politicians.position)) == pytest.approx(0.1)


def test_tool_strengths_follow_legitimacy_intensities_and_the_metagovernor():
    """The steps ``Metagovernance.apply`` keeps are rebuilt whenever what they rest on changes."""
    m = GovModel(validate({"paradigm": "npg", "metagovernance": "hands_on", "seed": 2, "population": {"citizens": 500},
                           "metagovernor": {"actor": "politicians"}}), history=False)
    m.step()
    w = m.world
    p = w.open[0]
    p.group = Group(administrators=w.pick_administrators(1), politicians=w.pick_politicians(2))

    def both():
        fast, plain = Arena(), Arena()
        w.meta.apply(w, p, fast)
        plain_apply(w.meta, w, p, plain)
        assert fast == plain
        return fast

    first = both()
    w.politicians.legitimacy[:] = 0.1  # authority below the adequate level weakens participation (T18)
    weak = both()
    assert weak.strengths["participation"] < first.strengths["participation"]
    m.set_metagovernance("hands_off", framing=0.9)
    framed = both()
    assert set(framed.strengths) == {"design", "framing"} and framed.strengths["framing"] > 0
    w.meta.intensity["process"] = 0.4  # an intensity changed in place
    assert set(both().strengths) == {"design", "framing", "process"}
    w.meta.intensity["process"] = 0.0
    w.config = w.config.model_copy(update={"metagovernor": w.config.metagovernor.model_copy(update={"actor": "other"})})
    assert both().strengths != framed.strengths


def test_arenas_formed_equal_the_generated_init_and_share_no_dicts():
    for rung in range(1, 7):
        for tokenistic in (False, True):
            a, b = Arena.formed(rung, tokenistic), Arena(rung=rung, tokenistic=tokenistic)
            assert a == b and type(a.tokenistic) is bool
    a, b = Arena.formed(6), Arena.formed(6)
    a.intrude("process", 0.3)
    a.strengths["process"] = 0.5
    assert b.intrusions == {} and b.strengths == {} and Arena.formed(6).intrusions == {}
    assert a.autonomy == pytest.approx(0.7) and b.autonomy == 1.0


@pytest.mark.parametrize("actor", ["administrators", "politicians"])
def test_one_facilitators_skill_and_control_are_their_mean(actor):
    m = GovModel(validate({"paradigm": "npg", "seed": 3, "population": {"citizens": 500},
                           "metagovernor": {"actor": actor}}), history=False)
    w = m.world
    p = Problem(id=0, arrived=0, driver="need", wickedness=0.5, need=np.full(5, 0.2), affected=EMPTY)
    a = w.administrators
    a.facilitation[:] = np.linspace(-0.0, 1.0, a.n)
    a.control[:] = np.linspace(1.0, 0.0, a.n)
    for rows in ([0], [a.n - 1], [1, 3], []):
        p.group = Group(administrators=np.array(rows, dtype=np.int64), politicians=np.array([0], dtype=np.int64))
        adm = p.group.administrators
        want = fmean(a.facilitation[adm]) if adm.size else 0.0
        got = w.facilitation(p)
        assert got == want and type(got) is float and np.signbit(got) == np.signbit(want)
        if actor == "administrators":
            assert w.metagovernor_control(p) == (fmean(a.control[adm]) if adm.size else 0.5)
