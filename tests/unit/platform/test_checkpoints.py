"""Signed checkpoints on their own: the signature covers every field, keys stay in files."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.platform.audit.checkpoints import (
    Checkpoint,
    generate_key,
    is_genuine,
    load_signing_key,
    load_verify_key,
    public_path,
    sign,
)
from yiwang.platform.errors import InvalidInput, ServiceUnavailable


def test_a_checkpoint_round_trips_and_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = sign(key, 42, bytes(range(32)))
    again = Checkpoint.from_json(checkpoint.to_json())
    assert again == checkpoint and again.hash == bytes(range(32)).hex()
    assert is_genuine(again, key.public_key())


@pytest.mark.parametrize(
    "change", [{"seq": 41}, {"hash": "11" * 32}, {"at": "2020-01-01T00:00:00Z"}, {"alg": "sm2"}]
)
def test_every_field_is_signed(change: dict[str, object]) -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = sign(key, 42, bytes(32))
    assert not is_genuine(replace(checkpoint, **change), key.public_key())  # type: ignore[arg-type]


def test_another_key_is_not_accepted() -> None:
    checkpoint = sign(Ed25519PrivateKey.generate(), 1, bytes(32))
    assert not is_genuine(checkpoint, Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize("text", ["", "{}", '{"format": "other"}', "not json"])
def test_unreadable_checkpoints(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Checkpoint.from_json(text)
    assert info.value.code == "audit.checkpoint_unreadable"


def test_keys_are_files_only_their_owner_reads(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.pem"
    private = generate_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = load_verify_key(public_path(path))
    assert is_genuine(sign(load_signing_key(path, create=False), 7, bytes(32)), public)
    assert is_genuine(sign(private, 7, bytes(32)), public)
    with pytest.raises(InvalidInput):
        generate_key(path)  # never overwrites


def test_production_refuses_to_invent_a_key(tmp_path: Path) -> None:
    with pytest.raises(ServiceUnavailable) as info:
        load_signing_key(tmp_path / "missing.pem", create=False)
    assert info.value.code == "audit.signing_key_missing"
    made = load_signing_key(tmp_path / "dev.pem", create=True)
    assert (tmp_path / "dev.pem.pub").is_file() and made is not None
