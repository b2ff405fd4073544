"""Digests that decide whether a trained model is still current.

Rasa fingerprints a graph component from its config, its inputs and the source
of its class only: a change in a module the class calls (`NgramModel.fit`,
`words`, `CrisisModel.fit`...) would leave an outdated model in place. Our
components add `code_fingerprint` of every `bot` module they import, directly or
not, through `fingerprint_addon`. Modules are named, never located by absolute
path, so two checkouts of the same commit agree.

`project_stamp` combines the digests of every training input (bot.training.inputs
gathers them): equal stamps mean that `rasa train` would make the same model
again, so `make train` keeps the model it already has (bot.training.__main__).

Pure: must not import Rasa.
"""

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Optional


def checkout() -> Path:
    """The folder that holds the `bot` package (the checkout's root)."""
    return Path(__file__).resolve().parents[2]


def module_file(module: str, root: Path) -> Optional[Path]:
    """The source file of `module` under `root`, if it is one of ours.

    Args:
        module: A dotted module name ("bot.language.segment").
        root: The folder holding the top-level package.

    Returns:
        `<root>/bot/language/segment.py`, or the package's `__init__.py`, or
        None when the name is not a module under `root` (a class, a function,
        another library).
    """
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(source: str, module: str, is_package: bool) -> set[str]:
    """Every name an import statement of the source may refer to, made absolute.

    `from a.b import c` gives "a.b" and "a.b.c" (c may be a submodule);
    relative imports are resolved against `module`. Imports inside functions
    count too: they run when the component does.

    Args:
        source: Python source of the module.
        module: Its dotted name.
        is_package: Whether it is a package's `__init__.py`.

    Returns:
        Dotted names, modules or not (the caller keeps the modules).
    """
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                kept = parts[: len(parts) - (node.level - 1)]
                base = ".".join(kept + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base:
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _with_parents(module: str) -> list[str]:
    """The module and its parent packages ("a.b.c" -> "a", "a.b", "a.b.c")."""
    parts = module.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def module_closure(modules: Iterable[str], root: Path) -> list[str]:
    """The given modules and every module of `root` they import, transitively.

    Parent packages count (their `__init__.py` runs on import); names outside
    `root` (Rasa, scikit-learn...) are left out: Rasa adds the versions of a
    component's `required_packages` itself.

    Args:
        modules: Dotted names of modules under `root`.
        root: The folder holding the top-level package.

    Returns:
        The sorted module names.
    """
    seen: set[str] = set()
    todo = [name for module in modules for name in _with_parents(module)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_file(name, root)
        if path is None:
            continue
        seen.add(name)
        source = path.read_text(encoding="utf-8")
        for found in imported_names(source, name, path.name == "__init__.py"):
            todo.extend(n for n in _with_parents(found) if n not in seen)
    return sorted(seen)


def code_fingerprint(modules: Iterable[str], root: Optional[Path] = None) -> str:
    """A digest of the source of the modules and all of ours they import.

    Args:
        modules: Dotted names, usually a component's `__module__`.
        root: The checkout (default: the one this file is in).

    Returns:
        A hex SHA-256 over each module's name and bytes, in name order: the
        same in every checkout of the same code, whatever its path.
    """
    folder = root or checkout()
    digest = hashlib.sha256()
    for name in module_closure(modules, folder):
        path = module_file(name, folder)
        if path is not None:
            digest.update(name.encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """A digest of files and of every file inside folders, names included.

    Args:
        paths: Files or folders (the training inputs: config, domain, data).

    Returns:
        A hex SHA-256 over each file's path (relative to the folder given)
        and bytes, in path order; a missing path counts as empty.
    """
    digest = hashlib.sha256()
    for path in paths:
        files = (
            sorted(p for p in path.rglob("*") if p.is_file())
            if path.is_dir()
            else [path]
        )
        for file in files:
            if file.is_file():
                name = file.relative_to(path) if path.is_dir() else Path(file.name)
                digest.update(name.as_posix().encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """A hex SHA-256 of one file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def project_stamp(parts: Mapping[str, str]) -> str:
    """The identity of the model `rasa train` would make from these inputs.

    Args:
        parts: A digest or version per input of the training (each training
            data file, the config, the domain, each custom component's code
            and extra inputs, Rasa's and Python's versions, the pinned
            packages), keyed by a name that says what it is.

    Returns:
        A hex SHA-256 independent of the mapping's order: equal stamps mean
        that training would make the same model again.
    """
    payload = json.dumps(dict(parts), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
