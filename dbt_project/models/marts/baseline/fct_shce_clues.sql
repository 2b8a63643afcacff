with

clues as (
    select * from {{ ref('stg_pingan__shce_clues') }}
),

codes as (
    select * from {{ ref('dim_safety_codes') }}
),

final as (
    select
        clues.clue_id::varchar as clue_id,
        clues.clue_no::varchar as clue_no,
        clues.clue_source::varchar as clue_source,
        clues.category_code::varchar as category_code,
        categories.name::varchar as category_name,
        clues.street_code::varchar as street_code,
        clues.community_code::varchar as community_code,
        clues.grid_code::varchar as grid_code,
        clues.status::varchar as status,
        (clues.status in ('已办结', '移交'))::boolean as is_finished,
        clues.result::varchar as result,
        clues.transferred_to::varchar as transferred_to,
        clues.handling_unit::varchar as handling_unit,
        clues.received_at::timestamp as received_at,
        clues.verification_started_at::timestamp as verification_started_at,
        clues.closed_at::timestamp as closed_at,
        date_trunc('month', clues.received_at)::date as received_month,
        (date_diff('second', clues.received_at, clues.closed_at) / 86400.0)::double as handling_days,
        clues.updated_at::timestamp as updated_at
    from clues
    left join codes as categories
        on categories.code_type = 'clue_category' and clues.category_code = categories.code
)

select * from final
