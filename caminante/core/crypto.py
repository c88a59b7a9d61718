"""Encryption at rest for sensitive fields (Fernet: AES-128-CBC + HMAC-SHA256)."""

import base64
import json
from functools import cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _fernet(key_material: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"caminante-fields").derive(key_material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_json(value: dict) -> str:
    if not value:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    return json.loads(_fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()))
