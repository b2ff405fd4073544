"""Linear models that predict without copying their weights on every message.

scikit-learn's linear models compute `X @ coef_.T`. `coef_` is stored
classes × features in C order, so `coef_.T` is in Fortran order, and SciPy's
sparse-times-dense product first copies it into C order (`ravel`) on every
call: for the intent classifier (29 × 74,714 float64) that is 17 MB and
5.6 ms a message, for the crisis classifier (3 × 234,586) 5.6 MB and about
3 ms. With `coef_` in Fortran order, `coef_.T` is already C-ordered and is
read in place; the numbers are identical.

`TfidfLogisticScorer` goes further for the crisis classifier's pipeline
(TF-IDF features and logistic regression): it scores a message from its few
non-zero features without building sparse matrices.

Pure: must not import Rasa.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np


def predict_in_place(estimator: Any) -> Any:
    """Keep a fitted linear model's weights in Fortran order; returns it.

    Works on the estimator itself or on a pipeline's last step. Predictions
    are unchanged; they no longer copy the weights. Estimators without a 2-D
    `coef_` are returned as they are.
    """
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    coef = getattr(final, "coef_", None)
    if isinstance(coef, np.ndarray) and coef.ndim == 2:
        final.coef_ = np.asfortranarray(coef)
    return estimator


@dataclass(frozen=True)
class _Vectorizer:
    """One fitted TF-IDF vectorizer, reduced to what scoring needs."""

    analyze: Callable[[str], list[str]]
    vocabulary: Mapping[str, int]
    idf: np.ndarray
    offset: int
    sublinear: bool


class TfidfLogisticScorer:
    """Predicts like a fitted `FeatureUnion(TfidfVectorizer...)` + logistic regression.

    scikit-learn answers one message in about 2.5 ms here, nearly all of it
    building and checking sparse matrices for a few dozen non-zero features.
    This scorer does the same arithmetic on those features directly: count the
    n-grams found in each vocabulary, `1 + log(tf)` when `sublinear_tf`, times
    the idf, L2-normalised per vectorizer, then the weights of those columns,
    the intercept, and softmax (multinomial) or the logistic function (one
    against the rest, normalised). Same numbers as scikit-learn to about
    1e-15 (the order of additions differs). `of` returns None for any
    pipeline it does not reproduce exactly; the caller then uses the pipeline.
    """

    def __init__(
        self, vectorizers: list[_Vectorizer], model: Any, multinomial: bool
    ) -> None:
        self._vectorizers = vectorizers
        self._coef = np.asfortranarray(model.coef_)
        self._intercept = np.asarray(model.intercept_, dtype=float)
        self._multinomial = multinomial

    @classmethod
    def of(cls, pipeline: Any) -> Optional["TfidfLogisticScorer"]:
        """The scorer of a fitted pipeline, or None if it is of another kind."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        steps = getattr(pipeline, "steps", None)
        if not steps or len(steps) != 2:
            return None
        union, model = steps[0][1], steps[1][1]
        if not (
            isinstance(union, FeatureUnion)
            and isinstance(model, LogisticRegression)
            and union.transformer_weights is None
            and getattr(model, "coef_", None) is not None
        ):
            return None
        vectorizers = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            if not (
                type(vectorizer) is TfidfVectorizer
                and vectorizer.norm == "l2"
                and vectorizer.use_idf
                and not vectorizer.binary
                and vectorizer.dtype in (np.float64, float)
            ):
                return None
            vocabulary = vectorizer.vocabulary_
            vectorizers.append(
                _Vectorizer(
                    analyze=vectorizer.build_analyzer(),
                    vocabulary=vocabulary,
                    idf=np.asarray(vectorizer.idf_, dtype=float),
                    offset=offset,
                    sublinear=bool(vectorizer.sublinear_tf),
                )
            )
            offset += len(vocabulary)
        if offset != model.coef_.shape[1]:
            return None
        classes = len(model.classes_)
        multinomial = model.multi_class == "multinomial" or (
            model.multi_class == "auto" and classes > 2 and model.solver != "liblinear"
        )
        if classes == 2 or model.coef_.shape[0] != classes:
            return None  # binary models have one row of weights: not needed here
        return cls(vectorizers, model, multinomial)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The non-zero columns of the message's feature row and their values."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for vectorizer in self._vectorizers:
            counts: dict[int, int] = {}
            vocabulary = vectorizer.vocabulary
            for feature in vectorizer.analyze(text):
                index = vocabulary.get(feature)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            found = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=float, count=len(counts))
            if vectorizer.sublinear:
                tf = np.log(tf) + 1.0
            weights = tf * vectorizer.idf[found]
            norm = np.sqrt(np.dot(weights, weights))
            if norm > 0:
                weights = weights / norm
            columns.append(found + vectorizer.offset)
            values.append(weights)
        if not columns:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        return np.concatenate(columns), np.concatenate(values)

    def probabilities(self, text: str) -> np.ndarray:
        """The class probabilities of one message (in `classes_` order)."""
        columns, values = self.features(text)
        scores = self._coef[:, columns] @ values + self._intercept
        if self._multinomial:
            scores = np.exp(scores - scores.max())
            return np.asarray(scores / scores.sum())
        odds = 1.0 / (1.0 + np.exp(-scores))
        return np.asarray(odds / odds.sum())
