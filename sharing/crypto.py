"""Channel secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key kept outside the database.

The key is SHARING_ENCRYPTION_KEY when set. Without it a key is derived from
SECRET_KEY, so a stolen database alone does not reveal tokens; but rotating
SECRET_KEY then makes the stored secrets unreadable (editors enter them again).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the current key."""


def _fernet():
    key = settings.SHARING_ENCRYPTION_KEY
    if key:
        try:
            return Fernet(key)
        except ValueError as exc:
            raise ImproperlyConfigured(
                "SHARING_ENCRYPTION_KEY must be 32 url-safe base64-encoded bytes: "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from exc
    digest = hashlib.sha256(b"newsroom.sharing.secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plaintext):
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token):
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "the stored secret cannot be decrypted (SHARING_ENCRYPTION_KEY or SECRET_KEY "
            "changed?): enter it again in the channel's settings"
        ) from exc
