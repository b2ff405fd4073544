"""Time language detection per message (prints microseconds).

Run: .venv/bin/python -m benchmarks.language
Note: detect() caches per text, so this times first sightings only once; the
loop runs over distinct training messages.
"""

import time

from bot.content.nlu_data import examples_by_language
from bot.language.detect import NgramModel, detect
from bot.languages import LATIN_CODES
from bot.settings import ROOT


def main() -> None:
    """Train the n-gram model on our data, then time detect() per message."""
    by_language = examples_by_language(ROOT / "data" / "nlu")
    examples = [e for found in by_language.values() for e in found]
    latin = ((e.text, e.language) for e in examples if e.language in LATIN_CODES)
    model = NgramModel.fit(latin)
    texts = [e.text for e in examples]
    detect("warm up the lazy imports", model)
    started = time.perf_counter()
    for text in texts:
        detect(text, model)
    each = (time.perf_counter() - started) / max(len(texts), 1) * 1e6
    print(f"detect(): {len(texts)} messages, {each:.0f} µs each")


if __name__ == "__main__":
    main()
