"""Answer rows: every response text and button title, and the helpline texts.

Keys: `utter_menu/1` (the text of variation 1), `utter_menu/1/button 2` (the
title of its second button; the payload is shown but cannot change),
`service/th_police/help` (a helpline text of data/helplines.yml: name, help or
hours). Pure: must not import Rasa.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from bot.content import translations
from bot.review import record, sheet
from bot.review.checks import MAX_ANSWER, text_problem, unknown_contacts
from bot.review.project import Decision, Project, Responses, Review

PAYLOAD = "button payload (cannot change)"
COLUMNS = [
    sheet.KEY,
    PAYLOAD,
    sheet.ENGLISH,
    sheet.CURRENT,
    sheet.VERSION,
    sheet.OK,
    sheet.STATUS,
    sheet.NOTE,
]
MAX_TITLE = 80
SERVICE_FIELDS = ("name", "help", "hours")


@dataclass(frozen=True)
class Row:
    """One reviewable text.

    Attributes:
        key: Its key.
        group: The response (or service) it belongs to.
        english: The English text.
        current: The translation as it is now ("" when not translated).
        payload: The button's payload ("" for texts).
        limit: The longest text allowed.
    """

    key: str
    group: str
    english: str
    current: str
    payload: str = ""
    limit: int = MAX_ANSWER


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def rows(project: Project, data: Mapping[str, Any]) -> Iterator[Row]:
    """Every reviewable text of one language's translation file, in domain order."""
    table = data.get("translations") or {}
    for name, english in project.english.items():
        if name not in table or not english:
            continue
        for index, variation in enumerate(table[name] or []):
            source = english[min(index, len(english) - 1)]
            key = f"{name}/{index + 1}"
            yield Row(
                key, name, _text(source.get("text")), _text(variation.get("text"))
            )
            source_buttons = source.get("buttons") or []
            for number, button in enumerate(variation.get("buttons") or [], 1):
                english_title = (
                    _text(source_buttons[number - 1].get("title"))
                    if number <= len(source_buttons)
                    else ""
                )
                yield Row(
                    f"{key}/button {number}",
                    name,
                    english_title,
                    _text(button.get("title")),
                    _text(button.get("payload")),
                    MAX_TITLE,
                )
    services = data.get("services") or {}
    for _, service in project.directory.all_services():
        texts = services.get(service.id) or {}
        for field in SERVICE_FIELDS:
            english_text = (getattr(service, field) or {}).get("en")
            if english_text:
                yield Row(
                    f"service/{service.id}/{field}",
                    f"service/{service.id}",
                    english_text,
                    _text(texts.get(field)),
                )


def export(project: Project, language: str, data: Mapping[str, Any]) -> sheet.Sheet:
    """The answers file of one language."""
    block = data.get("review")
    return sheet.Sheet(
        "answers",
        language,
        COLUMNS,
        [
            {
                sheet.KEY: row.key,
                PAYLOAD: row.payload,
                sheet.ENGLISH: row.english,
                sheet.CURRENT: row.current,
                sheet.STATUS: record.status(block, row.key, row.current),
            }
            for row in rows(project, data)
        ],
    )


def share(project: Project, data: Mapping[str, Any]) -> tuple[int, int]:
    """(responses whose every text and title is reviewed as it is now, responses)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in rows(project, data):
        if not row.key.startswith("service/"):
            groups.setdefault(row.group, []).append((row.key, row.current))
    done = record.fully_reviewed(data.get("review"), groups)
    return len(done), len(project.english)


def file_problems(
    project: Project, data: Mapping[str, Any], review: sheet.Sheet
) -> list[str]:
    """Why the whole file cannot be applied (wrong keys, changed payloads)."""
    known = {row.key: row for row in rows(project, data)}
    found, lines = sheet.key_problems(review, known, "key")
    for line in lines:
        row = known[line[sheet.KEY]]
        if PAYLOAD in line and line[PAYLOAD] != row.payload:
            found.append(
                f"{row.key}: the button payload was changed ({line[PAYLOAD]!r}, must "
                f"stay {row.payload!r}); only the title can be translated"
            )
    return found


def decide(
    project: Project, data: Mapping[str, Any], line: Mapping[str, str]
) -> Decision:
    """What to do with one row of a returned file (its key is known)."""
    row = {r.key: r for r in rows(project, data)}[line[sheet.KEY]]
    return decide_row(project, row, line)


def decide_row(project: Project, row: Row, line: Mapping[str, str]) -> Decision:
    """What to do with one row whose current data is `row`."""
    key, note = row.key, line.get(sheet.NOTE, "")
    version, ok = line.get(sheet.VERSION, ""), sheet.confirmed(line.get(sheet.OK, ""))
    if not version and not ok:
        return Decision(key, "skip", note=note)
    if sheet.ENGLISH in line and line[sheet.ENGLISH] != row.english.strip():
        return Decision(
            key,
            "refuse",
            "the English text is not the one in the data now (changed since export, "
            "or edited in the file): export a new file",
        )
    if sheet.CURRENT in line and line[sheet.CURRENT] != row.current.strip():
        return Decision(
            key,
            "refuse",
            "the translation was changed by someone else since this file was "
            f"exported (now: {row.current!r}): export a new file",
        )
    if not version or version == row.current.strip():
        return Decision(key, "confirm", previous=row.current, note=note)
    problem: Optional[str] = text_problem(
        version,
        row.english,
        project.facts,
        row.limit,
        unknown_contacts(row.current, set()),
    )
    if problem:
        return Decision(key, "refuse", problem, version)
    return Decision(key, "change", value=version, previous=row.current, note=note)


def _target(data: Any, key: str) -> tuple[Any, str]:
    """The mapping and field a key's text lives in (created for services)."""
    parts = key.split("/")
    if parts[0] == "service":
        services = data.setdefault("services", {})
        if services.get(parts[1]) is None:
            services[parts[1]] = {}
        return services[parts[1]], parts[2]
    variation = data["translations"][parts[0]][int(parts[1]) - 1]
    if len(parts) == 3:
        return variation["buttons"][int(parts[2].split()[-1]) - 1], "title"
    return variation, "text"


def apply(
    project: Project, data: Any, decisions: list[Decision], review: Review
) -> None:
    """Apply changes and record the reviewed rows in the `review:` block."""
    block = data.setdefault("review", {})
    records = block.get("rows")
    if not isinstance(records, dict):
        block["rows"] = records = {}
    for decision in decisions:
        if decision.action not in ("change", "confirm"):
            continue
        target, field = _target(data, decision.key)
        if decision.action == "change":
            target[field] = decision.value
        text = _text(target.get(field))
        records[decision.key] = record.make_record(
            review.reviewer, review.day, text, decision.previous, decision.note
        )
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in rows(project, data):
        if not row.key.startswith("service/"):
            groups.setdefault(row.group, []).append((row.key, row.current))
    block["reviewed"] = record.fully_reviewed(block, groups)


def result_problems(
    project: Project, language: str, before: Responses, after: Responses
) -> list[str]:
    """New inconsistencies the changes would bring (checked before writing)."""
    old = set(translations.problems(project.english, before, language))
    return [
        problem
        for problem in translations.problems(project.english, after, language)
        if problem not in old
    ]
