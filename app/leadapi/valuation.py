"""What the Lead API answers when it creates a valuation lead, and the estimate shown for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class Estimate:
    """A range in whole pounds: a sale price, or a rent per calendar month."""

    kind: Literal["sale", "rent"]
    minimum: int
    average: int
    maximum: int


class Valuation(BaseModel):
    """The success body of `POST /leads/valuation`. Only these fields are documented."""

    model_config = ConfigDict(extra="ignore")

    minimum_sale_estimation: float | None = None
    average_sale_estimation: float | None = None
    maximum_sale_estimation: float | None = None
    minimum_rent_estimation: float | None = None
    average_rent_estimation: float | None = None
    maximum_rent_estimation: float | None = None
    valuation_status: str | None = None

    def estimate_for(self, lead_type: str) -> Estimate | None:
        """The range a homeowner asked about (sale for `vendor`, rent for `landlord`), or None
        when the upstream could not value it (status other than Success, or a figure missing)."""
        if lead_type == "vendor":
            kind: Literal["sale", "rent"] = "sale"
            bounds = (
                self.minimum_sale_estimation,
                self.average_sale_estimation,
                self.maximum_sale_estimation,
            )
        else:
            kind = "rent"
            bounds = (
                self.minimum_rent_estimation,
                self.average_rent_estimation,
                self.maximum_rent_estimation,
            )
        low, mid, high = bounds
        if self.valuation_status != "Success" or low is None or mid is None or high is None:
            return None
        return Estimate(kind=kind, minimum=round(low), average=round(mid), maximum=round(high))
