"""Activation codes: random, shown grouped, kept only as hashes; a reset's halves work only
together, in order."""

from __future__ import annotations

import re

from yiwang.policy.identity import activation_codes as codes


def test_codes_use_an_alphabet_without_look_alikes_and_are_grouped() -> None:
    code = codes.new_code(codes.CREATE_LENGTH)
    assert len(code) == 20 and set(code) <= set(codes.ALPHABET)
    assert not set("IO01") & set(codes.ALPHABET)
    assert re.fullmatch(r"(\w{4}-){4}\w{4}", codes.grouped(code))
    assert len({codes.new_code(codes.CREATE_LENGTH) for _ in range(200)}) == 200


def test_a_new_accounts_code_matches_as_typed_and_only_itself() -> None:
    code = codes.new_code(codes.CREATE_LENGTH)
    stored = codes.create_hash(code)
    assert code not in stored and codes.normalise(code) not in stored
    typed = codes.grouped(code).lower().replace("-", " - ")
    assert codes.matches("create", stored, typed)
    other = codes.new_code(codes.CREATE_LENGTH)
    assert not codes.matches("create", stored, other)
    assert not codes.matches("create", stored, code[:-1])
    assert not codes.matches("reset", stored, code)


def test_a_reset_needs_both_halves_in_order() -> None:
    first, second = codes.new_code(codes.HALF_LENGTH), codes.new_code(codes.HALF_LENGTH)
    pending = codes.half_hash(first)  # what the row holds before approval
    stored = codes.reset_hash(pending, second)
    assert first not in stored and second not in stored
    assert codes.matches("reset", stored, codes.grouped(first) + "-" + codes.grouped(second))
    assert not codes.matches("reset", stored, second + first)
    assert not codes.matches("reset", stored, first)
    assert not codes.matches("reset", stored, second)
    # Before approval nothing the requester holds activates anything.
    assert not codes.matches("reset", pending, first)
    assert not codes.matches("create", pending, first)
