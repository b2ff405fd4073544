"""Export review files, import a returned one: check every row, apply the good.

A returned file is refused as a whole (nothing written) when it does not fit
the current data: an unknown or repeated key, a changed button payload or
intent, a missing column, no reviewer's name. Otherwise every row is judged
alone: the rows that pass are applied and recorded as reviewed, the others are
listed with their reason, and the data file is written at once (a temporary
file renamed over it) after the whole result has been read back with the
project's own loaders. Pure: must not import Rasa.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.languages import CODES, DEFAULT
from bot.review import answers, crisis_rows, sheet, training, yamldoc
from bot.review.project import Decision, Project, Review
from bot.safety.phrases import parse_tables

REFUSED_FILE, REFUSED_ROWS, ALL_APPLIED = 2, 1, 0


@dataclass
class Report:
    """What an import did.

    Attributes:
        path: The returned file.
        target: The data file it applies to.
        reviewer: Who reviewed.
        file_problems: Why the whole file was refused (nothing written).
        decisions: One per row.
        written: Whether the data file was changed.
    """

    path: Path
    target: Optional[Path] = None
    reviewer: str = ""
    file_problems: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    written: bool = False

    def of(self, action: str) -> list[Decision]:
        """The decisions of one kind."""
        return [d for d in self.decisions if d.action == action]

    @property
    def exit_code(self) -> int:
        """2: file refused; 1: some rows refused (the rest applied); 0: all good."""
        if self.file_problems:
            return REFUSED_FILE
        return REFUSED_ROWS if self.of("refuse") else ALL_APPLIED

    def text(self) -> str:
        """The report printed for the reviewer and the developer."""
        lines = [f"Review file {self.path} (reviewer: {self.reviewer or '?'})"]
        if self.file_problems:
            lines.append("REFUSED as a whole, nothing was changed:")
            lines += [f"  - {problem}" for problem in self.file_problems]
            return "\n".join(lines)
        applied, confirmed = self.of("change"), self.of("confirm")
        refused, skipped = self.of("refuse"), self.of("skip")
        lines.append(f"Applied ({len(applied)}): new text, marked reviewed")
        lines += [f"  + {d.key}: {d.value!r}" for d in applied]
        lines.append(f"Confirmed unchanged ({len(confirmed)}): marked reviewed")
        lines += [f"  = {d.key}" for d in confirmed]
        lines.append(f"Refused ({len(refused)}): not applied, fix and send again")
        lines += [f"  ! {d.key}: {d.reason}" for d in refused]
        lines.append(f"Left empty ({len(skipped)}): still awaiting review")
        if self.target is not None:
            state = "written" if self.written else "unchanged"
            lines.append(f"{self.target}: {state}")
        return "\n".join(lines)


def _plain(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=loader) or {}
    return dict(data) if isinstance(data, Mapping) else {}


def target_file(project: Project, kind: str, language: str) -> Path:
    """The data file a kind of review file applies to."""
    if kind == "answers":
        return project.translation_file(language)
    if kind == "crisis-phrases":
        return project.safety_file(language)
    return project.nlu_file(language)


def languages(project: Project, kind: str) -> list[str]:
    """The languages that have a data file of a kind (no English answers file)."""
    return [
        code
        for code in CODES
        if target_file(project, kind, code).exists()
        and not (kind == "answers" and code == DEFAULT)
    ]


def export(
    project: Project, out: Path, only: Optional[list[str]] = None, size: int = 5
) -> list[str]:
    """Write every review file of some languages; return one summary line each.

    Args:
        project: The checkout.
        out: The folder for the files (review/).
        only: Language codes (None: all).
        size: Training examples per intent in the sample.
    """
    summary = []
    for code in CODES:
        if only and code not in only:
            continue
        parts = []
        if code in languages(project, "answers"):
            data = _plain(project.translation_file(code))
            sheet.write(
                answers.export(project, code, data), out / f"{code}-answers.csv"
            )
            done, total = answers.share(project, data)
            parts.append(f"answers {done}/{total} reviewed ({_percent(done, total)})")
        if code in languages(project, "crisis-phrases"):
            data = _plain(project.safety_file(code))
            sheet.write(
                crisis_rows.export(code, data), out / f"{code}-crisis-phrases.csv"
            )
            done, total = crisis_rows.share(data)
            parts.append(f"crisis phrases {done}/{total} ({_percent(done, total)})")
        if code in languages(project, "training-sample"):
            data = _plain(project.nlu_file(code))
            sheet.write(
                training.export(code, data, size), out / f"{code}-training-sample.csv"
            )
            done, total = training.share(data)
            parts.append(f"training examples {done}/{total} ({_percent(done, total)})")
        if parts:
            summary.append(f"{code}: " + ", ".join(parts))
    return summary


def _percent(done: int, total: int) -> str:
    return f"{100 * done / total:.0f}%" if total else "-"


def answer_shares(project: Project) -> dict[str, tuple[int, int]]:
    """Per language: (responses reviewed as they are now, responses)."""
    return {
        code: answers.share(project, _plain(project.translation_file(code)))
        for code in languages(project, "answers")
    }


def reviewed_table(project: Project) -> str:
    """A Markdown table: per language, the share of answers reviewed as they are now."""
    lines = ["| language | answers reviewed |", "|---|---|"]
    for code, (done, total) in answer_shares(project).items():
        lines.append(f"| {code} | {done}/{total} ({_percent(done, total)}) |")
    return "\n".join(lines)


def _decide(
    project: Project, review_sheet: sheet.Sheet, data: Mapping[str, Any]
) -> tuple[list[str], list[Decision]]:
    kind, code = review_sheet.kind, review_sheet.language
    if kind == "answers":
        problems = answers.file_problems(project, data, review_sheet)
        known = {row.key: row for row in answers.rows(project, data)}
        if problems:
            return problems, []
        return [], [
            answers.decide_row(project, known[r[sheet.KEY]], r)
            for r in review_sheet.rows
        ]
    if kind == "crisis-phrases":
        problems = crisis_rows.file_problems(data, review_sheet)
        if problems:
            return problems, []
        return [], [
            crisis_rows.decide(project, code, data, r) for r in review_sheet.rows
        ]
    problems = training.file_problems(data, review_sheet)
    if problems:
        return problems, []
    return [], [training.decide(data, r) for r in review_sheet.rows]


def _result_problems(
    project: Project, kind: str, code: str, before: Mapping[str, Any], text: str
) -> list[str]:
    """Read the new file back as the project does; list what would break."""
    try:
        after = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        return [f"the new file would not be valid YAML: {error}"]
    if kind == "answers":
        return answers.result_problems(
            project,
            code,
            {k: list(v) for k, v in (before.get("translations") or {}).items()},
            {k: list(v) for k, v in (after.get("translations") or {}).items()},
        )
    if kind == "crisis-phrases":
        try:
            parse_tables({code: after})
        except ValueError as error:
            return [f"the phrase file would not load: {error}"]
        return []
    if not isinstance(after.get("nlu"), list):
        return ["the training file would lose its examples"]
    return []


def import_file(
    project: Project,
    path: Path,
    reviewer: Optional[str] = None,
    review: Optional[Review] = None,
) -> Report:
    """Check a returned review file and apply the rows that pass.

    Args:
        project: The checkout whose data/ is changed.
        path: The returned CSV file.
        reviewer: The reviewer's name (default: the one written in the file).
        review: Who and when (overrides `reviewer`; for tests).
    """
    report = Report(path)
    try:
        review_sheet = sheet.read(path)
    except (OSError, sheet.SheetError) as error:
        report.file_problems.append(str(error))
        return report
    name = (review.reviewer if review else reviewer or review_sheet.reviewer).strip()
    report.reviewer = name
    if not name:
        report.file_problems.append(
            "no reviewer's name: write it after 'reviewer:' in line 1, "
            "or give REVIEWER=..."
        )
    kind, code = review_sheet.kind, review_sheet.language
    if code not in languages(project, kind):
        report.file_problems.append(f"no {kind} data for the language {code!r}")
    if report.file_problems:
        return report
    target = target_file(project, kind, code)
    report.target = target
    before = _plain(target)
    problems, decisions = _decide(project, review_sheet, before)
    report.file_problems += problems
    report.decisions = decisions
    if problems or not any(d.action in ("change", "confirm") for d in decisions):
        return report
    document = yamldoc.load(target)
    who = review or Review(name)
    if kind == "answers":
        answers.apply(project, document.data, decisions, who)
    elif kind == "crisis-phrases":
        crisis_rows.apply(document.data, decisions, who)
    else:
        training.apply(document.data, decisions, who)
    text = document.dumps()
    broken = _result_problems(project, kind, code, before, text)
    if broken:
        report.file_problems += [f"nothing written: {problem}" for problem in broken]
        return report
    yamldoc.write_atomically(target, text)
    report.written = True
    return report
