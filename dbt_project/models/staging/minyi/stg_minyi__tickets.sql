-- A table, incremental: a year of tickets is read by several marts and tests, and a daily run reads only the new
-- batches (tickets are resent as they change state; the latest version wins).
{{ config(
    materialized='incremental',
    unique_key='ticket_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with

bronze as (
    {{ committed_bronze('bronze_minyi', 'tickets') }}
    {{ new_bronze() }}
),

renamed as (
    select
        ticket_id,
        channel_code,
        category_code,
        street_code,
        community_code,
        grid_code,
        title,
        -- personal identifiers leave staging only as keyed pseudonyms; the free-text address and content (callers
        -- dictate names and numbers into it) stay in the restricted bronze zone
        pseudonymize(caller_phone) as caller_key,
        pseudonymize(caller_name) as caller_name_key,
        longitude,
        latitude,
        department,
        status,
        created_at,
        dispatched_at,
        due_at,
        closed_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from bronze
),

latest as (
    {{ demand_keep_latest('renamed', 'ticket_id', 'updated_at desc, ingested_at desc') }}
)

-- the columns of renamed (demand_keep_latest selects them with *)
select * from latest  -- noqa: AM04
