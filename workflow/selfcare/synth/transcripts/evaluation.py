"""An annotated evaluation set for the transcript scrubber (issue 12, item 2).

Seeded synthetic interview passages in which every identifier is labelled
with its character span and kind (:data:`EVAL_KINDS`): register names, names
no register lists (gazetteer names, invented names after a title or role,
lower-case names), variants of register names (accents dropped, one-letter
slips, hyphen line breaks, diminutives), street addresses, places (wards,
hospitals, towns), NHS numbers, dates of birth, postcodes, phone numbers and
e-mail addresses, among ordinary sentences that hold capitalised words and
names that are also words ("I hope", "Will it"). Written by::

    python -m selfcare.synth.transcripts.evaluation resources/evaluation/deid_evaluation.json
"""

from __future__ import annotations

import random
import sys
import unicodedata
from typing import Any, Callable

from selfcare.core import io

__all__ = ["EVAL_KINDS", "evaluation_set", "main"]

EVAL_KINDS: tuple[str, ...] = (
    "register_name", "out_of_register_name", "variant", "address", "place",
    "nhs_number", "date_of_birth", "postcode", "phone", "email",
)
_REG_FIRST = ["Robert", "Elizabeth", "William", "Katherine", "Zoë", "Siobhán", "Aisha", "Chinedu",
              "Margaret", "Jonathan", "Rebecca", "Thomas", "Priyanka", "Joseph", "Patricia", "Alexander"]
_REG_LAST = ["Sutcliffe", "Okonkwo", "Brontë", "Fairweather", "Pemberton", "Kowalczyk", "Abernethy",
             "Haworth", "Nakamura", "Lindqvist", "Oyelaran", "Castellano", "Whitmore", "Desrosiers"]
_GAZ_FIRST = ["Sandra", "Kevin", "Deborah", "Raymond", "Tracy", "Gordon", "Lorraine", "Wayne", "Janice",
              "Darren", "Yolanda", "Marcus", "Beverly", "Clifford"]
_GAZ_LAST = ["Thornton", "Gallagher", "Mcdonald", "Ferguson", "Hargreaves", "Patterson", "Blackwood",
             "Donnelly", "Castillo", "Ramirez"]
_APOSTROPHE_LAST = ["O'Donnell", "O'Brien", "D'Souza", "O\u2019Neill", "McAllister", "MacLeod"]
_SYLLABLES = ["zan", "dre", "quo", "vy", "lix", "oro", "thal", "ky", "mir", "eth", "zor", "ula", "brin", "xa"]
_ROLES = ["My care coordinator", "My son", "My daughter", "My partner", "My friend", "Her husband",
          "My consultant", "My support worker", "My neighbour", "My brother"]
_TITLES = ["Dr", "Nurse", "Mrs", "Mr", "Ms"]
_STREETS = ["Acacia", "Wellington", "Church", "Victoria", "Albion", "Hawthorn", "Queens", "Mill"]
_TYPES = ["Road", "Street", "Lane", "Avenue", "Close", "Crescent", "Drive", "Gardens"]
_WARDS = ["Jasmine", "Willow", "Bluebell", "Rowan", "Juniper", "Larch"]
_HOSPITALS = ["St Anne's Hospital", "Fieldhead Hospital", "Royal Cornhill Hospital", "Meadowbrook Hospital"]
_TOWNS = ["Tooting", "Balham", "Eastleigh", "Armley", "Harehills", "Portswood"]
_MONTHS = ["January", "March", "May", "July", "September", "November"]
_FILLERS = [
    "I hope it helps somebody.", "Will it carry on next year?", "Monday is the group day.",
    "The NHS has been good to me, on the whole.", "May I say something about the Trust?",
    "We did a bit of Tai Chi and some walking.", "Honestly, the Recovery College changed things.",
    "I just felt listened to, you know?", "Grace is what they showed me, really.",
    "The GP said to keep going with it.", "Rose bushes in the garden, that's my thing now.",
    "Mark my words, it works.", "We'll see what the Commissioners decide.",
    "Sometimes I'd ring the Samaritans.", "In March it all got better.",
    "We went to the Recovery College in town.", "I read about it on Facebook.",
    "The Mental Health Act came up.", "I picked up the Hearing Voices leaflet.",
    "To be frank, it was hard.", "Numbers go up and down.", "I will hope for the best.",
    "We had a Christmas do.", "The Care Programme Approach review was in June.",
    "I got a bus to the Job Centre.", "Bill me later, I said, as a joke.",
]


def _nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
        if check == 11:
            check = 0
        if check != 10:
            s = "".join(map(str, digits)) + str(check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def _invented(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice([2, 3]))).capitalize()


def _slip(rng: random.Random, word: str) -> str:
    """One letter changed, dropped or doubled inside a name (not the first)."""
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(["sub", "drop", "double"])
    if how == "sub":
        return word[:i] + rng.choice([c for c in "aeioulnrst" if c != word[i]]) + word[i + 1:]
    if how == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _sentences(rng: random.Random, reg: list[tuple[str, str]], nick: dict[str, str]) -> list[list[Any]]:
    """Sentence pieces: plain strings and (text, kind) identifiers."""
    first, last = rng.choice(reg)
    gf, gl = rng.choice(_GAZ_FIRST), rng.choice(_GAZ_LAST)
    dob = rng.choice([f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2001)}",
                      f"{rng.randint(1, 28)} {rng.choice(_MONTHS)} {rng.randint(1950, 2001)}"])
    long_part = max((first, last), key=len)
    break_at = rng.randrange(2, len(long_part) - 1)
    pc = rng.choice(["SW17 0QT", "SO15 2JY", "LS7 3HB", "SO14 7DU", "LS12 1AA", "sw18 4ej"])
    options: list[Callable[[], list[Any]]] = [
        lambda: ["I spoke to ", (f"{first} {last}", "register_name"), " about it."],
        lambda: [(first, "register_name"), " rang me on the Tuesday."],
        lambda: ["It was ", (last, "register_name"), "'s idea, to be fair."],
        lambda: [f"{rng.choice(_ROLES)} ", (_invented(rng), "out_of_register_name"), " came with me."],
        lambda: [f"{rng.choice(_TITLES)} ", (rng.choice(_GAZ_LAST), "out_of_register_name"), " changed my tablets."],
        lambda: ["I went with ", (f"{gf} {gl}", "out_of_register_name"), " from the group."],
        lambda: ["my son ", (rng.choice(_GAZ_FIRST).lower(), "out_of_register_name"), " is seven now."],
        lambda: ["and then ", (gf, "out_of_register_name"), " said to come along."],
        lambda: [(gf, "out_of_register_name"), " rang me first thing."],
        lambda: ["I saw ", (_invented(rng), "out_of_register_name"), " down the road."],
        lambda: ["i went round to ", (rng.choice(_GAZ_FIRST).lower(), "out_of_register_name"), "'s after."],
        lambda: ["I told ", (rng.choice(["Rose", "Will", "Grace", "Mark", "Hope", "Frank"]), "out_of_register_name"),
                 " about it."],
        lambda: ["She was with ", (f"{gf} {rng.choice(_APOSTROPHE_LAST)}", "out_of_register_name"), "."],
        lambda: ["It's ", (f"{gf.upper()} {gl.upper()}", "out_of_register_name"), " on the form."],
        lambda: ["Her partner ", (f"{rng.choice(_GAZ_LAST)}-{rng.choice(_GAZ_LAST)}", "out_of_register_name"), " drove."],
        lambda: [(_fold(first), "variant"), " came round after."],
        lambda: ["I think ", (_slip(rng, long_part), "variant"), " was there too."],
        lambda: ["I met ", (long_part[:break_at] + "-\n" + long_part[break_at:], "variant"), " at the group."],
        lambda: ["Then ", (nick.get(first, first), "variant"), " helped me fill it in."],
        lambda: ["I live at ", (f"{rng.randint(1, 240)} {rng.choice(_STREETS)} {rng.choice(_TYPES)}", "address"), " now."],
        lambda: ["I was on ", (f"{rng.choice(_WARDS)} Ward", "place"), " at ", (rng.choice(_HOSPITALS), "place"), "."],
        lambda: ["We moved to ", (rng.choice(_TOWNS), "place"), " last year."],
        lambda: ["My NHS number is ", (_nhs(rng), "nhs_number"), ", if you need it."],
        lambda: ["I was born on ", (dob, "date_of_birth"), "."],
        lambda: ["My postcode is ", (pc, "postcode"), "."],
        lambda: ["Ring me on ", (f"07700 9{rng.randint(0, 99999):05d}", "phone"), " any time."],
        lambda: ["Email me at ", (f"{_fold(first).lower()}.{_fold(last).lower()}@example.org", "email"), "."],
    ]
    out = [rng.choice(options)() for _ in range(6)]
    out += [[rng.choice(_FILLERS)] for _ in range(3)]
    rng.shuffle(out)
    return out


def evaluation_set(seed: int = 20261130, passages: int = 200) -> dict[str, Any]:
    """The annotated evaluation set.

    Parameters
    ----------
    seed : int
        Random seed (same seed, same set).
    passages : int
        Number of passages.

    Returns
    -------
    dict
        ``registers`` (full names), ``places`` (configured towns),
        ``passages`` (``id``, ``text``, ``spans`` of ``start``, ``end``,
        ``kind``), ``seed`` and ``kinds``.
    """
    rng = random.Random(seed)
    reg = [(rng.choice(_REG_FIRST), rng.choice(_REG_LAST)) for _ in range(24)]
    nick = {"Robert": "Bob", "Elizabeth": "Liz", "William": "Bill", "Katherine": "Kate",
            "Margaret": "Peggy", "Jonathan": "Jon", "Rebecca": "Becky", "Thomas": "Tom",
            "Joseph": "Joe", "Patricia": "Trish", "Alexander": "Sandy"}
    out = []
    for n in range(passages):
        text, spans = "", []
        for sentence in _sentences(rng, reg, nick):
            for piece in sentence:
                if isinstance(piece, tuple):
                    spans.append({"start": len(text), "end": len(text) + len(piece[0]), "kind": piece[1]})
                    text += piece[0]
                else:
                    text += piece
            text += " "
        out.append({"id": f"EVAL-{n + 1:03d}", "text": "Respondent: " + text.strip() + "\n",
                    "spans": [{**s, "start": s["start"] + 12, "end": s["end"] + 12} for s in spans]})
    return {"seed": seed, "kinds": list(EVAL_KINDS), "registers": sorted({f"{f} {surname}" for f, surname in reg}),
            "places": list(_TOWNS), "passages": out}


def main(argv: list[str] | None = None) -> int:
    """Write the evaluation set as JSON to the path given."""
    args = list(sys.argv[1:] if argv is None else argv)
    io.write_json(args[0], evaluation_set())
    return 0


if __name__ == "__main__":
    sys.exit(main())
