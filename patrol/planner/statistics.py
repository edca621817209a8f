"""Small statistical tests for the planner's own reports (numpy only: scipy is a test dependency)."""

from __future__ import annotations

import math

import numpy as np


def kolmogorov_pvalue(statistic: float, n_effective: float) -> float:
    """P(D >= statistic) for the Kolmogorov-Smirnov statistic, Stephens' approximation."""
    if n_effective <= 0:
        return 1.0
    root = math.sqrt(n_effective)
    x = (root + 0.12 + 0.11 / root) * statistic
    if x < 0.3:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2 * k * k * x * x) for k in range(1, 101))
    return float(min(max(2 * total, 0.0), 1.0))


def ks_uniform(values: np.ndarray) -> tuple[float, float]:
    """KS statistic and p-value of `values` against Uniform(0, 1)."""
    n = len(values)
    if n == 0:
        return 0.0, 1.0
    ordered = np.sort(values)
    ranks = np.arange(1, n + 1)
    statistic = float(max(np.max(ranks / n - ordered), np.max(ordered - (ranks - 1) / n)))
    return statistic, kolmogorov_pvalue(statistic, n)


def ks_two_sample(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    if len(first) == 0 or len(second) == 0:
        return 0.0, 1.0
    a, b = np.sort(first), np.sort(second)
    points = np.concatenate([a, b])
    statistic = float(
        np.max(
            np.abs(
                np.searchsorted(a, points, "right") / len(a) - np.searchsorted(b, points, "right") / len(b)
            )
        )
    )
    return statistic, kolmogorov_pvalue(statistic, len(a) * len(b) / (len(a) + len(b)))


def pearson(first: np.ndarray, second: np.ndarray) -> float:
    if len(first) < 3 or np.std(first) == 0 or np.std(second) == 0:
        return 0.0
    return float(np.corrcoef(first, second)[0, 1])


def rayleigh_pvalue(phases: list[np.ndarray]) -> float:
    """Combined Rayleigh test of uniform phases over several independent series (radians)."""
    chi2, dof = 0.0, 0
    for series in phases:
        if len(series) < 2:
            continue
        resultant = np.abs(np.exp(1j * series).sum()) ** 2 / len(series)
        chi2 += 2 * resultant  # 2·n·R² is chi-squared with 2 degrees of freedom under uniformity
        dof += 2
    return chi2_sf(chi2, dof)


def chi2_sf(value: float, dof: int) -> float:
    """Survival function of chi-squared, Wilson-Hilferty normal approximation (fine for dof >= 2)."""
    if dof <= 0:
        return 1.0
    z = ((value / dof) ** (1 / 3) - (1 - 2 / (9 * dof))) / math.sqrt(2 / (9 * dof))
    return 0.5 * math.erfc(z / math.sqrt(2))
