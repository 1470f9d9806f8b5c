"""Running an import: check the file at once, then check every row and save all or nothing in a
huey task that reports progress (UX-5, UX-6)."""

from __future__ import annotations

import base64
import gc
import io
import logging
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from anxin.audit.services import operation_log
from anxin.core.db import update_statistics
from anxin.core.spreadsheets import XlsxWriter

from .base import Importer, normalise_heading
from .models import ImportJob

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 1000  # kept for the report; the count is exact
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why, in the user's language."""


def template(importer: Importer) -> bytes:
    """The .xlsx to fill in: the headings (required ones marked *), one example row, and a
    second sheet explaining each column. Text columns are formatted as text."""
    book = XlsxWriter(streamed=False)
    sheet = book.sheet(importer.label)
    sheet.append([f"{c.label}{' *' if c.required else ''}" for c in importer.columns])
    sheet.append([c.example for c in importer.columns])
    for i, column in enumerate(importer.columns, start=1):
        sheet.column_width(i, max(12, len(str(column.label)) * 2 + 4))
        if column.text:
            sheet.text_column(i, range(2, 1002))
    help_sheet = book.sheet(_("Help"))
    help_sheet.append([_("Column"), _("Required"), _("Explanation")])
    for c in importer.columns:
        help_sheet.append([str(c.label), _("yes") if c.required else _("no"), str(c.help)])
    return book.to_bytes()


def _open(content: bytes):
    if not content:
        raise FileProblem(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise FileProblem(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if not content.startswith(b"PK\x03\x04"):
        raise FileProblem(
            _(
                "This is not an Excel .xlsx file. Save it as .xlsx (Excel 2007 or later) and try again."
            )
        )
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileProblem(
            _(
                "This is not an Excel .xlsx file. Save it as .xlsx (Excel 2007 or later) and try again."
            )
        ) from None


def _header_map(importer: Importer, header: tuple) -> dict[int, str]:
    """Column position -> column key; a file-level problem when required columns are missing."""
    if not header or not any(cell not in (None, "") for cell in header):
        raise FileProblem(_("The first row must hold the column headings; it is empty."))
    names = {}
    for column in importer.columns:
        for heading in column.headings():
            names[heading] = column.key
    positions = {}
    for i, cell in enumerate(header):
        key = names.get(normalise_heading(cell))
        if key and key not in positions.values():
            positions[i] = key
    missing = [
        str(c.label) for c in importer.columns if c.required and c.key not in positions.values()
    ]
    if missing:
        raise FileProblem(
            _("These required columns are missing: %(columns)s. Use the template.")
            % {"columns": ", ".join(missing)}
        )
    return positions


def read_rows(importer: Importer, content: bytes) -> list[tuple[int, dict]]:
    """(row number as Excel shows it, {column key: text}) for every non-empty row."""
    book = _open(content)
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise FileProblem(_("The file has no rows to import."))
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileProblem(_("The file is empty."))
        positions = _header_map(importer, header)
        out = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            if len(out) >= importer.max_rows:
                raise FileProblem(
                    _("The file has more than %(n)s rows. Split it into smaller files.")
                    % {"n": importer.max_rows}
                )
            data = {key: "" for key in positions.values()}
            for i, key in positions.items():
                if i < len(values):
                    data[key] = importer.cell_to_text(values[i])
            out.append((number, data))
        if not out:
            raise FileProblem(_("The file has no rows to import."))
        return out
    finally:
        book.close()


def check_file(importer: Importer, content: bytes) -> None:
    """The quick checks done while the user waits: a real .xlsx, headings, not empty."""
    book = _open(content)
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        rows = sheet.iter_rows(values_only=True) if sheet is not None else iter(())
        header = next(rows, None)
        if header is None:
            raise FileProblem(_("The file is empty."))
        _header_map(importer, header)
        if next(rows, None) is None:
            raise FileProblem(_("The file has no rows to import."))
    finally:
        book.close()


def job_start(*, actor, store, importer: Importer, filename: str, content: bytes, request=None):
    """Check the file, create the job and queue it. Raises FileProblem with a clear message."""
    check_file(importer, content)
    with transaction.atomic():
        job = ImportJob.objects.create(
            store=store,
            user=actor,
            importer=importer.key,
            filename=(filename or "")[:200],
            language=get_language() or "zh-hans",
            content=base64.b64encode(content).decode("ascii"),
        )
        operation_log(
            actor=actor,
            action="import_start",
            instance=job,
            changes={"importer": [None, importer.key], "file": [None, job.filename]},
            request=request,
            store=store,
        )
    from .tasks import run_import

    transaction.on_commit(lambda: run_import(job.pk))
    return job


def _progress(job: ImportJob, **fields) -> None:
    for k, v in fields.items():
        setattr(job, k, v)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _label(importer: Importer, key: str) -> str:
    for column in importer.columns:
        if column.key == key:
            return str(column.label)
    return ""


def run(job_id: int) -> ImportJob:
    """Check every row, then save all rows in one transaction, or none."""
    from .base import get

    job = ImportJob.objects.select_related("store", "user").get(pk=job_id)
    importer = get(job.importer)
    # Tens of thousands of rows make millions of short-lived objects and few cycles: the
    # cyclic collector would run over all of them again and again (most of the time on a
    # large file). It is switched back on, and run once, when the job ends.
    collecting = gc.isenabled()
    gc.disable()
    with override(job.language):
        try:
            if importer is None or not importer.allowed(job.user, job.store):
                raise FileProblem(_("You may not import these records."))
            content = base64.b64decode(job.content)
            rows = read_rows(importer, content)
            _progress(job, status=ImportJob.Status.CHECKING, total=len(rows), done=0)
            errors, valid = [], []
            for i, (number, data) in enumerate(rows, start=1):
                form = importer.form(data, store=job.store)
                if form.is_valid():
                    valid.append((number, form.cleaned_data))
                else:
                    for field, messages in form.errors.items():
                        for message in messages:
                            errors.append(
                                {
                                    "row": number,
                                    "column": _label(importer, field),
                                    "message": message,
                                }
                            )
                if i % importer.batch == 0:
                    _progress(job, done=i)
            if not errors:
                for number, problems in sorted(
                    importer.check(valid, actor=job.user, store=job.store).items()
                ):
                    for field, message in problems.items():
                        errors.append(
                            {"row": number, "column": _label(importer, field), "message": message}
                        )
            errors.sort(key=lambda e: e["row"])
            if errors:
                _progress(
                    job,
                    done=len(rows),
                    status=ImportJob.Status.FAILED,
                    errors=errors[:MAX_ERRORS],
                    error_count=len(errors),
                    message=_("Nothing was imported: correct the rows listed and upload again."),
                )
            else:
                _progress(job, done=len(rows), status=ImportJob.Status.SAVING)
                with transaction.atomic():
                    count = importer.save(
                        [data for _n, data in valid], actor=job.user, store=job.store, job=job
                    )
                # Statistics for the planner before the job is reported done: a first import
                # of thousands of clients changes every table's proportions.
                update_statistics()
                _progress(job, imported=count, status=ImportJob.Status.DONE)
        except FileProblem as exc:
            _progress(job, status=ImportJob.Status.FAILED, message=str(exc))
        except ValidationError as exc:
            _progress(
                job,
                status=ImportJob.Status.FAILED,
                message=_("Nothing was imported: %(reason)s") % {"reason": " ".join(exc.messages)},
            )
        except Exception:
            log.exception("import %s failed", job.pk)
            _progress(
                job,
                status=ImportJob.Status.FAILED,
                message=_(
                    "The import failed unexpectedly; nothing was imported. Tell the administrator."
                ),
            )
        finally:
            _progress(job, content="", finished_at=timezone.now())
            if collecting:
                gc.enable()
            gc.collect()
    return job
