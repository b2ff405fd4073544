"""Crisis phrase rows: one per template of data/safety/<lang>.yml.

Key: `crisis_self_harm/high/{want}{die}` (intent, level, the template as it is
now). The file shows a few of the messages a template matches (its expanded
forms) and the everyday expressions it must not fire on. A changed template
must still expand with the file's families, match each of its own expanded
forms, and fire on no non-crisis message of that language (training examples
and the ordinary sentences of data/background). Pure: must not import Rasa.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.content.background import read_lines
from bot.content.nlu_data import read_examples
from bot.review import record, sheet
from bot.review.project import Decision, Project, Review
from bot.safety.crisis import CrisisMatcher, Dictionary
from bot.safety.phrases import INTENTS, LEVELS, Phrase, PhraseBook, expand

SECTION = "section"
MATCHES = "matches, for example"
MUST_NOT = "must not match"
COLUMNS = [
    sheet.KEY,
    SECTION,
    sheet.CURRENT,
    MATCHES,
    MUST_NOT,
    sheet.VERSION,
    sheet.OK,
    sheet.STATUS,
    sheet.NOTE,
]
SECTIONS = {
    ("crisis_self_harm", "high"): "self-harm, explicit: crisis answer at once",
    ("crisis_self_harm", "elevated"): "self-harm, indirect: a caring question first",
    ("immediate_danger", "high"): "danger now, explicit: crisis answer at once",
    ("immediate_danger", "elevated"): "danger, indirect: a caring question first",
}
EXAMPLES = 3
# Expanded forms checked against their own template (all of them, up to this).
CHECKED_FORMS = 200
# Expanded forms looked for in the everyday expressions shown on export.
NEAR_FORMS = 20
CRISIS = frozenset(INTENTS)
EVERYDAY = (
    "ordinary messages: none of the training examples of other intents nor the "
    "everyday sentences of data/background (checked on import)"
)


@dataclass(frozen=True)
class Row:
    """One template as it is now.

    Attributes:
        key: Its key.
        intent: crisis_self_harm or immediate_danger.
        level: high or elevated.
        template: The template.
    """

    key: str
    intent: str
    level: str
    template: str


def families(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The file's families."""
    return {
        str(name): [str(s) for s in spellings or []]
        for name, spellings in (data.get("families") or {}).items()
    }


def rows(data: Mapping[str, Any]) -> Iterator[Row]:
    """Every template of the file, section by section."""
    crisis = data.get("crisis") or {}
    for intent in INTENTS:
        for level in LEVELS:
            for template in (crisis.get(intent) or {}).get(level) or []:
                yield Row(f"{intent}/{level}/{template}", intent, level, str(template))


def _ordinary(data: Mapping[str, Any]) -> list[str]:
    found = []
    for template in data.get("ordinary") or []:
        try:
            found += expand(str(template), families(data))
        except ValueError:
            continue
    return found


def _squeeze(text: str) -> str:
    return "".join(text.lower().split())


def export(language: str, data: Mapping[str, Any]) -> sheet.Sheet:
    """The crisis phrases file of one language."""
    block, spellings = data.get("review"), families(data)
    ordinary = [(text, _squeeze(text)) for text in _ordinary(data)]
    lines = []
    for row in rows(data):
        try:
            forms = expand(row.template, spellings)
        except ValueError as error:
            forms = [f"(does not expand: {error})"]
        squeezed = [_squeeze(form) for form in forms[:NEAR_FORMS]]
        near: list[str] = []
        for text, plain in ordinary:
            if len(near) < EXAMPLES and any(form in plain for form in squeezed):
                near.append(text)
        lines.append(
            {
                sheet.KEY: row.key,
                SECTION: SECTIONS[(row.intent, row.level)],
                sheet.CURRENT: row.template,
                MATCHES: "\n".join(forms[:EXAMPLES]),
                MUST_NOT: "\n".join([*near[:EXAMPLES], EVERYDAY]),
                sheet.STATUS: record.status(block, row.key, row.template),
            }
        )
    return sheet.Sheet("crisis-phrases", language, COLUMNS, lines)


def share(data: Mapping[str, Any]) -> tuple[int, int]:
    """(templates reviewed as they are now, templates)."""
    return record.reviewed_share(
        data.get("review"), {row.key: row.template for row in rows(data)}
    )


def file_problems(data: Mapping[str, Any], review: sheet.Sheet) -> list[str]:
    """Why the whole file cannot be applied (unknown or repeated keys)."""
    known = {row.key for row in rows(data)}
    found, _ = sheet.key_problems(review, known, "phrase")
    return found


@lru_cache(maxsize=1)
def _dictionary() -> Dictionary:
    return Dictionary.shipped()


@lru_cache(maxsize=8)
def everyday_texts(root: Path, language: str) -> tuple[str, ...]:
    """The non-crisis messages of one language a phrase must not fire on."""
    texts = [
        example.text
        for example in read_examples(
            root / "data" / "nlu" / f"{language}.yml", language
        )
        if example.intent not in CRISIS
    ]
    for name in (f"{language}.txt", f"chat_{language}.txt"):
        path = root / "data" / "background" / name
        if path.exists():
            texts += read_lines(path)
    return tuple(texts)


def template_problem(
    project: Project, language: str, data: Mapping[str, Any], row: Row, new: str
) -> str:
    """Why a changed template cannot be used ("" when it can)."""
    if "\n" in new:
        return "a phrase is one line"
    if new in [
        r.template for r in rows(data) if (r.intent, r.level) == (row.intent, row.level)
    ]:
        return "this phrase is already in the same section"
    try:
        forms = expand(new, families(data))
    except ValueError as error:
        return f"the phrase does not expand: {error} (families are written {{name}})"
    if not forms:
        return "the phrase is empty"
    phrases = tuple(
        Phrase(row.intent, row.level, form, new, language) for form in forms
    )
    book = PhraseBook(phrases, {language: tuple(_ordinary(data))}, {}, {})
    matcher = CrisisMatcher(book, None, _dictionary())
    for form in forms[:CHECKED_FORMS]:
        if matcher.match(form, {language}) is None:
            return (
                f"the phrase would not match its own form {form!r} (it lies inside "
                "a longer word, or in an everyday expression under `ordinary`)"
            )
    for text in everyday_texts(project.root, language):
        if matcher.match(text, {language}) is not None:
            return f"the phrase would fire on the ordinary message {text!r}"
    return ""


def decide(
    project: Project, language: str, data: Mapping[str, Any], line: Mapping[str, str]
) -> Decision:
    """What to do with one row of a returned file (its key is known)."""
    row = {r.key: r for r in rows(data)}[line[sheet.KEY]]
    note, version = line.get(sheet.NOTE, ""), line.get(sheet.VERSION, "")
    if not version and not sheet.confirmed(line.get(sheet.OK, "")):
        return Decision(row.key, "skip", note=note)
    if not version or version == row.template:
        return Decision(row.key, "confirm", previous=row.template, note=note)
    problem = template_problem(project, language, data, row, version)
    if problem:
        return Decision(row.key, "refuse", problem, version)
    return Decision(row.key, "change", value=version, previous=row.template, note=note)


def apply(data: Any, decisions: list[Decision], review: Review) -> None:
    """Apply changed templates and record the reviewed rows."""
    block = data.setdefault("review", {})
    records = block.get("rows")
    if not isinstance(records, dict):
        block["rows"] = records = {}
    for decision in decisions:
        if decision.action not in ("change", "confirm"):
            continue
        intent, level, template = decision.key.split("/", 2)
        key, text = decision.key, template
        if decision.action == "change":
            section = data["crisis"][intent][level]
            section[[str(t) for t in section].index(template)] = decision.value
            key, text = f"{intent}/{level}/{decision.value}", decision.value
            records.pop(decision.key, None)
        records[key] = record.make_record(
            review.reviewer, review.day, text, decision.previous, decision.note
        )
