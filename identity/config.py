"""Identity-stitching settings: the ``identity`` section of the root config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Country (as the sources write it: GA4 geo.country, Segment context.location.country) -> phone region
# used to read phone numbers written without a +country prefix.
_DEFAULT_PHONE_REGIONS = {
    "United States": "US", "US": "US", "Canada": "CA", "CA": "CA", "United Kingdom": "GB", "GB": "GB",
    "Germany": "DE", "DE": "DE", "France": "FR", "FR": "FR", "Spain": "ES", "ES": "ES", "Japan": "JP",
    "JP": "JP",
}


class IdentityConfig(BaseModel):
    """Merge protection: an edge that would break a limit is not applied (it goes to identity_conflicts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_user_ids_per_person: int = Field(1, ge=1, description="Distinct logins one person may have.")
    max_emails_per_user_id: int = Field(1, ge=1, description="Distinct emails behind one login.")
    max_anonymous_ids_per_device: int = Field(
        50, ge=1, description="Cookies/installs behind one device id before the device counts as shared."
    )
    default_phone_region: str = Field(
        "US", min_length=2, max_length=2, description="Region for local-format phones of unknown country."
    )
    phone_regions: dict[str, str] = Field(
        default_factory=lambda: dict(_DEFAULT_PHONE_REGIONS),
        description="Event country -> region used to read local-format phone numbers.",
    )
    compact_after_files: int = Field(
        512, ge=16, description="A batch compacts identity_edges and identity_map once either has more files "
        "(each batch adds up to one file per touched bucket).",
    )
    driver_clustering_max_edges: int = Field(
        500_000, ge=0, description="A batch whose scope (its identifiers, their neighbours and their persons) "
        "has at most this many graph edges is clustered in the driver: the same persons without the fixed "
        "cost of a dozen Spark jobs. Larger scopes, and every rebuild, cluster distributed. 0: always distributed.",
    )
    max_iterations: int = Field(
        60, ge=1, description="Connected-components rounds (large-star + small-star) before giving up."
    )
