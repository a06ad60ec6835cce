"""The GB 32100-2015 checksum used by the demo generator."""

from __future__ import annotations

import numpy as np

from orchestration.demo import uscc


def test_known_code_is_valid_and_a_changed_check_is_not():
    assert uscc.is_valid("91350100M000100Y43")
    assert uscc.is_valid(" 91350100m000100y43 ")
    assert not uscc.is_valid("91350100M000100Y44")
    assert not uscc.is_valid("91350100M000100Y4")
    assert not uscc.is_valid("91350100M000100I43")  # I is not in the charset
    assert not uscc.is_valid(None)


def test_generated_codes_are_valid_distinct_and_corruptible():
    ids = np.arange(5000)
    admin = np.tile([3, 2, 0, 5, 0, 0], (len(ids), 1))
    codes = uscc.generate(np.random.default_rng(0), ids, admin)
    assert len(set(codes)) == len(codes)
    assert all(uscc.is_valid(c) and c.startswith("91320500") for c in codes)
    wrong = uscc.with_wrong_check(codes[:200], np.arange(200) % 30 + 1)
    assert not any(uscc.is_valid(c) for c in wrong)
    assert all(w[:17] == c[:17] for w, c in zip(wrong, codes[:200], strict=True))
