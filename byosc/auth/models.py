"""API keys as the gateway and the admin commands see them. The secret is never stored."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from byosc.domain import CourseId, utcnow

# admin: everything. instructor: reads, chat and management of the courses in its scope.
# client (an LMS plugin, a frontend): reads and chat on the courses in its scope.
Role = Literal["admin", "instructor", "client"]
ROLES: tuple[Role, ...] = ("admin", "instructor", "client")


class KeyRequest(BaseModel):
    """What an admin asks for when creating a key."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Moodle plugin, cs140", "role": "client", "courses": ["cs140"]},
                {"name": "Prof. Rivera", "role": "instructor", "courses": ["cs140", "cs240"]},
            ]
        }
    )

    name: str = Field(min_length=1, max_length=200, description="Who or what holds the key.")
    role: Role = Field(description="admin, instructor or client.")
    courses: list[CourseId] = Field(
        default_factory=list,
        description="Course IDs the key may reach; ignored for admin keys, which reach all.",
    )

    @field_validator("courses")
    @classmethod
    def _sorted_unique(cls, courses: list[str]) -> list[str]:
        return sorted(set(courses))


class ApiKey(BaseModel):
    id: str
    name: str
    role: Role
    courses: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IssuedKey(BaseModel):
    """A new key with its token: the only time the token is shown."""

    key: ApiKey
    token: str = Field(description="Send as `Authorization: Bearer <token>`; not shown again.")
