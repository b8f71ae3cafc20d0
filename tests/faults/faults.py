"""The fault table: each row breaks one requirement of city-os 1.0 and names what must fail.

`also` lists the few other requirements a fault legitimately breaks, with the reason in a
comment at the row; the matrix fails if anything outside `expected` and `also` fails.
"""

from __future__ import annotations

from faults.content import ERROR_ROWS, MODEL_ROWS, SHOULD_ROWS, UNDECLARED_MODELS
from faults.mandatory import CORE_ROWS, QUERY_ROWS
from faults.ngsi_ld import (
    BATCH_CONTEXT_ROWS,
    CONTEXT_MODEL_ROW,
    GEO_ROWS,
    JSONLD_ROWS,
    MERGE_REPLACE_ROWS,
    MULTI_INSTANCE_ROWS,
    STRICTNESS_ROWS,
    SUBSCRIPTION_FULL_ROWS,
    TEMPORAL_ROWS,
)
from faults.optional import BATCH_ROWS, DISCOVERY_ROWS, SUBSCRIPTION_ROWS
from faults.rewrites import Fault
from faults.security import SECURITY_ROWS, TENANCY_ROWS

FAULTS: tuple[Fault, ...] = (
    *CORE_ROWS,
    *QUERY_ROWS,
    *ERROR_ROWS,
    *MODEL_ROWS,
    *BATCH_ROWS,
    *SUBSCRIPTION_ROWS,
    *DISCOVERY_ROWS,
    UNDECLARED_MODELS,
    *SHOULD_ROWS,
    *STRICTNESS_ROWS,
    *MULTI_INSTANCE_ROWS,
    *MERGE_REPLACE_ROWS,
    *JSONLD_ROWS,
    *BATCH_CONTEXT_ROWS,
    CONTEXT_MODEL_ROW,
    *SUBSCRIPTION_FULL_ROWS,
    *GEO_ROWS,
    *TEMPORAL_ROWS,
    *TENANCY_ROWS,
    *SECURITY_ROWS,
)
