"""The data steward's review commands, run on the secure side only.

``python -m selfcare.deidentify.steward list`` prints every transcript word
still awaiting a decision with its hash, source, line and some context (to the
terminal, never to a file); ``python -m selfcare.deidentify.steward decide
HASH keep|redact`` records a decision (the hash only) in the decisions file
named by ``deidentify.review_decisions``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from selfcare.core import io
from selfcare.deidentify.inputs import read_handover
from selfcare.deidentify.pipeline import review_transcripts
from selfcare.deidentify.review import DECISIONS, REVIEW_HASH, parse_decisions, pending_items
from selfcare.refiqda.archive import read_qdpx

__all__ = ["main"]

#: The raw tables the corrections may touch (as the deidentify rule reads them).
_TABLES = ["participants", "demographics", "baseline", "followup", "attendance", "interviewees",
           "interviews", "screening", "survey"]


def _pending(config: str, validated: str) -> list[tuple[dict, str]]:
    cfg_all = io.read_yaml(config)
    cfg = cfg_all["deidentify"]
    codebook = str(Path(cfg_all["data"]["raw_dir"]) / cfg_all["data"]["codebook"])
    raw, paths, key, _, tables, keys = read_handover(
        codebook, validated, cfg, _TABLES, os.environ.get(cfg["key_env"]))
    decisions = parse_decisions(io.read_yaml(cfg["review_decisions"]), cfg["review_decisions"])
    members = io.read_zip(raw / paths["coding"])
    xsd = io.read_text("resources/refi-qda/project.xsd")
    rows = review_transcripts(tables, members, xsd, cfg, key, decisions, keys)
    texts = {s.name: s.text for s in read_qdpx(members, xsd).sources}
    out = []
    for r in pending_items(rows):
        text = texts[r["source"]]
        context = (text[max(0, r["start"] - 40): r["start"]] + ">>" + text[r["start"]: r["end"]] + "<<"
                   + text[r["end"]: r["end"] + 40]).replace("\n", " ")
        out.append((r, context))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the steward's commands (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m selfcare.deidentify.steward")
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--validated", default="results/validation/validation_report.json",
                        help="validation report (written by the workflow's first rule)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print pending words in context (terminal only)")
    decide = sub.add_parser("decide", help="record keep or redact for a hash")
    decide.add_argument("hash")
    decide.add_argument("decision", choices=DECISIONS)
    args = parser.parse_args(argv)
    if args.command == "list":
        for r, context in _pending(args.config, args.validated):
            print(f"{r['hash']}  {r['source']}:{r['line']}:{r['column']}  {context}")
        return 0
    path = io.read_yaml(args.config)["deidentify"]["review_decisions"]
    table = parse_decisions(io.read_yaml(path), path)
    if not REVIEW_HASH.fullmatch(args.hash):
        print("not a review hash (r + 32 hex digits): nothing recorded")
        return 2
    table[args.hash] = args.decision
    io.write_yaml(path, {"decisions": dict(sorted(table.items()))})
    print(f"{args.hash}: {args.decision} recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
