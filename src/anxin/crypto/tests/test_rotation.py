"""Key rotation: everything re-encrypted, resumable, readable throughout, keys retired (STO-3)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from anxin.crypto import cipher, rotation
from anxin.crypto.models import DataKey, KeyState
from anxin.crypto.tests.models import OtherSecret, Secret

pytestmark = pytest.mark.req("STO-3")

ROWS = 12


def make_rows():
    expected = {}
    for i in range(ROWS):
        secret = Secret.objects.create(
            note=f"病历备注 {i}" if i % 3 else None,
            id_number=f"1101011990030{i:04d}X"[-18:],
            phone=f"1380000{i:04d}",
        )
        expected[secret.pk] = (secret.note, secret.id_number, secret.phone)
    OtherSecret.objects.create(note="另一张表")
    return expected


def tokens(model, columns):
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {', '.join(qn(c) for c in columns)} FROM {qn(model._meta.db_table)} "  # noqa: S608
            "ORDER BY id"
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def key_ids_in_use():
    ids = set()
    for model, columns in ((Secret, ["note", "id_number", "phone"]), (OtherSecret, ["note"])):
        for row in tokens(model, columns).values():
            ids |= {cipher.key_id_of(t) for t in row if t}
    return ids


def assert_all_readable(expected):
    got = {s.pk: (s.note, s.id_number, s.phone) for s in Secret.objects.all()}
    assert got == expected
    assert OtherSecret.objects.get().note == "另一张表"


def assert_all_findable(expected):
    for pk, (_note, id_number, phone) in expected.items():
        assert Secret.objects.get(id_number_index__matches=id_number).pk == pk
        assert Secret.objects.get(phone_index__matches=phone).pk == pk


def test_encrypted_fields_are_discovered_through_the_app_registry(secrets_db):
    found = {t.label: t for t in rotation.encrypted_tables()}
    assert {"crypto.Secret", "crypto.OtherSecret"} <= set(found)
    secret = found["crypto.Secret"]
    assert [f.name for f in secret.encrypted] == ["note", "id_number", "phone"]
    assert [f.name for f in secret.indexes] == ["id_number_index", "phone_index"]
    assert "crypto.DataKey" not in found


def test_rotation_reencrypts_every_value_and_rebuilds_the_blind_indexes(secrets_db):
    expected = make_rows()
    old_key = DataKey.objects.get().pk
    old_indexes = tokens(Secret, ["id_number_index", "phone_index"])
    report = rotation.rotate(batch_size=5)
    new_key = DataKey.objects.get(state=KeyState.ACTIVE).pk
    assert report.key_id == new_key != old_key and not report.resumed
    assert key_ids_in_use() == {new_key}
    # Models of other apps with encrypted fields are visited too; here they hold no rows.
    rewritten = {label: n for label, n in report.rewritten.items() if n}
    assert rewritten == {"crypto.OtherSecret": 1, "crypto.Secret": ROWS}
    assert {"clients.Client", "clients.HealthFile"} <= set(report.rewritten)
    new_indexes = tokens(Secret, ["id_number_index", "phone_index"])
    assert all(
        new != old and None not in new
        for new, old in zip(new_indexes.values(), old_indexes.values(), strict=True)
    )
    assert DataKey.objects.get(pk=old_key).state == KeyState.RETIRED
    assert report.retired == [old_key] and report.still_retiring == {}
    assert_all_readable(expected)
    assert_all_findable(expected)
    assert rotation.key_usage() == {new_key: ROWS * 3 - ROWS // 3 + 1}  # NULL notes, other


def test_an_interrupted_rotation_resumes_where_it_stopped(secrets_db, monkeypatch):
    expected = make_rows()
    old_key = DataKey.objects.get().pk
    real_rewrite_row = rotation._rewrite_row
    calls = []

    def power_cut(table, *args, **kwargs):
        calls.append(table.label)
        if calls.count("crypto.Secret") > 5:
            raise RuntimeError("power cut")
        return real_rewrite_row(table, *args, **kwargs)

    monkeypatch.setattr(rotation, "_rewrite_row", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        rotation.rotate(batch_size=5)
    monkeypatch.setattr(rotation, "_rewrite_row", real_rewrite_row)

    new_key = DataKey.objects.get(state=KeyState.ACTIVE).pk
    by_row = tokens(Secret, ["note", "id_number", "phone"])
    moved = [pk for pk, row in by_row.items() if cipher.key_id_of(row[1]) == new_key]
    assert len(moved) == 5  # the first batch committed; the second was rolled back whole
    assert key_ids_in_use() == {old_key, new_key}
    # Halfway, everything reads and every blind index is found (both generations are live).
    assert_all_readable(expected)
    assert_all_findable(expected)
    # The old key is not retired while values still use it.
    assert DataKey.objects.get(pk=old_key).state == KeyState.RETIRING
    assert rotation.retire_unused_keys() == ([], {old_key: rotation.key_usage()[old_key]})
    assert DataKey.objects.get(pk=old_key).state == KeyState.RETIRING

    report = rotation.rotate(batch_size=5)
    assert report.resumed and report.key_id == new_key
    assert report.rewritten["crypto.Secret"] == ROWS - 5
    after = tokens(Secret, ["note", "id_number", "phone"])
    assert all(after[pk] == by_row[pk] for pk in moved)  # the finished rows were skipped
    assert key_ids_in_use() == {new_key}
    assert DataKey.objects.get(pk=old_key).state == KeyState.RETIRED
    assert_all_readable(expected)
    assert_all_findable(expected)


def test_values_are_readable_between_every_batch(secrets_db):
    expected = make_rows()
    seen = []

    def progress(phase, label, done, total):
        assert_all_readable(expected)
        assert_all_findable(expected)
        seen.append((phase, label, done, total))

    rotation.rotate(batch_size=4, progress=progress)
    assert ("rewrite", "crypto.Secret", 0, ROWS) in seen
    assert ("rewrite", "crypto.Secret", 4, ROWS) in seen
    assert ("rewrite", "crypto.Secret", ROWS, ROWS) in seen
    assert ("check", "crypto.Secret", ROWS, ROWS) in seen


def test_a_stale_blind_index_is_fixed_by_the_final_pass(secrets_db):
    expected = make_rows()
    rotation.rotate()
    # A process that missed the rotation wrote an index under the old generation.
    stale = Secret.objects.order_by("pk").first()
    old_key = DataKey.objects.get(state=KeyState.RETIRED).pk
    field = Secret._meta.get_field("phone_index")
    Secret.objects.filter(pk=stale.pk).update(
        phone_index=field.index_for(stale.phone, generation=old_key)
    )
    assert not Secret.objects.filter(phone_index__matches=stale.phone).exists()
    rotation.rotate()
    assert_all_findable(expected)


def test_a_damaged_value_is_reported_and_keeps_its_key_retiring(secrets_db):
    expected = make_rows()
    old_key = DataKey.objects.get().pk
    victim = min(expected)
    token = tokens(Secret, ["phone"])[victim][0]
    Secret.objects.filter(pk=victim).update(phone=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crypto_test_secret SET phone = %s WHERE id = %s",
            [token[:-6] + ("AAAAAA" if token[-6:] != "AAAAAA" else "BBBBBB"), victim],
        )
    report = rotation.rotate()
    assert report.problems == [f"crypto.Secret pk={victim} phone: authentication failed"]
    assert report.still_retiring == {old_key: 1}
    assert DataKey.objects.get(pk=old_key).state == KeyState.RETIRING
    others = {pk: row for pk, row in expected.items() if pk != victim}
    assert {
        s.pk: (s.note, s.id_number, s.phone) for s in Secret.objects.exclude(pk=victim)
    } == others


def test_rotating_twice_leaves_one_active_key(secrets_db):
    make_rows()
    rotation.rotate()
    rotation.rotate()
    states = sorted(DataKey.objects.values_list("state", flat=True))
    assert states == [KeyState.ACTIVE, KeyState.RETIRED, KeyState.RETIRED]


def test_rotation_waits_for_other_processes_to_see_the_new_key(secrets_db, settings):
    settings.ANXIN_CRYPTO_KEY_REFRESH_SECONDS = 30
    key_id, _ = rotation.start_rotation()
    waited = []
    rotation.wait_for_other_processes(key_id, sleep=waited.append)
    assert len(waited) == 1 and 25 < waited[0] <= 30


def test_keys_rotate_command_prints_progress_and_keys_status_counts(secrets_db):
    make_rows()
    out = io.StringIO()
    call_command("keys", "rotate", "--batch-size", "5", stdout=out)
    text = out.getvalue()
    assert "Data key" in text and "is now active" in text
    assert f"crypto.Secret: 0/{ROWS} rows re-encrypted" in text
    assert f"crypto.Secret: {ROWS}/{ROWS} rows re-encrypted" in text
    assert "Rotation complete" in text and "Retired:" in text
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    active = DataKey.objects.get(state=KeyState.ACTIVE).pk
    assert any(line.split()[:2] == [str(active), "active"] for line in lines)
    assert any("retired" in line and line.endswith(" 0 values") for line in lines)


def test_keys_rotate_command_says_what_it_waits_for(secrets_db, settings, monkeypatch):
    make_rows()
    settings.ANXIN_CRYPTO_KEY_REFRESH_SECONDS = 30
    slept = []
    monkeypatch.setattr(rotation.time, "sleep", slept.append)
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "1 older key(s) retiring" in out.getvalue()
    assert "for running processes to switch to the new key" in out.getvalue()
    assert len(slept) == 1 and 25 < slept[0] <= 30


def test_keys_rotate_command_fails_on_damaged_values(secrets_db):
    secret = Secret.objects.create(note="x")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crypto_test_secret SET note = %s WHERE id = %s", ["dGFtcGVyZWQ=", secret.pk]
        )
    err = io.StringIO()
    with pytest.raises(CommandError, match="could not be re-encrypted"):
        call_command("keys", "rotate", stdout=io.StringIO(), stderr=err)
    assert f"pk={secret.pk} note" in err.getvalue()
