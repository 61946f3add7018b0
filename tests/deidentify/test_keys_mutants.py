"""Keyed pseudonyms and the choice of the key: the behaviour mutation testing
showed unprotected (issue 18). Keys and identifiers here are invented."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pytest
from selfcare.deidentify.keys import (
    KEY_CONFIG_KEY,
    KEY_ENV_VAR,
    MIN_KEY_BYTES,
    PseudonymKeyError,
    _key_help,
    _phone_digits,
    check_key_file_location,
    choose_key,
    load_key,
    normalise_identifier,
    pseudonym,
)

KEY = b"k" * 32
DEMO = "demo-key-for-synthetic-data-only-0123456789"


def expected_help(reason: str) -> str:
    return (
        f"{reason} Supply a secret pseudonymisation key of at least 32 "
        "bytes, either in the environment variable SELFCARE_PSEUDONYM_KEY or in a text file "
        "named by the configuration key deidentify.key_file; keep that file OUTSIDE "
        "the repository and never commit it. One way to make a key: "
        'python -c "import secrets; print(secrets.token_hex(32))". '
        "The demo key shipped with the synthetic data may be used only for "
        "synthetic data."
    )


def test_constants():
    assert KEY_ENV_VAR == "SELFCARE_PSEUDONYM_KEY"
    assert KEY_CONFIG_KEY == "deidentify.key_file"
    assert MIN_KEY_BYTES == 32


def test_key_help_text_tells_how_to_supply_a_key():
    assert _key_help("Why.") == expected_help("Why.")


# ------------------------------------------------------------ normalisation
@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("+44 (0)20 7946 0000", "02079460000"),
        ("0044 20 7946 0000", "02079460000"),
        ("  +44-7700-900123 ", "07700900123"),
        ("00 7700 900123", "07700900123"),
        ("0007700900123", "07700900123"),
        ("44 7700 900123", "447700900123"),  # no + or 00: not a country code
        ("(0)7700 900123", "7700900123"),
    ],
)
def test_phone_digits(raw, digits):
    assert _phone_digits(raw) == digits


@pytest.mark.parametrize(
    ("value", "kind", "out"),
    [
        (" 943 476-5919 ", "nhs_number", "9434765919"),
        (" sw17\t0re ", "postcode", "SW170RE"),
        ("  A.B@Example.ORG ", "email", "a.b@example.org"),
        ("  Sarah \n  KHAN ", "name", "sarah khan"),
        ("Stra\u00dfe", "name", "strasse"),
        ("Jose\u0301", "name", "jos\u00e9"),
        (" s-001 ", "study_id", "S-001"),
        ("+44 7700 900123", "phone", "07700900123"),
    ],
)
def test_normalise_identifier_every_kind(value, kind, out):
    assert normalise_identifier(value, kind) == out


def test_normalise_identifier_errors():
    with pytest.raises(ValueError) as e:
        normalise_identifier("x", "shoe")
    assert str(e.value) == (
        "unknown identifier kind 'shoe'; expected one of "
        "['email', 'name', 'nhs_number', 'phone', 'postcode', 'study_id']"
    )
    with pytest.raises(ValueError) as e:
        normalise_identifier(123, "name")
    assert str(e.value) == "name value must be a string, got int"
    with pytest.raises(ValueError) as e:
        normalise_identifier(" - ", "nhs_number")
    assert str(e.value) == "nhs_number value is empty after normalisation"
    for kind in ("postcode", "email", "name", "study_id", "phone"):
        with pytest.raises(ValueError, match=f"^{kind} value is empty after normalisation$"):
            normalise_identifier("  ", kind)


# --------------------------------------------------------------- pseudonyms
def _hmac(message: str, key: bytes = KEY) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def test_pseudonym_is_the_truncated_hmac_of_kind_and_normalised_value():
    assert pseudonym(" s-001 ", KEY, "study_id") == _hmac("study_id:S-001")[:10]
    assert pseudonym("Sarah Khan", KEY, "name", prefix="P", length=12) == "P" + _hmac("name:sarah khan")[:12]
    assert pseudonym("x", bytearray(KEY), "name") == _hmac("name:x")[:10]


@pytest.mark.parametrize("length", [1, 64, np.int64(5)])
def test_pseudonym_length_limits_accepted(length):
    assert pseudonym("x", KEY, "name", length=length) == _hmac("name:x")[: int(length)]


@pytest.mark.parametrize("length", [0, 65, -1, 2.0, "10"])
def test_pseudonym_length_limits_refused(length):
    with pytest.raises(ValueError) as e:
        pseudonym("x", KEY, "name", length=length)
    assert str(e.value) == "pseudonym length must be an integer from 1 to 64"


@pytest.mark.parametrize("key", [b"", "k" * 32, None])
def test_pseudonym_key_must_be_non_empty_bytes(key):
    with pytest.raises(ValueError) as e:
        pseudonym("x", key, "name")
    assert str(e.value) == "pseudonym key must be non-empty bytes"


# ------------------------------------------------------------------- keys
def test_key_precedence_env_then_file_then_demo():
    env, file = "e" * 40, "f" * 40
    assert load_key(env, file, DEMO, synthetic=False) == (env.encode(), "env")
    assert load_key(None, file, DEMO, synthetic=False) == (file.encode(), "file")
    assert load_key("  \n# only a comment\n", file, DEMO, synthetic=False) == (file.encode(), "file")
    assert load_key(None, None, DEMO, synthetic=True) == (DEMO.encode(), "demo")
    assert load_key(None, "   ", DEMO, synthetic=True) == (DEMO.encode(), "demo")


def test_key_text_loses_comments_and_surrounding_whitespace():
    text = "# header line\n   # indented comment\n  " + "a" * 40 + "  \n\n"
    assert load_key(text, None, None, synthetic=False) == (b"a" * 40, "env")
    # a '#' inside the key is kept
    assert load_key("a#" + "b" * 40, None, None, synthetic=False)[0] == b"a#" + b"b" * 40
    # the demo key file's header does not stop the bare demo key being recognised
    demo_file = "# demo key: synthetic data only\n" + DEMO + "\n"
    assert load_key(DEMO, None, demo_file, synthetic=True) == (DEMO.encode(), "demo")


def test_demo_key_is_recognised_from_any_channel():
    assert load_key(DEMO, None, DEMO, synthetic=True) == (DEMO.encode(), "demo")
    assert load_key(None, DEMO + "\n", DEMO, synthetic=True) == (DEMO.encode(), "demo")
    short_demo = "demo"
    assert load_key(short_demo, None, short_demo, synthetic=True) == (b"demo", "demo")


def test_minimum_key_length_boundary():
    assert load_key("a" * 32, None, None, synthetic=False) == (b"a" * 32, "env")
    with pytest.raises(PseudonymKeyError) as e:
        load_key(None, "a" * 31, None, synthetic=False)
    assert str(e.value) == expected_help("The key from file is 31 bytes long, shorter than the minimum of 32.")
    # the length counts UTF-8 bytes, not characters
    assert load_key("\u00e9" * 16, None, None, synthetic=True)[0] == ("\u00e9" * 16).encode()


def test_key_errors_say_why():
    with pytest.raises(PseudonymKeyError) as e:
        load_key(None, None, None, synthetic=False)
    assert str(e.value) == expected_help("No pseudonymisation key was given and the data are not synthetic.")
    with pytest.raises(PseudonymKeyError) as e:
        load_key(None, None, None, synthetic=True)
    assert str(e.value) == expected_help("The data are synthetic but no demo key and no key were given.")
    with pytest.raises(PseudonymKeyError) as e:
        load_key(DEMO, None, DEMO, synthetic=False)
    assert str(e.value) == expected_help(
        "The key from env is the public demo key, which is not allowed for real (non-synthetic) data."
    )
    with pytest.raises(PseudonymKeyError, match="The key from file is the public demo key"):
        load_key(None, DEMO, DEMO, synthetic=False)
    assert issubclass(PseudonymKeyError, ValueError)


def test_key_file_location():
    check_key_file_location("/home/me/keys/k.txt", "/work/repo")
    check_key_file_location("/work/repo-keys/k.txt", "/work/repo")
    for inside in ("/work/repo/k.txt", "/work/repo/a/b/k.txt", "/work/repo"):
        with pytest.raises(PseudonymKeyError) as e:
            check_key_file_location(inside, "/work/repo")
        assert str(e.value) == expected_help("The file named by deidentify.key_file is inside the repository.")
    for key, root in (("k.txt", "/work/repo"), ("/k.txt", "repo"), ("k.txt", "repo")):
        with pytest.raises(PseudonymKeyError) as e:
            check_key_file_location(key, root)
        assert str(e.value) == expected_help(
            "The paths given for deidentify.key_file and the repository must be absolute."
        )


def test_choose_key_checks_the_file_location_first():
    assert choose_key(None, None, None, DEMO, True, "/work/repo") == (DEMO.encode(), "demo")
    assert choose_key(None, "", None, DEMO, True, "/work/repo") == (DEMO.encode(), "demo")
    assert choose_key(None, "/elsewhere/k", "a" * 40, DEMO, True, "/work/repo") == (b"a" * 40, "file")
    with pytest.raises(PseudonymKeyError, match="inside the repository"):
        choose_key(None, "/work/repo/k", "a" * 40, DEMO, True, "/work/repo")
    assert choose_key("b" * 40, "/elsewhere/k", "a" * 40, DEMO, False, "/work/repo") == (b"b" * 40, "env")


def test_nhs_number_keeps_leading_zeros():
    # an NHS number is not a phone number: no trunk or international prefix handling
    assert normalise_identifier("00 123 456 78", "nhs_number") == "0012345678"
    assert normalise_identifier("(0)123 456 789", "nhs_number") == "0123456789"
