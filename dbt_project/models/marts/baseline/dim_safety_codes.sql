-- every code of the 深平安 system with its name: its dictionary (sys_dict: person subtypes, control levels, place
-- and event types, clue categories) and its configured work-order and dispute types, which sys_dict lacks (the same
-- lists quality/schemas/pingan.py checks against)
with

dictionary as (
    select * from {{ ref('stg_pingan__dictionary') }}
),

pingan_codes (code_type, code, name) as (
    values
    ('order_type', '01', '矛盾纠纷化解'),
    ('order_type', '02', '治安隐患整治'),
    ('order_type', '03', '安全生产隐患'),
    ('order_type', '04', '消防安全隐患'),
    ('order_type', '05', '出租屋综合管理'),
    ('order_type', '06', '重点人员管控'),
    ('order_type', '07', '涉稳风险处置'),
    ('order_type', '08', '视频点位治理'),
    ('order_type', '09', '平安创建协同'),
    ('order_type', '10', '其他协同事项'),
    ('dispute_type', '01', '婚姻家庭纠纷'),
    ('dispute_type', '02', '邻里纠纷'),
    ('dispute_type', '03', '劳资纠纷'),
    ('dispute_type', '04', '物业纠纷'),
    ('dispute_type', '05', '房屋租赁纠纷'),
    ('dispute_type', '06', '消费纠纷'),
    ('dispute_type', '07', '城市更新拆迁纠纷'),
    ('dispute_type', '08', '医疗纠纷'),
    ('dispute_type', '09', '道路交通事故纠纷'),
    ('dispute_type', '10', '债务纠纷'),
    ('dispute_type', '11', '工程建设纠纷')
),

unioned as (
    select
        dict_type as code_type,
        code,
        name,
        standard,
        'sys_dict' as code_origin
    from dictionary
    union all
    select
        code_type,
        code,
        name,
        null as standard,
        'pingan_config' as code_origin
    from pingan_codes
),

final as (
    select
        code_type::varchar as code_type,
        code::varchar as code,
        name::varchar as name,
        standard::varchar as standard,
        code_origin::varchar as code_origin
    from unioned
)

select * from final
