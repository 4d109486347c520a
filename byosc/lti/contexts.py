"""SqlContextLinks: which BYOSC course an LMS context (issuer, deployment, context ID)
stands for."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import sqlalchemy as sa

from byosc.errors import AlreadyExists
from byosc.lti.models import ContextLink
from byosc.lti.tables import lti_context_links


class SqlContextLinks:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def get(self, issuer: str, deployment_id: str, context_id: str) -> ContextLink | None:
        query = lti_context_links.select().where(
            lti_context_links.c.issuer == issuer,
            lti_context_links.c.deployment_id == deployment_id,
            lti_context_links.c.context_id == context_id,
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _link(row)

    def link(self, link: ContextLink) -> ContextLink:
        """Maps the context; a context is mapped once (AlreadyExists after that)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(lti_context_links.insert().values(**link.model_dump()))
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(
                f"this LMS course is linked already, or course {link.course_id} does not exist"
            ) from exc
        return link

    def courses_linked_by(self, issuer: str, user: str) -> list[str]:
        """The courses this LMS user linked on this issuer, newest link first: the ones they
        may link to another of their LMS courses (a new term, a second section)."""
        query = (
            sa.select(lti_context_links.c.course_id)
            .where(lti_context_links.c.issuer == issuer, lti_context_links.c.linked_by == user)
            .order_by(lti_context_links.c.linked_at.desc())
        )
        with self.engine.connect() as conn:
            return list(dict.fromkeys(conn.execute(query).scalars()))


def _link(row: sa.Row[Any]) -> ContextLink:
    return ContextLink.model_validate(row._asdict())


def course_id_from(text: str, fallback: str) -> str:
    """A course ID made of an LMS course's label ("CS 140 (Fall)" -> "cs-140-fall"): accents
    dropped, other runs of characters a course ID cannot hold made one hyphen. Too short a
    result gives `course-` and a digest of `fallback` (the context ID)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:56].strip("-")
    if len(slug) < 2:
        slug = "course-" + hashlib.sha256(fallback.encode()).hexdigest()[:8]
    return slug
