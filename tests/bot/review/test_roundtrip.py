"""The review round trip on a copy of the data: export, edit as a reviewer, import."""

import csv
import datetime
import shutil
from pathlib import Path

import pytest

from bot.content.translations import load_translations, problems
from bot.review import sheet
from bot.review.project import Project, Review
from bot.review.roundtrip import answer_shares, export, import_file
from bot.safety.phrases import load_phrase_book
from bot.settings import ROOT

DAY = datetime.date(2026, 3, 3)
REVIEWER = "Somchai Reviewer"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A copy of domain.yml and data/: the real files are never written."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    return Project(tmp_path)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path: Path, lines: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(lines)


def fill(lines: list[list[str]], key: str, column: str, value: str) -> list[str]:
    """Fill one cell as a reviewer would; return the row."""
    header = lines[1]
    for line in lines[2:]:
        if line[0] == key:
            line[header.index(column)] = value
            return line
    raise AssertionError(f"{key} is not in the file")


def first_key(lines: list[list[str]], needle: str) -> str:
    english = lines[1].index(sheet.ENGLISH)
    return next(line[0] for line in lines[2:] if needle in line[english])


def test_thai_round_trip(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "review"
    export(project, out, ["th"])
    answers_csv = out / "th-answers.csv"
    lines = read_csv(answers_csv)
    lines[0][1] = REVIEWER
    current = lines[1].index(sheet.CURRENT)
    new_goodbye = "ดูแลตัวเองนะ 💙 กลับมาคุยได้ทุกเมื่อ ถ้าคุณอยู่ในอันตราย โทรเบอร์ฉุกเฉินได้เลย"
    old_goodbye = fill(lines, "utter_goodbye/1", sheet.VERSION, new_goodbye)[current]
    fill(lines, "utter_menu/1/button 2", sheet.VERSION, "เอารูปของฉันลงจากเน็ต")
    fill(lines, "utter_ok/1", sheet.OK, "ok")
    broken_key = first_key(lines, "{helpline_list}")
    broken = fill(lines, broken_key, sheet.VERSION, "x")
    broken[lines[1].index(sheet.VERSION)] = broken[current].replace(
        "{helpline_list}", "{helplines}"
    )
    old_broken = broken[current]
    fill(lines, "utter_welcome/1", sheet.VERSION, "ยินดีค่ะ โทรหาเราที่ 0812345678 ได้")
    write_csv(answers_csv, lines)

    phrases_csv = out / "th-crisis-phrases.csv"
    phrase_lines = read_csv(phrases_csv)
    phrase_lines[0][1] = REVIEWER
    fill(phrase_lines, "crisis_self_harm/high/แขวนคอตาย", sheet.VERSION, "จะแขวนคอตาย")
    fill(phrase_lines, "crisis_self_harm/high/ผูกคอตาย", sheet.VERSION, "{wnt}ผูกคอตาย")
    write_csv(phrases_csv, phrase_lines)

    report = import_file(project, answers_csv, review=Review(REVIEWER, DAY))
    assert report.exit_code == 1, report.text()
    assert {d.key for d in report.of("change")} == {
        "utter_goodbye/1",
        "utter_menu/1/button 2",
    }
    assert {d.key for d in report.of("confirm")} == {"utter_ok/1"}
    refused = {d.key: d.reason for d in report.of("refuse")}
    assert set(refused) == {broken_key, "utter_welcome/1"}
    assert "{helpline_list}" in refused[broken_key]
    assert "0812345678" in refused["utter_welcome/1"]
    assert "helpline directory" in refused["utter_welcome/1"]
    assert "Refused (2)" in report.text() and broken_key in report.text()

    table = load_translations(project.data / "translations")["th"]
    assert table["utter_goodbye"][0]["text"] == new_goodbye
    assert table["utter_menu"][0]["buttons"][1]["title"] == "เอารูปของฉันลงจากเน็ต"
    assert table["utter_menu"][0]["buttons"][1]["payload"] == "/ask_take_it_down"
    name, variation = broken_key.split("/")[:2]
    assert table[name][int(variation) - 1]["text"].strip() == old_broken
    assert problems(project.english, table, "th") == []
    text = project.translation_file("th").read_text(encoding="utf-8")
    assert text.startswith("# Thai responses")  # comments kept
    assert "0812345678" not in text
    import yaml

    block = yaml.safe_load(text)["review"]
    goodbye = block["rows"]["utter_goodbye/1"]
    assert goodbye["reviewer"] == REVIEWER and goodbye["date"] == "3 March 2026"
    assert goodbye["previous"].strip() == old_goodbye
    assert block["rows"]["utter_ok/1"]["reviewer"] == REVIEWER
    assert {"utter_goodbye", "utter_ok"} <= set(block["reviewed"])
    assert broken_key not in block["rows"] and "utter_welcome/1" not in block["rows"]
    assert answer_shares(project)["th"] == (2, len(project.english))

    phrase_report = import_file(project, phrases_csv, review=Review(REVIEWER, DAY))
    assert phrase_report.exit_code == 1, phrase_report.text()
    assert [d.key for d in phrase_report.of("change")] == [
        "crisis_self_harm/high/แขวนคอตาย"
    ]
    (refused_phrase,) = phrase_report.of("refuse")
    assert "wnt" in refused_phrase.reason
    book = load_phrase_book(project.data / "safety")
    templates = {p.template for p in book.phrases if p.language == "th"}
    assert "จะแขวนคอตาย" in templates and "แขวนคอตาย" not in templates
    assert "ผูกคอตาย" in templates
    safety = project.safety_file("th").read_text(encoding="utf-8")
    assert "# Thai crisis phrases" in safety and "- จะแขวนคอตาย" in safety

    export(project, out, ["th"])
    again = read_csv(answers_csv)
    status = again[1].index(sheet.STATUS)
    rows = {line[0]: line for line in again[2:]}
    assert rows["utter_goodbye/1"][status] == f"reviewed by {REVIEWER} on 3 March 2026"
    assert rows["utter_ok/1"][status].startswith("reviewed by")
    assert rows[broken_key][status] == "awaiting review"
    phrase_file = read_csv(phrases_csv)
    phrase_status = phrase_file[1].index(sheet.STATUS)
    phrases_again = {line[0]: line for line in phrase_file[2:]}
    assert "crisis_self_harm/high/จะแขวนคอตาย" in phrases_again
    assert phrases_again["crisis_self_harm/high/จะแขวนคอตาย"][phrase_status].startswith(
        "reviewed by"
    )


@pytest.mark.parametrize("defect", ["wrong key", "changed payload", "no reviewer"])
def test_a_file_that_does_not_fit_is_refused_whole(
    project: Project, tmp_path: Path, defect: str
) -> None:
    export(project, tmp_path / "review", ["th"])
    path = tmp_path / "review" / "th-answers.csv"
    lines = read_csv(path)
    lines[0][1] = "" if defect == "no reviewer" else REVIEWER
    fill(lines, "utter_goodbye/1", sheet.VERSION, "ดูแลตัวเองนะ")
    if defect == "wrong key":
        fill(lines, "utter_ok/1", sheet.OK, "ok")[0] = "utter_okay/1"
    if defect == "changed payload":
        fill(lines, "utter_menu/1/button 2", lines[1][1], "/greet")
    write_csv(path, lines)
    target = project.translation_file("th")
    before = target.read_bytes()

    report = import_file(project, path)

    assert report.exit_code == 2
    assert report.file_problems and not report.written
    assert "REFUSED as a whole" in report.text()
    assert target.read_bytes() == before


def test_training_example_round_trip(project: Project, tmp_path: Path) -> None:
    export(project, tmp_path / "review", ["th"], size=2)
    path = tmp_path / "review" / "th-training-sample.csv"
    lines = read_csv(path)
    lines[0][1] = REVIEWER
    _, intent, text = lines[2][:3]
    lines[2][3] = text + "นะ"
    write_csv(path, lines)

    report = import_file(project, path, review=Review(REVIEWER, DAY))

    assert report.exit_code == 0, report.text()
    nlu = project.nlu_file("th").read_text(encoding="utf-8")
    assert f"- {text}นะ\n" in nlu and nlu.startswith('version: "3.1"')
    from bot.content.nlu_data import read_examples

    examples = read_examples(project.nlu_file("th"), "th")
    assert any(e.text == text + "นะ" and e.intent == intent for e in examples)
