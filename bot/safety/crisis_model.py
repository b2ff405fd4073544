"""A crisis / not-crisis classifier that knows what ordinary text looks like.

The intent classifier sees only our own training examples, so an off-topic
sentence ("the traffic was terrible this morning") may land nearest a crisis
intent. This model learns the two crisis intents against every other intent
*and* a background set of ordinary sentences written by outsiders in all six
languages (data/background/, see data/README.md), so a classifier-only crisis
needs real evidence. Features: folded words and word pairs (Thai and Lao
segmented) and character n-grams; logistic regression.

Pure: must not import Rasa.
"""

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.language.scripts import fold
from bot.language.segment import words
from bot.linear import TfidfLogisticScorer, predict_in_place

NONE = "none"
CRISIS_INTENTS = ("crisis_self_harm", "immediate_danger")


def normalise(text: str) -> str:
    """Folded words separated by single spaces (Thai and Lao segmented)."""
    return " ".join(fold(word.text) for word in words(text))


@dataclass(frozen=True)
class ModelSettings:
    """Settings of the crisis classifier (see the component's default config).

    Attributes:
        c: Inverse regularisation strength of the logistic regression.
        background_weight: Weight of each background sentence against a
            labelled training example.
        char_ngrams: Smallest and largest character n-gram.
    """

    c: float = 4.0
    background_weight: float = 1.0
    char_ngrams: tuple[int, int] = (2, 5)


class CrisisModel:
    """Probability that a message is each crisis intent."""

    def __init__(self, pipeline: object) -> None:
        self._pipeline = pipeline
        # The same predictions without scikit-learn's per-call overhead
        # (bot.linear); None for a pipeline of another shape.
        self._scorer = TfidfLogisticScorer.of(pipeline)

    @classmethod
    def fit(
        cls,
        examples: Iterable[tuple[str, str]],
        background: Sequence[str],
        settings: ModelSettings = ModelSettings(),
    ) -> "CrisisModel":
        """Train on labelled examples (text, intent) and ordinary sentences.

        Args:
            examples: Training examples with their intents; intents other than
                the crisis ones all count as "none".
            background: Ordinary sentences, all "none".
            settings: See `ModelSettings`.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        texts, labels, weights = [], [], []
        for text, intent in examples:
            texts.append(normalise(text))
            labels.append(intent if intent in CRISIS_INTENTS else NONE)
            weights.append(1.0)
        for text in background:
            texts.append(normalise(text))
            labels.append(NONE)
            weights.append(settings.background_weight)
        features = make_union(
            TfidfVectorizer(
                analyzer="word",
                token_pattern=r"\S+",
                ngram_range=(1, 2),
                sublinear_tf=True,
                min_df=1,
            ),
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=settings.char_ngrams,
                sublinear_tf=True,
                min_df=2,
            ),
        )
        classifier = LogisticRegression(
            C=settings.c, max_iter=2000, class_weight="balanced", random_state=42
        )
        pipeline = make_pipeline(features, classifier)
        pipeline.fit(texts, labels, logisticregression__sample_weight=weights)
        return cls(predict_in_place(pipeline))

    def probabilities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, the probability of each crisis intent."""
        pipeline = self._pipeline
        normalised = [normalise(t) for t in texts]
        if self._scorer is not None:
            rows = [self._scorer.probabilities(text) for text in normalised]
        else:
            rows = pipeline.predict_proba(normalised)  # type: ignore[attr-defined]
        classes = list(pipeline.classes_)  # type: ignore[attr-defined]
        return [
            {
                intent: float(row[classes.index(intent)])
                for intent in CRISIS_INTENTS
                if intent in classes
            }
            for row in rows
        ]

    def save(self, path: Path) -> None:
        """Write the model to a file (pickle, inside the Rasa model archive)."""
        with open(path, "wb") as handle:
            pickle.dump(self._pipeline, handle)

    @classmethod
    def load(cls, path: Path) -> "CrisisModel":
        """Read a model written by `save` (only from our own model archive).

        Its weights are kept in Fortran order (`bot.linear`): a message's
        check no longer copies them.
        """
        with open(path, "rb") as handle:
            return cls(predict_in_place(pickle.load(handle)))
