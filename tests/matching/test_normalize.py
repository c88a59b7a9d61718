import pytest
from hypothesis import given
from hypothesis import strategies as st

from caminante.matching.normalize import fold, name_tokens, normalize_document, normalize_phone, phonetic_key


def test_fold():
    assert fold("  María-José  PÉREZ ") == "maria jose perez"
    assert fold("Núñez, Ángel") == "nunez angel"
    assert fold(None) == ""
    assert fold("") == ""


@given(st.text())
def test_fold_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_name_tokens():
    assert name_tokens("María del Valle") == ["maria", "valle"]
    assert name_tokens("De La Cruz y Pérez") == ["cruz", "perez"]
    assert name_tokens("João dos Santos") == ["joao", "santos"]
    assert name_tokens(None) == []


@pytest.mark.parametrize(
    "a,b",
    [
        ("Yusmary", "Yusmari"),
        ("Yorgelis", "Yorgelys"),
        ("Maikel", "Maykel"),
        ("Gonzalez", "Gonzales"),
        ("González", "Gonzales"),
        ("Jhonny", "Johnny"),
        ("Johnny", "Yony"),
        ("Villegas", "Bilegas"),
        ("Hernandez", "Ernandes"),
        ("Quintero", "Kintero"),
        ("Llanos", "Yanos"),
        ("Gil", "Jil"),
        ("Xiomara", "Siomara"),
        ("Cecilia", "Sesilia"),
    ],
)
def test_phonetic_equal(a, b):
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize("a,b", [("Perez", "Paez"), ("Maria", "Mario"), ("Jose", "Josue"), ("Luis", "Luisa")])
def test_phonetic_different(a, b):
    assert phonetic_key(a) != phonetic_key(b)


@given(st.text(min_size=1))
def test_phonetic_non_empty(token):
    if token.strip():
        assert phonetic_key(token) != "" or fold(token) == ""


def test_phonetic_non_empty_simple():
    assert phonetic_key("h") != ""
    assert phonetic_key("Ñ") != ""


def test_normalize_phone():
    assert normalize_phone("0412-123.45.67") == "+584121234567"
    assert normalize_phone("+58 412 1234567") == "+584121234567"
    assert normalize_phone("+57 300 1234567") == "+573001234567"
    assert normalize_phone("3001234567", default_region="CO") == "+573001234567"
    assert normalize_phone("12") is None
    assert normalize_phone("not a phone") is None
    assert normalize_phone(None) is None
    assert normalize_phone("") is None


def test_normalize_document():
    assert normalize_document("V-12.345.678") == "12345678"
    assert normalize_document("v.12345678") == "12345678"
    assert normalize_document("E-81.234.567") == "81234567"
    assert normalize_document("12 345 678") == "12345678"
    assert normalize_document("AB123456") == "AB123456"
    assert normalize_document(None) == ""
    assert normalize_document("") == ""
