"""`make evaluate`: NLU figures per language on the held-out sets in tests/nlu/.

For each `tests/nlu/<lang>.yml` (held-out messages, never trained on; `id.yml`
holds Indonesian, which must be understood and answered as Malay) it parses
every message with the trained model and writes to results/:

- probe/, probe2/ and chat/: the same for the sets written from the contract
  alone and by outside-style writers, with their ordinary messages;
- summary.md: per language intent accuracy, macro-F1, language-detection
  accuracy (ours, and plain langdetect's as the baseline), crisis recall and
  false-positive rate (the README copies this table);
- intent_report_<lang>.json: per-intent precision, recall, F1 (scikit-learn);
- confusion_<lang>.csv and confusion_<lang>.png: intent confusion matrices;
- errors_<lang>.txt: every misclassified message, to improve the data;
- reviewed.md: per language the share of answers a reviewer signed off as
  they are now (`review:` blocks of data/translations, see `make review-import`);
- background.md and background_alarms_<lang>.txt: on the held-out part of the
  background set (tests/background/<lang>.txt: ordinary sentences written by
  outsiders, never trained on) the share taken for a crisis (the crisis false
  positives on ordinary text), the share answered as off-topic (out_of_scope
  or the rephrase request), and language detection on two-word samples cut
  from those sentences.
"""

import argparse
import asyncio
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.nlu_data import Example, read_examples  # noqa: E402
from bot.review.project import Project  # noqa: E402
from bot.review.roundtrip import reviewed_table  # noqa: E402
from bot.training.models import newest  # noqa: E402

CRISIS = {"crisis_self_harm", "immediate_danger"}
# Held-out files and the language their messages must be detected as.
EXPECTED_LANGUAGE = {
    "en": "en",
    "tl": "tl",
    "ms": "ms",
    "vi": "vi",
    "th": "th",
    "lo": "lo",
    "id": "ms",
}


def latest_model(path: Path) -> Path:
    """The newest model file in a folder (or the file itself)."""
    if path.is_file():
        return path
    model = newest(path)
    if model is None:
        raise SystemExit(f"no model in {path}: run `make train` first")
    return model


async def parse_all(
    model: Path, sets: dict[str, list[Example]]
) -> dict[str, list[dict[str, Any]]]:
    """Parse every example of every set with the trained model (loaded once)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    parsed: dict[str, list[dict[str, Any]]] = {}
    for name, examples in sets.items():
        parsed[name] = [await agent.parse_message(e.text) for e in examples]
    return parsed


def plain_langdetect(texts: list[str]) -> list[Any]:
    """Baseline: what langdetect alone says (seeded; Indonesian counted as Malay).

    langdetect knows neither Malay nor Lao, so those sets show what a plain
    detector gives up.
    """
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    codes: list[Any] = []
    for text in texts:
        try:
            code = detect(text)
        except LangDetectException:
            code = None
        codes.append("ms" if code == "id" else code)
    return codes


def crisis_figures(gold: list[str], predicted: list[str]) -> tuple[float, float]:
    """(recall of crisis messages as either crisis intent, share of others flagged)."""
    crisis = [p in CRISIS for g, p in zip(gold, predicted, strict=True) if g in CRISIS]
    others = [
        p in CRISIS for g, p in zip(gold, predicted, strict=True) if g not in CRISIS
    ]
    recall = sum(crisis) / len(crisis) if crisis else float("nan")
    false_positive = sum(others) / len(others) if others else float("nan")
    return recall, false_positive


def write_confusion(
    out: Path, name: str, gold: list[str], predicted: list[str]
) -> None:
    """Confusion matrix as CSV and PNG."""
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(gold) | set(predicted))
    matrix = confusion_matrix(gold, predicted, labels=labels)
    with open(
        out / f"confusion_{name}.csv", "w", newline="", encoding="utf-8"
    ) as handle:
        writer = csv.writer(handle)
        writer.writerow(["gold \\ predicted", *labels])
        for label, row in zip(labels, matrix, strict=True):
            writer.writerow([label, *row.tolist()])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(12, 11))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(f"Intent confusion, held-out {name}")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                axes.text(j, i, str(value), ha="center", va="center", fontsize=6)
    figure.tight_layout()
    figure.savefig(out / f"confusion_{name}.png", dpi=110)
    plt.close(figure)


def evaluate(model: Path, data: Path, out: Path) -> str:
    """Evaluate every held-out file; returns the summary table (Markdown)."""
    from sklearn.metrics import classification_report, f1_score

    out.mkdir(parents=True, exist_ok=True)
    rows, total = [], {"n": 0, "intent": 0, "language": 0, "baseline": 0}
    started = time.monotonic()
    sets = {
        name: read_examples(data / f"{name}.yml", expected)
        for name, expected in EXPECTED_LANGUAGE.items()
        if (data / f"{name}.yml").exists()
    }
    parsed_sets = asyncio.run(parse_all(model, sets))
    for name, examples in sets.items():
        expected, parsed = EXPECTED_LANGUAGE[name], parsed_sets[name]
        gold = [e.intent for e in examples]
        predicted = [p["intent"]["name"] for p in parsed]
        languages = [(p.get("language") or {}).get("code") for p in parsed]
        accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
        macro_f1 = f1_score(gold, predicted, average="macro", zero_division=0)
        language_accuracy = sum(code == expected for code in languages) / len(languages)
        baseline = plain_langdetect([e.text for e in examples])
        baseline_accuracy = sum(code == expected for code in baseline) / len(baseline)
        recall, false_positive = crisis_figures(gold, predicted)
        report = classification_report(
            gold, predicted, output_dict=True, zero_division=0
        )
        (out / f"intent_report_{name}.json").write_text(json.dumps(report, indent=2))
        write_confusion(out, name, gold, predicted)
        with open(out / f"errors_{name}.txt", "w", encoding="utf-8") as handle:
            for example, guess, code in zip(
                examples, predicted, languages, strict=True
            ):
                if guess != example.intent or code != expected:
                    handle.write(f"{example.intent}\t{guess}\t{code}\t{example.text}\n")
        rows.append(
            (
                name,
                len(gold),
                accuracy,
                macro_f1,
                language_accuracy,
                baseline_accuracy,
                recall,
                false_positive,
            )
        )
        total["n"] += len(gold)
        total["intent"] += round(accuracy * len(gold))
        total["language"] += round(language_accuracy * len(gold))
        total["baseline"] += round(baseline_accuracy * len(gold))
    lines = [
        "| held-out set | messages | intent accuracy | macro-F1 | language detection "
        "| plain langdetect | crisis recall | crisis false positives |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, n, *figures in rows:
        lines.append(
            f"| {name} | {n} | " + " | ".join(f"{x:.3f}" for x in figures) + " |"
        )
    if total["n"]:
        lines.append(
            f"| **all** | {total['n']} | {total['intent'] / total['n']:.3f} | | "
            f"{total['language'] / total['n']:.3f} | "
            f"{total['baseline'] / total['n']:.3f} | | |"
        )
    summary = "\n".join(lines)
    elapsed = time.monotonic() - started
    (out / "summary.md").write_text(
        f"Model: {model.name}\n\n{summary}\n\n({elapsed:.0f} s)\n", encoding="utf-8"
    )
    return summary


def two_word_samples(lines: list[str], limit: int = 200) -> list[str]:
    """Deterministic two-word samples cut from sentences (Thai/Lao: 2 segments)."""
    from bot.language.segment import words

    samples = []
    for line in lines:
        found = [w.text for w in words(line) if any(c.isalpha() for c in w.text)]
        if len(found) >= 2:
            middle = len(found) // 2
            pair = found[middle - 1 : middle + 1]
            joiner = "" if all(w[0] >= "\u0e00" for w in pair) else " "
            samples.append(joiner.join(pair))
        if len(samples) >= limit:
            break
    return samples


async def parse_texts(model: Path, sets: dict[str, list[str]]) -> dict[str, list[Any]]:
    """Parse plain texts with the trained model (loaded once)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    parsed: dict[str, list[Any]] = {}
    for name, texts in sets.items():
        parsed[name] = [await agent.parse_message(text) for text in texts]
    return parsed


def evaluate_background(
    model: Path, data: Path, out: Path, pattern: str = "*.txt", name: str = "background"
) -> str:
    """Crisis false alarms and two-word language detection on ordinary text."""
    from bot.content.background import language_of_file, read_lines

    files = sorted(data.glob(pattern))
    if not files:
        return "(no held-out background set)"
    sentences = {
        language_of_file(path).removeprefix(f"{name}_"): read_lines(path)
        for path in files
    }
    pairs = {f"{name}:2w": two_word_samples(lines) for name, lines in sentences.items()}
    parsed = asyncio.run(parse_texts(model, {**sentences, **pairs}))
    lines = [
        "| background set | sentences | crisis false positives | elevated | "
        "off-topic answer | two-word samples | language detection (2 words) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    set_name = name
    for name, texts in sentences.items():
        results = parsed[name]
        alarms = [
            (r["intent"]["name"], r.get("risk"), text)
            for r, text in zip(results, texts, strict=True)
            if r["intent"]["name"] in CRISIS or r.get("risk", "none") != "none"
        ]
        elevated = sum(1 for _, risk, _ in alarms if risk == "elevated")
        off_topic = sum(
            r["intent"]["name"] in ("out_of_scope", "nlu_fallback") for r in results
        )
        expected = EXPECTED_LANGUAGE.get(name, name)
        two = parsed[f"{name}:2w"]
        right = sum((r.get("language") or {}).get("code") == expected for r in two)
        with open(out / f"{set_name}_alarms_{name}.txt", "w", encoding="utf-8") as h:
            for intent, risk, text in alarms:
                h.write(f"{intent}\t{risk}\t{text}\n")
            for r, text in zip(two, pairs[f"{name}:2w"], strict=True):
                code = (r.get("language") or {}).get("code")
                if code != expected:
                    h.write(f"language\t{code}\t{text}\n")
        n = len(texts)
        lines.append(
            f"| {name} | {n} | {len(alarms) / n:.3f} | {elevated / n:.3f} | "
            f"{off_topic / n:.3f} | {len(two)} | "
            f"{(right / len(two)) if two else float('nan'):.3f} |"
        )
    table = "\n".join(lines).replace("| background set |", f"| {set_name} set |")
    (out / f"{set_name}.md").write_text(table + "\n", encoding="utf-8")
    return table


def main() -> None:
    """Command line: --model models --data tests/nlu --out results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models")
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "nlu")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument(
        "--background", type=Path, default=ROOT / "tests" / "background"
    )
    args = parser.parse_args()
    # Content review (no model needed): the share of answers a reviewer signed off.
    reviewed = reviewed_table(Project(ROOT))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "reviewed.md").write_text(reviewed + "\n", encoding="utf-8")
    print(reviewed)
    print()
    model = latest_model(args.model)
    print(evaluate(model, args.data, args.out))
    print()
    print(evaluate_background(model, args.background, args.out))
    for probe_name in ("probe", "probe2"):
        # Written from the intent contract alone, never from the training data.
        probe = args.data.parent / probe_name
        if probe.is_dir():
            print()
            print(evaluate(model, probe, args.out / probe_name))
            if any(probe.glob("ordinary_*.txt")):
                print()
                print(
                    evaluate_background(
                        model,
                        probe,
                        args.out / probe_name,
                        "ordinary_*.txt",
                        "ordinary",
                    )
                )
    chat = args.data.parent / "chat"
    if chat.is_dir():
        # Independent sets: written by writers who never saw the training data.
        print()
        print(evaluate(model, chat, args.out / "chat"))
        print()
        print(
            evaluate_background(
                model, chat, args.out / "chat", "everyday_*.txt", "everyday"
            )
        )


if __name__ == "__main__":
    main()
