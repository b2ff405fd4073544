"""Language detection for short chat messages in our six languages.

How a message is judged:

1. No letters (emoji, numbers): no language, undecided.
2. Thai or Lao letters: the script decides (Unicode blocks), also with English
   words mixed in. langdetect has no Lao profile, so the script is the only way.
3. Latin script: a character n-gram naive Bayes model trained on our own NLU
   data (labelled by language; Vietnamese also learnt without diacritics) is
   blended with langdetect (seeded, so deterministic) and py3langid, both
   limited to English, Tagalog, Malay, Vietnamese and Indonesian (langdetect
   has no Malay profile). Indonesian counts as Malay, as the
   product answers Indonesian in Malay. Letters only Vietnamese uses settle it.
   English words are borrowed in every language we serve (Taglish, Manglish:
   "na beach", "nk screenshot"), so a *marker word* of Tagalog or Malay
   (one that its speakers type often in our examples and the other languages'
   examples hardly ever: "ng", "ayoko", "nak", "je") outweighs the English words
   around it.
4. Links, e-mail addresses and @handles are set aside first: they are in no
   language ("look https://cdn.example.org/pic.jpg" is English, not Malay
   because of "org"). A message that is only such addresses is guessed as
   English, undecided.
5. `decided` is false when the message is too short or too unsure to change the
   conversation's language: fewer than two words that are not shared chat words
   ("ok", "hi", "lol", "thanks"...), or a low confidence. A message of shared
   chat words only is guessed as English, undecided.

Pure: must not import Rasa.
"""

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Optional

from bot.language.scripts import fold, has_vietnamese_letters, script_counts
from bot.language.segment import words
from bot.languages import LATIN_CODES

# Addresses are in no language: links (with a scheme, "www." or a path after a
# domain), e-mail addresses, @handles and bare domain names ("example.org").
_ADDRESSES = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\S+@\S+\.\w+"
    r"|@\w+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|info|io|co|app|ph|my|vn|th|la|id|sg)"
    r"(?:/\S*)?(?=[\s,;:!?)]|\.?$|\.\s)",
    re.IGNORECASE,
)


def without_addresses(text: str) -> str:
    """The text with links, e-mail addresses and @handles replaced by spaces."""
    return _ADDRESSES.sub(" ", text)


# Words typed the same way in every language we serve; they say nothing about
# which language a person writes in.
SHARED_CHAT_WORDS = frozenset(
    (
        "ok okk okey oki okay oke okie k kk hi hii hello helo hey hai yo hmm hm huh "
        "lol haha hahaha wow omg pls plz please thx tq ty thanks thank bye byebye "
        "sorry sori yes yeah ya yup no nope nah idk brb gg ig fb tiktok insta snap "
        "line zalo viber whatsapp telegram discord x messenger "
    ).split()
)

# Languages whose marker words are learnt (see `find_markers`). Not Vietnamese:
# typed without diacritics its words are often English ones too ("ban",
# "pin", "tin"), and its diacritics already settle it when typed.
MARKER_LANGUAGES = ("tl", "ms")

# langdetect profiles we load, and what each one counts as.
LANGDETECT_PROFILES = {"en": "en", "tl": "tl", "vi": "vi", "id": "ms"}


@dataclass(frozen=True)
class Detection:
    """The language of one message.

    Attributes:
        code: Best guess among our six codes; None only without any letter.
        confidence: Between 0 and 1.
        decided: Whether the message is clear enough to change the
            conversation's language.
        probabilities: Every language's probability (Thai or Lao alone when
            the script decides); not part of the parse output.
    """

    code: Optional[str]
    confidence: float
    decided: bool
    probabilities: Mapping[str, float] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the parse-output form: {"code", "confidence", "decided"}."""
        return {
            "code": self.code,
            "confidence": round(self.confidence, 3),
            "decided": self.decided,
        }


@dataclass(frozen=True)
class DetectorSettings:
    """Thresholds of the detector (see `LanguageDetector.get_default_config`).

    Attributes:
        min_words: Words other than shared chat words needed to decide.
        min_confidence: Confidence needed to decide.
        langdetect_weight: Share of langdetect in the blend for Latin script.
        py3langid_weight: Share of py3langid in the same blend (the rest is
            our own n-gram model).
        background_weight: How much one line of ordinary text counts against
            one of our examples when the n-gram model is trained.
        marker_weight: What the probabilities of English and the other marker
            language are multiplied by for each marker word a message holds
            (see `find_markers`); Vietnamese keeps its share.
    """

    min_words: int = 2
    min_confidence: float = 0.7
    langdetect_weight: float = 0.15
    py3langid_weight: float = 0.25
    background_weight: float = 0.33
    marker_weight: float = 0.02


def features(text: str) -> Counter[str]:
    """Return the features the n-gram model sees in a Latin-script text.

    Every word gives itself (folded: lower case, no diacritics) and its folded
    character 1- to 4-grams with word boundaries; a word with diacritics also
    gives its original character 1- to 3-grams, so "bị" and "bi" both count as
    Vietnamese evidence.
    """
    found: Counter[str] = Counter()
    for word in words(text):
        raw = word.text.lower()
        folded = fold(raw)
        found["w:" + folded] += 1
        padded = f" {folded} "
        for n in range(1, 5):
            for i in range(len(padded) - n + 1):
                found["c:" + padded[i : i + n]] += 1
        if raw != folded:
            padded_raw = f" {raw} "
            for n in range(1, 4):
                for i in range(len(padded_raw) - n + 1):
                    found["r:" + padded_raw[i : i + n]] += 1
    return found


def _word_shares(
    texts: Iterable[tuple[str, str]],
) -> dict[str, tuple[int, Counter[str]]]:
    """Per language: (number of texts, how many texts contain each folded word)."""
    documents: Counter[str] = Counter()
    containing: dict[str, Counter[str]] = {}
    for text, code in texts:
        documents[code] += 1
        found = {fold(w.text.lower()) for w in words(text)}
        containing.setdefault(code, Counter()).update(found)
    return {code: (documents[code], containing[code]) for code in documents}


def find_markers(
    examples: Iterable[tuple[str, str]],
    background: Iterable[tuple[str, str]] = (),
    languages: Iterable[str] = MARKER_LANGUAGES,
    min_count: int = 3,
    ratio: float = 0.05,
) -> dict[str, str]:
    """Words that mark a language in chat: its speakers' words, nobody else's.

    A folded word marks language L when at least `min_count` of L's examples
    contain it and, in every other language, the share of texts containing it
    (examples, and background lines apart) is at most `ratio` times L's share
    ("ng", "ayoko" for Tagalog; "nak", "je", "buat" for Malay). Markers come
    from our chat examples only, not from the background set, whose
    user-interface text lends English words ("error", "bookmark") to other
    languages; the background only rules words out (an English sentence
    with the word).

    Args:
        examples: (text, language code) pairs.
        background: Ordinary text of each language, (text, code).
        languages: The languages whose markers are wanted.
        min_count: Examples of the language that must contain the word.
        ratio: Largest share in another language, relative to the language's.

    Returns:
        Marker word (folded) -> language code.
    """
    own = _word_shares(examples)
    others = [own, _word_shares(background)]
    markers: dict[str, str] = {}
    for code in languages:
        documents, containing = own.get(code, (0, Counter()))
        for word, count in containing.items():
            if (
                count < min_count
                or len(word) < 2
                or not word.isalpha()
                or word in SHARED_CHAT_WORDS
            ):
                continue
            share = count / documents
            if all(
                seen[word] / total <= ratio * share
                for shares in others
                for other, (total, seen) in shares.items()
                if other != code
            ):
                markers[word] = code
    return markers


class NgramModel:
    """Multinomial naive Bayes over `features`, small enough to store as JSON.

    It also keeps the marker words of Tagalog and Malay (`find_markers`).
    """

    def __init__(
        self,
        log_priors: Mapping[str, float],
        log_likelihoods: Mapping[str, Mapping[str, float]],
        log_unseen: Mapping[str, float],
        markers: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.log_priors = dict(log_priors)
        self.log_likelihoods = {c: dict(v) for c, v in log_likelihoods.items()}
        self.log_unseen = dict(log_unseen)
        self.markers = dict(markers or {})

    @classmethod
    def fit(
        cls,
        examples: Iterable[tuple[str, str]],
        alpha: float = 0.1,
        background: Iterable[tuple[str, str]] = (),
        background_weight: float = 1.0,
    ) -> "NgramModel":
        """Train on (text, language code) pairs.

        Vietnamese examples are also learnt without their diacritics, because
        that is how many people type them. The marker words of Tagalog and
        Malay are learnt from the examples (`find_markers`).

        Args:
            examples: Our chat examples, (text, code).
            alpha: Smoothing.
            background: Ordinary text of each language, (text, code): the
                general vocabulary that our topic-bound examples lack.
            background_weight: How much one background line counts against one
                example.
        """
        examples, background = list(examples), list(background)
        counts: dict[str, dict[str, float]] = {}
        docs: dict[str, float] = {}
        weighted = [(text, code, 1.0) for text, code in examples] + [
            (text, code, background_weight) for text, code in background
        ]
        for text, code, weight in weighted:
            variants = {text, fold(text)} if code == "vi" else {text}
            for variant in variants:
                counter = counts.setdefault(code, {})
                for feature, count in features(variant).items():
                    counter[feature] = counter.get(feature, 0.0) + count * weight
                docs[code] = docs.get(code, 0.0) + weight
        vocabulary = set().union(*counts.values()) if counts else set()
        total_docs = sum(docs.values())
        log_priors = {c: math.log(n / total_docs) for c, n in docs.items()}
        log_likelihoods, log_unseen = {}, {}
        for code, counter in counts.items():
            denominator = sum(counter.values()) + alpha * (len(vocabulary) + 1)
            log_likelihoods[code] = {
                f: math.log((n + alpha) / denominator) for f, n in counter.items()
            }
            log_unseen[code] = math.log(alpha / denominator)
        markers = find_markers(examples, background)
        return cls(log_priors, log_likelihoods, log_unseen, markers)

    def marker_counts(self, text: str) -> Counter[str]:
        """Per language, how many different marker words of it the text holds."""
        found = {fold(word.text.lower()) for word in words(text)}
        return Counter(self.markers[w] for w in found if w in self.markers)

    def probabilities(self, text: str) -> dict[str, float]:
        """Return a probability per language (empty for a text without words)."""
        found = features(text)
        if not found or not self.log_priors:
            return {}
        known = [f for f in found if any(f in v for v in self.log_likelihoods.values())]
        if not known:
            return {}
        scores = {}
        for code, prior in self.log_priors.items():
            table, unseen = self.log_likelihoods[code], self.log_unseen[code]
            scores[code] = prior + sum(found[f] * table.get(f, unseen) for f in known)
        # Naive Bayes is overconfident on many correlated n-grams: temper the
        # scores by the number of features so the confidence means something.
        temper = math.sqrt(sum(found[f] for f in known))
        top = max(scores.values())
        exp = {c: math.exp((s - top) / temper) for c, s in scores.items()}
        total = sum(exp.values())
        return {c: v / total for c, v in exp.items()}

    def to_json(self) -> str:
        """Serialise the model."""
        return json.dumps(
            {
                "log_priors": self.log_priors,
                "log_likelihoods": self.log_likelihoods,
                "log_unseen": self.log_unseen,
                "markers": self.markers,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> "NgramModel":
        """Load a model written by `to_json`."""
        data = json.loads(text)
        return cls(
            data["log_priors"],
            data["log_likelihoods"],
            data["log_unseen"],
            data.get("markers"),
        )


@lru_cache(maxsize=1)
def _langdetect_factory() -> Any:
    """Load langdetect with only our profiles, seeded for determinism."""
    import os

    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    profiles = []
    for name in LANGDETECT_PROFILES:
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            profiles.append(handle.read())
    factory.load_json_profile(profiles)
    factory.seed = 0
    return factory


def langdetect_probabilities(text: str) -> dict[str, float]:
    """Return langdetect's probabilities mapped to our codes (Indonesian -> ms)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory().create()
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return {}
    result: dict[str, float] = {}
    for item in ranked:
        code = LANGDETECT_PROFILES[item.lang]
        result[code] = result.get(code, 0.0) + item.prob
    return result


# py3langid languages we keep, and what each one counts as.
PY3LANGID_LANGUAGES = {"en": "en", "tl": "tl", "ms": "ms", "id": "ms", "vi": "vi"}


@lru_cache(maxsize=1)
def _py3langid() -> Any:
    """py3langid's model limited to our Latin-script languages (loads in ~1 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(PY3LANGID_LANGUAGES))
    return identifier


def py3langid_probabilities(text: str) -> dict[str, float]:
    """Return py3langid's probabilities mapped to our codes (Indonesian -> ms)."""
    result: dict[str, float] = {}
    for language, probability in _py3langid().rank(text):
        code = PY3LANGID_LANGUAGES[language]
        result[code] = result.get(code, 0.0) + float(probability)
    return result


def _blend(parts: list[tuple[float, Mapping[str, float]]]) -> dict[str, float]:
    """Weighted average of probability tables (empty tables are left out)."""
    present = [(w, table) for w, table in parts if table and w > 0]
    total = sum(w for w, _ in present)
    if not total:
        return {}
    return {
        code: sum(w * table.get(code, 0.0) for w, table in present) / total
        for code in LATIN_CODES
    }


def _latin_probabilities(
    text: str, model: Optional[NgramModel], settings: DetectorSettings
) -> dict[str, float]:
    if has_vietnamese_letters(text):
        # Vietnamese letters decide it; no need to ask the three models.
        return {code: (0.95 if code == "vi" else 0.05 / 3) for code in LATIN_CODES}
    learnt = model.probabilities(text) if model else {}
    blended = _blend(
        [
            (1 - settings.langdetect_weight - settings.py3langid_weight, learnt),
            (settings.langdetect_weight, langdetect_probabilities(text)),
            (settings.py3langid_weight, py3langid_probabilities(text)),
        ]
    )
    marked = model.marker_counts(text) if model else Counter()
    if marked and blended:
        # Each marker word counts against English and the other marker
        # language ("i rasa nak end everything je" is Malay); Vietnamese
        # keeps its share, as its own spelling decides it.
        weighted = {
            code: p
            * settings.marker_weight
            ** sum(n for c, n in marked.items() if c != code and code != "vi")
            for code, p in blended.items()
        }
        total = sum(weighted.values())
        blended = {code: p / total for code, p in weighted.items()} if total else {}
    return blended


def detect(
    text: str,
    model: Optional[NgramModel] = None,
    settings: DetectorSettings = DetectorSettings(),
) -> Detection:
    """Detect the language of one chat message.

    Args:
        text: The message as typed.
        model: The n-gram model trained on our data; without it langdetect alone
            judges Latin script.
        settings: Thresholds for `decided`.

    Returns:
        The detection; see the module docstring for the rules.
    """
    letters = script_counts(text)
    if not letters:
        return Detection(None, 0.0, False)
    text = without_addresses(text)
    if not script_counts(text):
        return Detection("en", 0.5, False)  # only addresses: no language
    message_words = words(text)
    content_words = [
        w
        for w in message_words
        if fold(w.text) not in SHARED_CHAT_WORDS and not w.text.isdigit()
    ]
    southeast = letters["thai"] + letters["lao"]
    if southeast >= 2 or (southeast and southeast >= letters["latin"]):
        script = "thai" if letters["thai"] >= letters["lao"] else "lao"
        code = "th" if script == "thai" else "lo"
        confidence = letters[script] / southeast
        own_words = [w for w in content_words if w.script in ("thai", "lao")]
        decided = len(own_words) >= settings.min_words
        return Detection(code, confidence, decided, {code: confidence})
    if not content_words:
        # Only shared chat words ("ok", "no no", "lol"): they are English words,
        # so that is the best guess, but they must not change the language.
        return Detection("en", 0.5, False)
    probabilities = _latin_probabilities(text, model, settings)
    if not probabilities:
        return Detection("en", 0.0, False)
    code, confidence = max(probabilities.items(), key=lambda item: item[1])
    decided = (
        len(content_words) >= settings.min_words
        and confidence >= settings.min_confidence
    )
    return Detection(code, confidence, decided, probabilities)
