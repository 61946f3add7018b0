"""Command line of the simulator: ``python -m selfcare.synth --config
config/simulation.yaml --out resources/synthetic``.

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
    parser.add_argument("--schema", default="workflow/schemas/simulation.schema.yaml")
    args = parser.parse_args(argv)
    cfg = sio.read_yaml(args.config)
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

