"""Initiation (T10): each kind of agent can initiate co-creation under its own conditions."""

from __future__ import annotations

from govsim.metrics import INDICATORS

from _helpers import over_seeds

KINDS = ("citizen", "employee", "administrator", "politician")


def share(kind):
    return lambda m: m.outcomes[f"initiated_by_{kind}"]


def test_every_kind_initiates_under_npg_and_indicators_report_it():
    names = {i.name for i in INDICATORS}
    shares = {}
    for k in KINDS:
        assert f"initiated_by_{k}" in names
        shares[k] = over_seeds(share(k), setting="hands_off")
        assert shares[k] > 0.03, k
    assert 0.9 < sum(shares.values()) <= 1.0 + 1e-9


def test_each_kind_initiates_under_its_own_conditions():
    # citizens: efficacy; employees: discretion (professional room); politicians: time after committees
    assert (over_seeds(share("citizen"), setting="hands_off", citizens={"initial_efficacy": 0.05})
            < over_seeds(share("citizen"), setting="hands_off") - 0.04)
    assert (over_seeds(share("employee"), setting="hands_off", npg={"discretion": 0.0})
            < over_seeds(share("employee"), setting="hands_off") - 0.04)
    assert (over_seeds(share("politician"), setting="hands_off", politics={"committee_meetings": 80})
            < over_seeds(share("politician"), setting="hands_off") - 0.04)


def test_under_opa_and_npm_only_the_hierarchy_initiates():
    assert over_seeds(share("employee"), paradigm="opa", steps=40) == 1.0
    assert over_seeds(share("administrator"), paradigm="npm", steps=40) == 1.0
