"""Budget data as a finance officer enters it: one line per funding source × functional code ×
economic code × 基本支出 (人员/公用) or 项目 × project, plus the facts the narrative needs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

# funding sources, in the order 收入总表 prints them
SOURCES: dict[str, str] = {
    "gpb": "一般公共预算",
    "gpb_transfer": "上级一般公共预算安排的转移支付",
    "fund": "政府性基金预算",
    "fund_transfer": "上级政府性基金安排的转移支付",
    "capital": "国有资本经营预算",
    "capital_transfer": "上级国有资本经营预算安排的转移支付",
    "special_account": "财政专户（教育收费）",
    "unit_funds": "单位资金",
    "fiscal_carryover": "财政拨款结转",
    "nonfiscal_carryover": "非财政拨款结转结余",
}
FISCAL = ("gpb", "gpb_transfer", "fund", "fund_transfer", "capital", "capital_transfer")  # this year's 财政拨款
FUNDS = {"gpb": ("gpb", "gpb_transfer"), "fund": ("fund", "fund_transfer"), "capital": ("capital", "capital_transfer")}
CARRYOVER = ("fiscal_carryover", "nonfiscal_carryover")
KINDS = {"personnel": "人员经费", "public": "公用经费", "project": "项目支出"}
# an amount in the budget's unit: far above any budget (10¹⁵ 万元), and below where sums and two decimals
# outgrow the 28 digits decimal arithmetic keeps
Amount = Annotated[Decimal, Field(gt=-Decimal(10) ** 15, lt=Decimal(10) ** 15)]
Count = Annotated[int, Field(gt=-10**9, lt=10**9)]  # people, vehicles, pieces of equipment

Source = Literal["gpb", "gpb_transfer", "fund", "fund_transfer", "capital", "capital_transfer",
                 "special_account", "unit_funds", "fiscal_carryover", "nonfiscal_carryover"]


class LineItem(BaseModel):
    source: Source
    functional: str = Field(pattern=r"^\d{7}$")  # 项 of 支出功能分类
    economic: str = Field(pattern=r"^\d{5}$")  # 款 of 部门预算支出经济分类
    kind: Literal["personnel", "public", "project"]
    project: str | None = None
    amount: Amount


class Unit(BaseModel):
    name: str
    year: int = Field(ge=0, le=9999)  # 0: not known (a document read without one)
    scope: Literal["部门", "单位"] = "部门"
    functions: list[str] = Field(default_factory=list)
    organisation: str = ""
    staffing: dict[str, Count] = Field(default_factory=dict)  # 编制数, 实有人数, 在职, 退休, 离休
    staffing_changes: dict[str, Count] = Field(default_factory=dict)
    date: str | None = None  # signed at the end: "2023年1月31日"


class Vehicle(BaseModel):
    kind: str  # 一般公务用车, 执法执勤用车, 其他车辆 …
    count: Count
    value: Amount


class Assets(BaseModel):
    as_of: str = ""  # "2022年底"
    building_area: Amount = Decimal(0)
    building_value: Amount = Decimal(0)
    vehicles: list[Vehicle] = Field(default_factory=list)
    furniture_value: Amount = Decimal(0)
    other_value: Amount = Decimal(0)
    equipment_50: Count = 0  # 单位价值50万元以上大型设备
    equipment_100: Count = 0
    planned_vehicles: Count = 0
    planned_equipment_50: Count = 0
    planned_equipment_100: Count = 0


class Procurement(BaseModel):
    goods: Amount = Decimal(0)
    works: Amount = Decimal(0)
    services: Amount = Decimal(0)
    sme: Amount = Decimal(0)  # 面向中小企业预留
    small_micro: Amount = Decimal(0)  # 其中面向小微企业


class TargetIndicator(BaseModel):
    level1: str
    level2: str
    level3: str
    value: str
    basis: str = ""
    prior: str = ""
    weight: Decimal
    rule: str = ""
    evidence: str = ""


class Project(BaseModel):
    name: str
    owner: str = ""
    basis: str = ""  # 设立的政策依据
    undertaker: str = ""  # 项目承担单位
    allocation: str = ""  # 资金分配情况
    period: str = ""  # 资金执行时间
    goal: str = ""
    indicators: list[TargetIndicator] = Field(default_factory=list)


class Term(BaseModel):
    term: str
    definition: str


class Budget(BaseModel):
    unit: Unit
    money_unit: Literal["万元", "元"] = "万元"
    template: str = "default"  # the table set: data/templates/<name>.toml
    lines: list[LineItem]
    names: dict[str, str] = Field(default_factory=dict)  # names of codes the catalog does not know
    # last year's figures the narrative compares with, by subject key (see build/subjects.py),
    # and the reason given for each change
    prior: dict[str, Amount] = Field(default_factory=dict)
    reasons: dict[str, str] = Field(default_factory=dict)
    procurement: Procurement = Field(default_factory=Procurement)
    assets: Assets = Field(default_factory=Assets)
    projects: list[Project] = Field(default_factory=list)
    glossary: list[Term] = Field(default_factory=list)
