{#- GB/T 28181 device-ID decoding (docs/domain.md §2): 1–8 centre code (6 admin + 2 grassroots unit), 9–10 industry,
    11–13 device type, 14 network, 15–20 serial. Code tables follow the standard's appendix. -#}

{% macro video_gbt28181_industry_name(code) -%}
    case
        when {{ code }} = '00' then '社会治安路面接入'
        when {{ code }} = '01' then '社会治安社区接入'
        when {{ code }} = '02' then '社会治安内部接入'
        when {{ code }} = '03' then '社会治安其他接入'
        when {{ code }} = '04' then '交通路面接入'
        when {{ code }} = '05' then '交通卡口接入'
        when {{ code }} = '06' then '交通内部接入'
        when {{ code }} = '07' then '交通其他接入'
        when {{ code }} = '08' then '城市管理接入'
        when {{ code }} = '09' then '卫生环保接入'
        when {{ code }} = '10' then '商检海关接入'
        when {{ code }} = '11' then '教育部门接入'
        when {{ code }} between '40' and '79' then '企业接入'
        when {{ code }} between '80' and '89' then '群众自建接入'
        else '未知行业'
    end
{%- endmacro %}

{% macro video_gbt28181_industry_group(code) -%}
    case
        when {{ code }} between '00' and '03' then '公安'
        when {{ code }} between '04' and '07' then '交通'
        when {{ code }} = '08' then '城市管理'
        when {{ code }} = '09' then '卫生环保'
        when {{ code }} = '10' then '商检海关'
        when {{ code }} = '11' then '教育'
        when {{ code }} between '40' and '79' then '企业'
        when {{ code }} between '80' and '89' then '群众自建'
        else '未知'
    end
{%- endmacro %}

{% macro video_gbt28181_type_name(code) -%}
    case {{ code }}
        when '111' then 'DVR'
        when '112' then '视频服务器'
        when '113' then '编码器'
        when '114' then '解码器'
        when '118' then 'NVR'
        when '131' then '摄像机'
        when '132' then '网络摄像机'
        when '200' then '中心信令控制服务器'
        when '215' then '业务分组'
        when '216' then '虚拟组织'
        else '未知类型'
    end
{%- endmacro %}

{% macro video_gbt28181_network_name(code) -%}
    case
        when {{ code }} between '0' and '4' then '监控报警专网'
        when {{ code }} = '5' then '公安信息网'
        when {{ code }} = '6' then '政务网'
        when {{ code }} = '7' then '互联网'
        when {{ code }} = '8' then '社会资源接入网'
        else '未知网络'
    end
{%- endmacro %}

{#- the street a centre code's grassroots unit stands for (unit 01–06 = street 440309001–006; 00 = the district) -#}
{% macro video_street_of_id(device_id) -%}
    case
        when substr({{ device_id }}, 7, 2) between '01' and '99' then '4403090' || substr({{ device_id }}, 7, 2)
    end
{%- endmacro %}
