"""pandera schemas (polars backend) for the 政法 operational database: S7 life-care, S8 volunteers and night patrols,
S10 the procuratorate's supervision inputs.

PERSONAL DATA (PIPL; raw values stay in landing/bronze, the restricted zone — staging pseudonymises them). Listed per
table in PERSONAL_COLUMNS below; the life-care tables also hold *sensitive* personal information (health, crisis
whereabouts), so even their non-identifying columns must not leave the restricted zone unaggregated.

What a batch can and cannot see: duplicates re-sent under a new record id are caught here when both copies arrive in
the same batch (same updated_at, or a full load); a copy that arrives in a later incremental batch than its original
(volunteers re-registered a month later) is only caught by staging, which sees all batches.
"""

from __future__ import annotations

from quality.schemas.zhengfa.lifecare import (
    lifecare_counsellor_schema,
    lifecare_crisis_case_schema,
    lifecare_crisis_event_schema,
    lifecare_liaison_schema,
    lifecare_library_schema,
    lifecare_room_schema,
)
from quality.schemas.zhengfa.supervision import (
    correction_subject_schema,
    driving_licence_status_schema,
    supervision_model_schema,
    traffic_violation_schema,
)
from quality.schemas.zhengfa.volunteers import (
    night_patrol_schema,
    patrol_hazard_schema,
    patrol_participation_schema,
    volunteer_activity_schema,
    volunteer_points_schema,
    volunteer_schema,
)

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "lifecare_liaison": ("name", "phone"),
    "lifecare_counsellor": ("name", "id_number", "phone"),
    # the whole case is sensitive: identity, health (risk level) and whereabouts of a person in crisis
    "lifecare_crisis_case": ("caller_name", "caller_phone", "subject_name", "subject_id_number", "subject_age",
                             "subject_gender", "risk_level", "grid_code"),
    "lifecare_crisis_event": ("handler", "note"),
    "volunteer": ("name", "id_number", "phone"),
    "night_patrol": ("leader_name",),
    "patrol_participation": ("person_name",),
    "correction_subject": ("id_number", "name", "phone", "crime", "execution_type", "sentence_months"),
    "driving_licence_status": ("id_number", "name"),
    "traffic_violation": ("driver_id_number", "driver_name", "plate_no"),
}

__all__ = [
    "PERSONAL_COLUMNS",
    "lifecare_liaison_schema",
    "lifecare_room_schema",
    "lifecare_counsellor_schema",
    "lifecare_library_schema",
    "lifecare_crisis_case_schema",
    "lifecare_crisis_event_schema",
    "volunteer_schema",
    "volunteer_activity_schema",
    "volunteer_points_schema",
    "night_patrol_schema",
    "patrol_participation_schema",
    "patrol_hazard_schema",
    "correction_subject_schema",
    "driving_licence_status_schema",
    "traffic_violation_schema",
    "supervision_model_schema",
]
