"""`make bench`: this assistant against a bare `rasa init` project, same run.

Run: .venv/bin/python -m benchmarks.webhook [--bare DIR] [--no-train] [--rounds N]

1. Makes the bare project in a temporary folder (`rasa init --no-prompt`,
   which trains it; timed) unless `--bare` names one made before, and trains
   this project from scratch into a temporary folder (`rasa train --force`;
   timed) unless `--no-train`.
2. Starts this assistant as `make run` does (Rasa, action server, staff
   console; SQLite under a temporary folder) and the bare project's Rasa
   server the same way (`rasa run --enable-api`, REST channel), each on free
   ports; prints their time to ready.
3. Plays 1, 20 and 100 concurrent conversations against each REST webhook
   (benchmarks/load.py: the held-out messages of tests/nlu in six languages,
   the same to both servers, none twice within one round), alternating which
   goes first, `--rounds` times (default 1), and prints p50/p95/p99,
   throughput and failed requests with the ratios, then the resident memory
   and the CPU time per turn of every process.
4. The same on two replicas sharing PostgreSQL, Redis and RabbitMQ
   (benchmarks/replicas.py), when they are reachable on 127.0.0.1.
5. Language detection and the crisis check per message (benchmarks/checks.py).

Figures only: nothing is asserted. The two servers run side by side on the
same machine, so other load on it touches both alike; one run's ratios are
what counts, not the absolute figures.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from benchmarks import checks, replicas
from benchmarks.bare import (
    BareServer,
    cpu_seconds,
    free_port,
    make_bare,
    newest_model,
    quiet_environment,
    resident_mb,
)
from benchmarks.load import (
    Figures,
    Level,
    Messages,
    Run,
    figures_of,
    held_out_messages,
    run_load,
)
from bot.launch import Services
from bot.settings import ROOT, Settings

#: The levels: 1, 20 and 100 people writing at once.
LEVELS = (Level(1, 3, 10), Level(20, 1, 10), Level(100, 1, 4))
WARM_UP = Level(4, 1, 6)
BARE = "bare Rasa server"


def train_ours(out: Path) -> float:
    """Train this project from scratch into `out`; the seconds it took."""
    began = time.monotonic()
    subprocess.run(
        [
            *(sys.executable, "-m", "rasa", "train", "--force", "--quiet"),
            *("--config", "config.yml", "--domain", "domain.yml", "--data", "data"),
            *("--out", str(out)),
        ],
        cwd=ROOT,
        env=quiet_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - began


def unchanged_training() -> tuple[float, bool]:
    """Time `make train` on the unchanged project; whether it kept the model."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot.training"],
        cwd=ROOT,
        env=quiet_environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    return time.monotonic() - began, "not training again" in done.stdout


def ratio(ours: float, bare: float) -> str:
    """The ratio ours / bare with two decimals, or a dash."""
    return f"{ours / bare:.2f}" if bare > 0 else "-"


def level_rows(level: Level, ours: Figures, bare: Figures) -> list[str]:
    """The detail table rows of one level."""
    rows = []
    for name, mine, theirs in (
        ("p50 ms", ours.p50, bare.p50),
        ("p95 ms", ours.p95, bare.p95),
        ("p99 ms", ours.p99, bare.p99),
        ("turns/s", ours.throughput, bare.throughput),
    ):
        rows.append(
            f"| {level.people} | {name} | {mine:.0f} | {theirs:.0f} "
            f"| {ratio(mine, theirs)} |"
        )
    rows.append(
        f"| {level.people} | failed / answered | {ours.failed} / {ours.turns} "
        f"| {bare.failed} / {bare.turns} | |"
    )
    return rows


def measure(
    ours_url: str, bare_url: str, rounds: int, levels: Sequence[Level]
) -> list[tuple[Level, Figures, Figures]]:
    """Every level on both servers, alternating which goes first.

    Both servers get the same held-out messages in the same order.
    """
    texts = held_out_messages()
    mine_messages, their_messages = Messages(texts), Messages(texts)
    run_load([ours_url], WARM_UP, "warm-ours", mine_messages)
    run_load([bare_url], WARM_UP, "warm-bare", their_messages)
    results = []
    for index, level in enumerate(levels):
        mine: list[Run] = []
        theirs: list[Run] = []
        for round_ in range(rounds):
            order = [
                (ours_url, mine, "ours", mine_messages),
                (bare_url, theirs, "bare", their_messages),
            ]
            if (index + round_) % 2:
                order.reverse()
            for url, runs, name, messages in order:
                prefix = f"{name}-{level.people}-{round_}"
                runs.append(run_load([url], level, prefix, messages))
        results.append((level, figures_of(mine), figures_of(theirs)))
        ours, bare = results[-1][1], results[-1][2]
        print(
            f"  {level.people:>3} at once: ours p50 {ours.p50:.0f} ms, "
            f"bare p50 {bare.p50:.0f} ms; failed {ours.failed} / {bare.failed}"
            + (
                f" ({', '.join(ours.reasons + bare.reasons)})"
                if ours.reasons or bare.reasons
                else ""
            ),
            flush=True,
        )
    return results


def summary(
    results: list[tuple[Level, Figures, Figures]], memory: tuple[float, float]
) -> list[str]:
    """The table in the issue's form."""
    by_people = {level.people: (ours, bare) for level, ours, bare in results}
    rows = ["| | this project | bare Rasa | ratio |", "|---|---:|---:|---:|"]
    for people in sorted(by_people):
        ours, bare = by_people[people]
        rows.append(
            f"| p50 per turn, {people} at once | {ours.p50:.0f} ms "
            f"| {bare.p50:.0f} ms | {ratio(ours.p50, bare.p50)} |"
        )
    if 20 in by_people:
        ours, bare = by_people[20]
        rows.append(
            f"| throughput at 20 at once | {ours.throughput:.1f} turns/s "
            f"| {bare.throughput:.1f} turns/s "
            f"| {ratio(ours.throughput, bare.throughput)} |"
        )
    if 100 in by_people:
        ours, bare = by_people[100]
        rows.append(
            f"| failed requests at 100 at once | {ours.failed} | {bare.failed} | |"
        )
    rows.append(
        f"| resident memory (all processes) | {memory[0]:.0f} MB "
        f"| {memory[1]:.0f} MB | {ratio(*memory)} |"
    )
    return rows


def main(argv: Sequence[str] = ()) -> int:
    """Run the benchmark (module docstring); prints, never asserts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bare", type=Path, help="a bare project made before")
    parser.add_argument("--no-train", action="store_true", help="use models/")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-replicas", action="store_true")
    args = parser.parse_args(list(argv))
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class Served:
    """What serving both measured: load figures, memory and CPU per process."""

    results: list[tuple[Level, Figures, Figures]]
    memory: dict[str, float]
    cpu_per_turn: dict[str, float]


def serve_and_measure(model: Path, bare_dir: Path, work: Path, rounds: int) -> Served:
    """Start both assistants, print their time to ready, play the levels."""
    # The per-address limit is off: every simulated person writes from
    # 127.0.0.1 here, never so in use. The per-conversation limit stays.
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        console_port=free_port(),
        tracker_db=work / "var" / "rasa.db",
        rate_limit_ip=0,
    )
    ours = Services(settings, model=model)
    bare = BareServer(bare_dir)
    try:
        began = time.monotonic()
        ours.start(log=work / "servers.log")
        ours.wait_ready()
        ready_ours = time.monotonic() - began
        began = time.monotonic()
        bare.start()
        bare.wait_ready()
        ready_bare = time.monotonic() - began
        print(
            f"time to ready: this project {ready_ours:.1f} s (Rasa, action server "
            f"and console started together), bare {ready_bare:.1f} s\n"
        )
        print(f"Load ({rounds} round(s) per level, pooled):", flush=True)
        assert bare.process is not None
        pids = dict(zip(ours.NAMES, (p.pid for p in ours.processes), strict=False))
        pids[BARE] = bare.process.pid
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        results = measure(
            f"{ours.rasa_url}/webhooks/rest/webhook",
            f"{bare.url}/webhooks/rest/webhook",
            rounds,
            LEVELS,
        )
        turns = sum(figures.turns for _, figures, _ in results)
        bare_turns = sum(figures.turns for _, _, figures in results)
        cpu = {
            name: (cpu_seconds(pid) - cpu_before[name])
            * 1000
            / max(1, bare_turns if name == BARE else turns)
            for name, pid in pids.items()
        }
        memory = {name: resident_mb(pid) for name, pid in pids.items()}
    finally:
        ours.stop()
        bare.stop()
    return Served(results, memory, cpu)


def report(served: Served) -> None:
    """Print the detail table, memory, CPU and the summary table."""
    print("\n| people at once | figure | this project | bare Rasa | ratio |")
    print("|---:|---|---:|---:|---:|")
    for level, mine, theirs in served.results:
        print("\n".join(level_rows(level, mine, theirs)))
    print()
    print(
        "resident memory after the load: "
        + ", ".join(f"{name} {mb:.0f} MB" for name, mb in served.memory.items())
    )
    print(
        "CPU per answered turn (all threads of each process): "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in served.cpu_per_turn.items())
        + "\n"
    )
    memory = dict(served.memory)
    bare_memory = memory.pop(BARE)
    print("\n".join(summary(served.results, (sum(memory.values()), bare_memory))))


def run(args: argparse.Namespace, work: Path) -> int:
    """The benchmark proper, with its temporary files under `work`."""
    print("## Benchmark: this assistant against a bare `rasa init` project\n")
    bare_dir: Path = args.bare or work / "bare"
    if args.bare is None:
        seconds = make_bare(bare_dir)
        print(f"bare project: `rasa init --no-prompt` (trains) {seconds:.0f} s")
    model: Optional[Path] = newest_model(ROOT / "models")
    if not args.no_train:
        seconds = train_ours(work / "models")
        model = newest_model(work / "models")
        print(f"this project: `rasa train --force` {seconds:.0f} s")
        seconds, kept = unchanged_training()
        outcome = "model kept" if kept else "TRAINED: some input changed"
        print(f"this project unchanged: `make train` {seconds:.1f} s ({outcome})")
    bare_model = newest_model(bare_dir / "models")
    if model is None or bare_model is None:
        print("No trained model: run `make train` first.")
        return 1
    print(
        f"model size: this project {model.stat().st_size / 1e6:.1f} MB, "
        f"bare {bare_model.stat().st_size / 1e6:.1f} MB"
    )
    served = serve_and_measure(model, bare_dir, work, args.rounds)
    report(served)
    if not args.no_replicas:
        print()
        replicas.main(LEVELS, {level.people: bare for level, _, bare in served.results})
    print()
    checks.main(model)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
