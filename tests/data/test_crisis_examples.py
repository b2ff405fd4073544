"""Every crisis example, trained or held out, is caught by phrase or classifier.

Parses with the model trained by `make train` (the suite never trains).
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bot.content.nlu_data import Example, examples_by_language
from bot.safety.crisis_model import CRISIS_INTENTS
from bot.settings import ROOT


def crisis_examples() -> list[Example]:
    return [
        example
        for folder in ("data/nlu", "tests/nlu")
        for examples in examples_by_language(ROOT / folder).values()
        for example in examples
        if example.intent in CRISIS_INTENTS
    ]


@pytest.fixture(scope="module")
def agent() -> Iterator[Any]:
    from rasa.core.agent import Agent

    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert models, "no trained model in models/: run `make train` (make test does)"
    yield Agent.load(str(models[-1]))


def test_every_crisis_example_is_caught(agent: Any) -> None:
    examples = crisis_examples()
    assert len(examples) > 500

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(e.text) for e in examples]

    missed = [
        f"[{e.language}] {e.intent}: {e.text!r} -> {p['intent']['name']}"
        for e, p in zip(examples, asyncio.run(parse_all()), strict=True)
        if p["intent"]["name"] not in CRISIS_INTENTS or p.get("risk") == "none"
    ]
    assert not missed, f"{len(missed)} crisis examples missed:\n" + "\n".join(missed)
