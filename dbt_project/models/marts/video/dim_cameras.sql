-- the district's camera ledger (一本账): one row per camera ever listed in 2024, from its latest ledger row,
-- with the GB/T 28181 ID decoded and a grid (the ledger's own, else the nearest grid centroid in its community)
with

ledger as (
    select * from {{ ref('stg_video__camera_ledgers') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

communities as (
    select * from {{ ref('ref_communities') }}
),

grids as (
    select * from {{ ref('ref_grids') }}
),

latest_month as (
    select max(last_ledger_month) as ledger_month from ledger
),

nearest_grid as (
    select
        ledger.device_id,
        -- 0.92 ≈ cos(22.7°): a degree of longitude is shorter than one of latitude here
        arg_min(
            grids.grid_code,
            power((ledger.longitude - grids.longitude) * 0.92, 2) + power(ledger.latitude - grids.latitude, 2)
        ) as grid_code
    from ledger
    inner join grids on ledger.community_code = grids.community_code
    where ledger.longitude is not null and ledger.latitude is not null
    group by ledger.device_id
),

decoded as (
    select
        ledger.*,
        regexp_full_match(ledger.device_id, '[0-9]{20}') as is_20_digits,
        substr(ledger.device_id, 1, 8) as centre_code,
        substr(ledger.device_id, 1, 6) as admin_code,
        substr(ledger.device_id, 7, 2) as grassroots_unit_code,
        substr(ledger.device_id, 9, 2) as industry_code,
        substr(ledger.device_id, 11, 3) as device_type_code,
        substr(ledger.device_id, 14, 1) as network_code,
        substr(ledger.device_id, 15, 6) as serial_no
    from ledger
),

final as (
    select
        decoded.device_id::varchar as device_id,
        decoded.camera_name::varchar as camera_name,
        decoded.centre_code::varchar as centre_code,
        decoded.admin_code::varchar as admin_code,
        decoded.grassroots_unit_code::varchar as grassroots_unit_code,
        decoded.industry_code::varchar as industry_code,
        ({{ video_gbt28181_industry_name('decoded.industry_code') }})::varchar as industry_name,
        ({{ video_gbt28181_industry_group('decoded.industry_code') }})::varchar as industry_group,
        decoded.device_type_code::varchar as device_type_code,
        ({{ video_gbt28181_type_name('decoded.device_type_code') }})::varchar as device_type_name,
        decoded.network_code::varchar as network_code,
        ({{ video_gbt28181_network_name('decoded.network_code') }})::varchar as network_name,
        decoded.serial_no::varchar as serial_no,
        (decoded.is_20_digits and decoded.device_type_code in ('131', '132'))::boolean as is_valid_camera_id,
        decoded.platform_vendor::varchar as platform_vendor,
        decoded.manufacturer::varchar as manufacturer,
        decoded.model::varchar as model,
        decoded.ptz_type::integer as ptz_type,
        (case decoded.ptz_type
            when 1 then '球机' when 2 then '半球' when 3 then '固定枪机' when 4 then '遥控枪机'
        end)::varchar as ptz_type_name,
        decoded.room_type::integer as room_type,
        (case decoded.room_type when 1 then '室外' when 2 then '室内' end)::varchar as room_type_name,
        decoded.use_type::integer as use_type,
        (case decoded.use_type when 1 then '治安' when 2 then '交通' when 3 then '重点' end)::varchar as use_type_name,
        decoded.supply_light_type::integer as supply_light_type,
        decoded.ledger_status::varchar as ledger_status,
        (case decoded.ledger_status when 'ON' then '在用' when 'OFF' then '维修' end)::varchar as ledger_status_name,
        decoded.longitude::double as longitude,
        decoded.latitude::double as latitude,
        decoded.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        decoded.community_code::varchar as community_code,
        communities.community_name::varchar as community_name,
        coalesce(decoded.grid_code, nearest_grid.grid_code)::varchar as grid_code,
        (case
            when decoded.grid_code is not null then '台账'
            when nearest_grid.grid_code is not null then '最近网格中心'
        end)::varchar as grid_source,
        decoded.civil_code::varchar as civil_code,
        decoded.parent_id::varchar as parent_id,
        decoded.business_group_id::varchar as business_group_id,
        decoded.owner_unit::varchar as owner_unit,
        decoded.maintainer::varchar as maintainer,
        decoded.install_address::varchar as install_address,
        decoded.install_date::date as install_date,
        decoded.first_ledger_month::varchar as first_ledger_month,
        decoded.last_ledger_month::varchar as last_ledger_month,
        decoded.ledger_months::bigint as ledger_months,
        (decoded.last_ledger_month = latest_month.ledger_month)::boolean as is_in_latest_ledger,
        decoded.source_file::varchar as source_file,
        decoded.source_row::bigint as source_row
    from decoded
    cross join latest_month
    left join streets on decoded.street_code = streets.street_code
    left join communities on decoded.community_code = communities.community_code
    left join nearest_grid on decoded.device_id = nearest_grid.device_id
)

select * from final
