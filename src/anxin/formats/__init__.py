"""Format overrides (FORMAT_MODULE_PATH): the values inside date and time inputs are ISO 8601 in
every language, because browsers accept nothing else in ``<input type="date">`` and
``<input type="datetime-local">``. Dates and times *shown* as text keep each language's format."""

# The first input format is the one Django's widgets render a value with; the others still parse.
ISO_DATE_INPUT_FORMATS = ["%Y-%m-%d"]
ISO_DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def iso_first(language: str) -> tuple[list[str], list[str]]:
    """Django's input formats for ``language``, with the ISO forms moved to the front."""
    from importlib import import_module

    django = import_module(f"django.conf.locale.{language}.formats")
    date = ISO_DATE_INPUT_FORMATS + [
        f for f in django.DATE_INPUT_FORMATS if f not in ISO_DATE_INPUT_FORMATS
    ]
    datetime = ISO_DATETIME_INPUT_FORMATS + [
        f for f in django.DATETIME_INPUT_FORMATS if f not in ISO_DATETIME_INPUT_FORMATS
    ]
    return date, datetime
