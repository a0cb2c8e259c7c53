"""Invented names for the demo county 示范县.

Every place name is a neutral combination of common words; combinations that are the
names of real counties, districts or cities are left out (see `EXCLUDED_PLACE_NAMES`).
Person names are drawn from common surnames and invented given names. The lists are
data: `builder.py` draws from them with a seeded generator, so the same run always
yields the same county.
"""

from __future__ import annotations

import random
from itertools import product

# Townships, in the order they are created. The first two are fixed: the demo logins
# `township_secretary` and `other_secretary` are on 青石镇 and 柳溪镇.
TOWNS = [
    "青石",
    "柳溪",
    "云台",
    "松岗",
    "桃源",
    "枫林",
    "梅岭",
    "杏花",
    "石桥",
    "清泉",
    "鹿鸣",
    "凤栖",
    "芦湾",
]
XIANG = ["雁岭", "茶岭", "银杏"]  # 乡: rural townships
STREETS = ["明德", "锦绣", "滨河", "安和"]  # 街道: urban townships

# Names that combinations below could produce but that belong to real county-level
# places (or are otherwise too well known); they are never used.
EXCLUDED_PLACE_NAMES = frozenset(
    {
        "东营",
        "东坡",
        "南岗",
        "柏林",
        "双河",
        "双桥",
        "河口",
        "桃园",
        "石林",
        "长岭",
        "大洼",
        "新河",
        "上林",
        "高台",
        "高坪",
        "泰和",
        "安宁",
        "新华",
        "丰城",
        "新城",
        "兴宁",
        "惠城",
        "泰宁",
        "新宁",
        "兴城",
        "安居",
        "丰宁",
        "新和",
        "山口",
        "大营",
        "花园",
        "小店",
        "北林",
        "石台",
        "荷塘",
        "东河",
        "东台",
        "西岗",
        "北塘",
        "西塘",
        "西林",
        "柳林",
        "柳河",
        "溪口",
        "小河",
        "小岗",
        "大寨",
        "西沟",
        "小屯",
        "秀城",
        "春城",
        # Words with a meaning of their own (laid off, step down, backstage, ...).
        "下岗",
        "上岗",
        "上台",
        "下台",
        "前台",
        "后台",
        "中台",
        "下坡",
    }
)

_VILLAGE_FIRST = "东西南北上下前后大小新老高中长双石柳杨桃杏梨枣桑竹松柏槐荷芦花泉溪"
_VILLAGE_SECOND = "岗坪塘湾庄寨坡沟岭桥堡营店河峪洼园林集铺屯口台坝"
_COMMUNITY_FIRST = "锦春和康瑞安福泰嘉丰明欣润怡新兴惠秀"
_COMMUNITY_SECOND = "华晖园苑城景悦馨庭湾宁居翠和"

_TOWNSHIP_NAMES = frozenset(TOWNS + XIANG + STREETS)


def _pool(first: str, second: str) -> list[str]:
    return [
        a + b
        for a, b in product(first, second)
        if a != b and a + b not in EXCLUDED_PLACE_NAMES and a + b not in _TOWNSHIP_NAMES
    ]


# Two-character stems; 村 or 社区 is appended by the builder.
VILLAGE_STEMS = _pool(_VILLAGE_FIRST, _VILLAGE_SECOND)
COMMUNITY_STEMS = _pool(_COMMUNITY_FIRST, _COMMUNITY_SECOND)


# Directly-under units (name, short name), by the committee they belong to.
ORGAN_UNITS = [
    ("示范县财政局机关党支部", "县财政局"),
    ("示范县民政局机关党支部", "县民政局"),
    ("示范县农业农村局机关党委", "县农业农村局"),
    ("示范县人力资源和社会保障局机关党支部", "县人社局"),
]
EDUCATION_UNITS = [
    ("示范县第一中学党委", "县一中"),
    ("示范县实验小学党支部", "县实验小学"),
    ("示范县职业技术教育中心党总支", "县职教中心"),
]
SOE_UNITS = [
    ("示范县城市建设投资集团有限公司党委", "县城投集团"),
    ("示范县水务集团有限公司党总支", "县水务集团"),
]
TWO_NEW_UNITS = [
    ("示范县恒信农业科技有限公司党支部", "恒信农业"),
    ("示范县华禾食品有限公司党支部", "华禾食品"),
    ("示范县宏远物流有限公司党支部", "宏远物流"),
    ("示范县个体劳动者协会党支部", "县个体劳动者协会"),
    ("示范县社会工作者协会党支部", "县社会工作者协会"),
]
HOSPITAL = ("示范县人民医院党委", "县人民医院")


# Common surnames (roughly by frequency) and invented given names: one character, or
# a first and a second character from separate lists (as given names are usually built).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷龙"
    "黎史陶贺毛郝顾龚邵万钱戴严孔向常汤康易乔赖文"
)
MALE_SINGLE = "伟强军磊勇杰涛斌超明刚平辉鹏飞鑫波宁健凯俊帆峰亮宇浩坤"
MALE_FIRST = "建国志文明海永立晓德兴振庆春俊宏洪少云金学"
MALE_SECOND = "伟强军磊勇杰涛斌超明刚平辉鹏华飞波宁健峰林东成亮宇浩坤良福才"
FEMALE_SINGLE = "芳娜敏静丽艳娟霞燕玲婷雪慧莉萍琳颖倩丹洁梅兰英琴晶璐欣怡彤悦琪晴"
FEMALE_FIRST = "晓丽秀玉美春雪海静欣佳雅婷慧丹红桂淑艳凤"
FEMALE_SECOND = "芳娜敏静丽艳娟霞燕玲婷雪慧莉萍红琳颖倩丹洁梅兰英琴晶璐怡彤悦琪晴薇蕾萱"

# Names the lists above could produce that belong to well-known public figures.
EXCLUDED_PERSON_NAMES = frozenset({"李强", "李鹏", "王勇", "张军", "胡春华", "何立峰", "孙春兰"})

ETHNICITIES = [("汉族", 88), ("回族", 5), ("满族", 4), ("蒙古族", 3)]


class NameMaker:
    """Draws person names that do not repeat within one demo county."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person_name(self, *, female: bool) -> str:
        single, first, second = (
            (FEMALE_SINGLE, FEMALE_FIRST, FEMALE_SECOND)
            if female
            else (MALE_SINGLE, MALE_FIRST, MALE_SECOND)
        )
        while True:
            if self.rng.random() < 0.25:
                given = self.rng.choice(single)
            else:
                given = self.rng.choice(first) + self.rng.choice(second)
            name = self.rng.choice(SURNAMES) + given
            repeated_character = len(given) == 2 and given[0] == given[1]
            if (
                not repeated_character
                and name not in self.used
                and name not in EXCLUDED_PERSON_NAMES
            ):
                self.used.add(name)
                return name

    def ethnicity(self) -> str:
        """汉族 mostly, a few others; about one person in seven has none recorded."""
        if self.rng.random() < 0.15:
            return ""
        names = [name for name, _weight in ETHNICITIES]
        weights = [weight for _name, weight in ETHNICITIES]
        return self.rng.choices(names, weights=weights)[0]
