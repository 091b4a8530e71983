"""Logistic models shipped as JSON: feature names, standardisation and weights.

JSON rather than pickle: loading a model file must not be able to run code. The training
scripts in bench/ write these files with `to_json`; kb only reads them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np


class Logistic:
    """P(y=1 | x) of a standardised logistic regression."""

    def __init__(self, data: dict[str, object], features: tuple[str, ...], name: str) -> None:
        if list(data["features"]) != list(features):  # type: ignore[call-overload]
            raise ValueError(f"{name} was trained on other features: retrain it (bench/)")
        self.mean = np.asarray(data["mean"], dtype=np.float64)
        self.scale = np.asarray(data["scale"], dtype=np.float64)
        self.coef = np.asarray(data["coef"], dtype=np.float64)
        self.intercept = float(data["intercept"])  # type: ignore[arg-type]

    def probability(self, x: np.ndarray) -> np.ndarray:
        if not len(x):
            return np.zeros(0)
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))


@lru_cache(maxsize=8)
def load(path: Path, features: tuple[str, ...]) -> Logistic:
    """The model in `path` (read once per process)."""
    return Logistic(json.loads(path.read_text(encoding="utf-8")), features, path.name)


def to_json(x: np.ndarray, y: np.ndarray, features: tuple[str, ...], c: float = 1.0,
            weight: np.ndarray | None = None, **extra: object) -> dict[str, object]:
    """Fit on (x, y) and return the JSON-able model (scikit-learn, for training scripts)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y, sample_weight=weight)
    return {"features": list(features), "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist(), "coef": lr.coef_[0].round(6).tolist(),
            "intercept": round(float(lr.intercept_[0]), 6), **extra}
