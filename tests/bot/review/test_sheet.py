"""Review files survive a spreadsheet program: BOM, quoting, line breaks, scripts."""

import csv
import io
from pathlib import Path

from bot.review import sheet

TRICKY = [
    'comma, "quoted" and\nline break',
    'ສະບາຍດີ, ເຈົ້າ "ປອດໄພ" ບໍ?\nແຖວສອງ',
    'สวัสดี, "คุณ"\n1. ข้อหนึ่ง\n2. ข้อสอง',
    "{helpline_list}",
]


def test_bom_and_quoting_survive_a_spreadsheet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "th-answers.csv"
    rows = [{sheet.KEY: f"k{i}", sheet.CURRENT: text} for i, text in enumerate(TRICKY)]
    sheet.write(sheet.Sheet("answers", "th", [sheet.KEY, sheet.CURRENT], rows), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")

    # A spreadsheet program reads it, the reviewer types a name, it saves
    # everything quoted with Windows line ends inside and between cells.
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    lines[0][1] = "Ngọc, Lê"
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([[c.replace("\n", "\r\n") for c in line] for line in lines])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))

    back = sheet.read(path)
    assert back.reviewer == "Ngọc, Lê"
    assert (back.kind, back.language) == ("answers", "th")
    assert [row[sheet.CURRENT] for row in back.rows] == TRICKY


def test_a_file_saved_in_another_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "th-answers.csv"
    path.write_bytes("reviewer:,x\nkey\nk,\xe9".encode("latin-1"))
    try:
        sheet.read(path)
    except sheet.SheetError as error:
        assert "UTF-8" in str(error)
    else:
        raise AssertionError("a latin-1 file was read")
