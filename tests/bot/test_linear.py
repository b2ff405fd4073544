"""Linear models predict in place (bot.linear) with the same results."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier,
)
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from bot.classifier import LogisticRegressionIntentClassifier
from bot.linear import TfidfLogisticScorer, predict_in_place
from bot.training.models import newest

TEXTS = [
    ("hello there", "greet"),
    ("hi friend", "greet"),
    ("good morning", "greet"),
    ("they will post my pics", "threat"),
    ("someone threatens to share my photos", "threat"),
    ("he wants money or he posts my pictures", "threat"),
    ("thanks a lot", "thank"),
    ("thank you so much", "thank"),
    ("many thanks", "thank"),
]


def test_a_pipeline_predicts_the_same_with_fortran_weights() -> None:
    texts, labels = zip(*TEXTS, strict=True)
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression())
    pipeline.fit(texts, labels)
    before = pipeline.predict_proba(["they post my thanks", "hi"])
    assert predict_in_place(pipeline) is pipeline
    weights = pipeline.steps[-1][1].coef_
    assert weights.flags["F_CONTIGUOUS"] and weights.T.flags["C_CONTIGUOUS"]
    assert np.array_equal(pipeline.predict_proba(["they post my thanks", "hi"]), before)


def test_estimators_without_weights_are_left_alone() -> None:
    vectorizer = TfidfVectorizer().fit(["red blue", "blue green"])
    assert predict_in_place(vectorizer) is vectorizer
    assert predict_in_place(LogisticRegression()).__class__ is LogisticRegression


def test_the_intent_classifier_trains_and_loads_as_rasas(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    messages = [Message(data={"text": t, "intent": i}) for t, i in TEXTS]
    data = TrainingData(messages)
    tokenizer = WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), storage, Resource("t"), context
    )
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("f"), context
    )
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    config = LogisticRegressionIntentClassifier.get_default_config()
    ours = LogisticRegressionIntentClassifier.create(
        config, storage, Resource("c"), context
    )
    ours.train(data)
    assert ours.clf.coef_.flags["F_CONTIGUOUS"]

    loaded = LogisticRegressionIntentClassifier.load(
        config, storage, Resource("c"), context
    )
    rasas = LogisticRegressionClassifier.load(config, storage, Resource("c"), context)
    assert loaded.clf.coef_.flags["F_CONTIGUOUS"]
    assert not rasas.clf.coef_.flags["F_CONTIGUOUS"]
    for text in ("they will share my photos", "hello", "thank you"):
        results = []
        for classifier in (loaded, rasas):
            message = Message(data={"text": text})
            tokenizer.process([message])
            featurizer.process([message])
            classifier.process([message])
            results.append((message.get("intent"), message.get("intent_ranking")))
        assert results[0] == results[1]


def union_pipeline(multi_class: str = "auto") -> Any:
    from sklearn.pipeline import make_union

    texts, labels = zip(*TEXTS, strict=True)
    pipeline = make_pipeline(
        make_union(
            TfidfVectorizer(
                token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True
            ),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2),
        ),
        LogisticRegression(multi_class=multi_class, C=4.0, class_weight="balanced"),
    )
    return predict_in_place(pipeline.fit(texts, labels))


PROBES = [
    "they will post my photos unless i pay",
    "thanks thanks thanks",
    "hello",
    "",
    "   ",
    "qqqq zzzz",
    "hi friend, someone threatens to share my pictures. thank you",
]


def test_the_scorer_predicts_as_scikit_learn_multinomial() -> None:
    pipeline = union_pipeline()
    scorer = TfidfLogisticScorer.of(pipeline)
    assert scorer is not None
    expected = pipeline.predict_proba(PROBES)
    got = np.array([scorer.probabilities(text) for text in PROBES])
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


def test_the_scorer_predicts_as_scikit_learn_one_against_the_rest() -> None:
    pipeline = union_pipeline("ovr")
    scorer = TfidfLogisticScorer.of(pipeline)
    assert scorer is not None
    expected = pipeline.predict_proba(PROBES)
    got = np.array([scorer.probabilities(text) for text in PROBES])
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


def test_the_scorer_refuses_pipelines_it_does_not_reproduce() -> None:
    texts, labels = zip(*TEXTS, strict=True)
    plain = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    assert TfidfLogisticScorer.of(plain) is None  # no FeatureUnion
    binary = [label == "greet" for label in labels]
    from sklearn.pipeline import make_union

    two = make_pipeline(make_union(TfidfVectorizer()), LogisticRegression())
    assert TfidfLogisticScorer.of(two.fit(texts, binary)) is None  # binary model
    unnormalised = make_pipeline(
        make_union(TfidfVectorizer(norm=None)), LogisticRegression()
    ).fit(texts, labels)
    assert TfidfLogisticScorer.of(unnormalised) is None
    assert TfidfLogisticScorer.of(LogisticRegression()) is None


def test_the_trained_crisis_model_scores_as_its_pipeline(tmp_path: Path) -> None:
    """The real crisis classifier (models/), on every held-out message."""
    import tarfile

    from bot.content.nlu_data import examples_by_language
    from bot.safety.crisis_model import CrisisModel, normalise
    from bot.settings import ROOT

    model = newest(ROOT / "models")
    if model is None:
        pytest.skip("no trained model in models/ (make train)")
    with tarfile.open(model) as archive:
        member = next(
            m for m in archive.getmembers() if m.name.endswith("crisis_model.pkl")
        )
        archive.extract(member, tmp_path)
    model = CrisisModel.load(tmp_path / member.name)
    assert model._scorer is not None  # the fast path is used
    texts = [
        normalise(e.text)
        for found in examples_by_language(ROOT / "tests" / "nlu").values()
        for e in found
    ]
    expected = model._pipeline.predict_proba(texts)
    got = np.array([model._scorer.probabilities(text) for text in texts])
    assert np.allclose(got, expected, rtol=0, atol=1e-12)
