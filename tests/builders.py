"""Small builders shared by the registry, assistance, API and permission tests."""

import struct
from pathlib import Path

import pytest

from caminante.registry import services
from caminante.registry.models import ConsentPurpose


def person_input(given="Yusmary", family1="González", family2="Pérez", **extra) -> services.PersonInput:
    extra.setdefault("sex", "female")
    extra.setdefault("consents", [ConsentPurpose.ASSISTANCE])
    return services.PersonInput(given_names=given, family_name_1=family1, family_name_2=family2, **extra)


def register(user, given="Yusmary", family1="González", family2="Pérez", service_point=None, **extra):
    return services.register_person(user, person_input(given, family1, family2, **extra), service_point)


def write_mo(path: Path, messages: dict[str, str]) -> None:
    """Write a GNU gettext .mo catalogue (no msgfmt needed)."""
    catalogue = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(catalogue)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(catalogue[k].encode() + b"\0" for k in keys)
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    offsets, o_ids, o_strs = [], 0, 0
    for k in keys:
        kb, vb = k.encode(), catalogue[k].encode()
        offsets.append((len(kb), key_start + o_ids, len(vb), value_start + o_strs))
        o_ids += len(kb) + 1
        o_strs += len(vb) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    table_ids = b"".join(struct.pack("ii", length, offset) for length, offset, _l, _o in offsets)
    table_strs = b"".join(struct.pack("ii", length, offset) for _l, _o, length, offset in offsets)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + table_ids + table_strs + ids + strs)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Argon2 makes each of the dozen fixture users cost ~0.15 s; tests do not need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
