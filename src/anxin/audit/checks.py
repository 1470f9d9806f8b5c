"""Settings checks: a retention under the legal minimum or a malformed rule stops the start."""

from django.conf import settings
from django.core import checks

from .rules import DEFAULT_RULES, parse_hhmm, rule_settings

MIN_RETENTION_DAYS = 183


@checks.register(checks.Tags.compatibility)
def audit_settings(app_configs=None, **kwargs):
    errors = []
    days = getattr(settings, "ANXIN_AUDIT_RETENTION_DAYS", None)
    if not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        errors.append(
            checks.Error(
                f"ANXIN_AUDIT_RETENTION_DAYS is {days!r}; audit logs must be kept at least "
                f"{MIN_RETENTION_DAYS} days (six months, by law).",
                hint="Set ANXIN_AUDIT_RETENTION_DAYS to 183 or more (default 1095, three years).",
                id="audit.E001",
            )
        )
    configured = getattr(settings, "ANXIN_ALERT_RULES", {}) or {}
    unknown = sorted(set(configured) - set(DEFAULT_RULES))
    if unknown:
        errors.append(
            checks.Error(
                f"ANXIN_ALERT_RULES names unknown rules: {', '.join(unknown)}",
                hint=f"Known rules: {', '.join(DEFAULT_RULES)}.",
                id="audit.E002",
            )
        )
    rules = rule_settings()
    for rule, keys in (
        ("bulk_reads", ("records", "minutes")),
        ("repeated_reveals", ("reveals", "minutes")),
    ):
        for key in keys:
            value = rules[rule][key]
            if not isinstance(value, int) or value < 1:
                errors.append(
                    checks.Error(
                        f"ANXIN_ALERT_RULES['{rule}']['{key}'] must be a whole number of 1 or more, not {value!r}.",
                        id="audit.E003",
                    )
                )
    for key in ("start", "end"):
        try:
            parse_hhmm(rules["off_hours"][key])
        except (TypeError, ValueError):
            errors.append(
                checks.Error(
                    f"ANXIN_ALERT_RULES['off_hours']['{key}'] must be a time such as 08:00, "
                    f"not {rules['off_hours'][key]!r}.",
                    id="audit.E004",
                )
            )
    return errors
