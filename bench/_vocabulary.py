"""Realistic names of list items (service items, power items, responsibility
items, special funds) for the search benchmark: places from the division file,
departments from the standard template, and the vocabulary of government items.

Deterministic for a given seed, so two runs search the same rows.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: what an item is about; each appears in a small share of the rows
SUBJECTS = [
    "个体工商户营业执照",
    "企业营业执照",
    "营业执照",
    "户口迁移",
    "户口登记",
    "户口簿",
    "户籍证明",
    "城乡低保",
    "农村低保",
    "最低生活保障",
    "低保金",
    "特困人员供养",
    "临时救助",
    "高龄津贴",
    "残疾人两项补贴",
    "孤儿基本生活费",
    "居民身份证",
    "临时居民身份证",
    "机动车驾驶证",
    "机动车行驶证",
    "出入境证件",
    "无犯罪记录证明",
    "结婚登记",
    "离婚登记",
    "收养登记",
    "出生医学证明",
    "不动产登记",
    "国有建设用地使用权",
    "建设用地规划许可证",
    "建设工程规划许可证",
    "施工许可证",
    "商品房预售许可",
    "物业服务企业资质",
    "燃气经营许可",
    "排污许可证",
    "建设项目环境影响评价",
    "取水许可",
    "河道采砂许可",
    "林木采伐许可证",
    "草原征占用",
    "野生动物驯养繁殖许可",
    "农药经营许可证",
    "兽药经营许可证",
    "种子生产经营许可证",
    "动物防疫条件合格证",
    "渔业捕捞许可证",
    "食品生产许可",
    "食品经营许可证",
    "药品经营许可证",
    "医疗器械经营许可",
    "化妆品生产许可",
    "特种设备使用登记",
    "计量器具型式批准",
    "工业产品生产许可证",
    "公共场所卫生许可证",
    "医疗机构执业许可证",
    "医师执业注册",
    "护士执业注册",
    "放射诊疗许可",
    "母婴保健技术服务",
    "道路旅客运输经营许可",
    "道路货物运输经营许可",
    "出租汽车经营许可",
    "网络预约出租汽车运输证",
    "机动车维修经营备案",
    "超限运输车辆行驶公路许可",
    "危险化学品经营许可证",
    "烟花爆竹经营许可",
    "安全生产许可证",
    "消防设计审查",
    "消防验收",
    "特殊建设工程消防验收",
    "人民防空工程建设审批",
    "社会保险登记",
    "城乡居民养老保险",
    "职工基本养老保险",
    "失业保险金",
    "工伤认定",
    "职业技能等级认定",
    "就业创业证",
    "创业担保贷款贴息",
    "高校毕业生就业补贴",
    "职业技能培训补贴",
    "医疗保险参保登记",
    "异地就医备案",
    "门诊慢特病待遇认定",
    "住房公积金提取",
    "公租房保障资格",
    "农村危房改造补助",
    "耕地地力保护补贴",
    "农机购置补贴",
    "种粮农民一次性补贴",
    "生态护林员补助",
    "草原生态保护补助奖励",
    "退役军人优待证",
    "烈士褒扬金",
    "伤残抚恤",
    "义务兵家庭优待金",
    "民办学校办学许可",
    "教师资格认定",
    "校外培训机构设立",
    "文物保护单位修缮",
    "营业性演出许可",
    "网吧经营许可",
    "旅行社设立许可",
    "体育场馆免费开放补助",
    "广播电视节目制作经营许可",
    "宗教活动场所设立",
    "社会团体成立登记",
    "民办非企业单位登记",
    "慈善组织认定",
    "法律援助",
    "公证",
    "人民调解",
    "律师执业许可",
    "司法鉴定许可",
    "统计调查项目审批",
    "政府信息公开",
    "固定资产投资项目节能审查",
    "企业投资项目核准",
    "企业投资项目备案",
    "价格认定",
    "粮食收购资格",
    "对外贸易经营者备案",
    "外商投资企业设立",
    "招标投标备案",
    "政府采购供应商登记",
]

ACTIONS = [
    "办理",
    "登记",
    "许可",
    "审批",
    "证明",
    "补贴",
    "申请",
    "变更",
    "注销",
    "补领",
    "换发",
    "核准",
    "备案",
    "确认",
    "发放",
    "延续",
    "审核",
    "查询",
    "首次申请",
    "年度检验",
]

QUALIFIERS = [
    "（新办）",
    "（变更）",
    "（延续）",
    "（跨市）",
    "（省级权限）",
    "（告知承诺）",
    "（注销）",
]

FUNDS = [
    "农业产业化发展",
    "乡村振兴衔接",
    "中小企业发展",
    "科技创新引导",
    "生态环境保护",
    "污染防治",
    "文化产业发展",
    "旅游发展",
    "就业补助",
    "城乡居民医疗保险补助",
    "困难群众救助补助",
    "义务教育薄弱环节改善",
    "学前教育发展",
    "公共卫生服务补助",
    "基层医疗卫生机构",
    "交通运输发展",
    "水利发展",
    "林业草原改革发展",
    "农田建设补助",
    "动物防疫补助",
    "城镇保障性安居工程",
    "老旧小区改造",
    "应急救灾",
    "外经贸发展",
    "数字政府建设",
]

POWER_SUBJECTS = [
    "违反价格法律法规行为",
    "未取得食品生产许可从事食品生产活动",
    "违反《中华人民共和国环境保护法》行为",
    "无证经营",
    "非法占用耕地",
    "违法建设",
    "超限运输",
    "未按规定办理社会保险登记",
    "拒不执行安全生产整改指令",
    "违反《中华人民共和国药品管理法》行为",
    "违反道路运输管理规定",
    "食品生产经营者",
    "特种设备使用单位",
    "建设工程质量",
    "医疗机构",
    "公共场所",
    "用人单位劳动保障",
]
POWER_FORMS = ["对{s}的行政处罚", "对{s}的监督检查", "对{s}的行政强制", "对{s}的行政检查"]


def places(divisions: Path) -> list[str]:
    """Every region's full name: 甘肃省, 兰州市, 兰州市城关区, ..."""
    rows = list(csv.DictReader(divisions.open(encoding="utf-8")))
    names = {r["code"]: r["name"] for r in rows}
    out: list[str] = []
    for r in rows:
        parent = r["parent_code"]
        if r["level"] in ("county", "zone") and parent in names:
            out.append(names[parent] + r["name"])
        else:
            out.append(r["name"])
    return out


def departments(template: Path) -> tuple[list[str], list[str]]:
    """Department names at county level and at province level."""
    data = yaml.safe_load(template.read_text(encoding="utf-8"))
    local = [d["name"] for d in data["departments"]]
    province = [d.get("province_name", d["name"]) for d in data["departments"]]
    return local, province


def names(count: int, seed: int = 20261201) -> Iterator[str]:
    rng = random.Random(seed)
    regions = places(ROOT / "tenant_templates" / "gansu-divisions.csv")
    local_depts, province_depts = departments(ROOT / "tenant_templates" / "standard.yaml")
    province = regions[0]
    for _ in range(count):
        roll = rng.random()
        place = rng.choice(regions)
        dept = rng.choice(province_depts if place == province else local_depts)
        if roll < 0.45:  # service item
            name = rng.choice(SUBJECTS) + rng.choice(ACTIONS)
            if rng.random() < 0.6:
                name = place + dept + name
            if rng.random() < 0.2:
                name += rng.choice(QUALIFIERS)
        elif roll < 0.70:  # power item
            if rng.random() < 0.5:
                name = rng.choice(POWER_FORMS).format(s=rng.choice(POWER_SUBJECTS))
            else:
                name = rng.choice(SUBJECTS) + rng.choice(["许可", "审批", "核准", "确认", "备案"])
            name = place + dept + name
        elif roll < 0.85:  # responsibility item
            name = f"{dept}{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}责任事项"
        else:  # special fund
            year = rng.choice(range(2019, 2027))
            kind = rng.choice(["专项资金", "补助资金", "转移支付资金", "引导资金"])
            name = f"{year}年{place}{rng.choice(FUNDS)}{kind}"
        yield name
