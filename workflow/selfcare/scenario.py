"""``python -m selfcare.scenario``: the workflow on other simulated studies.

A scenario (``config/scenarios/<name>.yaml``) names how a study differs from
the shipped one: its sites, sizes, seed, effects, missingness or follow-up.
``python -m selfcare.scenario run <name>`` builds the scenario's own project
folder (``scenarios/<name>/``, git-ignored), simulates its raw hand-over
there and runs the workflow on it with Snakemake (``--snakefile`` of this
repository, ``--directory`` the scenario's folder), so that its results never
mix with the shipped ones::

    python -m selfcare.scenario list
    python -m selfcare.scenario run four-sites            # the whole workflow
    python -m selfcare.scenario run large --quantitative  # up to the analysis tables

The scenario folder holds ``config/`` (the repository's configuration with
the scenario's changes merged in), ``raw/`` (the simulated hand-over) and,
after the run, ``results/``. A scenario file has these keys (all optional
but ``description``):

``description``
    One line: what the scenario changes.
``n``
    People per site: a number (every site) or ``{site: n}``; each site's
    counts keep describing its configured size (``counts_basis``).
``constraints``
    ``false`` switches every published-fact constraint of the simulator off.
``simulation``, ``config``, ``transcripts``
    Changes merged into ``config/simulation.yaml``, ``config/config.yaml``
    and ``config/transcripts.yaml``: mappings merge key by key, anything
    else replaces, and ``null`` removes a key.
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

from selfcare.core import io

#: Where the scenarios live, and where their project folders are made.
SCENARIO_DIR = "config/scenarios"
WORK_DIR = "scenarios"
#: Keys of a scenario file.
SCENARIO_KEYS = ("description", "n", "constraints", "simulation", "config", "transcripts")
#: Configuration files copied unchanged into a scenario's folder.
COPIED = ("measures.yaml", "published.yaml", "codebook.yaml", "framework.yaml", "deid_review_decisions.yaml")
#: The quantitative path: de-identification, scores and every analysis table.
QUANTITATIVE_TARGETS = (
    "results/analysis/flow.csv", "results/analysis/table1.csv", "results/analysis/change.csv",
    "results/analysis/ancova.csv", "results/analysis/satisfaction.csv", "results/analysis/engagement.csv",
)


def quantitative_targets(sites: list[str]) -> list[str]:
    """The analysis tables (:data:`QUANTITATIVE_TARGETS` and service use per site)."""
    return [*QUANTITATIVE_TARGETS, *(f"results/analysis/service_use_{s}.csv" for s in sites)]


def merge(base: Any, change: Any) -> Any:
    """``base`` with ``change`` merged in: mappings key by key, ``None`` removes a key."""
    if not isinstance(base, Mapping) or not isinstance(change, Mapping):
        return copy.deepcopy(change)
    out = copy.deepcopy(dict(base))
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def load(root: Path, name: str) -> dict[str, Any]:
    """Read and check ``config/scenarios/<name>.yaml``.

    Raises
    ------
    ValueError
        If the scenario does not exist or has an unknown key.
    """
    path = root / SCENARIO_DIR / f"{name}.yaml"
    if not path.exists():
        raise ValueError(f"{path}: no such scenario (python -m selfcare.scenario list)")
    scenario = io.read_yaml(path) or {}
    unknown = sorted(set(scenario) - set(SCENARIO_KEYS))
    if unknown or not scenario.get("description"):
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)} or no description (keys: {', '.join(SCENARIO_KEYS)})")
    return scenario


def scenario_configs(root: Path, scenario: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The scenario's ``config``, ``simulation`` and ``transcripts`` configurations.

    The raw hand-over is read from ``raw/`` and the places scrubbed from the
    transcripts are the simulated ones.
    """
    from selfcare.synth.cli import override, parse_sizes

    cfg = merge(io.read_yaml(root / "config/config.yaml"), scenario.get("config") or {})
    sim = merge(io.read_yaml(root / "config/simulation.yaml"), scenario.get("simulation") or {})
    n = scenario.get("n")
    sizes = {str(k): int(v) for k, v in n.items()} if isinstance(n, Mapping) else parse_sizes(
        None if n is None else str(n), list(sim["sites"]))
    sim = override(sim, sizes, constraints=scenario.get("constraints", True) is not False)
    cfg["data"]["raw_dir"] = "raw"
    places = [p for site in sim["sites"] for p in sim["identifiers"]["places"].get(site, [])]
    cfg["deidentify"]["places"] = list(dict.fromkeys(places))
    transcripts = merge(io.read_yaml(root / "config/transcripts.yaml"), scenario.get("transcripts") or {})
    return {"config": cfg, "simulation": sim, "transcripts": transcripts}


def prepare(root: Path, name: str, dest: Path) -> Path:
    """Make the scenario's project folder: its configuration and simulated hand-over."""
    from selfcare.synth.cli import main as simulate

    configs = scenario_configs(root, load(root, name))
    io.remove_paths([p for p in (dest / "config", dest / "raw") if p.exists()])
    for key, data in configs.items():
        io.write_yaml(dest / "config" / f"{key}.yaml", data)
    for file in COPIED:
        io.write_bytes(dest / "config" / file, io.read_bytes(root / "config" / file))
    c = dest / "config"
    code = simulate([
        "--config", str(c / "simulation.yaml"), "--measures", str(c / "measures.yaml"),
        "--codebook", str(c / "codebook.yaml"), "--framework", str(c / "framework.yaml"),
        "--transcripts", str(c / "transcripts.yaml"), "--analysis", str(c / "config.yaml"),
        "--published", str(c / "published.yaml"), "--out", str(dest / "raw"),
        "--schema", str(root / "workflow/schemas/simulation.schema.yaml"),
    ])
    if code:
        raise RuntimeError(f"scenario {name}: the simulator failed")
    return dest


def snakemake_command(root: Path, dest: Path, cores: int, targets: list[str], extra: list[str]) -> list[str]:
    """The Snakemake command that runs this repository's workflow in ``dest``."""
    return [sys.executable, "-m", "snakemake", "--snakefile", str(root / "Snakefile"), "--directory", str(dest),
            "--cores", str(cores), *targets, *extra]


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(prog="python -m selfcare.scenario", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the scenarios and what each changes")
    run = sub.add_parser("run", help="simulate a scenario's hand-over and run the workflow on it")
    run.add_argument("name")
    run.add_argument("--cores", type=int, default=2)
    run.add_argument("--dir", default=None, help=f"project folder (default {WORK_DIR}/<name>)")
    run.add_argument("--quantitative", action="store_true", help="stop after the analysis tables")
    parser.epilog = "Arguments after -- go to Snakemake."
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []  # after --: passed to Snakemake
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    root = Path.cwd()
    if args.command == "list":
        for path in sorted((root / SCENARIO_DIR).glob("*.yaml")):
            print(f"{path.stem:20s} {' '.join(str(load(root, path.stem)['description']).split())}")
        return 0
    dest = Path(args.dir) if args.dir else root / WORK_DIR / args.name
    prepare(root, args.name, dest.resolve())
    targets = quantitative_targets(list(io.read_yaml(dest / "config/config.yaml")["sites"])) if args.quantitative else []
    return subprocess.run(snakemake_command(root, dest.resolve(), args.cores, targets, extra)).returncode


if __name__ == "__main__":
    sys.exit(main())
