"""Chinese ticket text for the simulated 民意速办 system: titles, contents and addresses.

Three voices, as in the real platform: citizens (hotline operators' summaries, app and web messages, colloquial
complaints), grid workers and patrol teams (terse inspection reports), and machines (video-AI and sensor alarms for
the self-collected channels). Each voice has several templates with different sentence structures; each L3 category has
several problem descriptions; places are real roads, metro stations, parks and landmarks of Longhua by street, plus
the seed's communities. The same category therefore reads differently ticket to ticket, and neighbouring categories
share words — a text classifier has real work to do.

Vectorised: template ids and slot values are drawn with numpy; each template is formatted in bulk with polars.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from simulator.catalogue import CATALOGUE_TREE, CATEGORIES

CITIZEN, GRID_WORKER, MACHINE = 0, 1, 2

# real places of Longhua by street (roads; metro stations, parks, landmarks)
ROADS: dict[str, list[str]] = {
    "440309001": ["观澜大道", "环观南路", "观平路", "梅观高速辅道", "观湖路"],
    "440309002": ["民治大道", "梅龙路", "民康路", "民塘路", "民旺路", "布龙路", "留仙大道", "白石龙一路", "新区大道"],
    "440309003": ["人民路", "和平路", "东环一路", "东环二路", "建设东路", "龙华大道", "油松路", "清祥路", "梅龙大道"],
    "440309004": ["华荣路", "布龙路", "华繁路", "浪静路", "龙胜路"],
    "440309005": ["观光路", "龙澜大道", "福民路", "章阁路"],
    "440309006": ["观澜大道", "观光路", "环观中路", "桂月路", "大富路"],
}
LANDMARKS: dict[str, list[str]] = {
    "440309001": ["松元厦地铁站", "观澜地铁站", "长湖地铁站", "观澜河绿道", "鹭湖中心区"],
    "440309002": ["深圳北站", "深圳北站西广场", "民治地铁站", "白石龙地铁站", "上塘地铁站", "红山地铁站", "民乐地铁站",
                  "星河WORLD", "红山6979"],
    "440309003": ["龙华公园", "清湖地铁站", "龙华地铁站", "清湖公园", "壹方天地", "龙华文化广场", "九龙山产业园"],
    "440309004": ["大浪时尚小镇", "羊台山森林公园", "阳台山东地铁站", "元芬地铁站", "龙胜地铁站", "大浪商业中心"],
    "440309005": ["茜坑地铁站", "竹村地铁站", "茜坑水库", "福城街道办事处"],
    "440309006": ["观澜古墟", "观澜版画村", "观澜湖", "观澜湖地铁站", "牛湖地铁站", "观澜人民医院"],
}
ESTATE_SUFFIX = ["新村", "花园", "老村", "工业区", "商业街", "一区", "二区", "小区"]
NEAR = ["附近", "旁边", "门口", "周边", "出口处"]

CONSEQUENCES: dict[str, list[str]] = {
    "市容环境": ["影响市容市貌", "气味难闻影响居民生活", "路过的人都捂着鼻子"],
    "街面秩序": ["严重影响通行", "影响周边居民正常休息", "行人只能绕到机动车道上走"],
    "市政设施": ["存在安全隐患", "晚上出行很不方便", "已经有老人在这里摔倒"],
    "道路交通": ["出行非常不便", "容易引发交通事故", "每天上下班要多花半个小时"],
    "园林绿化": ["存在安全隐患", "影响行人通行", "影响小区居民生活"],
    "生态环境": ["严重影响周边居民健康", "晚上根本没法开窗", "附近居民意见很大"],
    "水务": ["影响居民正常生活", "一家老小生活很不方便", "附近商户无法正常营业"],
    "住房建设": ["居民怨声载道", "存在较大安全隐患", "业主多次协商无果"],
    "安全生产": ["随时可能引发事故", "周边居民非常担心", "存在重大安全隐患"],
    "消防安全": ["一旦发生火灾后果不堪设想", "存在严重消防隐患", "住户很担心安全"],
    "市场监管": ["消费者权益受到损害", "商家拒不处理", "涉及金额较大"],
    "劳动保障": ["生活已经难以为继", "多名工友情况相同", "与公司协商多次无果"],
    "教育文体": ["家长们非常着急", "影响孩子正常学习", "希望得到公平对待"],
    "卫生健康": ["身体健康受到影响", "患者及家属非常不满", "群众就医不便"],
    "民政服务": ["家庭生活十分困难", "老人无人照顾", "多次申请没有回音"],
    "社会治安": ["居民晚上不敢出门", "严重影响邻里关系", "担心发生冲突"],
    "规划国土": ["影响周边居民采光和安全", "涉嫌违法建设", "多次举报仍在继续"],
    "政务服务": ["来回跑了好几趟", "办事非常不方便", "希望政府给予答复"],
}
SINCE = ["近一周来", "从上个月开始", "已经持续半个多月", "这几天", "每天晚上", "最近", "今天上午", "已经好几个月了",
         "周末两天"]
ASK = ["希望相关部门尽快处理。", "请尽快派人到现场查看。", "恳请有关部门重视并解决。", "希望能尽快给个答复。",
       "请职能部门依法处理。", "麻烦尽快安排处理，谢谢！"]
DEMAND = ["尽快处理并回复", "相关部门到现场核实", "给个明确说法", "彻底解决问题", "依法查处"]
MOOD = ["激动", "平稳", "较为焦急", "不满"]

# (template, …) per voice; {slot}s are columns of the slot frame built in ticket_texts
TEMPLATES: dict[int, list[str]] = {
    CITIZEN: [
        "市民来电反映：{place}{desc}，{since}，{conseq}，{ask}",
        "来电人称其居住在{community}社区，{since}{place}{desc}，多次反映未得到解决，诉求：请职能部门核实处理。",
        "{place}{desc}，{conseq}。{ask}",
        "网友留言：本人是{street}街道居民，{desc}，地点在{place}，{since}，{ask}",
        "诉求人反映{place}存在{l2}方面的问题，具体为：{desc}。诉求人要求{demand}。",
        "{since}，{place}{desc}，{conseq}，麻烦管一管！",
        "来电人反映：{desc}。地址：{place}。来电人情绪{mood}，要求{demand}。",
        "您好，我想反映一个问题，{place}{desc}，{conseq}，{since}都是这样，{ask}",
    ],
    GRID_WORKER: [
        "网格员巡查发现：{place}{desc}，已拍照取证，现上报{department}处置。",
        "{grid}网格巡查上报：{place}存在{l3}情况（{desc}），需职能部门处置。",
        "巡查中发现{place}{desc}，现场已劝导，当事人未整改，上报处理。",
        "{community}社区{channel}：{desc}，位置{place}，请相关部门尽快处置。",
        "事件描述：{desc}。发生地点：{place}。上报渠道：{channel}。处置建议：请{department}到场核查。",
    ],
    MACHINE: [
        "【视频AI识别】设备编号{camera}，{ts}识别到疑似“{l3}”事件，位置：{place}，置信度{conf}。",
        "智能告警：{l3}｜点位：{place}｜时间：{ts}｜算法置信度：{conf}｜设备：{camera}",
        "系统自动生成工单：{ts}于{place}监测到{l3}，请核实处置。",
    ],
}
TITLES: dict[int, list[str]] = {
    CITIZEN: ["{community}社区{l3}", "关于{area}{l2}问题的诉求", "反映{area}{l3}", "{street}街道{community}社区{l2}"],
    GRID_WORKER: ["巡查上报-{l3}", "{community}社区{l3}", "{area}{l3}"],
    MACHINE: ["[AI]{l3}告警", "智能感知-{l3}"],
}
_SLOT = re.compile(r"\{(\w+)\}")


def template_count(voice: int) -> int:
    return len(TEMPLATES[voice])


def _render(template: str) -> pl.Expr:
    """A template as a polars expression over the slot columns."""
    parts: list[pl.Expr] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            parts.append(pl.lit(template[pos:m.start()]))
        parts.append(pl.col(m.group(1)))
        pos = m.end()
    if pos < len(template):
        parts.append(pl.lit(template[pos:]))
    return pl.concat_str(parts)


def _flat_index(rng: np.random.Generator, sizes: list[int], group: np.ndarray) -> np.ndarray:
    """Per row, a uniform index into the flattened ragged lists, within the row's own GROUP."""
    size = np.array(sizes)
    offsets = np.concatenate([[0], np.cumsum(size)[:-1]])
    return offsets[group] + (rng.random(group.size) * size[group]).astype(np.int64)


def _descriptions() -> list[list[str]]:
    by_name = {l3: d.split("|") for _l1, _s, _c, l2s in CATALOGUE_TREE for _l2, _dep, l3s in l2s for l3, _sla, d in l3s}
    return [by_name[c.l3] for c in CATEGORIES]


class Slots:
    """Slot values per row, kept as indices into vocabularies (or numbers) until a template needs them as text, so
    a million tickets never hold two dozen string columns at once."""

    # derived slots and the slots they are computed from
    DERIVED = {"place": ("road", "road2", "landmark", "near", "estate", "community", "num", "building", "form"),
               "camera": ("unit", "industry", "serial"), "ts": ("created_s",)}
    DERIVED["area"] = DERIVED["place"]

    def __init__(self) -> None:
        self.coded: dict[str, tuple[pl.Series, np.ndarray]] = {}
        self.raw: dict[str, np.ndarray] = {}

    def code(self, name: str, vocabulary: list[str] | pl.Series, idx: np.ndarray) -> None:
        self.coded[name] = (pl.Series(vocabulary, dtype=pl.String), idx)

    def pick(self, rng: np.random.Generator, name: str, groups: list[list[str]], group: np.ndarray) -> None:
        """One value per row from the list of ITS group."""
        self.code(name, [v for g in groups for v in g], _flat_index(rng, [len(g) for g in groups], group))

    def frame(self, names: list[str], rows: np.ndarray) -> pl.DataFrame:
        base: list[str] = []
        for name in names:
            for dep in self.DERIVED.get(name, (name,)):
                if dep not in base:
                    base.append(dep)
        cols = [self.coded[b][0].gather(self.coded[b][1][rows]).alias(b) if b in self.coded
                else pl.Series(b, self.raw[b][rows]) for b in base]
        return pl.DataFrame(cols).with_columns([_DERIVED_EXPR[d] for d in self.DERIVED if d in names])


def _place_exprs() -> dict[str, pl.Expr]:
    form = pl.col("form")
    place = (pl.when(form == 0).then(pl.concat_str([pl.col("road"), pl.col("num").cast(pl.String), pl.lit("号附近")]))
             .when(form == 1).then(pl.concat_str([pl.col("road"), pl.lit("与"), pl.col("road2"), pl.lit("交汇处")]))
             .when(form == 2).then(pl.concat_str([pl.col("landmark"), pl.col("near")]))
             .when(form == 3).then(pl.concat_str([pl.col("community"), pl.lit("社区"), pl.col("community"),
                                                  pl.col("estate"), pl.col("building").cast(pl.String), pl.lit("栋")]))
             .otherwise(pl.concat_str([pl.col("community"), pl.lit("社区"), pl.col("road"), pl.lit("沿线")])))
    area = (pl.when(form == 2).then(pl.col("landmark"))
            .when(form == 3).then(pl.concat_str([pl.col("community"), pl.lit("社区")])).otherwise(pl.col("road")))
    return {"place": place.alias("place"), "area": area.alias("area")}


_DERIVED_EXPR = {
    **_place_exprs(),
    # GB/T 28181 camera id: 8-digit centre code, 2-digit industry, type 132 (IP camera), network 6, 6-digit serial
    "camera": pl.concat_str([pl.lit("440309"), pl.col("unit").cast(pl.String).str.zfill(2),
                             pl.col("industry").cast(pl.String).str.zfill(2), pl.lit("1326"),
                             pl.col("serial").cast(pl.String).str.zfill(6)]).alias("camera"),
    "ts": (pl.lit(np.datetime64("2024-01-01T00:00:00", "us")) + pl.duration(seconds=pl.col("created_s")))
    .dt.strftime("%Y-%m-%d %H:%M:%S").alias("ts"),
}


def _slot_names(template: str) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in _SLOT.finditer(template)))


def _grouped(slots: Slots, keys: np.ndarray, templates: dict[int, str], name: str) -> pl.Series:
    """Each row formatted with the template its key selects: one bulk format per template, then back in row order."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    parts = []
    for k in np.unique(sorted_keys):
        rows = order[np.searchsorted(sorted_keys, k):np.searchsorted(sorted_keys, k, side="right")]
        template = templates[int(k)]
        parts.append(slots.frame(_slot_names(template), rows).select(_render(template).alias(name)).to_series())
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return pl.concat(parts).gather(inverse)


def ticket_texts(
    rng: np.random.Generator,
    cat_idx: np.ndarray,
    voice: np.ndarray,
    street_idx: np.ndarray,
    community: tuple[pl.Series, np.ndarray],
    grid: tuple[pl.Series, np.ndarray],
    channel: tuple[list[str], np.ndarray],
    created_s: np.ndarray,
    street_names: list[str],
) -> pl.DataFrame:
    """Columns title, content, address, template (voice*100 + template id) for each ticket, in input order.

    COMMUNITY, GRID and CHANNEL are (vocabulary, index per ticket)."""
    n = cat_idx.size
    cats = CATEGORIES
    l1_names = [t[0] for t in CATALOGUE_TREE]
    slots = Slots()
    slots.code("community", *community)
    slots.code("grid", *grid)
    slots.code("channel", *channel)
    slots.code("street", street_names, street_idx)
    slots.pick(rng, "desc", _descriptions(), cat_idx)
    for name, values in (("l2", [c.l2 for c in cats]), ("l3", [c.l3 for c in cats]),
                         ("department", [c.department for c in cats])):
        slots.code(name, values, cat_idx)
    slots.pick(rng, "conseq", [CONSEQUENCES[name] for name in l1_names],
               np.array([l1_names.index(c.l1) for c in cats])[cat_idx])
    for name, values in (("since", SINCE), ("ask", ASK), ("demand", DEMAND), ("mood", MOOD), ("near", NEAR),
                         ("estate", ESTATE_SUFFIX)):
        slots.code(name, values, rng.integers(0, len(values), n))
    roads = [ROADS[s] for s in ROADS]
    sizes = np.array([len(r) for r in roads])
    road = _flat_index(rng, list(sizes), street_idx)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])[street_idx]
    step = 1 + (rng.random(n) * (sizes[street_idx] - 1)).astype(np.int64)
    flat_roads = [r for rs in roads for r in rs]
    slots.code("road", flat_roads, road)
    slots.code("road2", flat_roads, start + (road - start + step) % sizes[street_idx])  # a different road
    slots.pick(rng, "landmark", [LANDMARKS[s] for s in ROADS], street_idx)
    slots.raw.update({
        "num": rng.integers(1, 400, n), "building": rng.integers(1, 40, n),
        "form": rng.choice(5, n, p=[0.25, 0.15, 0.25, 0.25, 0.10]),
        "conf": np.round(rng.uniform(0.62, 0.99, n), 2).astype(str),
        "unit": rng.integers(0, 100, n), "industry": rng.choice([0, 8], n), "serial": rng.integers(0, 1_000_000, n),
        "created_s": created_s,
    })
    template = np.zeros(n, dtype=np.int64)
    title_form = np.zeros(n, dtype=np.int64)
    for v in TEMPLATES:
        mask = voice == v
        template[mask] = v * 100 + rng.integers(0, len(TEMPLATES[v]), mask.sum())
        title_form[mask] = v * 100 + rng.integers(0, len(TITLES[v]), mask.sum())
    contents = {v * 100 + k: t for v, ts in TEMPLATES.items() for k, t in enumerate(ts)}
    titles = {v * 100 + k: t for v, ts in TITLES.items() for k, t in enumerate(ts)}
    address = slots.frame(["street", "place"], np.arange(n)).select(
        pl.concat_str([pl.lit("深圳市龙华区"), pl.col("street"), pl.lit("街道"), pl.col("place")])).to_series()
    return pl.DataFrame([
        _grouped(slots, title_form, titles, "title"), _grouped(slots, template, contents, "content"),
        address.alias("address"), pl.Series("template", template),
    ])
