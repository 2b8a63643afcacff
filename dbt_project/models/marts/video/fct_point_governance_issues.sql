-- 点位治理: one row per issue found on a camera — ledger defects that passed ingestion (checked again here, so the
-- rules hold for any ledger), duplicate positions, long offline runs and offline clusters. `evidence` names the
-- rows that raised the issue (ledger file and row, feed days, or the cluster).
with

cameras as (
    select * from {{ ref('dim_cameras') }}
),

runs as (
    select * from {{ ref('int_video__camera_offline_runs') }}
    where run_days >= {{ var('video_offline_run_days', 7) }}
),

clusters as (
    select * from {{ ref('fct_camera_offline_clusters') }}
),

offline_days as (
    select * from {{ ref('int_video__camera_offline_days') }}
    where feed_status = 'offline'
),

district as (
    -- the district's extent: the grid centroids plus ~3 km
    select
        min(longitude) - 0.03 as lon_min,
        max(longitude) + 0.03 as lon_max,
        min(latitude) - 0.03 as lat_min,
        max(latitude) + 0.03 as lat_max
    from {{ ref('ref_grids') }}
),

ledger_evidence as (
    select
        *,
        source_file || '#' || source_row as evidence,
        strptime(last_ledger_month || '-01', '%Y-%m-%d')::date as ledger_month_start,
        {{ video_street_of_id('civil_code') }} as civil_street_code
    from cameras
),

ledger_checks as (
    select
        ledger_evidence.*,
        not ledger_evidence.is_valid_camera_id as is_invalid_id,
        ledger_evidence.longitude is null or ledger_evidence.latitude is null as is_missing_coordinates,
        not ledger_evidence.longitude between district.lon_min and district.lon_max
        or not ledger_evidence.latitude between district.lat_min and district.lat_max as is_outside_district,
        ledger_evidence.civil_code is not null
        and coalesce(ledger_evidence.street_code, '') <> coalesce(ledger_evidence.civil_street_code, '')
            as is_street_mismatch,
        ledger_evidence.ledger_status = 'OFF' and ledger_evidence.is_in_latest_ledger as is_under_repair
    from ledger_evidence
    cross join district
),

ledger_issues as (
    select
        'invalid_id' as issue_type_code,
        '国标编码不规范' as issue_type,
        device_id,
        ledger_month_start as period_start,
        null::date as period_end,
        null::bigint as issue_days,
        '设备编码不是20位GB/T 28181摄像机编码' as detail,
        evidence,
        null as cluster_id
    from ledger_checks
    where is_invalid_id

    union all

    select
        'coordinates_missing' as issue_type_code,
        '坐标缺失' as issue_type,
        device_id,
        ledger_month_start as period_start,
        null::date as period_end,
        null::bigint as issue_days,
        '台账经度或纬度为空' as detail,
        evidence,
        null as cluster_id
    from ledger_checks
    where is_missing_coordinates

    union all

    select
        'coordinates_outside_district' as issue_type_code,
        '坐标越界' as issue_type,
        device_id,
        ledger_month_start as period_start,
        null::date as period_end,
        null::bigint as issue_days,
        '坐标(' || longitude || ',' || latitude || ')不在龙华区范围内' as detail,
        evidence,
        null as cluster_id
    from ledger_checks
    where is_outside_district

    union all

    select
        'street_civil_code_mismatch' as issue_type_code,
        '街道与行政区划不符' as issue_type,
        device_id,
        ledger_month_start as period_start,
        null::date as period_end,
        null::bigint as issue_days,
        '所属街道' || coalesce(street_code, '空') || '与行政区划代码' || civil_code || '不一致' as detail,
        evidence,
        null as cluster_id
    from ledger_checks
    where is_street_mismatch

    union all

    select
        'ledger_under_repair' as issue_type_code,
        '台账标注维修' as issue_type,
        device_id,
        ledger_month_start as period_start,
        null::date as period_end,
        null::bigint as issue_days,
        '最新台账设备状态为维修' as detail,
        evidence,
        null as cluster_id
    from ledger_checks
    where is_under_repair
),

positions as (
    -- cameras of the latest ledger sharing a position (to ~1 m)
    select
        device_id,
        evidence,
        ledger_month_start,
        round(longitude, 5) as lon,
        round(latitude, 5) as lat,
        count(*) over (partition by round(longitude, 5), round(latitude, 5)) as cameras_here
    from ledger_evidence
    where is_in_latest_ledger and longitude is not null and latitude is not null
),

duplicate_positions as (
    select
        'duplicate_position' as issue_type_code,
        '点位重复' as issue_type,
        device_id,
        ledger_month_start as period_start,
        null::date as period_end,
        null::bigint as issue_days,
        '与另外' || (cameras_here - 1) || '个探头坐标相同(' || lon || ',' || lat || ')' as detail,
        evidence,
        null as cluster_id
    from positions
    where cameras_here > 1
),

long_offline as (
    select
        'long_offline' as issue_type_code,
        '连续离线' as issue_type,
        device_id,
        run_start as period_start,
        run_end as period_end,
        run_days as issue_days,
        '连续' || run_days || '天未在线(其中故障' || fault_days || '天)' as detail,
        'camera_status ' || run_start || '~' || run_end as evidence,
        null as cluster_id
    from runs
),

cluster_cameras as (
    select
        'offline_cluster' as issue_type_code,
        '离线聚集' as issue_type,
        offline_days.device_id,
        min(offline_days.stat_date) as period_start,
        max(offline_days.stat_date) as period_end,
        count(*) as issue_days,
        '同一社区' || any_value(clusters.max_cameras_offline) || '个探头同时离线(社区共'
        || any_value(clusters.cameras_listed) || '个)' as detail,
        'camera_status ' || min(offline_days.stat_date) || '~' || max(offline_days.stat_date) as evidence,
        clusters.cluster_id
    from clusters
    inner join cameras on clusters.community_code = cameras.community_code
    inner join offline_days
        on
            cameras.device_id = offline_days.device_id
            and offline_days.stat_date between clusters.cluster_start and clusters.cluster_end
    group by clusters.cluster_id, offline_days.device_id
),

issues as (
    select * from ledger_issues
    union all
    select * from duplicate_positions
    union all
    select * from long_offline
    union all
    select * from cluster_cameras
),

final as (
    select
        (
            issues.issue_type_code || ':' || issues.device_id || ':' || coalesce(issues.period_start::varchar, '')
        )::varchar
            as issue_id,
        issues.issue_type_code::varchar as issue_type_code,
        issues.issue_type::varchar as issue_type,
        issues.device_id::varchar as device_id,
        cameras.street_code::varchar as street_code,
        cameras.community_code::varchar as community_code,
        cameras.grid_code::varchar as grid_code,
        issues.period_start::date as period_start,
        issues.period_end::date as period_end,
        issues.issue_days::bigint as issue_days,
        issues.detail::varchar as detail,
        issues.evidence::varchar as evidence,
        issues.cluster_id::varchar as cluster_id
    from issues
    -- feed-only cameras (not in any ledger) carry no area; they are still reported
    left join cameras on issues.device_id = cameras.device_id
)

select * from final
