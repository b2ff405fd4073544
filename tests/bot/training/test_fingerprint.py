"""The digests that decide whether `make train` must train (bot.training.fingerprint)."""

import shutil
from pathlib import Path

from bot.training.fingerprint import (
    checkout,
    code_fingerprint,
    file_digest,
    files_digest,
    imported_names,
    module_closure,
    module_file,
    project_stamp,
)

ROOT = Path(__file__).resolve().parents[3]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


PACKAGE = {
    "pkg/__init__.py": '"""Package."""\n',
    "pkg/a.py": "import os\nfrom pkg.b import thing\nfrom . import c\n",
    "pkg/b.py": "def thing():\n    from pkg.sub.d import x\n    return x\n",
    "pkg/c.py": "import pkg.a\n",  # a cycle back to a
    "pkg/sub/__init__.py": "from .d import x\n",
    "pkg/sub/d.py": "import numpy\nx = 1\n",
    "pkg/unused.py": "y = 2\n",
}


def test_imported_names_resolves_relative_and_from_imports() -> None:
    names = imported_names("from . import c\nfrom .d import x\n", "pkg.sub", True)
    assert names == {"pkg.sub", "pkg.sub.c", "pkg.sub.d", "pkg.sub.d.x"}
    names = imported_names("from ..b import y\nimport z.w\n", "pkg.sub.d", False)
    assert names == {"pkg.b", "pkg.b.y", "z.w"}


def test_module_file_finds_modules_and_packages_only(tmp_path: Path) -> None:
    root = write(tmp_path, PACKAGE)
    assert module_file("pkg.a", root) == root / "pkg" / "a.py"
    assert module_file("pkg.sub", root) == root / "pkg" / "sub" / "__init__.py"
    assert module_file("pkg.b.thing", root) is None
    assert module_file("numpy", root) is None


def test_closure_follows_imports_transitively_also_inside_functions(
    tmp_path: Path,
) -> None:
    root = write(tmp_path, PACKAGE)
    assert module_closure(["pkg.a"], root) == [
        "pkg",
        "pkg.a",
        "pkg.b",
        "pkg.c",
        "pkg.sub",
        "pkg.sub.d",
    ]


def test_code_fingerprint_is_the_same_in_another_folder(tmp_path: Path) -> None:
    first = write(tmp_path / "one" / "deeper", PACKAGE)
    second = write(tmp_path / "two", PACKAGE)
    assert code_fingerprint(["pkg.a"], first) == code_fingerprint(["pkg.a"], second)


def test_code_fingerprint_changes_with_an_imported_module_only(tmp_path: Path) -> None:
    root = write(tmp_path, PACKAGE)
    before = code_fingerprint(["pkg.a"], root)
    write(root, {"pkg/unused.py": "y = 3\n"})
    assert code_fingerprint(["pkg.a"], root) == before
    write(root, {"pkg/sub/d.py": "import numpy\nx = 2\n"})
    assert code_fingerprint(["pkg.a"], root) != before


def test_our_components_cover_the_code_their_training_runs() -> None:
    detector = module_closure(["bot.language.detector"], checkout())
    assert {
        "bot.language.detect",
        "bot.language.segment",
        "bot.content.background",
    } <= set(detector)
    crisis = module_closure(["bot.safety.crisis_detector"], checkout())
    assert {"bot.safety.crisis_model", "bot.language.segment"} <= set(crisis)
    # Settings change with every deployment option: they must not retrain NLU.
    assert "bot.settings" not in crisis
    assert checkout() == ROOT


def test_the_real_code_fingerprint_does_not_depend_on_the_checkout_path(
    tmp_path: Path,
) -> None:
    shutil.copytree(ROOT / "bot", tmp_path / "bot")
    module = ["bot.safety.crisis_detector"]
    assert code_fingerprint(module, tmp_path) == code_fingerprint(module)


def test_files_digest_sees_content_and_names(tmp_path: Path) -> None:
    root = write(tmp_path, {"data/a.yml": "a", "data/b/c.yml": "c", "config.yml": "x"})
    inputs = [root / "config.yml", root / "data"]
    before = files_digest(inputs)
    assert files_digest(inputs) == before
    (root / "data" / "b" / "c.yml").write_text("changed", encoding="utf-8")
    assert files_digest(inputs) != before
    (root / "data" / "b" / "c.yml").write_text("c", encoding="utf-8")
    (root / "data" / "b" / "c.yml").rename(root / "data" / "b" / "d.yml")
    assert files_digest(inputs) != before


def test_project_stamp_sees_every_part_and_ignores_order(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu.yml"
    nlu.write_text("nlu: []\n")
    parts = {"rasa": "3.6.21", "data/nlu.yml": file_digest(nlu), "code:x": "c"}
    stamp = project_stamp(parts)
    assert project_stamp(dict(reversed(parts.items()))) == stamp
    nlu.write_text("nlu: [x]\n")
    assert project_stamp({**parts, "data/nlu.yml": file_digest(nlu)}) != stamp
    assert project_stamp({**parts, "rasa": "3.6.20"}) != stamp
    assert project_stamp({**parts, "data/other.yml": "d"}) != stamp
