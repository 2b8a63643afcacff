-- 失驾 rule: a traffic violation whose driver is a community-correction subject, on a day inside the subject's
-- correction period (start and end inclusive) and inside a licence-status interval that is not 正常
-- (valid_from inclusive, valid_to exclusive, null = still current). Everything joins on pseudonyms.
with

subjects as (
    select
        subject_id,
        person_key,
        execution_type,
        correction_start,
        correction_end,
        street_code,
        community_code,
        grid_code
    from {{ ref('stg_zhengfa__correction_subjects') }}
),

-- the staging pre-filter keeps the keyed hash to the roster's rows; the join below is what decides
violations as (
    select
        violation_id,
        driver_key,
        plate_key,
        violation_at,
        violation_date,
        device_id,
        place,
        street_code,
        violation_code,
        violation_desc,
        points,
        status
    from {{ ref('stg_zhengfa__traffic_violations') }}
    where is_driver_on_correction_roster
),

invalid_licences as (
    select
        record_id,
        holder_key,
        licence_status,
        valid_from,
        valid_to,
        reason
    from {{ ref('stg_zhengfa__driving_licence_statuses') }}
    where is_holder_on_correction_roster and is_invalid
),

-- one subject per violation: if a person was enrolled twice with overlapping periods, the latest enrolment owns it
in_correction as (
    select
        violations.*,
        subjects.subject_id,
        subjects.person_key,
        subjects.execution_type,
        subjects.correction_start,
        subjects.correction_end,
        subjects.street_code as subject_street_code,
        subjects.community_code as subject_community_code,
        subjects.grid_code as subject_grid_code
    from violations
    inner join subjects
        on
            violations.driver_key = subjects.person_key
            and violations.violation_date between subjects.correction_start and subjects.correction_end
    qualify row_number() over (
        partition by violations.violation_id order by subjects.correction_start desc, subjects.subject_id desc
    ) = 1
),

-- one licence status per violation: overlapping invalid intervals (a re-sent or overlapping record) give one clue,
-- with the interval that started last
while_invalid as (
    select
        in_correction.*,
        invalid_licences.record_id as licence_record_id,
        invalid_licences.licence_status,
        invalid_licences.valid_from as licence_status_from,
        invalid_licences.valid_to as licence_status_to,
        invalid_licences.reason as licence_status_reason
    from in_correction
    inner join invalid_licences
        on
            in_correction.driver_key = invalid_licences.holder_key
            and in_correction.violation_date >= invalid_licences.valid_from
            and (invalid_licences.valid_to is null or in_correction.violation_date < invalid_licences.valid_to)
    qualify row_number() over (
        partition by in_correction.violation_id
        order by invalid_licences.valid_from desc, invalid_licences.record_id desc
    ) = 1
),

final as (
    select
        'SJ' || violation_id as clue_id,
        subject_id,
        person_key as subject_key,
        execution_type,
        correction_start,
        correction_end,
        subject_street_code as street_code,
        subject_community_code as community_code,
        violation_id,
        violation_at,
        violation_date,
        place as violation_place,
        device_id,
        street_code as violation_street_code,
        violation_code,
        violation_desc,
        points as violation_points,
        status as violation_status,
        plate_key,
        licence_record_id,
        licence_status,
        licence_status_from,
        licence_status_to,
        licence_status_reason,
        -- the inputs carry no verification result yet: every clue starts 待核实 until the procuratorate disposes of it
        '待核实' as clue_status,
        null::varchar as disposal
    from while_invalid
)

select * from final
