from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language.tokenizer import MultiScriptTokenizer


def tokens(tmp_path: Path, text: str) -> list[tuple[str, str, int, int]]:
    tokenizer = MultiScriptTokenizer.create(
        {**MultiScriptTokenizer.get_default_config()},
        LocalModelStorage(tmp_path),
        Resource("tokenizer"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    [message] = tokenizer.process([Message(data={TEXT: text})])
    return [
        (token.text, token.lemma, token.start, token.end)
        for token in message.get(TOKENS_NAMES[TEXT])
    ]


def test_lao_with_and_without_tone_marks_gives_the_same_lemmas(
    tmp_path: Path,
) -> None:
    marked = tokens(tmp_path, "ຂ້ອຍຢ້ານຫຼາຍ")
    unmarked = tokens(tmp_path, "ຂອຍຢານຫຼາຍ")
    assert [lemma for _, lemma, _, _ in marked] == [
        lemma for _, lemma, _, _ in unmarked
    ]
    # The token text keeps what was typed, and the offsets point at it.
    text = "ຂ້ອຍຢ້ານຫຼາຍ"
    assert "".join(word for word, _, _, _ in marked) == text
    assert all(text[start:end] == word for word, _, start, end in marked)


def test_latin_lemmas_are_folded_and_texts_keep_diacritics(tmp_path: Path) -> None:
    found = tokens(tmp_path, "Tôi bị dọa")
    assert [(word, lemma) for word, lemma, _, _ in found] == [
        ("Tôi", "toi"),
        ("bị", "bi"),
        ("dọa", "doa"),
    ]
