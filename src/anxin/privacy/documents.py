"""Uploaded documents (signed agreements, legal documents' scans): checked, then kept whole.

Only PDF, JPEG and PNG, recognised by their first bytes (not by the name the browser sends),
up to ``MAX_BYTES``. The SHA-256 is kept with the file.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Document

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def read_upload(upload, *, field: str) -> tuple[str, str, bytes]:
    """(name, content type, bytes) of an accepted upload; a ``ValidationError`` on ``field``
    saying what is wrong otherwise."""
    size = getattr(upload, "size", None) or 0
    if size > MAX_BYTES:
        raise ValidationError(
            {field: _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}}
        )
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ValidationError(
            {field: _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}}
        )
    kind = next((t for sig, t in SIGNATURES.items() if content.startswith(sig)), None)
    if kind is None:
        raise ValidationError({field: _("Upload a PDF, JPEG or PNG file (a scan or a photo).")})
    name = (getattr(upload, "name", "") or "document").rsplit("/", 1)[-1][:120]
    return name, kind, content


def document_store(*, actor, upload, field: str) -> Document:
    """Keep an accepted upload (call inside the transaction that records what it proves)."""
    name, kind, content = read_upload(upload, field=field)
    doc = Document(
        name=name,
        content_type=kind,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
    )
    doc.save()
    return doc
