"""Audit test fixtures: a private checkpoint file and key per test."""

import pytest


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    """Each test its own checkpoint file: test databases roll back, files do not."""
    settings.ANXIN_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    settings.ANXIN_AUDIT_KEY = "a-test-key-kept-outside-the-database"
    return settings.ANXIN_AUDIT_CHECKPOINT_FILE
