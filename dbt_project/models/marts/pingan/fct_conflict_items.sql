-- 社会矛盾督办: one row per supervised conflict item with its closure
with

items as (
    select * from {{ ref('stg_pingan__conflict_items') }}
),

dispute_types as (
    select * from {{ ref('dim_safety_codes') }}
    where code_type = 'dispute_type'
),

as_of as (
    select * from {{ ref('int_baseline__as_of') }}
),

final as (
    select
        items.item_id::varchar as item_id,
        items.dispute_type_code::varchar as dispute_type_code,
        dispute_types.name::varchar as dispute_type_name,
        items.title::varchar as title,
        items.item_source::varchar as item_source,
        items.supervise_level::varchar as supervise_level,
        items.responsible_unit::varchar as responsible_unit,
        items.parties_count::integer as parties_count,
        items.amount_involved::double as amount_involved,
        items.street_code::varchar as street_code,
        items.community_code::varchar as community_code,
        items.grid_code::varchar as grid_code,
        items.status::varchar as status,
        items.result::varchar as result,
        (items.status = '已办结')::boolean as is_closed,
        items.created_at::timestamp as created_at,
        items.accepted_at::timestamp as accepted_at,
        items.due_at::timestamp as due_at,
        items.closed_at::timestamp as closed_at,
        date_trunc('month', items.created_at)::date as created_month,
        date_trunc('month', items.closed_at)::date as closed_month,
        {{ closed_on_time('items.closed_at', 'items.due_at') }}::boolean as is_closed_on_time,
        (
            items.closed_at > items.due_at
            or (items.closed_at is null and items.due_at < as_of.as_of_at)
        )::boolean as is_overdue,
        (date_diff('second', items.created_at, items.closed_at) / 86400.0)::double as days_to_close
    from items
    cross join as_of
    left join dispute_types on items.dispute_type_code = dispute_types.code
)

select * from final
