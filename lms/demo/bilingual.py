"""The demo in both languages: sessions, venues and the people the other areas add are written in Chinese,
with their English form for English pages (``lms.core.bilingual``). Runs after every other demo loader, which
still find their records by the English titles they wrote (an English query reads the English form).
Idempotent: a record already bilingual, or renamed by someone since, is left alone."""

from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db

SESSION_TITLES = {
    "Credit management briefing at the Shenzhen base": "信用管理专题宣讲（深圳培训基地）",
    "Trade security observation at Shekou Harbour Logistics": "蛇口港口物流贸易安全实地观摩",
    "One-on-one coaching: Pengcheng Precision Electronics": "一对一辅导：鹏城精密电子",
    "Live online: mutual recognition explained": "线上直播：AEO 国际互认解读",
    "AEO standard workshop at the Shenzhen base": "高级认证企业标准研讨班（深圳培训基地）",
    "On-site observation at Pudong Semiconductor Equipment": "浦东半导体设备实地观摩",
    "Live online: credit repair questions and answers": "线上直播：信用修复答疑",
    "One-on-one follow-up: Pengcheng Precision Electronics": "一对一跟进辅导：鹏城精密电子",
    "Certification procedure seminar in Shanghai": "认证程序专题研讨会（上海）",
    "Weekly AEO standard clinic at the Guangzhou base": "每周认证标准答疑门诊（广州培训基地）",
    "One-on-one coaching: Nanshan Medical Devices": "一对一辅导：南山医疗器械",
}
SESSION_DESCRIPTIONS = {
    "A weekly clinic: bring your self-assessment questions on the general standard.": (
        "每周一次的答疑门诊：请带上企业对照通用标准开展自我评估时遇到的问题。"
    ),
}
VENUE_ADDRESSES = {
    "Longgang District, Shenzhen, Guangdong": "广东省深圳市龙岗区",
    "Nansha District, Guangzhou, Guangdong": "广东省广州市南沙区",
    "Pudong New Area, Shanghai": "上海市浦东新区",
}
# People the cultivation story adds (the accounts of lms.demo.org are bilingual from the start).
PEOPLE = {
    "Xie Ming": "谢明",
    "Pan Li": "潘丽",
    "Luo Jia": "罗佳",
    "Yao Wen": "姚文",
    "Cao Yi": "曹毅",
}


def _convert(model, own: str, english: str, table: dict[str, str]) -> int:
    rows = db.session.execute(
        sa.select(model).where(getattr(model, own).in_(list(table)), getattr(model, english) == "")
    ).scalars()
    changed = 0
    for row in rows:
        written = getattr(row, own)
        setattr(row, english, written)
        setattr(row, own, table[written])
        changed += 1
    return changed


def load() -> str:
    from lms.auth.models import User
    from lms.sessions.models import TrainingSession, Venue

    counts = [
        _convert(TrainingSession, "own_title", "title_en", SESSION_TITLES),
        _convert(TrainingSession, "own_description", "description_en", SESSION_DESCRIPTIONS),
        _convert(Venue, "own_address", "address_en", VENUE_ADDRESSES),
        _convert(User, "own_name", "name_en", PEOPLE),
    ]
    db.session.flush()
    return f"{sum(counts)} names and titles written in Chinese with their English form" if any(counts) else ""
