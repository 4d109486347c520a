"""The LTI tool's stores, on SQLite and PostgreSQL: registrations unique per issuer and
client, context links that go with their course, single-use login states that expire, and
tool keys that rotate with the old one published for a while."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.domain import Course, utcnow
from byosc.errors import AlreadyExists, NotFound
from byosc.lti.contexts import SqlContextLinks
from byosc.lti.models import ContextLink, PlatformRequest
from byosc.lti.platforms import AmbiguousIssuer, SqlPlatformStore
from byosc.lti.states import SqlLaunchStates
from byosc.lti.tables import lti_launch_states, lti_tool_keys
from byosc.lti.tool_keys import SqlToolKeys, ToolKeyring

MOODLE = PlatformRequest(
    name="Moodle",
    issuer="https://moodle.example.edu",
    client_id="abc123",
    deployment_ids=["1"],
    auth_url="https://moodle.example.edu/mod/lti/auth.php",
    token_url="https://moodle.example.edu/mod/lti/token.php",
    jwks_url="https://moodle.example.edu/mod/lti/certs.php",
)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    catalog = SqlCatalog(open_engine(database_url))
    catalog.create_course(Course(id="cs140", name="Operating Systems"))
    yield catalog.engine
    catalog.close()


def test_a_platform_is_found_by_issuer_and_client_and_registered_once(engine: sa.Engine) -> None:
    store = SqlPlatformStore(engine)
    moodle = store.add(MOODLE)
    assert store.find(MOODLE.issuer, "abc123") == moodle
    assert store.find(MOODLE.issuer, None) == moodle  # client_id is optional in a login
    assert store.find(MOODLE.issuer, "other") is None
    with pytest.raises(AlreadyExists, match="registered already"):
        store.add(MOODLE)
    second = store.add(MOODLE.model_copy(update={"client_id": "def456"}))
    with pytest.raises(AmbiguousIssuer):
        store.find(MOODLE.issuer, None)
    assert [p.id for p in store.list()] == [moodle.id, second.id]
    assert store.remove(moodle.id) == moodle
    assert store.get(moodle.id) is None
    with pytest.raises(NotFound):
        store.remove(moodle.id)


def test_a_context_is_linked_once_and_its_link_goes_with_its_course(engine: sa.Engine) -> None:
    links = SqlContextLinks(engine)
    link = ContextLink(
        issuer=MOODLE.issuer,
        deployment_id="1",
        context_id="ctx-7",
        course_id="cs140",
        platform_id="p1",
        linked_by="user-9",
    )
    links.link(link)
    assert links.get(MOODLE.issuer, "1", "ctx-7") == link
    assert links.get(MOODLE.issuer, "2", "ctx-7") is None
    assert links.courses_linked_by(MOODLE.issuer, "user-9") == ["cs140"]
    assert links.courses_linked_by(MOODLE.issuer, "someone-else") == []
    with pytest.raises(AlreadyExists):
        links.link(link.model_copy(update={"linked_by": "intruder"}))
    SqlCatalog(engine).delete_course("cs140")
    assert links.get(MOODLE.issuer, "1", "ctx-7") is None


def test_a_login_state_is_consumed_once_and_not_after_it_expires(engine: sa.Engine) -> None:
    states = SqlLaunchStates(engine)
    issued = states.issue("p1", ttl_s=600)
    assert issued.state != issued.nonce
    assert states.consume(issued.state) == issued
    assert states.consume(issued.state) is None
    stale = states.issue("p1", ttl_s=600)
    with engine.begin() as conn:
        conn.execute(lti_launch_states.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    assert states.consume(stale.state) is None


def test_a_new_login_sweeps_the_expired_states_of_abandoned_ones(engine: sa.Engine) -> None:
    states = SqlLaunchStates(engine)
    states.issue("p1", ttl_s=600)
    with engine.begin() as conn:
        conn.execute(lti_launch_states.update().values(expires_at=utcnow() - timedelta(hours=1)))
    kept = states.issue("p1", ttl_s=600)
    with engine.connect() as conn:
        assert list(conn.execute(sa.select(lti_launch_states.c.state)).scalars()) == [kept.state]


def test_rotating_keeps_the_old_key_published_for_its_retention_then_drops_it(
    engine: sa.Engine,
) -> None:
    keys = SqlToolKeys(engine)
    first = keys.current()
    assert keys.current().kid == first.kid  # made once, then reused
    second = keys.rotate(retention_s=3600)
    assert keys.current().kid == second.kid
    assert [k.kid for k in keys.published(3600)] == [second.kid, first.kid]
    with engine.begin() as conn:
        retired_long_ago = utcnow() - timedelta(hours=2)
        conn.execute(
            lti_tool_keys.update()
            .where(lti_tool_keys.c.kid == first.kid)
            .values(retired_at=retired_long_ago)
        )
    assert [k.kid for k in keys.published(3600)] == [second.kid]
    third = keys.rotate(retention_s=3600)
    with engine.connect() as conn:
        kept = set(conn.execute(sa.select(lti_tool_keys.c.kid)).scalars())
    assert kept == {second.kid, third.kid}  # the long-retired one is deleted


def test_a_keyring_sees_a_rotation_made_elsewhere_when_a_token_names_the_new_key(
    engine: sa.Engine,
) -> None:
    now = [0.0]
    keyring = ToolKeyring(SqlToolKeys(engine), 3600, refresh_s=60, miss_s=2, clock=lambda: now[0])
    old = keyring.signing_key()
    rotated = SqlToolKeys(engine).rotate(retention_s=3600)  # as `byosc lti keys rotate` does
    assert keyring.signing_key().kid == old.kid  # until its refresh
    now[0] = 5.0
    assert keyring.public_key(rotated.kid) is not None
    assert keyring.public_key(old.kid) is not None  # retired, still published
    assert {k["kid"] for k in keyring.jwks()["keys"]} == {old.kid, rotated.kid}
    assert keyring.public_key("never-made") is None
