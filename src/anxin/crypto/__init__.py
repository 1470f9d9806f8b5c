"""Encryption at rest for sensitive fields (SPEC STO-3, part of SEC-4).

Envelope encryption: values are encrypted with AES-256-GCM under random data keys
(``crypto.DataKey``), which are stored wrapped by a key-encryption key derived from
``settings.ANXIN_MASTER_KEY``. Use the model fields in ``anxin.crypto.fields``; search
encrypted values for equality through a ``BlindIndexField``; show them masked with
``anxin.crypto.masking``; rotate keys with ``anxin keys rotate``.
"""

from anxin.crypto.exceptions import DecryptionError

__all__ = ["DecryptionError"]
