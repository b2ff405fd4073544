"""`MultiScriptTokenizer`: one Rasa tokenizer for all six languages.

A thin shell around `bot.language.segment.words`: Thai and Lao are segmented into
words by pythainlp and laonlp, other languages split at spaces and punctuation.
Each token's lemma is its folded form (lower case, no Latin diacritics, no Lao
tone marks), so a featurizer with `use_lemma: true` sees "toi bi doa" and "tôi
bị dọa" alike, and Lao typed with or without tone marks alike, while one with
`use_lemma: false` still sees the marks.
"""

from typing import Any, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.language.scripts import lemma
from bot.language.segment import words
from bot.training.fingerprint import code_fingerprint


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class MultiScriptTokenizer(Tokenizer):
    """Tokenizes English, Filipino, Malay, Vietnamese, Thai and Lao text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Intent names are single labels; no need to split them.
            "intent_tokenization_flag": False,
            # Only used when intent_tokenization_flag is true.
            "intent_split_symbol": "_",
            # No extra regex: segmentation is done by `words`.
            "token_pattern": None,
            # Not used by this tokenizer.
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Any extra python dependencies required for this component to run."""
        return ["pythainlp", "laonlp"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """Retrain what follows when the segmentation code changes.

        Rasa fingerprints this class's own source only, not `words` or `lemma`.
        """
        return code_fingerprint([cls.__module__])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MultiScriptTokenizer":
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Splits the attribute's text into tokens (see parent class)."""
        text = message.get(attribute) or ""
        tokens = [
            Token(w.text, w.start, w.end, lemma=lemma(w.text)) for w in words(text)
        ]
        if not tokens:
            # A message of only emoji or punctuation still needs one token.
            tokens = [Token(text, 0, len(text), lemma=text)]
        return self._apply_token_pattern(tokens)
