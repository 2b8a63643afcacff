-- Per month × street × community × intake channel: the ticket counts with the channel's Chinese name (from the
-- source's channel dictionary), so a dashboard shows 12345热线, not a code.
with

monthly as (
    select * from {{ ref('agg_tickets_monthly') }}
),

channels as (
    select * from {{ ref('stg_minyi__channels') }}
),

final as (
    select
        monthly.month::date as month,
        monthly.street_code::varchar as street_code,
        monthly.community_code::varchar as community_code,
        monthly.channel_code::varchar as channel_code,
        coalesce(channels.channel_name, monthly.channel_code)::varchar as channel_name,
        channels.is_self_collected::boolean as is_self_collected,
        sum(monthly.tickets)::bigint as tickets,
        sum(monthly.citizen_tickets)::bigint as citizen_tickets,
        sum(monthly.self_collected_tickets)::bigint as self_collected_tickets
    from monthly
    left join channels on monthly.channel_code = channels.channel_code
    group by all
)

select * from final
