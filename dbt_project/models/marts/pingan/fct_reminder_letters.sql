-- 治安提醒函: one row per letter with its rectification rounds and status
with

letters as (
    select * from {{ ref('stg_pingan__reminder_letters') }}
),

rectifications as (
    select * from {{ ref('int_pingan__letter_rectifications') }}
),

places as (
    select * from {{ ref('dim_key_places') }}
),

final as (
    select
        letters.letter_id::varchar as letter_id,
        letters.letter_no::varchar as letter_no,
        letters.place_id::varchar as place_id,
        places.place_type_code::varchar as place_type_code,
        letters.place_name::varchar as place_name,
        letters.issuing_unit::varchar as issuing_unit,
        letters.problem::varchar as problem,
        letters.street_code::varchar as street_code,
        letters.community_code::varchar as community_code,
        letters.grid_code::varchar as grid_code,
        letters.status::varchar as status,
        (letters.status = '已整改')::boolean as is_rectified,
        letters.issued_at::timestamp as issued_at,
        letters.signed_at::timestamp as signed_at,
        letters.deadline_at::timestamp as deadline_at,
        letters.rectified_at::timestamp as rectified_at,
        date_trunc('month', letters.issued_at)::date as issued_month,
        date_trunc('month', letters.rectified_at)::date as rectified_month,
        coalesce(rectifications.rounds, 0)::bigint as rectification_rounds,
        coalesce(rectifications.failed_reviews, 0)::bigint as failed_reviews,
        rectifications.last_submitted_at::timestamp as last_submitted_at,
        rectifications.last_review_result::varchar as last_review_result,
        {{ closed_on_time('letters.rectified_at', 'letters.deadline_at') }}::boolean as is_rectified_by_deadline,
        (date_diff('second', letters.issued_at, letters.rectified_at) / 86400.0)::double as days_to_rectify
    from letters
    left join rectifications on letters.letter_id = rectifications.letter_id
    left join places on letters.place_id = places.place_id
)

select * from final
