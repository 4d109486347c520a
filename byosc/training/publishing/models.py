"""An adapter's publication to a model hub, and an adapter as listed with it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from byosc.training.models import AdapterRecord

PublicationState = Literal["publishing", "published", "failed"]


class AdapterPublication(BaseModel):
    """The latest publication of one adapter; publishing it again replaces it."""

    adapter_name: str
    repo_id: str = Field(description="The Hub repository, e.g. my-university/byosc-cs140-v3.")
    state: PublicationState = Field(
        description="publishing: under way (or its process died: publish again); published; "
        "failed: `error` says why, the adapter is served all the same."
    )
    private: bool = Field(description="Whether the repository was asked to be private.")
    url: str | None = Field(default=None, description="The repository's page on the Hub.")
    revision: str | None = Field(default=None, description="The Hub commit that holds it.")
    error: str | None = None
    attempted_at: datetime
    published_at: datetime | None = None


class AdapterView(AdapterRecord):
    """An adapter with its latest publication to a model hub, if it was ever published."""

    publication: AdapterPublication | None = None
