"""Short human codes: the check character catches misreads; typed codes are normalised."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from caminante.core.codes import ALPHABET, check_character, new_code, normalize_code

payloads = st.text(alphabet=ALPHABET, min_size=6, max_size=6)
CODE_RE = re.compile(r"^[A-Z]{2}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$")


def _body(payload: str) -> str:
    return payload + check_character(payload)


def _as_code(body: str) -> str:
    return f"CO-{body[:4]}-{body[4:]}"


def test_new_code_format_and_check_character():
    for _ in range(200):
        code = new_code("co")
        assert CODE_RE.match(code), code
        body = code[3:].replace("-", "")
        assert check_character(body[:-1]) == body[-1]
        assert normalize_code(code) == code


@settings(max_examples=300, deadline=None)
@given(payloads, st.integers(min_value=0, max_value=6), st.sampled_from(ALPHABET))
def test_every_single_substitution_is_caught(payload, position, replacement):
    body = _body(payload)
    if body[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    wrong = body[:position] + replacement + body[position + 1 :]
    assert normalize_code(_as_code(wrong)) is None


@settings(max_examples=300, deadline=None)
@given(payloads, st.integers(min_value=0, max_value=5))
def test_every_adjacent_transposition_is_caught(payload, position):
    body = _body(payload)
    if body[position] == body[position + 1]:
        return  # swapping two equal characters changes nothing
    swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
    assert normalize_code(_as_code(swapped)) is None


def test_exhaustive_adjacent_pairs():
    """Every pair of distinct characters, swapped at every position, is caught."""
    base = "7K3M9Q"
    for i in range(6):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                chars = list(base)
                chars[i] = a
                body = _body("".join(chars))
                if i + 1 < 7:
                    chars_b = list(body)
                    chars_b[i], chars_b[i + 1] = chars_b[i + 1], chars_b[i]
                    if chars_b[i] != chars_b[i + 1]:
                        assert normalize_code(_as_code("".join(chars_b))) is None, (body, i)


@settings(max_examples=200, deadline=None)
@given(payloads)
def test_normalize_accepts_lower_case_and_missing_dashes(payload):
    code = _as_code(_body(payload))
    assert normalize_code(code.lower()) == code
    assert normalize_code(code.replace("-", "")) == code
    assert normalize_code(code.replace("-", "").lower()) == code
    assert normalize_code(" " + code.replace("-", " ") + " ") == code


def test_normalize_maps_look_alikes():
    payload = "10A1B0"
    code = _as_code(_body(payload))
    typed = code.replace("0", "O").replace("1", "I")
    assert normalize_code(typed) == code
    assert normalize_code(code.replace("1", "l").lower()) == code
    assert normalize_code(code.replace("1", "L")) == code


def test_normalize_rejects_garbage():
    assert normalize_code("") is None
    assert normalize_code("hola") is None
    assert normalize_code("12-3456-789") is None  # no country prefix
    assert normalize_code("CO-UUUU-UUU") is None  # U is not in the alphabet
    assert normalize_code("María Pérez") is None
