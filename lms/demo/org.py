"""Demo customs units, enterprises with credit histories, and the documented demo accounts."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from lms.auth.models import User
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.org.services import record_credit_decision
from lms.org.uscc import ALPHABET, make_uscc
from lms.privacy.notice import accept_current

# code, English name, Chinese name, parent code
UNITS = [
    ("0000", "General Administration of Customs", "海关总署", None),
    ("5300", "Shenzhen Customs", "深圳海关", "0000"),
    ("5301", "Futian Customs", "福田海关", "5300"),
    ("5302", "Shekou Customs", "蛇口海关", "5300"),
    ("5100", "Guangzhou Customs", "广州海关", "0000"),
    ("5101", "Nansha Customs", "南沙海关", "5100"),
    ("5102", "Guangzhou Baiyun Airport Customs", "广州白云机场海关", "5100"),
    ("2200", "Shanghai Customs", "上海海关", "0000"),
    ("2201", "Pudong Customs", "浦东海关", "2200"),
    ("2202", "Waigaoqiao Customs", "外高桥海关", "2200"),
    ("2300", "Nanjing Customs", "南京海关", "0000"),
    ("2301", "Jinling Customs", "金陵海关", "2300"),
    ("2302", "Suzhou Industrial Park Customs", "苏州工业园区海关", "2300"),
]

# Division codes used in the demo USCCs, by local unit.
DIVISIONS = {
    "5301": "440304",
    "5302": "440305",
    "5101": "440115",
    "5102": "440111",
    "2201": "310115",
    "2202": "310115",
    "2301": "320104",
    "2302": "320571",
}

# name_en, name_zh, local unit, business type, production, key, willing, score, credit history [(date, level)]
ENTERPRISES = [
    (
        "Pengcheng Precision Electronics Co., Ltd.",
        "鹏城精密电子有限公司",
        "5301",
        "importer_exporter",
        True,
        True,
        True,
        92,
        [(date(2022, 6, 1), "advanced_certified"), (date(2026, 4, 1), "advanced_certified")],
    ),
    (
        "Futian Cross-Border Trading Co., Ltd.",
        "福田跨境贸易有限公司",
        "5301",
        "cross_border_ecommerce",
        False,
        True,
        True,
        84,
        [(date(2023, 3, 15), "registered"), (date(2026, 5, 10), "regular")],
    ),
    (
        "Lianhua Customs Brokerage Co., Ltd.",
        "莲花报关有限公司",
        "5301",
        "customs_broker",
        False,
        False,
        True,
        78,
        [(date(2024, 1, 8), "registered"), (date(2026, 6, 2), "certified")],
    ),
    (
        "Shekou Harbour Logistics Co., Ltd.",
        "蛇口港湾物流有限公司",
        "5302",
        "logistics",
        False,
        True,
        True,
        88,
        [(date(2021, 12, 20), "advanced_certified"), (date(2026, 4, 1), "advanced_certified")],
    ),
    (
        "Qianhai Smart Supply Chain Co., Ltd.",
        "前海智慧供应链有限公司",
        "5302",
        "logistics",
        False,
        False,
        False,
        65,
        [(date(2025, 9, 1), "registered"), (date(2026, 8, 20), "discredited")],
    ),
    (
        "Nanshan Medical Devices Co., Ltd.",
        "南山医疗器械有限公司",
        "5302",
        "importer_exporter",
        True,
        False,
        True,
        81,
        [(date(2026, 4, 1), "regular")],
    ),
    (
        "Nansha Auto Parts Co., Ltd.",
        "南沙汽车零部件有限公司",
        "5101",
        "importer_exporter",
        True,
        True,
        True,
        90,
        [(date(2022, 10, 10), "advanced_certified"), (date(2026, 4, 1), "advanced_certified")],
    ),
    (
        "Pearl River Shipping Agency Co., Ltd.",
        "珠江船务代理有限公司",
        "5101",
        "logistics",
        False,
        False,
        True,
        74,
        [(date(2026, 4, 20), "regular")],
    ),
    (
        "Lingnan Textiles Co., Ltd.",
        "岭南纺织有限公司",
        "5101",
        "importer_exporter",
        True,
        True,
        False,
        69,
        [
            (date(2017, 5, 1), "general_credit"),
            (date(2023, 7, 1), "registered"),
            (date(2026, 4, 1), "regular"),
        ],
    ),
    (
        "Baiyun Air Express Co., Ltd.",
        "白云航空快件有限公司",
        "5102",
        "logistics",
        False,
        True,
        True,
        86,
        [(date(2026, 7, 1), "certified")],
    ),
    (
        "Yangcheng E-Commerce Co., Ltd.",
        "羊城电子商务有限公司",
        "5102",
        "cross_border_ecommerce",
        False,
        False,
        True,
        72,
        [(date(2026, 4, 1), "regular")],
    ),
    (
        "Canton Fair Trading Co., Ltd.",
        "广交贸易有限公司",
        "5102",
        "importer_exporter",
        False,
        False,
        False,
        55,
        [
            (date(2015, 1, 10), "general_credit"),
            (date(2024, 2, 1), "registered"),
            (date(2026, 9, 1), "seriously_discredited"),
        ],
    ),
    (
        "Pudong Semiconductor Equipment Co., Ltd.",
        "浦东半导体设备有限公司",
        "2201",
        "importer_exporter",
        True,
        True,
        True,
        95,
        [(date(2022, 3, 1), "advanced_certified"), (date(2026, 4, 1), "advanced_certified")],
    ),
    (
        "Lujiazui Customs Brokers Co., Ltd.",
        "陆家嘴报关行有限公司",
        "2201",
        "customs_broker",
        False,
        True,
        True,
        83,
        [(date(2026, 5, 5), "certified")],
    ),
    (
        "Zhangjiang Biotech Co., Ltd.",
        "张江生物科技有限公司",
        "2201",
        "importer_exporter",
        True,
        False,
        True,
        79,
        [(date(2026, 4, 1), "regular")],
    ),
    (
        "Waigaoqiao Bonded Logistics Co., Ltd.",
        "外高桥保税物流有限公司",
        "2202",
        "logistics",
        False,
        True,
        True,
        87,
        [(date(2021, 11, 30), "advanced_certified"), (date(2026, 4, 1), "advanced_certified")],
    ),
    (
        "Huangpu River Import Co., Ltd.",
        "黄浦江进口贸易有限公司",
        "2202",
        "importer_exporter",
        False,
        False,
        True,
        76,
        [(date(2026, 4, 15), "regular")],
    ),
    (
        "Shanghai Global Parcel Co., Ltd.",
        "上海环球包裹有限公司",
        "2202",
        "cross_border_ecommerce",
        False,
        False,
        False,
        61,
        [
            (date(2019, 9, 1), "general_credit"),
            (date(2025, 3, 3), "discredited"),
            (date(2026, 4, 1), "discredited"),
        ],
    ),
    (
        "Jinling Machinery Co., Ltd.",
        "金陵机械有限公司",
        "2301",
        "importer_exporter",
        True,
        True,
        True,
        89,
        [(date(2023, 5, 20), "advanced_certified"), (date(2026, 4, 1), "advanced_certified")],
    ),
    (
        "Qinhuai Trade Services Co., Ltd.",
        "秦淮贸易服务有限公司",
        "2301",
        "customs_broker",
        False,
        False,
        True,
        73,
        [(date(2026, 4, 1), "regular")],
    ),
    (
        "Yangtze Chemical Co., Ltd.",
        "扬子化工有限公司",
        "2301",
        "importer_exporter",
        True,
        True,
        False,
        80,
        [(date(2026, 6, 18), "certified")],
    ),
    (
        "Suzhou Industrial Park Optics Co., Ltd.",
        "苏州工业园区光学有限公司",
        "2302",
        "importer_exporter",
        True,
        True,
        True,
        91,
        [(date(2022, 8, 8), "advanced_certified"), (date(2026, 4, 1), "advanced_certified")],
    ),
    (
        "Jinji Lake Logistics Co., Ltd.",
        "金鸡湖物流有限公司",
        "2302",
        "logistics",
        False,
        False,
        True,
        77,
        [(date(2026, 4, 1), "regular")],
    ),
    (
        "Gusu Cross-Border Services Co., Ltd.",
        "姑苏跨境服务有限公司",
        "2302",
        "cross_border_ecommerce",
        False,
        False,
        True,
        70,
        [(date(2026, 10, 9), "regular")],
    ),
    ("Dapeng Cold Chain Co., Ltd.", "大鹏冷链有限公司", "5302", "other", False, False, True, 68, []),
]

# login, (name in Chinese, its Latin form for English pages), role, unit code or enterprise index,
# position / expert level
ACCOUNTS = [
    ("admin", ("海关总署系统管理员", "GACC Administrator"), "admin", "0000", None),
    ("officer.shenzhen", ("陈伟", "Chen Wei"), "officer", "5300", None),
    ("officer.futian", ("李娜", "Li Na"), "officer", "5301", None),
    ("officer.shanghai", ("王芳", "Wang Fang"), "officer", "2200", None),
    ("officer.guangzhou", ("赵磊", "Zhao Lei"), "officer", "5100", None),
    ("officer.nanjing", ("孙丽", "Sun Li"), "officer", "2300", None),
    ("expert.national", ("周明", "Zhou Ming"), "expert", "0000", "national"),
    ("expert.shenzhen", ("黄杰", "Huang Jie"), "expert", "5300", "regional"),
    ("expert.shanghai", ("徐红", "Xu Hong"), "expert", "2200", "regional"),
    ("trainee", ("刘洋", "Liu Yang"), "trainee", 0, "legal_representative"),
    ("trainee.manager", ("张敏", "Zhang Min"), "trainee", 0, "senior_management"),
    ("trainee.customs", ("何军", "He Jun"), "trainee", 0, "department_staff"),
    ("trainee.finance", ("马林", "Ma Lin"), "trainee", 0, "department_staff"),
    ("trainee.futian", ("郭强", "Guo Qiang"), "trainee", 1, "legal_representative"),
    ("trainee.shekou", ("林慧", "Lin Hui"), "trainee", 3, "senior_management"),
    ("trainee.nanshan", ("吴涛", "Wu Tao"), "trainee", 5, "department_staff"),
    ("trainee.guangzhou", ("邓宇", "Deng Yu"), "trainee", 6, "legal_representative"),
    ("trainee.shanghai", ("钱锐", "Qian Rui"), "trainee", 12, "senior_management"),
    ("trainee.pudong", ("石静", "Shi Jing"), "trainee", 13, "department_staff"),
    ("trainee.nanjing", ("冯波", "Feng Bo"), "trainee", 18, "legal_representative"),
]


def _drop_old_suffix(user: User, name: str) -> None:
    """Demo accounts were once named "Liu Yang (legal representative)": the English suffix showed on Chinese
    pages and certificates. Position and unit are shown as translated labels instead."""
    if user.own_name.removeprefix("Prof. ").startswith(name + " ("):
        user.own_name = name


def _bilingual(user: User, zh: str, en: str) -> None:
    """Demo accounts were once named in pinyin only: they get their Chinese name, the pinyin kept for English
    pages (a name someone changed since is left alone)."""
    if user.own_name == en and not user.name_en:
        user.own_name, user.name_en = zh, en


def demo_uscc(index: int, unit_code: str) -> str:
    body = "".join(ALPHABET[(index * 7 + k * 3) % 31] for k in range(8)) + str(index % 10)
    return make_uscc("91" + DIVISIONS[unit_code] + body)


def demo_customs_code(index: int, unit_code: str) -> str:
    return f"{DIVISIONS[unit_code][:4]}9{index:05d}"


def load() -> str:
    units: dict[str, CustomsUnit] = {u.code: u for u in db.session.execute(sa.select(CustomsUnit)).scalars()}
    for code, name_en, name_zh, parent_code in UNITS:
        if code in units:
            continue
        parent = units[parent_code] if parent_code else None
        unit = CustomsUnit(
            code=code,
            name_en=name_en,
            name_zh=name_zh,
            parent=parent,
            level="gacc" if parent is None else ("regional" if parent.parent is None else "local"),
        )
        db.session.add(unit)
        db.session.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        units[code] = unit

    admin_unit = units["0000"]
    enterprises: list[Enterprise] = []
    created_enterprises = 0
    for index, (name_en, name_zh, unit_code, btype, production, key, willing, score, history) in enumerate(
        ENTERPRISES
    ):
        uscc = demo_uscc(index, unit_code)
        enterprise = db.session.execute(
            sa.select(Enterprise).where(Enterprise.uscc == uscc)
        ).scalar_one_or_none()
        if enterprise is None:
            enterprise = Enterprise(
                name_en=name_en,
                name_zh=name_zh,
                uscc=uscc,
                customs_code=demo_customs_code(index, unit_code),
                business_type=btype,
                is_production=production,
                unit=units[unit_code],
                is_key=key,
                aeo_willing=willing,
                credit_score=score,
            )
            db.session.add(enterprise)
            db.session.flush()
            for decided_on, level in history:
                record_credit_decision(
                    None, enterprise, level=level, decided_on=decided_on, reason="Demo record", source="demo"
                )
            created_enterprises += 1
        enterprises.append(enterprise)

    existing = {u.login_name: u for u in db.session.execute(sa.select(User)).scalars()}
    created_users = 0
    password_hash = None
    new_users = []
    for login, (name_zh, name_en), role, where, extra in ACCOUNTS:
        if login in existing:
            _drop_old_suffix(existing[login], name_en)
            _bilingual(existing[login], name_zh, name_en)
            continue
        user = User(login_name=login, email=f"{login}@demo.aeo-lms.cn", role=role)
        user.own_name, user.name_en = name_zh, name_en
        if role == "trainee":
            user.enterprise = enterprises[where]
            user.position = extra
        else:
            user.unit = units[where] if where else admin_unit
            user.expert_level = extra if role == "expert" else None
        # One hash for every demo account: they share the documented password.
        if password_hash is None:
            user.set_password(DEMO_PASSWORD)
            password_hash = user.password_hash
        user.password_hash = password_hash
        db.session.add(user)
        new_users.append(user)
        created_users += 1
    db.session.flush()
    # The demo people have read the privacy notice already: only accounts made later are asked.
    for user in new_users:
        accept_current(user)
    return f"{len(units)} units, {created_enterprises} new enterprises, {created_users} new accounts"
