"""The indicators' cheap reductions give exactly the numbers of the plain numpy forms."""

from __future__ import annotations

import numpy as np
import pytest

from govsim.metrics import _mean, _mean_of, _rate


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_mean_of_a_few_numbers_equals_numpy_mean_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    for _ in range(5000):
        n = int(rng.integers(1, 12))  # under 8 the Python sum, from 8 numpy's own
        values = (rng.random(n) * 10.0 ** rng.uniform(-6, 6, n) * rng.choice([-1, 1], n)).tolist()
        assert _mean_of(values) == float(np.mean(values))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rates_and_means_equal_the_plain_forms(seed):
    rng = np.random.default_rng(seed)
    for _ in range(500):
        n = int(rng.integers(0, 3000))
        flags = rng.random(n) < rng.random()
        among = rng.random(n) < rng.random()
        plain = float(flags[among].mean()) if among.any() else 0.0
        assert _rate(flags, among) == plain
        assert _rate(flags) == (float(flags.mean()) if n else 0.0)
        x = rng.random(n) * 100.0
        assert _mean(x) == (float(x.mean()) if n else 0.0)
        assert _mean(flags) == (float(flags.mean()) if n else 0.0)
