# Shared definitions: config validation against workflow/schemas/ (unknown keys
# rejected), the raw-file list from the hand-over's codebook, and paths.
import functools
import json
import re

import yaml
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.sourcecache import LocalSourceFile
from snakemake.utils import validate

# libyaml's loader when PyYAML has it (the same documents, parsed in C)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text):
    """Parse YAML text (safe subset)."""
    return yaml.load(text, Loader=YAML_LOADER)


validate(config, "../schemas/config.schema.yaml")
for _path, _schema in (
    ("config/measures.yaml", "../schemas/measures.schema.yaml"),
    ("config/published.yaml", "../schemas/published.schema.yaml"),
):
    with open(_path, encoding="utf-8") as _fh:
        validate(load_yaml(_fh), _schema)

# Two kinds of files. The study's own (config/, the raw hand-over, results/)
# are found from the working directory. The workflow's own (schemas,
# resources, the manuscript, the package) sit beside these rules: in this
# repository both are the same folder; deployed as a Snakemake module into a
# study team's repository (README, "Deploying into your own repository") they
# are not.
if not isinstance(workflow.current_basedir, (str, LocalSourceFile)):
    raise WorkflowError(
        "selfcare must be deployed from a local copy of a tagged release "
        "(a checkout or git submodule named in the module's snakefile:), "
        "not from a remote source"
    )
WORKFLOW_ROOT = Path(str(workflow.current_basedir)).resolve().parents[1]


def wf(path):
    """A file shipped with the workflow, relative to the working directory when
    it lies inside it (so that recorded paths do not depend on the checkout's
    location), else absolute."""
    full = WORKFLOW_ROOT / path
    try:
        return str(full.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(full)


RAW = Path(config["data"]["raw_dir"])
CODEBOOK = RAW / config["data"]["codebook"]
SITES = list(config["sites"])
TIMEPOINTS = ["baseline", "followup"]
# wildcard constraints built from the configured sites and time points
SITE_PATTERN = "|".join(re.escape(s) for s in SITES)
TIMEPOINT_PATTERN = "|".join(TIMEPOINTS)


@functools.cache
def codebook():
    """The raw hand-over's codebook, read once per invocation."""
    return json.loads(CODEBOOK.read_text(encoding="utf-8-sig"))


def raw_files():
    """Every file the codebook of the raw hand-over names (computed once per
    invocation, though two rules take them as inputs)."""
    return list(_raw_files())


@functools.cache
def _raw_files():
    package = codebook()
    paths = [str(CODEBOOK)]
    for res in package["resources"]:
        items = res["path"] if isinstance(res["path"], list) else [res["path"]]
        # a path that leaves the raw folder is not an input: validation
        # reports it ('unsafe_path') and never opens it
        paths += [
            str(RAW / p)
            for p in items
            if isinstance(p, str)
            and not Path(p).is_absolute()
            and ".." not in Path(p).parts
        ]
    # The simulator's signature (synthetic hand-overs only; see raw/signature.py).
    if (RAW / "SYNTHETIC.sha256").exists():
        paths.append(str(RAW / "SYNTHETIC.sha256"))
    return tuple(paths)


def manuscript_sources():
    """The manuscript's source files (the Quarto project in manuscript/)."""
    return sorted(
        str(p)
        for p in Path(wf("manuscript")).rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and "_site" not in p.parts
        and "report" not in p.relative_to(wf("manuscript")).parts
    )


@functools.cache
def figure_captions():
    """Figure name -> caption, from the manuscript's figures.yaml (the same
    captions the report prints; the Snakemake report shows them too). The
    confidence level, quoted from the registry in the manuscript, is written
    out from the configured alpha (1 - alpha, as the registry computes it)."""
    level = f"{(1 - float(config['analysis']['alpha'])) * 100:g}%"
    with open(wf("manuscript/figures.yaml"), encoding="utf-8") as fh:
        return {
            k: " ".join(v["caption"].split()).replace(
                "{{< var config.confidence_pct >}}", level
            )
            for k, v in load_yaml(fh).items()
        }


def source_date_epoch():
    """Creation date of the PDF: the date of the last commit that touched the manuscript source (``git log -1
    --format=%ct -- manuscript``), so that the same source gives the same bytes
    and a commit elsewhere does not make the report stale; outside git (e.g.
    an exported copy) the renderer's documented
    fixed value, selfcare.report.render.DEFAULT_SOURCE_DATE_EPOCH (the
    manuscript's date, 2026-11-26 00:00 UTC)."""
    import subprocess

    try:
        out = subprocess.run(
            ["git", "-C", wf("."), "log", "-1", "--format=%ct", "--", "manuscript"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    text = out.stdout.strip()
    return int(text) if out.returncode == 0 and text.isdigit() else None


def document_title():
    """The manuscript's title and subtitle, from the front matter of index.qmd
    (for the Snakemake report)."""
    with open(wf("manuscript/index.qmd"), encoding="utf-8") as fh:
        meta = load_yaml(fh.read().split("---", 2)[1])
    return ": ".join(str(meta[k]) for k in ("title", "subtitle") if meta.get(k))


@functools.cache
def table_captions():
    """Table name -> caption, from the manuscript's tables.yaml (the captions
    the report prints under its tables; the Snakemake report shows them too)."""
    with open(wf("manuscript/tables.yaml"), encoding="utf-8") as fh:
        return {k: " ".join(v["caption"].split()) for k, v in load_yaml(fh).items()}


def in_report(path, caption, category, **kwargs):
    """Mark an output for `snakemake --report`, its caption template taken from
    manuscript/report/ (templates only: the text comes from the manuscript)."""
    return report(
        path,
        caption=str(WORKFLOW_ROOT / "manuscript/report" / caption),
        category=category,
        **kwargs,
    )


def rule_scripts():
    """Rule name -> the script it runs (for the provenance manifest)."""
    out = {}
    for r in workflow.rules:
        if r.script:
            out[r.name] = wf(
                Path(WORKFLOW_ROOT, "workflow/rules", r.script)
                .resolve()
                .relative_to(WORKFLOW_ROOT)
            )
    return out


#: Keys of config["deidentify"] that only the leak check reads.
LEAK_CHECK_KEYS = ("leak_ignore_words",)
#: Keys of config["deidentify"] that only the scrubber's evaluation reads.
EVALUATION_KEYS = ("evaluation",)


def deidentify_params():
    """config["deidentify"] without the leak check's and the evaluation's
    settings, so that changing those reruns only that check, never
    de-identification and everything downstream."""
    return {
        k: v
        for k, v in config["deidentify"].items()
        if k not in LEAK_CHECK_KEYS + EVALUATION_KEYS
    }


def config_without_leak_check():
    """The whole configuration but for the leak check's settings (for rules
    that quote settings, so that changing a leak setting does not rebuild
    the manuscript)."""
    return {**config, "deidentify": deidentify_params()}


def leak_check_params():
    """The leak check's settings (its slice of config["deidentify"])."""
    return {"ignore_words": config["deidentify"]["leak_ignore_words"]}


def analysis_params(*keys):
    """The slice of config["analysis"] a rule uses (so that changing one
    model's settings reruns only that model and what depends on it)."""
    return {k: config["analysis"][k] for k in keys if k in config["analysis"]}


def dataset_params():
    """Settings that shape the analysis dataset: the exposure and the engagement definition."""
    anc, eng = config["analysis"]["ancova"], config["analysis"]["engagement"]
    return {
        "ancova": {
            k: anc[k] for k in ("exposure", "exposure_timepoint", "exposure_level")
        },
        "engagement": {
            k: eng[k] for k in ("window_start", "window_end", "min_sessions")
        },
    }


def corrections_file():
    """The hand-over's corrections log, if its codebook declares one (else nothing)."""
    return [
        str(RAW / r["path"])
        for r in codebook()["resources"]
        if r["name"] == "corrections"
    ]


@functools.cache
def package_sources():
    """Every module of the package by dotted name, read once per invocation."""
    from selfcare.core.io import read_package_sources

    return read_package_sources(wf("workflow/selfcare"))


def package_code(script):
    """The package modules a rule's script imports (followed through the
    package), as inputs: editing one reruns exactly the rules that use it,
    which Snakemake's own script tracking (the script file only) would miss."""
    from selfcare.core.imports import imported_modules, module_path, package_names

    modules = package_sources()
    source = (WORKFLOW_ROOT / "workflow/rules" / script).read_text(encoding="utf-8")
    packages = package_names(modules)
    root = wf("workflow")
    return sorted(
        module_path(m, packages, root) for m in imported_modules(source, modules)
    )
