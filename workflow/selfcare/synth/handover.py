"""The raw hand-over as bytes: registers with identifiers, item-level
questionnaires, attendance, transcripts, the REFI-QDA export, the national
survey, the corrections log and the Frictionless codebook
(:func:`simulate_dataset`), with planted data-entry errors and their
documented corrections.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, Mapping

import numpy as np
import pandas as pd

from selfcare.refiqda.archive import write_qdpx
from selfcare.refiqda.model import (
    Selection,
    TextSource,
    code_guid,
    project_from_framework,
    selection_guid,
    source_guid,
)
from selfcare.synth.calibration import dataset_from_tables
from selfcare.synth.facts import SYNTHETIC_NOTE, child_rng, constraint, id_width, site_codes
from selfcare.synth.identifiers import NHS_TEST_NUMBERS, email, iso, iso_days, participants, phone, unique_names
from selfcare.synth.quantitative import simulate_quantitative, true_parameters
from selfcare.synth.realise import realise_published
from selfcare.synth.transcripts.generate import generate_transcript

# ---------------------------------------------------------------------------
# Identifiers, registers and files
# ---------------------------------------------------------------------------



def _fill_sites(fields: list[dict[str, Any]], sites: Mapping[str, str], id_width: int, nhs_unique: bool) -> list[dict[str, Any]]:
    """The template's fields with the site tokens filled in (see config/codebook.yaml)."""
    import re

    out = []
    for f in fields:
        f = dict(f)
        cons = dict(f.get("constraints") or {})
        if cons.get("enum") == "<sites>":
            cons["enum"] = list(sites)
        if cons.get("enum") == "<initiatives>":
            cons["enum"] = list(dict.fromkeys(sites.values()))
        if "pattern" in cons:
            pat = str(cons["pattern"]).replace("<sites>", "|".join(re.escape(s) for s in sites))
            cons["pattern"] = pat.replace("<id_width>", str(id_width))
        if f.get("identifier") == "nhs_number" and not nhs_unique:
            cons.pop("unique", None)
        if "constraints" in f:
            f["constraints"] = cons
        out.append(f)
    return out


def build_codebook(
    codebook: Mapping[str, Any],
    measures: Mapping[str, Any],
    synthetic: bool,
    transcript_files: list[str],
    sites: Mapping[str, str] | None = None,
    id_width: int = 3,
    nhs_unique: bool = True,
) -> dict[str, Any]:
    """Frictionless Data Package descriptor of the raw hand-over.

    Parameters
    ----------
    codebook : mapping
        ``config/codebook.yaml``.
    measures : mapping
        ``config/measures.yaml``; adds the item columns of each questionnaire.
    synthetic : bool
        Marks the package as synthetic.
    transcript_files : list of str
        Relative paths of the transcripts.
    sites : mapping, optional
        Site code -> initiative, filled in for ``"<sites>"`` and
        ``"<initiatives>"``.
    id_width : int
        Digits of the number in a study ID (``"<id_width>"``).
    nhs_unique : bool
        False when the register's NHS numbers repeat (more people than the
        test range holds): the column then loses its ``unique`` constraint.
    """
    resources = []
    for name, res in codebook["resources"].items():
        kind = res.get("kind", "table")
        entry: dict[str, Any] = {"name": name, "description": res.get("description", "")}
        if kind == "text":
            entry.update(path=sorted(transcript_files), format="txt", mediatype="text/plain", encoding="utf-8")
        elif kind == "refi-qda":
            entry.update(path=res["path"], format="qdpx", mediatype="application/zip")
        else:
            fields = _fill_sites(list(res["fields"]), dict(sites or {}), id_width, nhs_unique)
            tp = res.get("measure_items")
            if tp:
                for mname, m in measures["measures"].items():
                    if tp not in m["timepoints"]:
                        continue
                    for k, code in enumerate(m["items"], 1):
                        fields.append(
                            {
                                "name": code,
                                "type": "integer",
                                "description": f"{m['label']}, item {k} (wording licensed, not stored)",
                                "constraints": {"minimum": m["response_min"], "maximum": m["response_max"]},
                            }
                        )
            schema: dict[str, Any] = {"fields": fields, "primaryKey": list(res["primary_key"])}
            fks = []
            for field, ref in (res.get("foreign_keys") or {}).items():
                targets = [t.strip() for t in str(ref).split(",")]
                fks.append(
                    {
                        "fields": field,
                        "reference": [
                            {"resource": t.split(".")[0], "fields": t.split(".")[1]} for t in targets
                        ]
                        if len(targets) > 1
                        else {"resource": targets[0].split(".")[0], "fields": targets[0].split(".")[1]},
                    }
                )
            if fks:
                schema["foreignKeys"] = fks
            entry.update(
                path=res["path"],
                format="csv",
                mediatype="text/csv",
                encoding="utf-8",
                dialect={"commentChar": "#"},
                schema=schema,
            )
        if res.get("identifier_content"):
            entry["identifier_content"] = True
        resources.append(entry)
    return {
        "name": "selfcare-raw",
        "title": "Supporting self care in Mental Health NHS Trusts: raw study data",
        "synthetic": bool(synthetic),
        "description": SYNTHETIC_NOTE if synthetic else "",
        "profile": "data-package",
        "resources": resources,
    }


def _first(name: str) -> str:
    """First name of a full name."""
    return name.split(" ", 1)[0]


def _questionnaire_frame(frame: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """A questionnaire with the interview day as an ISO date (second column)."""
    out = frame.copy()
    out.insert(1, "interview_date", iso_days(start, out.pop("interview_day")))
    return out


def _interviewees(cfg: Mapping[str, Any], seed: int, taken: set[str]) -> pd.DataFrame:
    """The register of carers, staff and managers interviewed at each site."""
    icfg = cfg["interviews"]
    ident = cfg["identifiers"]
    rng_iv = child_rng(seed, "interviewees")
    iv_rows = []
    for site in site_codes(cfg):
        for group, prefix, count in (("carer", "CA", icfg["carers"]), ("staff", "ST", icfg["staff"]),
                                     ("manager", "MG", icfg["managers"])):
            genders = list(rng_iv.choice(["female", "male"], size=int(count), p=[0.6, 0.4]))
            for k, nm in enumerate(unique_names(rng_iv, genders, ident, taken), 1):
                role = "carer" if group == "carer" else str(rng_iv.choice(icfg["roles"][group]))
                iv_rows.append(
                    {
                        "person_id": f"{prefix}-{site}-{k:02d}",
                        "group": group,
                        "site": site,
                        "full_name": nm,
                        "role": role,
                        "phone": phone(rng_iv, ident, site),
                        "email": email(rng_iv, nm, ident),
                        "consent_quotes": "yes" if rng_iv.random() < icfg["consent_quotes_rate"] else "no",
                    }
                )
    return pd.DataFrame(iv_rows)


def _interview_plan(
    rng: np.random.Generator, icfg: Mapping[str, Any], site_reg: pd.DataFrame, site_interviewees: pd.DataFrame
) -> list[tuple[pd.Series, str, str]]:
    """(register row, group, time point) of every interview at one site.

    A sample of service users at baseline, the first of them still in the
    study at follow-up, then every carer, staff member and manager once.
    """
    chosen = site_reg.sample(n=int(icfg["service_users_baseline"]), random_state=int(rng.integers(1 << 31)))
    chosen = chosen.sort_values("study_id")
    fu_pool = chosen[chosen["followup_date"] != ""]
    fu = fu_pool.head(int(icfg["service_users_followup"]))
    plan = [(r, "service_user", "baseline") for _, r in chosen.iterrows()]
    plan += [(r, "service_user", "followup") for _, r in fu.iterrows()]
    plan += [(r, r["group"], "single") for _, r in site_interviewees.iterrows()]
    return plan


def _interview_speaker(
    rng: np.random.Generator, row: pd.Series, group: str, tp: str, ident: Mapping[str, Any], site: str, start: dt.date
) -> tuple[str, str, dict[str, Any]]:
    """Who is interviewed, on which date, and what the transcript may mention.

    Returns
    -------
    person : str
        ``study_id`` of a service user, ``person_id`` of anyone else.
    day : str
        ISO date of the interview.
    speaker : dict
        Identifiers for :func:`generate_transcript`; a service user without a
        registered phone or email gets one invented for the interview.
    """
    if group == "service_user":
        day = row["baseline_date"] if tp == "baseline" else row["followup_date"]
        speaker = {
            "full_name": row["full_name"],
            "first_name": _first(row["full_name"]),
            "phone": row["phone"] or phone(rng, ident, site),
            "email": row["email"] or email(rng, row["full_name"], ident),
            "nhs_number": row["nhs_number"],
            "postcode": row["postcode"],
        }
        return row["study_id"], day, speaker
    day = iso(start, int(rng.integers(120, 600)))
    speaker = {
        "full_name": row["full_name"],
        "first_name": _first(row["full_name"]),
        "phone": row["phone"],
        "email": row["email"],
    }
    return row["person_id"], day, speaker


def _interviews(
    cfg: Mapping[str, Any],
    seed: int,
    reg: pd.DataFrame,
    interviewees: pd.DataFrame,
    start: dt.date,
    bank: Mapping[str, Any],
    framework: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, str], dict[str, list[dict]]]:
    """Every interview, its transcript and the transcript's coding.

    Returns
    -------
    interviews : pandas.DataFrame
        The interview register (rows of ``interviews.csv``).
    texts, segments : dict
        Interview id -> transcript text, and -> coded segments.
    """
    icfg = cfg["interviews"]
    ident = cfg["identifiers"]
    rng_tx = child_rng(seed, "transcripts")
    interviews = []
    texts: dict[str, str] = {}
    segments: dict[str, list[dict]] = {}
    for site in site_codes(cfg):
        counter = itertools.count(1)
        site_reg = reg[reg["site"] == site]
        staff = interviewees[(interviewees["site"] == site) & (interviewees["group"] != "carer")]
        staff_people = [{"full_name": n, "first_name": _first(n)} for n in staff["full_name"]]
        plan = _interview_plan(rng_tx, icfg, site_reg, interviewees[interviewees["site"] == site])
        for row, group, tp in plan:
            iid = f"INT-{site}-{next(counter):03d}"
            person, day, speaker = _interview_speaker(rng_tx, row, group, tp, ident, site, start)
            peers = site_reg[site_reg["full_name"] != speaker["full_name"]].sample(
                n=2, random_state=int(rng_tx.integers(1 << 31))
            )
            others = [p for p in staff_people if p["full_name"] != speaker["full_name"]]
            others += [{"full_name": n, "first_name": _first(n)} for n in peers["full_name"]]
            header = f"[SYNTHETIC TRANSCRIPT - not a real interview] {iid}"
            texts[iid], segments[iid] = generate_transcript(
                rng_tx, speaker, others, group, site, tp, bank, framework, list(ident["places"][site]), header
            )
            interviews.append(
                {
                    "interview_id": iid,
                    "person_id": person,
                    "group": group,
                    "site": site,
                    "timepoint": tp,
                    "interview_date": day,
                    "transcript_file": f"transcripts/{iid}.txt",
                }
            )
    return pd.DataFrame(interviews), texts, segments


def _coding_project(
    texts: Mapping[str, str], segments: Mapping[str, list[dict]], framework: Mapping[str, Any]
) -> bytes:
    """The REFI-QDA export (``coding.qdpx``) of the transcripts' coding."""
    from selfcare.core import io as sio

    sources = []
    for iid in sorted(texts):
        spans: dict[tuple[int, int], list[str]] = {}
        for seg in segments[iid]:
            spans.setdefault((int(seg["start"]), int(seg["end"])), []).append(code_guid(seg["code_path"]))
        sels = [
            Selection(guid=selection_guid(iid, a, b), start=a, end=b, code_guids=codes)
            for (a, b), codes in sorted(spans.items())
        ]
        sources.append(TextSource(guid=source_guid(iid), name=iid, text=texts[iid], selections=sels))
    project = project_from_framework(
        "Supporting self care: interview coding (SYNTHETIC)",
        framework,
        sources,
        "SYNTHETIC project generated by selfcare.simulate; transcripts are invented.",  # hand-over bytes: see SYNTHETIC_NOTE
    )
    return sio.zip_bytes(write_qdpx(project))


def _survey(cfg: Mapping[str, Any], seed: int) -> pd.DataFrame:
    """The national survey of trusts: yes/no and Likert items, some unanswered."""
    scfg = cfg["survey"]
    rng_sv = child_rng(seed, "survey")
    n_resp = int(scfg["responded"])
    survey = pd.DataFrame(
        {
            "trust_id": [f"T{i:02d}" for i in range(1, n_resp + 1)],
            "region": rng_sv.choice(["north", "midlands_east", "london", "south"], size=n_resp),
        }
    )
    for col, rate in scfg["yes_rates"].items():
        vals = np.where(rng_sv.random(n_resp) < rate, "yes", "no").astype(object)
        vals[rng_sv.random(n_resp) < scfg["item_missing_rate"]] = ""
        survey[col] = vals
    for col, mean in scfg["likert_means"].items():
        vals = np.clip(np.rint(mean + 0.9 * rng_sv.standard_normal(n_resp)), 1, 5).astype(int).astype(object)
        vals[rng_sv.random(n_resp) < scfg["item_missing_rate"]] = ""
        survey[col] = vals
    return survey


def _csv(df: pd.DataFrame) -> bytes:
    """A table as hand-over bytes (CSV under the SYNTHETIC note)."""
    from selfcare.core import io as sio

    return sio.csv_text(df, SYNTHETIC_NOTE.replace("SYNTHETIC", "SYNTHETIC", 1)).encode("utf-8")


def _metadata_files(
    cfg: Mapping[str, Any], codebook: Mapping[str, Any], measures: Mapping[str, Any], seed: int, texts: Mapping[str, str]
) -> dict[str, bytes]:
    """The codebook (``datapackage.json``), the true parameters and the demo key."""
    from selfcare.core import io as sio

    files: dict[str, bytes] = {}
    sizes = [int(cfg["sites"][s]["n"]) for s in site_codes(cfg)]
    files["datapackage.json"] = sio.dump_json(
        build_codebook(codebook, measures, True, [f"transcripts/{i}.txt" for i in texts],
                       {s: str(cfg["sites"][s]["initiative"]) for s in site_codes(cfg)},
                       id_width=id_width(cfg), nhs_unique=sum(sizes) <= NHS_TEST_NUMBERS)
    ).encode("utf-8")
    truth = true_parameters(cfg)
    truth["_note"] = SYNTHETIC_NOTE
    truth["seed"] = seed
    files["simulation_truth.json"] = sio.dump_json(truth).encode("utf-8")
    demo_key = child_rng(seed, "demo-key").bytes(32).hex()
    files["demo_pseudonym_key.txt"] = (
        "# DEMO pseudonymisation key for the SYNTHETIC dataset only; never use it for real data\n"
        f"{demo_key}\n"
    ).encode("utf-8")
    return files


def simulate_dataset(
    cfg: Mapping[str, Any],
    measures: Mapping[str, Any],
    codebook: Mapping[str, Any],
    framework: Mapping[str, Any],
    bank: Mapping[str, Any],
    seed: int | None = None,
    analysis: Mapping[str, Any] | None = None,
    published: Mapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """Build every file of the synthetic raw hand-over.

    With ``constraints.realise_published: true`` in the configuration, the drawn
    quantitative tables are then moved, by documented construction
    (:func:`selfcare.synth.realise.realise_published`), until the workflow's
    methods give each published executive-summary number at its printed
    precision; that needs ``analysis`` and ``published``.

    Parameters
    ----------
    cfg, measures, codebook, framework, bank : mapping
        ``config/simulation.yaml``, ``measures.yaml``, ``codebook.yaml``,
        ``framework.yaml`` and ``transcripts.yaml``.
    seed : int, optional
        Overrides the configured seed.
    analysis : mapping, optional
        The ``analysis`` section of ``config/config.yaml``.
    published : mapping, optional
        ``config/published.yaml``.

    Returns
    -------
    dict
        Relative path -> file content (bytes). Same inputs, same bytes.
    """
    seed = int(cfg["seed"] if seed is None else seed)
    q = simulate_quantitative(cfg, measures, seed)
    if constraint(cfg, "realise_published"):
        if analysis is None or published is None:
            raise ValueError("realise_published needs the analysis configuration and config/published.yaml")
        q = realise_published(q, measures, analysis, published,
                              lambda t: dataset_from_tables(t, measures, analysis))
    people = q["people"]
    start = dt.date.fromisoformat(str(cfg["recruitment"]["start"]))
    taken: set[str] = set()
    reg = participants(cfg, people, seed, taken, start)
    demo_cols = ["study_id", "gender", "ethnicity", "dependants", "marital_status", "education",
                 "living_alone", "supported_accommodation", "employment_status"]
    demographics = people[demo_cols]
    baseline = _questionnaire_frame(q["baseline"], start)
    followup = _questionnaire_frame(q["followup"], start)
    attendance = pd.DataFrame(
        {"study_id": q["attendance"]["study_id"], "session_date": iso_days(start, q["attendance"]["day"])}
    ).drop_duplicates()
    interviewees = _interviewees(cfg, seed, taken)
    interviews_df, texts, segments = _interviews(cfg, seed, reg, interviewees, start, bank, framework)
    qdpx = _coding_project(texts, segments, framework)
    survey = _survey(cfg, seed)
    reg, baseline, corrections = inject_entry_errors(reg, baseline, child_rng(seed, "corrections"), start)

    files: dict[str, bytes] = {
        "participants.csv": _csv(reg),
        "screening.csv": _csv(q["screening"]),
        "demographics.csv": _csv(demographics),
        "baseline.csv": _csv(_ints(baseline)),
        "followup.csv": _csv(_ints(followup)),
        "attendance.csv": _csv(attendance),
        "interviewees.csv": _csv(interviewees),
        "interviews.csv": _csv(interviews_df),
        "survey.csv": _csv(survey),
        "corrections.csv": _csv(corrections),
        "coding.qdpx": qdpx,
    }
    for iid, text in texts.items():
        files[f"transcripts/{iid}.txt"] = text.encode("utf-8")
    files.update(_metadata_files(cfg, codebook, measures, seed, texts))
    return files


def inject_entry_errors(
    reg: pd.DataFrame, baseline: pd.DataFrame, rng: np.random.Generator, start: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Plant two data-entry errors, and the documented corrections that fix them.

    A real hand-over comes with errors found after entry. The raw files keep
    the error; ``corrections.csv`` records the fix, which the workflow applies
    before validation. Here: an item response typed twice (out of range) and a
    referral date with the wrong year (after the baseline interview).

    Returns
    -------
    reg, baseline : pandas.DataFrame
        Copies holding the errors.
    corrections : pandas.DataFrame
        The correction log (columns of ``corrections.csv``).
    """
    reg, baseline = reg.copy(), baseline.copy()
    answered = baseline.index[baseline["es_05"].notna()]
    i = int(rng.choice(answered))
    true_item = int(baseline.at[i, "es_05"])
    baseline.at[i, "es_05"] = float(f"{true_item}{true_item}")
    j = int(rng.integers(0, len(reg)))
    true_ref = reg.at[j, "referral_date"]
    wrong = dt.date.fromisoformat(true_ref)
    reg.at[j, "referral_date"] = wrong.replace(year=wrong.year + 1).isoformat()
    fixed_on = (start + dt.timedelta(days=400)).isoformat()
    corrections = pd.DataFrame(
        [
            {"correction_id": "C001", "file": "baseline.csv", "record_id": baseline.at[i, "study_id"],
             "column": "es_05", "old_value": f"{true_item}{true_item}", "new_value": str(true_item),
             "reason": "data entry: response digit typed twice",
             "corrected_on": fixed_on},
            {"correction_id": "C002", "file": "participants.csv", "record_id": reg.at[j, "study_id"],
             "column": "referral_date", "old_value": reg.at[j, "referral_date"], "new_value": true_ref,
             "reason": "data entry: wrong year in referral date",
             "corrected_on": fixed_on},
        ]
    )
    return reg, baseline, corrections


def _ints(frame: pd.DataFrame) -> pd.DataFrame:
    """Render float columns holding whole numbers as integers (blank if missing)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]) or str(out[col].dtype) == "Float64":
            out[col] = out[col].astype("Int64")
    return out
