#!/usr/bin/env python3
"""Mutation testing of the modules where a silent error harms someone (issue 18).

Usage (from the repository root, in the project's venv)::

    python .ci/mutation.py                      # every group of .ci/mutation.toml
    python .ci/mutation.py deidentify scoring   # some groups
    python .ci/mutation.py deidentify --timeout 300 --max-children 2
    python .ci/mutation.py report --survivors   # also print each surviving mutant's diff

Each group of ``.ci/mutation.toml`` is one run of mutmut (pinned in
requirements.lock). mutmut wants the package importable from ``src/`` of the
folder it runs in, so the run is staged in ``.mutation/<group>/`` (git-ignored):
``src/selfcare`` and ``tests`` are copies, the other top-level folders of the
repository (config, resources, workflow, ...) are linked, so the tests find their
data exactly as in the repository. Only the group's modules are mutated, and each
mutant is run against the group's test files only, and of those only the tests
that execute the mutated function.

Results are cached in ``.mutation/<group>/mutants`` between runs (a changed
function is re-tested; ``--fresh`` starts over; survivors are always re-tested,
so new tests count at once).

The summary table (module, mutants, killed, survived, equivalent, score) is
printed and written to ``.mutation/summary.md``; the diff of every surviving
mutant that is not listed as equivalent goes to ``.mutation/survivors.txt``.
Equivalent mutants are read from ``.ci/mutation-equivalent.toml``: each entry
names the function and the changed lines, so it still applies when mutmut
renumbers mutants after an edit elsewhere in the function.

A group's measured run can be recorded (``--record``, with ``--fresh``) in
``.ci/mutation-record.json``, keyed by a digest of everything its result depends
on: the mutated modules, every package module they or the group's tests import
(followed through the package), the test files and their ``conftest.py`` files,
``config/``, ``resources/``, the lock file, the equivalents file and this
script. ``--reuse-record`` (what CI runs) takes the recorded scores of a group
whose digest is unchanged and runs every other group fresh: CI tests the groups
a change touched, and a recorded score stands only for exactly the code and
tests it was measured on.

Exit status: 0 when every module reaches the target score, 1 otherwise
(``--no-fail`` always exits 0 after printing), 2 on a setup error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".ci" / "mutation.toml"
EQUIVALENT = ROOT / ".ci" / "mutation-equivalent.toml"
RECORD = ROOT / ".ci" / "mutation-record.json"
SCRIPT = Path(__file__).resolve()
WORK = ROOT / ".mutation"
PACKAGE = ROOT / "workflow" / "selfcare"
#: Top-level entries not linked into the staging folder (copied or irrelevant).
NOT_LINKED = {".git", ".venv", ".mutation", "tests", "pyproject.toml", "src", "mutants", "setup.cfg"}
#: Tests that run the whole workflow or many replicates: never part of a mutation run.
SLOW_TESTS = {"tests/workflow/test_workflow.py", "tests/workflow/test_deploy.py", "tests/synth/test_calibration.py"}

KILLED = {"killed", "timeout", "segfault", "caught by type check"}


def load_config() -> dict:
    with CONFIG.open("rb") as f:
        return tomllib.load(f)


def load_equivalents() -> list[dict]:
    if not EQUIVALENT.exists():
        return []
    with EQUIVALENT.open("rb") as f:
        entries = tomllib.load(f).get("mutant", [])
    for e in entries:
        missing = {"function", "removed", "added", "reason"} - set(e)
        if missing:
            raise SystemExit(f"{EQUIVALENT.name}: entry {e} lacks {sorted(missing)}")
        if not e["reason"].strip():
            raise SystemExit(f"{EQUIVALENT.name}: entry {e['function']} has no reason")
    return entries


def _test_files(spec: dict) -> list[Path]:
    """The group's test files (folders expanded) and every conftest.py above them."""
    files: set[Path] = set()
    for t in spec["tests"]:
        path = ROOT / t
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
        for f in found:
            files.add(f)
            for parent in f.parents:
                if parent == ROOT.parent or not parent.is_relative_to(ROOT / "tests"):
                    break
                if (parent / "conftest.py").exists():
                    files.add(parent / "conftest.py")
    return sorted(files)


def group_inputs(spec: dict) -> list[Path]:
    """Every file a group's mutation result depends on (see the module docstring)."""
    from selfcare.core.imports import imported_modules

    sources = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        sources[".".join(parts)] = path
    texts = {name: path.read_text() for name, path in sources.items()}
    tests = _test_files(spec)
    mutated = [PACKAGE / m for m in spec["modules"]]
    used = imported_modules("\n".join(p.read_text() for p in mutated + tests), texts)
    files = set(mutated) | {sources[n] for n in used} | set(tests)
    for init in PACKAGE.rglob("__init__.py"):
        files.add(init)
    for folder in ("config", "resources"):
        files |= {f for f in (ROOT / folder).rglob("*") if f.is_file() and "__pycache__" not in f.parts}
    files |= {ROOT / "requirements.lock", CONFIG, EQUIVALENT, SCRIPT}
    return sorted(f for f in files if f.exists())


def group_digest(group: str, spec: dict) -> str:
    """sha256 over the group's spec and the (path, sha256) of each of its input files."""
    h = hashlib.sha256(json.dumps({group: spec}, sort_keys=True).encode())
    for f in group_inputs(spec):
        h.update(f"{f.relative_to(ROOT).as_posix()}\0{hashlib.sha256(f.read_bytes()).hexdigest()}\n".encode())
    return h.hexdigest()


def load_record() -> dict:
    return json.loads(RECORD.read_text()) if RECORD.exists() else {}


def sync_tree(src: Path, dst: Path) -> None:
    """Make ``dst`` a copy of ``src`` (.py and data files), keeping modification
    times so that mutmut's cache sees unchanged files as unchanged."""
    wanted = set()
    for path in src.rglob("*"):
        if "__pycache__" in path.parts or path.name.endswith(".pyc"):
            continue
        rel = path.relative_to(src)
        wanted.add(rel)
        target = dst / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        if target.exists():
            st, tt = path.stat(), target.stat()
            if st.st_mtime_ns == tt.st_mtime_ns and st.st_size == tt.st_size:
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    if dst.exists():
        for path in sorted(dst.rglob("*"), reverse=True):
            rel = path.relative_to(dst)
            if "__pycache__" in rel.parts or rel in wanted:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()


def pyproject_text(modules: list[str], tests: list[str]) -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        markers = tomllib.load(f)["tool"]["pytest"]["ini_options"].get("markers", [])

    def toml_list(items):
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    return "\n".join(
        [
            "# generated by .ci/mutation.py: do not edit",
            "[tool.pytest.ini_options]",
            f"markers = {toml_list(markers)}",
            "",
            "[tool.mutmut]",
            'source_paths = ["src/selfcare"]',
            f"only_mutate = {toml_list(['src/selfcare/' + m for m in modules])}",
            f"pytest_add_cli_args_test_selection = {toml_list(tests)}",
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not slow", "-W", "ignore"]',
            "use_git_change_detection = false",
            "timeout_multiplier = 10.0",
            "",
        ]
    )


def stage(group: str, spec: dict, fresh: bool) -> Path:
    """Lay out .mutation/<group>/ for mutmut and return it."""
    work = WORK / group
    if fresh and work.exists():
        shutil.rmtree(work)
    (work / "mutants").mkdir(parents=True, exist_ok=True)
    tests = []
    for t in spec["tests"]:
        if t in SLOW_TESTS:
            raise SystemExit(f"{group}: {t} is a slow test and cannot be part of a mutation run")
        if (ROOT / t).exists():
            tests.append(t)
        else:
            print(f"[{group}] note: {t} does not exist, skipped", file=sys.stderr)
    for m in spec["modules"]:
        if not (PACKAGE / m).is_file():
            raise SystemExit(f"{group}: module workflow/selfcare/{m} does not exist")
    sync_tree(PACKAGE, work / "src" / "selfcare")
    sync_tree(ROOT / "tests", work / "tests")
    text = pyproject_text(spec["modules"], tests)
    pyproject = work / "pyproject.toml"
    if not pyproject.exists() or pyproject.read_text() != text:
        pyproject.write_text(text)
    # data the tests read relative to the repository root: linked, not copied
    for entry in ROOT.iterdir():
        if entry.name in NOT_LINKED or entry.name.startswith(".venv"):
            continue
        link = work / "mutants" / entry.name
        if not link.is_symlink():
            if link.exists():
                shutil.rmtree(link) if link.is_dir() else link.unlink()
            link.symlink_to(entry)
    return work


def meta_files(work: Path, spec: dict) -> dict[str, Path]:
    return {m: work / "mutants" / "src" / "selfcare" / (m + ".meta") for m in spec["modules"]}


def previous_survivors(work: Path, spec: dict) -> list[str]:
    from mutmut.stats import status_by_exit_code

    names = []
    for meta in meta_files(work, spec).values():
        if meta.exists():
            codes = json.loads(meta.read_text())["exit_code_by_key"]
            names += [k for k, v in codes.items() if v is not None and status_by_exit_code[v] not in KILLED]
    return names


def run_mutmut(work: Path, spec: dict, max_children: int, timeout: float, log) -> bool:
    """Run mutmut in ``work``; return False if it had to be stopped at the time limit."""
    mutmut = Path(sys.executable).with_name("mutmut")
    base = [str(mutmut), "run", "--max-children", str(max_children)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
    # survivors (and mutants without a test) of an earlier run are re-tested: a
    # mutant named on the command line is always run again. They are run first,
    # by name, then every mutant not yet checked.
    survivors = previous_survivors(work, spec)
    commands = [base + survivors] if survivors else []
    commands.append(base)
    deadline = time.monotonic() + timeout
    for cmd in commands:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            return False
        if proc.returncode != 0:
            log.flush()
            tail = Path(log.name).read_text(errors="replace").splitlines()[-30:]
            raise SystemExit(f"mutmut failed in {work} (exit {proc.returncode}):\n" + "\n".join(tail))
    return True


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    removed = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return removed, added


def collect(work: Path, group: str, spec: dict, equivalents: list[dict]) -> tuple[list[dict], list[str], set[int]]:
    """Per-module counts, the surviving mutants' diffs, and the equivalent entries used."""
    from mutmut import configuration
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    rows, survivor_text, used = [], [], set()
    stubs = STUBS
    cwd = os.getcwd()
    os.chdir(work)
    configuration.reset_config()
    try:
        for module, meta in meta_files(work, spec).items():
            codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
            row = {"module": module, "mutants": len(codes), "killed": 0, "survived": 0, "equivalent": 0}
            for name, code in sorted(codes.items()):
                status = status_by_exit_code[code]
                if status in KILLED:
                    row["killed"] += 1
                    continue
                path = Path("src/selfcare") / module
                diff = get_diff_for_mutant(name, path=path)
                removed, added = changed_lines(diff)
                function = mangled_name_from_mutant_name(name)
                match = [
                    i
                    for i, e in enumerate(equivalents)
                    if e["function"] == function
                    and [s.strip() for s in e["removed"]] == removed
                    and [s.strip() for s in e["added"]] == added
                ]
                if match and status == "survived":
                    row["equivalent"] += 1
                    used.update(match)
                else:
                    row["survived"] += 1
                    survivor_text.append(f"# {name}: {status}\n{diff}\n")
                    stubs.append(equivalent_stub(name, function, removed, added))
            tested = row["mutants"] - row["equivalent"]
            row["score"] = 100.0 * row["killed"] / tested if tested else 100.0
            rows.append(row)
    finally:
        os.chdir(cwd)
    return rows, survivor_text, used


#: TOML entries for the surviving mutants, written to .mutation/equivalent-stub.toml:
#: a starting point for .ci/mutation-equivalent.toml (each needs a reason).
STUBS: list[str] = []


def equivalent_stub(name: str, function: str, removed: list[str], added: list[str]) -> str:
    return "\n".join(
        [
            "[[mutant]]",
            f"# {name}",
            f"function = {json.dumps(function)}",
            f"removed = {json.dumps(removed, ensure_ascii=False)}",
            f"added = {json.dumps(added, ensure_ascii=False)}",
            'reason = ""',
            "",
        ]
    )


def table(rows: list[dict], target: float) -> str:
    head = "| module | mutants | killed | survived | equivalent | score | target |"
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        mark = "" if r["score"] >= target else " (below)"
        score = f"{r['score']:.1f}%{mark}" if r["mutants"] else "n/a (no code in functions)"
        lines.append(
            f"| {r['module']} | {r['mutants']} | {r['killed']} | {r['survived']} | {r['equivalent']} "
            f"| {score} | {target:g}% |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    config = load_config()
    groups = config["groups"]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("groups", nargs="*", help=f"groups of .ci/mutation.toml: {', '.join(sorted(groups))} (default: all)")
    p.add_argument("--max-children", type=int, default=2, help="parallel mutant workers (default 2)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds allowed per group (default 1800)")
    p.add_argument("--fresh", action="store_true", help="forget cached results and mutants")
    p.add_argument("--survivors", action="store_true", help="print the diff of every surviving mutant")
    p.add_argument("--no-fail", action="store_true", help="exit 0 even below the target")
    p.add_argument("--record", action="store_true",
                   help=f"with --fresh: write each group's result and input digest to {RECORD.relative_to(ROOT)}")
    p.add_argument("--reuse-record", action="store_true",
                   help="use the recorded scores of a group whose inputs are unchanged; run the others fresh")
    p.add_argument("--output", type=Path, default=WORK / "summary.md", help="summary table file")
    args = p.parse_args(argv)
    selected = args.groups or sorted(groups)
    unknown = [g for g in selected if g not in groups]
    if unknown:
        p.error(f"unknown group(s) {unknown}; choose from {sorted(groups)}")
    target = float(config.get("target", 90))
    equivalents = load_equivalents()

    if args.record and not args.fresh:
        p.error("--record needs --fresh: a recorded score must come from a run from scratch")
    WORK.mkdir(exist_ok=True)
    record = load_record()
    all_rows, all_survivors, used, incomplete, reused = [], [], set(), [], []
    for group in selected:
        spec = groups[group]
        start = time.monotonic()
        digest = group_digest(group, spec)
        if args.reuse_record and record.get(group, {}).get("digest") == digest:
            entry = record[group]
            print(f"[{group}] inputs unchanged since the recorded run ({entry['measured']}; digest {digest[:12]}): "
                  "recorded scores used", flush=True)
            all_rows += entry["rows"]
            reused.append(group)
            continue
        work = stage(group, spec, args.fresh or args.reuse_record)
        print(f"[{group}] mutating {len(spec['modules'])} modules (log: {work / 'mutmut.log'})", flush=True)
        with (work / "mutmut.log").open("w") as log:
            finished = run_mutmut(work, spec, args.max_children, args.timeout, log)
        if not finished:
            incomplete.append(group)
            print(f"[{group}] stopped at the time limit ({args.timeout:g} s): unchecked mutants count as survivors")
        rows, survivors, group_used = collect(work, group, spec, equivalents)
        used |= group_used
        all_rows += rows
        all_survivors += survivors
        seconds = time.monotonic() - start
        print(f"[{group}] done in {seconds:.0f} s", flush=True)
        if args.record and finished:
            from importlib.metadata import version

            record[group] = {
                "digest": digest,
                "measured": f"run from scratch in {seconds:.0f} s, mutmut {version('mutmut')}, "
                            f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d', time.gmtime())}",
                "rows": [{k: (round(v, 1) if k == "score" else v) for k, v in r.items()} for r in rows],
            }
    if args.record:
        RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        print(f"recorded: {RECORD.relative_to(ROOT)}")

    stale = [
        e
        for i, e in enumerate(equivalents)
        if i not in used and any(e["function"].startswith(f"selfcare.{m[:-3].replace('/', '.')}.")
                                 for g in selected if g not in reused for m in groups[g]["modules"])
    ]
    text = table(all_rows, target)
    total_mut = sum(r["mutants"] for r in all_rows)
    total_eq = sum(r["equivalent"] for r in all_rows)
    total_kill = sum(r["killed"] for r in all_rows)
    summary = (
        f"{text}\n\nAll: {total_mut} mutants, {total_kill} killed, {total_eq} equivalent, "
        f"score {100.0 * total_kill / max(total_mut - total_eq, 1):.1f}% (mutmut; groups: {', '.join(selected)}"
        f"{'; recorded scores used for ' + ', '.join(reused) if reused else ''})\n"
    )
    print()
    print(summary)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(summary)
    (WORK / "survivors.txt").write_text("\n".join(all_survivors))
    (WORK / "equivalent-stub.toml").write_text("\n".join(STUBS))
    if args.survivors:
        print("\n".join(all_survivors))
    print(f"table: {args.output}; surviving mutants: {WORK / 'survivors.txt'} ({len(all_survivors)})")
    for e in stale:
        print(f"note: equivalent entry matches no surviving mutant (stale?): {e['function']} {e['removed']} -> {e['added']}")
    below = [r["module"] for r in all_rows if r["score"] < target]
    if incomplete:
        print(f"incomplete (time limit): {', '.join(incomplete)}")
    if below:
        print(f"below the {target:g}% target: {', '.join(below)}")
    return 0 if args.no_fail or not (below or incomplete) else 1


if __name__ == "__main__":
    sys.exit(main())
