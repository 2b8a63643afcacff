-- every area at every level (区 → 街道 → 社区 → 网格) in one table, so maps and scoping need one join;
-- streets, communities and the district carry the mean of their grids' centroids as a map anchor
with

streets as (
    select * from {{ ref('ref_streets') }}
),

communities as (
    select * from {{ ref('ref_communities') }}
),

grids as (
    select * from {{ ref('ref_grids') }}
),

grid_rows as (
    select
        grids.grid_code as area_code,
        'grid' as area_level,
        communities.community_name || '社区' || substr(grids.grid_code, length(grids.community_code) + 1) || '网格'
            as area_name,
        grids.community_code as parent_code,
        streets.district_code,
        grids.street_code,
        streets.street_name,
        grids.community_code,
        communities.community_name,
        grids.grid_code,
        grids.longitude,
        grids.latitude,
        grids.code_source
    from grids
    inner join communities on grids.community_code = communities.community_code
    inner join streets on grids.street_code = streets.street_code
),

community_rows as (
    select
        communities.community_code as area_code,
        'community' as area_level,
        communities.community_name || '社区' as area_name,
        communities.street_code as parent_code,
        streets.district_code,
        communities.street_code,
        streets.street_name,
        communities.community_code,
        communities.community_name,
        null as grid_code,
        avg(grid_rows.longitude) as longitude,
        avg(grid_rows.latitude) as latitude,
        communities.code_source
    from communities
    inner join streets on communities.street_code = streets.street_code
    left join grid_rows on communities.community_code = grid_rows.community_code
    group by all
),

street_rows as (
    select
        streets.street_code as area_code,
        'street' as area_level,
        streets.street_name || '街道' as area_name,
        streets.district_code as parent_code,
        streets.district_code,
        streets.street_code,
        streets.street_name,
        null as community_code,
        null as community_name,
        null as grid_code,
        avg(grid_rows.longitude) as longitude,
        avg(grid_rows.latitude) as latitude,
        streets.code_source
    from streets
    left join grid_rows on streets.street_code = grid_rows.street_code
    group by all
),

district_rows as (
    select
        street_rows.district_code as area_code,
        'district' as area_level,
        '龙华区' as area_name,
        null as parent_code,
        street_rows.district_code,
        null as street_code,
        null as street_name,
        null as community_code,
        null as community_name,
        null as grid_code,
        avg(grid_rows.longitude) as longitude,
        avg(grid_rows.latitude) as latitude,
        'GB/T 2260' as code_source
    from street_rows
    inner join grid_rows on street_rows.district_code = grid_rows.district_code
    group by street_rows.district_code
),

unioned as (
    select * from district_rows
    union all
    select * from street_rows
    union all
    select * from community_rows
    union all
    select * from grid_rows
),

final as (
    select
        area_code::varchar as area_code,
        area_level::varchar as area_level,
        case area_level
            when 'district' then '区'
            when 'street' then '街道'
            when 'community' then '社区'
            else '网格'
        end::varchar as area_level_name,
        area_name::varchar as area_name,
        parent_code::varchar as parent_code,
        district_code::varchar as district_code,
        street_code::varchar as street_code,
        street_name::varchar as street_name,
        community_code::varchar as community_code,
        community_name::varchar as community_name,
        grid_code::varchar as grid_code,
        longitude::double as longitude,
        latitude::double as latitude,
        code_source::varchar as code_source
    from unioned
)

select * from final
