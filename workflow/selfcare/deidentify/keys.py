"""Keyed pseudonyms (HMAC-SHA256) and the choice of the key.

Pseudonyms are HMAC-SHA256 of ``kind + ":" + normalised value`` under a secret
key, written as lower-case hexadecimal and truncated (default 10 hex digits =
40 bits; collisions among a few hundred people are very unlikely, about 1 in
10 million for 500 values). The key comes from an environment variable or a
key file outside the repository; the public demo key is accepted only for
SYNTHETIC data.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from pathlib import PurePath

import numpy as np

__all__ = [
    "KEY_CONFIG_KEY",
    "KEY_ENV_VAR",
    "MIN_KEY_BYTES",
    "PseudonymKeyError",
    "check_key_file_location",
    "load_key",
    "normalise_identifier",
    "pseudonym",
]

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

#: Environment variable that may hold the pseudonymisation key.
KEY_ENV_VAR = "SELFCARE_PSEUDONYM_KEY"
#: Configuration key naming a key file (the file must live outside the repo).
KEY_CONFIG_KEY = "deidentify.key_file"
#: Shortest accepted key, in bytes (the HMAC-SHA256 output size).
MIN_KEY_BYTES = 32


#: SHA-256 of the shipped demo key in canonical form (:func:`_canonical_key`):
#: the demo key is recognised even when the hand-over's demo key file is not
#: there (a real hand-over does not carry it).
DEMO_KEY_SHA256 = "0e9f3dc45ca22aa01617701d9ad539929ce0a1ad8e91bdad19fa3deecfa90d97"


class PseudonymKeyError(ValueError):
    """The pseudonymisation key is missing, too short or not allowed."""


# ---------------------------------------------------------------------------
# 2. Keyed pseudonyms
# ---------------------------------------------------------------------------

_IDENTIFIER_KINDS = ("email", "name", "nhs_number", "phone", "postcode", "study_id")


def _phone_digits(value: str) -> str:
    """Digits of a UK phone number in national form (+44 / 0044 -> 0)."""
    text = value.strip().replace("(0)", "")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and digits.startswith("44"):
        digits = "0" + digits[2:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    while digits.startswith("00"):
        digits = digits[1:]
    return digits


def normalise_identifier(value: str, kind: str) -> str:
    """Bring an identifier to the canonical form that is hashed.

    Parameters
    ----------
    value : str
        Raw identifier.
    kind : {"nhs_number", "postcode", "email", "name", "study_id", "phone"}
        ``nhs_number``: digits only. ``postcode``: upper case, all whitespace
        removed. ``email``: stripped, lower case. ``name``: Unicode NFC,
        case-folded, runs of whitespace collapsed to one space. ``study_id``:
        stripped, upper case. ``phone``: digits only, with a leading ``+44`` or
        ``0044`` (and an optional ``(0)``) turned into the national ``0``.

    Returns
    -------
    str
        The normalised identifier.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, ``value`` is not a string, or nothing is left
        after normalisation.
    """
    if kind not in _IDENTIFIER_KINDS:
        raise ValueError(
            f"unknown identifier kind {kind!r}; expected one of {list(_IDENTIFIER_KINDS)}"
        )
    if not isinstance(value, str):
        raise ValueError(f"{kind} value must be a string, got {type(value).__name__}")
    if kind == "nhs_number":
        out = re.sub(r"\D", "", value)
    elif kind == "postcode":
        out = re.sub(r"\s", "", value).upper()
    elif kind == "email":
        out = value.strip().lower()
    elif kind == "name":
        out = " ".join(unicodedata.normalize("NFC", value).casefold().split())
    elif kind == "study_id":
        out = value.strip().upper()
    else:  # phone
        out = _phone_digits(value)
    if not out:
        raise ValueError(f"{kind} value is empty after normalisation")
    return out


def pseudonym(
    value: str, key: bytes, kind: str, prefix: str = "", length: int = 10
) -> str:
    """Return a keyed, repeatable pseudonym for an identifier.

    The pseudonym is ``prefix`` followed by the first ``length`` characters of
    the lower-case hexadecimal HMAC-SHA256 digest of
    ``kind + ":" + normalise_identifier(value, kind)`` (UTF-8) under ``key``.
    The same key and value always give the same pseudonym; without the key
    the pseudonym cannot be recomputed from a guessed value.

    Parameters
    ----------
    value : str
        Raw identifier (normalised with :func:`normalise_identifier`).
    key : bytes
        Secret key (see :func:`load_key`).
    kind : str
        Identifier kind; it is part of the hashed message, so the same string
        gives different pseudonyms as different kinds.
    prefix : str, optional
        Text put in front, e.g. ``"P"``.
    length : int, optional
        Number of hex digits kept, 1-64 (default 10, i.e. 40 bits).

    Returns
    -------
    str
        The pseudonym.

    Raises
    ------
    ValueError
        If the key is empty or not bytes, ``length`` is out of range, or the
        value is invalid for ``kind``.
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) == 0:
        raise ValueError("pseudonym key must be non-empty bytes")
    if not isinstance(length, (int, np.integer)) or not 1 <= int(length) <= 64:
        raise ValueError("pseudonym length must be an integer from 1 to 64")
    message = f"{kind}:{normalise_identifier(value, kind)}".encode("utf-8")
    digest = hmac.new(bytes(key), message, digestmod=hashlib.sha256).hexdigest()
    return f"{prefix}{digest[: int(length)]}"


def _key_help(reason: str) -> str:
    return (
        f"{reason} Supply a secret pseudonymisation key of at least {MIN_KEY_BYTES} "
        f"bytes, either in the environment variable {KEY_ENV_VAR} or in a text file "
        f"named by the configuration key {KEY_CONFIG_KEY}; keep that file OUTSIDE "
        "the repository and never commit it. One way to make a key: "
        'python -c "import secrets; print(secrets.token_hex(32))". '
        "The demo key shipped with the synthetic data may be used only for "
        "synthetic data."
    )


def _key_bytes(text: str | None) -> bytes | None:
    if text is None:
        return None
    # Comment lines (such as the header of the shipped demo key file) are not
    # part of the key: otherwise the bare demo key, copied into the
    # environment or a key file, would not be recognised as the demo key.
    stripped = "\n".join(
        ln for ln in text.splitlines() if not ln.lstrip().startswith("#")
    ).strip()
    return stripped.encode("utf-8") if stripped else None


def _canonical_key(key: bytes) -> bytes:
    """A key with whitespace and quoting removed and letters case-folded.

    Used only to recognise the demo key however it was copied (upper case,
    in quotes, with a line break or spaces inside); the key used for hashing
    is the key as given.
    """
    text = key.decode("utf-8", errors="replace")
    text = re.sub(r"\s+", "", text)
    text = text.strip("'\"`\u2018\u2019\u201c\u201d")
    return text.casefold().encode("utf-8")


def is_demo_key(key: bytes, demo: bytes | None) -> bool:
    """Whether ``key`` is the public demo key (shipped file or built-in fingerprint)."""
    canon = _canonical_key(key)
    if demo is not None and hmac.compare_digest(canon, _canonical_key(demo)):
        return True
    return hmac.compare_digest(hashlib.sha256(canon).hexdigest(), DEMO_KEY_SHA256)


def load_key(
    env_value: str | None,
    file_text: str | None,
    demo_key_text: str | None,
    synthetic: bool,
) -> tuple[bytes, str]:
    """Choose the pseudonymisation key and check that it may be used.

    Order of precedence: the environment value, then the key file's text,
    then (synthetic data only) the demo key. Key texts lose their comment
    lines (starting with ``#``), are stripped of surrounding whitespace and
    are used as their UTF-8 bytes (a 64-character
    ``secrets.token_hex(32)`` string therefore gives a 64-byte key).

    Parameters
    ----------
    env_value : str or None
        Value of the environment variable :data:`KEY_ENV_VAR` (``None`` or
        blank when unset).
    file_text : str or None
        Text of the file named by :data:`KEY_CONFIG_KEY` (``None`` when no
        file is configured).
    demo_key_text : str or None
        Text of the demo key shipped with the synthetic data.
    synthetic : bool
        Whether the data set is marked synthetic.

    Returns
    -------
    key : bytes
        The key.
    source : {"env", "file", "demo"}
        Where it came from. ``"demo"`` whenever the key equals the demo key,
        whichever channel delivered it, so that provenance records show that
        the pseudonyms are not secret.

    Raises
    ------
    PseudonymKeyError
        If no key is given for non-synthetic data; if the demo key is given
        for non-synthetic data; if the key is shorter than
        :data:`MIN_KEY_BYTES` bytes (the demo key with synthetic data is
        exempt); or if synthetic data have neither a key nor a demo key.
    """
    demo = _key_bytes(demo_key_text)
    env = _key_bytes(env_value)
    from_file = _key_bytes(file_text)
    if env is not None:
        key, source = env, "env"
    elif from_file is not None:
        key, source = from_file, "file"
    elif synthetic:
        if demo is None:
            raise PseudonymKeyError(
                _key_help(
                    "The data are synthetic but no demo key and no key were given."
                )
            )
        return demo, "demo"
    else:
        raise PseudonymKeyError(
            _key_help(
                "No pseudonymisation key was given and the data are not synthetic."
            )
        )
    if is_demo_key(key, demo):
        if not synthetic:
            raise PseudonymKeyError(
                _key_help(
                    f"The key from {source} is the public demo key, which is not "
                    "allowed for real (non-synthetic) data."
                )
            )
        return key, "demo"
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            _key_help(
                f"The key from {source} is {len(key)} bytes long, shorter than "
                f"the minimum of {MIN_KEY_BYTES}."
            )
        )
    return key, source


def check_key_file_location(
    key_path: str | PurePath, repo_root: str | PurePath
) -> None:
    """Refuse a key file that lies inside the repository.

    Pure path comparison: pass both paths already made absolute and resolved
    (``pathlib.Path(p).resolve()``) by the caller.

    Parameters
    ----------
    key_path : str or PurePath
        Absolute path of the key file.
    repo_root : str or PurePath
        Absolute path of the repository root.

    Raises
    ------
    PseudonymKeyError
        If ``key_path`` is inside ``repo_root`` or either path is relative.
    """
    key_p, root_p = PurePath(key_path), PurePath(repo_root)
    if not key_p.is_absolute() or not root_p.is_absolute():
        raise PseudonymKeyError(
            _key_help(
                f"The paths given for {KEY_CONFIG_KEY} and the repository must be absolute."
            )
        )
    if key_p == root_p or key_p.is_relative_to(root_p):
        raise PseudonymKeyError(
            _key_help(f"The file named by {KEY_CONFIG_KEY} is inside the repository.")
        )


def choose_key(
    env_value: str | None,
    key_file: str | None,
    key_file_text: str | None,
    demo_key_text: str | None,
    synthetic: bool,
    repo_root: str,
) -> tuple[bytes, str]:
    """The pseudonymisation key for this run, and where it came from.

    A configured key file must lie outside the repository; then
    :func:`selfcare.deidentify.keys.load_key` decides (environment variable, key file,
    or the demo key for synthetic data only).

    Parameters
    ----------
    env_value : str or None
        Value of the key's environment variable.
    key_file : str or None
        Absolute path of the configured key file.
    key_file_text, demo_key_text : str or None
        Their contents.
    synthetic : bool
        Whether the codebook marks the data synthetic.
    repo_root : str
        Absolute path of the repository.
    """
    if key_file:
        check_key_file_location(key_file, repo_root)
    return load_key(env_value, key_file_text, demo_key_text, synthetic)
