"""Identity-stitching settings: the ``identity`` section of the root config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IdentityConfig(BaseModel):
    """Merge protection: an edge that would break a limit is not applied (it goes to identity_conflicts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_user_ids_per_person: int = Field(1, ge=1, description="Distinct logins one person may have.")
    max_emails_per_user_id: int = Field(1, ge=1, description="Distinct emails behind one login.")
    max_anonymous_ids_per_device: int = Field(
        50, ge=1, description="Cookies/installs behind one device id before the device counts as shared."
    )
