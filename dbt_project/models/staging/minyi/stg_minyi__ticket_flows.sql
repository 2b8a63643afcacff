with

bronze as (
    {{ committed_bronze('bronze_minyi', 'ticket_flows') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('flow_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        flow_id,
        ticket_id,
        step,
        step_at,
        department,
        note,
        updated_at
    from latest
)

select * from renamed
