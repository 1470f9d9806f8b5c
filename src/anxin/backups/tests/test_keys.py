"""``anxin keys export/import``: the keys outside every backup, in a passphrase-protected file."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from anxin.backups import keyfile

PASS = "correct horse battery staple"


@pytest.mark.req("STO-4", "UX-4")
def test_export_then_import_into_a_new_data_dir(tmp_path, settings, monkeypatch):
    monkeypatch.setenv("ANXIN_KEYS_PASSPHRASE", PASS)
    target = tmp_path / "keys.json"
    call_command("keys", "export", str(target), stdout=io.StringIO())
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    text = target.read_text()
    for value in keyfile.current_keys().values():
        assert value not in text
    assert json.loads(text)["kdf"]["name"] == "scrypt"

    keys = keyfile.current_keys()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    settings.DATA_DIR = fresh
    out = io.StringIO()
    call_command("keys", "import", str(target), stdout=out)
    assert "master.key" in out.getvalue()
    for name, file_name in keyfile.KEYS.items():
        assert (fresh / file_name).read_text().strip() == keys[name]
        assert oct((fresh / file_name).stat().st_mode & 0o777) == "0o600"


@pytest.mark.req("STO-4")
def test_wrong_passphrase_and_other_keys_refused(tmp_path, settings, monkeypatch):
    target = tmp_path / "keys.json"
    keyfile.export_keys(target, PASS)
    with pytest.raises(keyfile.KeyFileError, match="wrong passphrase"):
        keyfile.read_keys(target, "not the passphrase")
    with pytest.raises(keyfile.KeyFileError, match="at least"):
        keyfile.export_keys(tmp_path / "short.json", "short")
    with pytest.raises(keyfile.KeyFileError, match="exists"):
        keyfile.export_keys(target, PASS)
    # A data directory holding other keys is not overwritten unless forced.
    other = tmp_path / "other"
    other.mkdir()
    (other / "master.key").write_text("someone else's master key\n")
    settings.DATA_DIR = other
    monkeypatch.setenv("ANXIN_KEYS_PASSPHRASE", PASS)
    with pytest.raises(CommandError, match=r"master\.key"):
        call_command("keys", "import", str(target), stdout=io.StringIO())
    assert (other / "master.key").read_text() == "someone else's master key\n"
    call_command("keys", "import", str(target), "--force", stdout=io.StringIO())
    assert (other / "master.key.replaced").read_text() == "someone else's master key\n"
