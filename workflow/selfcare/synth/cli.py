"""Command line of the simulator: ``python -m selfcare.synth --config
config/simulation.yaml --out resources/synthetic``.

Other studies: ``--seed``, ``--n`` (people per site: ``--n 1000`` for every
site or ``--n LO=500,SO=800``), ``--no-constraints`` (no published-fact
constraint: counts become shares, ages drawn, nothing realised),
``--max-attempts`` and ``--vectorised`` (whole-array draws, needed for large
studies) override the configuration, as do the same keys in a scenario
configuration (``python -m selfcare.scenario``).

After writing the files it signs the folder (``SYNTHETIC.sha256``, see
:mod:`selfcare.raw.signature`); ``python -m selfcare.synth sign [folder]``
signs a folder again (e.g. after editing its README by hand).
"""

from __future__ import annotations

import argparse
from typing import Any, Mapping

from selfcare.synth.handover import simulate_dataset


def check_config(cfg: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Validate the simulator's configuration (unknown keys rejected).

    Raises
    ------
    ValueError
        Naming the location in the configuration of the first problems.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in errors[:10]]
        raise ValueError("config/simulation.yaml is invalid:\n  " + "\n  ".join(lines))
    missing = missing_sites(cfg)
    if missing:
        raise ValueError("config/simulation.yaml: per-site settings do not match the sites:\n  " + "\n  ".join(missing[:10]))


#: Per-site settings of config/simulation.yaml (dotted paths; ``*`` is any key).
PER_SITE = (
    "screening", "outcomes.*.baseline", "outcomes.*.change", "engagement.sessions",
    "service_use.ae.mean_if_any", "service_use.ae.rate_ratio", "service_use.admissions.mean_if_any",
    "service_use.admissions.rate_ratio", "service_use.crisis.mean", "service_use.crisis.rate_ratio",
    "service_use.gp.mean", "service_use.gp.rate_ratio", "identifiers.postcode_districts",
    "identifiers.phone_prefixes", "identifiers.places",
)


def missing_sites(cfg: Mapping[str, Any]) -> list[str]:
    """Per-site settings lacking an entry for a configured site, or with one for
    a site that is not configured (``path: site``)."""
    sites = list(cfg["sites"])
    out = []
    for path in PER_SITE:
        nodes: list[tuple[str, Any]] = [("", cfg)]
        for part in path.split("."):
            nodes = [(f"{p}.{k}".lstrip("."), v[k]) for p, v in nodes if isinstance(v, Mapping)
                     for k in (list(v) if part == "*" else [part]) if k in v]
        out += [f"{p}: {s}" for p, v in nodes for s in sites if isinstance(v, Mapping) and s not in v]
        out += [f"{p}: {k} (not a configured site)" for p, v in nodes if isinstance(v, Mapping)
                for k in v if k not in sites and not (path.startswith("identifiers.phone") and k == "mobile")]
    return out


def override(
    cfg: Mapping[str, Any],
    n: Mapping[str, int] | None = None,
    constraints: bool = True,
    max_attempts: int | None = None,
    draws: str | None = None,
) -> dict[str, Any]:
    """A copy of the simulator's configuration with the command line's overrides.

    Parameters
    ----------
    cfg : mapping
        ``config/simulation.yaml``.
    n : mapping, optional
        Site -> people; a site's counts keep describing its configured size
        (``counts_basis``).
    constraints : bool
        False switches every published-fact constraint off.
    max_attempts : int, optional
        Draws of ages before giving up on the age F.
    draws : str, optional
        ``per_person`` or ``vectorised``.
    """
    import copy

    out = copy.deepcopy(dict(cfg))
    for site, size in (n or {}).items():
        if site not in out["sites"]:
            raise ValueError(f"--n names site {site}, which is not configured (sites: {', '.join(out['sites'])})")
        sc = out["sites"][site]
        sc.setdefault("counts_basis", int(sc["n"]))
        sc["n"] = int(size)
    if not constraints:
        out["constraints"] = {"exact_counts": False, "age_summary": False, "age_f": None, "dependants_h": None,
                              "realise_published": False}
    if max_attempts is not None:
        out.setdefault("constraints", {})["max_attempts"] = int(max_attempts)
    if draws is not None:
        out["draws"] = draws
    return out


def parse_sizes(text: str | None, sites: list[str]) -> dict[str, int] | None:
    """``--n``: ``1000`` (every site) or ``LO=500,SO=800``."""
    if not text:
        return None
    if "=" not in text:
        return {s: int(text) for s in sites}
    return {k.strip(): int(v) for k, v in (part.split("=", 1) for part in text.split(","))}


def sign(folder: str) -> str:
    """Write the simulator's signature over every file of ``folder``; return its path."""
    import pathlib

    from selfcare.core import io as sio
    from selfcare.raw.signature import MANIFEST_NAME, manifest_text

    path = pathlib.Path(folder) / MANIFEST_NAME
    sio.write_text(path, manifest_text(sio.read_tree(folder)))
    return str(path)


def main(argv: list[str] | None = None) -> int:
    """Command line: write the synthetic raw dataset to a folder (or ``sign`` one)."""
    import sys

    from selfcare.core import io as sio

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sign"]:
        print(f"signed: {sign(argv[1] if len(argv) > 1 else 'resources/synthetic')}")
        return 0

    parser = argparse.ArgumentParser(prog="python -m selfcare.synth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="config/simulation.yaml")
    parser.add_argument("--measures", default="config/measures.yaml")
    parser.add_argument("--codebook", default="config/codebook.yaml")
    parser.add_argument("--framework", default="config/framework.yaml")
    parser.add_argument("--transcripts", default="config/transcripts.yaml")
    parser.add_argument("--analysis", default="config/config.yaml",
                        help="workflow configuration (its analysis section: the methods the hand-over is realised under)")
    parser.add_argument("--published", default="config/published.yaml")
    parser.add_argument("--out", default="resources/synthetic")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--n", default=None, help="people per site: 1000 (every site) or LO=500,SO=800")
    parser.add_argument("--no-constraints", action="store_true", help="switch every published-fact constraint off")
    parser.add_argument("--max-attempts", type=int, default=None, help="draws of ages before giving up on the age F")
    parser.add_argument("--vectorised", action="store_true", help="whole-array draws (large studies)")
    parser.add_argument("--schema", default="workflow/schemas/simulation.schema.yaml")
    args = parser.parse_args(argv)
    cfg = sio.read_yaml(args.config)
    cfg = override(cfg, parse_sizes(args.n, list(cfg["sites"])), not args.no_constraints, args.max_attempts,
                   "vectorised" if args.vectorised else None)
    check_config(cfg, sio.read_yaml(args.schema))
    files = simulate_dataset(
        cfg,
        sio.read_yaml(args.measures),
        sio.read_yaml(args.codebook),
        sio.read_yaml(args.framework),
        sio.read_yaml(args.transcripts),
        seed=args.seed,
        analysis=sio.read_yaml(args.analysis)["analysis"],
        published=sio.read_yaml(args.published),
    )
    import pathlib

    out = pathlib.Path(args.out)
    old = out / "transcripts"
    if old.exists():
        sio.remove_paths([old])
    for rel, data in sorted(files.items()):
        sio.write_bytes(out / rel, data)
    print(f"wrote {len(files)} files to {out}; signed: {sign(str(out))}")
    return 0

