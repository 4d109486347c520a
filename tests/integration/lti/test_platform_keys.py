"""A platform's keys are fetched once and reused; a key ID not seen yet makes one refetch
(a rotation is picked up), at most once per cooldown, so forged key IDs cannot make the
tool hammer the platform."""

from __future__ import annotations

import pytest

from byosc.lti.platform_keys import KeysUnavailable, PlatformKeys, UnknownKey
from tests.support.lti_platform import SimulatedPlatform


def test_unknown_key_ids_refetch_the_jwks_once_per_cooldown_and_find_a_rotated_key(
    moodle: SimulatedPlatform,
) -> None:
    now = [100.0]
    keys = PlatformKeys(timeout_s=1.0, cache_s=300.0, refetch_s=10.0, clock=lambda: now[0])
    url = f"{moodle.base_url}/jwks"
    fetched = moodle.jwks_fetches
    assert keys.key(url, moodle.keys[-1].kid) is not None
    assert keys.key(url, moodle.keys[-1].kid) is not None
    assert moodle.jwks_fetches == fetched + 1
    for forged in ("forged-1", "forged-2", "forged-3"):
        with pytest.raises(UnknownKey):
            keys.key(url, forged)
    assert moodle.jwks_fetches == fetched + 1  # within the cooldown: no refetch
    rotated = moodle.rotate_key()
    now[0] += 11
    assert keys.key(url, rotated.kid) is not None
    assert moodle.jwks_fetches == fetched + 2


def test_a_jwks_url_that_does_not_answer_is_reported_as_unavailable() -> None:
    keys = PlatformKeys(timeout_s=0.5, cache_s=300.0, refetch_s=0.0)
    with pytest.raises(KeysUnavailable, match="did not answer"):
        keys.key("http://127.0.0.1:9/jwks", "any")
