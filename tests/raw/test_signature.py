"""Real data cannot be mistaken for synthetic (issue 12, item 7).

A hand-over is synthetic only if its codebook says ``"synthetic": true`` (the
JSON boolean) AND every file matches the simulator's signature
(``SYNTHETIC.sha256``); anything else is real data, for which the public demo
key (however written) and short keys are refused.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from selfcare.deidentify.keys import DEMO_KEY_SHA256, PseudonymKeyError, _canonical_key, load_key
from selfcare.raw.signature import MANIFEST_NAME, manifest_text, parse_manifest, synthetic_status
from selfcare.synth.cli import sign


def _demo(shipped_files) -> str:
    return shipped_files["demo_pseudonym_key.txt"].decode()


def test_the_shipped_hand_over_is_signed_and_synthetic(shipped_files, package):
    ok, why = synthetic_status(package, shipped_files)
    assert ok, why
    assert shipped_files[MANIFEST_NAME].decode() == manifest_text(shipped_files)


@pytest.mark.parametrize("flag", ["true", "True", "false", 1, "yes", None, [True], {"x": True}])
def test_only_the_json_boolean_true_counts(shipped_files, package, flag):
    pkg = dict(package, synthetic=flag)
    ok, why = synthetic_status(pkg, shipped_files)
    assert not ok and "JSON boolean" in why


def test_a_missing_key_is_real_data(shipped_files, package):
    pkg = {k: v for k, v in package.items() if k != "synthetic"}
    assert synthetic_status(pkg, shipped_files)[0] is False


def test_unsigned_changed_added_or_missing_files_are_real_data(shipped_files, package):
    files = dict(shipped_files)
    del files[MANIFEST_NAME]
    assert "without the simulator's signature" in synthetic_status(package, files)[1]
    changed = dict(shipped_files, **{"participants.csv": shipped_files["participants.csv"] + b"\n"})
    ok, why = synthetic_status(package, changed)
    assert not ok and "1 changed" in why
    added = dict(shipped_files, **{"extra.csv": b"a\n"})
    assert "1 not signed" in synthetic_status(package, added)[1]
    missing = {k: v for k, v in shipped_files.items() if k != "survey.csv"}
    assert "1 missing" in synthetic_status(package, missing)[1]
    garbled = dict(shipped_files, **{MANIFEST_NAME: b"not a manifest\n"})
    assert "unreadable" in synthetic_status(package, garbled)[1]
    assert synthetic_status(package, dict(shipped_files, **{MANIFEST_NAME: b""}))[0] is False


def test_reasons_never_carry_file_contents(shipped_files, package):
    changed = dict(shipped_files, **{"participants.csv": b"secret-name\n"})
    assert "secret" not in synthetic_status(package, changed)[1]


def test_manifest_round_trip_and_sha256sum_format():
    files = {"b.txt": b"two", "a.csv": b"one", MANIFEST_NAME: b"ignored"}
    text = manifest_text(files)
    assert text.splitlines()[0] == f"{hashlib.sha256(b'one').hexdigest()}  a.csv"
    assert parse_manifest(text) == {"a.csv": hashlib.sha256(b"one").hexdigest(), "b.txt": hashlib.sha256(b"two").hexdigest()}
    with pytest.raises(ValueError, match="line 1"):
        parse_manifest("zz  a.csv\n")


def test_sign_writes_a_manifest_that_verifies(tmp_path, package):
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "t.txt").write_text("x")
    sign(str(tmp_path))
    files = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert synthetic_status(package, files)[0] is True


@pytest.mark.parametrize(
    "variant",
    [
        lambda k: k.upper(),
        lambda k: f'"{k}"',
        lambda k: f"'{k}'",
        lambda k: f"  {k}\n",
        lambda k: f"{k[:32]}\n{k[32:]}",
        lambda k: f"{k[:16]} {k[16:]}",
        lambda k: f"\u201c{k.upper()}\u201d",
    ],
)
def test_the_demo_key_however_written_is_refused_for_real_data(shipped_files, variant):
    bare = _demo(shipped_files).splitlines()[1].strip()
    for demo_text in (_demo(shipped_files), None):  # also when the demo file is absent
        with pytest.raises(PseudonymKeyError, match="demo key"):
            load_key(variant(bare), None, demo_text, synthetic=False)
        with pytest.raises(PseudonymKeyError, match="demo key"):
            load_key(None, variant(bare), demo_text, synthetic=False)


def test_the_builtin_fingerprint_is_the_shipped_demo_key(shipped_files):
    bare = _demo(shipped_files).splitlines()[1].strip().encode()
    assert hashlib.sha256(_canonical_key(bare)).hexdigest() == DEMO_KEY_SHA256


def test_short_keys_are_refused_for_real_data():
    with pytest.raises(PseudonymKeyError, match="shorter than"):
        load_key("k" * 31, None, None, synthetic=False)
    with pytest.raises(PseudonymKeyError, match="not synthetic"):
        load_key(None, None, None, synthetic=False)
    assert load_key("0123456789abcdef" * 2, None, None, synthetic=False)[1] == "env"
