"""JSON kept encrypted at rest: a change's proposed values may be an ID number or health data."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from anxin.crypto.fields import EncryptedTextField


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (dict, list, text, number) in an ``EncryptedTextField`` column.

    The column holds one token of the JSON text, so nothing of the value is visible in the
    database, and key rotation moves it like any other encrypted value. ``None`` is NULL.
    """

    def get_prep_value(self, value):
        if value is None:
            return None
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)

    def from_db_value(self, value, expression, connection):
        text = super().from_db_value(value, expression, connection)
        if text is None or text == "":
            return None
        return json.loads(text)

    def to_python(self, value):
        # The attribute already holds the Python value; full_clean() must not turn it into text.
        return value

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))
