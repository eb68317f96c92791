"""The demo data set: a province modelled on Đồng Nai, with fictional members and accounts.

`seed_demo()` builds the unit tree (province, upper-level unions, about forty grassroots unions
of very different sizes, a few departments and groups), accounts (a Unit Admin and a Viewer for
the province, a Unit Admin and an Approver per upper-level union, an Officer for most grassroots
unions, all with the password `PASSWORD`), and the requested number of members with
consistent history: a `created` event for every record (the roll-out of the last two years,
busiest in the last weeks), then `approved`, `suspended`, `transfer_requested`, `rejected`,
`left`, `expelled` or `deceased` events and membership periods as each member's status
requires. It refuses (`DemoDataExists`) to run twice on one database.

Everything is written in one transaction with bulk inserts and ids assigned here, so 100,000
members take well under a minute. Bulk inserts bypass ORM events: the derived columns
(`search_name`, `sort_key`, unit paths and keys) are computed here as the services compute them.
People, phone numbers and identity numbers are invented; the citizen IDs follow the structure
in shared/data/README.md and are unique.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import JSON, func, insert, select, text
from werkzeug.security import generate_password_hash

from unionadmin.core import audit
from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.cards.models import Card, CardRange
from unionadmin.core.cards.numbering import format_number
from unionadmin.core.db import session, today, utcnow
from unionadmin.core.members.models import (
    CLOSED_STATUSES,
    Member,
    MemberEvent,
    MembershipPeriod,
)
from unionadmin.core.refdata import ethnicities, provinces
from unionadmin.core.roles import ROLE_APPROVER, ROLE_OFFICER, ROLE_UNIT_ADMIN, ROLE_VIEWER
from unionadmin.core.text import fold, nfc, sort_key, text_sort_key
from unionadmin.core.units.models import LEVEL_RANK, Unit, UnitEvent

#: The password of every demo account (they are not asked to change it).
PASSWORD = "demo-UnionAdmin-2026"
ROOT_CODE = "DNA"
#: The card number prefix the demo allocates to its province (any free one if taken).
CARD_PREFIX = "DN"
CHUNK = 5_000

#: Statuses and their shares of the members.
STATUS_SHARES = {
    "active": 0.80, "pending": 0.08, "suspended": 0.03, "transfer_pending": 0.02,
    "left": 0.04, "expelled": 0.01, "deceased": 0.01, "rejected": 0.01,
}
#: Statuses of records that were approved at some point (and so have a membership period).
APPROVED_STATUSES = ("active", "suspended", "transfer_pending", "left", "expelled", "deceased")
ENDED_STATUSES = ("left", "expelled", "deceased")

_VN_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh has no daylight saving time
_ROLLOUT_WEEKS = 104


class DemoDataExists(RuntimeError):
    """The demo's units or accounts are already in the database."""


# --------------------------------------------------------------------------------------------
# The tree. Grassroots: (name, sector, kind, weight, female share, founded year, place,
# departments). A department is (name, [group names]). Weights are relative sizes.
# --------------------------------------------------------------------------------------------

_DEPT = "Công đoàn bộ phận "
_GROUP = "Tổ công đoàn "

UPPERS: list[dict[str, Any]] = [
    {
        "code": "BH", "slug": "bienhoa", "name": "LĐLĐ thành phố Biên Hòa", "founded": 1976,
        "place": "phường Quyết Thắng, thành phố Biên Hòa",
        "grassroots": [
            ("Công đoàn cơ sở Công ty TNHH Pouchen Việt Nam", "fdi", "shoe", 26, 0.6, 1995,
             "phường Hóa An, thành phố Biên Hòa",
             [("Xưởng may A", ["Chuyền may 1", "Chuyền may 2"]), ("Xưởng đế", []),
              ("Xưởng gò ráp", []), ("Khối văn phòng", [])]),
            ("Công đoàn cơ sở Công ty Cổ phần Dệt may Đồng Tiến", "non_state", "garment", 3,
             0.8, 1998, "phường Tân Phong, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Công ty Cổ phần Phát triển KCN Long Bình", "non_state", "office",
             0.6, 0.4, 2001, "phường Long Bình, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Công ty TNHH MTV Xổ số kiến thiết Đồng Nai", "state", "office",
             0.4, 0.45, 1993, "phường Thanh Bình, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Công ty TNHH Cơ khí Tân Mai", "non_state", "industry", 0.5, 0.15,
             2004, "phường Tân Mai, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Hợp tác xã Vận tải Biên Hòa", "cooperative", "transport", 0.3,
             0.15, 2000, "phường Tam Hiệp, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Ủy ban nhân dân phường Tân Phong", "state", "office", 0.2, 0.5,
             1997, "phường Tân Phong, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Công ty TNHH Bao bì Hưng Long", "non_state", "industry", 0.5,
             0.45, 2009, "phường An Bình, thành phố Biên Hòa", []),
        ],
    },
    {
        "code": "TB", "slug": "trangbom", "name": "LĐLĐ huyện Trảng Bom", "founded": 2004,
        "place": "thị trấn Trảng Bom, huyện Trảng Bom",
        "grassroots": [
            ("Công đoàn cơ sở Công ty TNHH Giày Hưng Phát Vina", "fdi", "shoe", 9, 0.6, 2006,
             "xã Bàu Xéo, huyện Trảng Bom",
             [("Xưởng may", []), ("Xưởng đế", []), ("Khối văn phòng", [])]),
            ("Công đoàn cơ sở Công ty TNHH Chế biến Gỗ Trảng Bom", "non_state", "industry", 1.2,
             0.3, 2008, "xã Hố Nai 3, huyện Trảng Bom", []),
            ("Công đoàn cơ sở Hợp tác xã Nông nghiệp Bàu Hàm", "cooperative", "farm", 0.15,
             0.4, 2012, "xã Bàu Hàm, huyện Trảng Bom", []),
            ("Công đoàn cơ sở Công ty Cổ phần Chế biến Thực phẩm Sông Mây", "non_state",
             "food", 0.8, 0.6, 2010, "xã Bắc Sơn, huyện Trảng Bom", []),
            ("Công đoàn cơ sở Ủy ban nhân dân xã Hố Nai 3", "state", "office", 0.15, 0.5, 2005,
             "xã Hố Nai 3, huyện Trảng Bom", []),
            ("Công đoàn cơ sở Công ty TNHH Nhựa Phú Thành", "non_state", "industry", 0.5, 0.4,
             2014, "xã Giang Điền, huyện Trảng Bom", []),
        ],
    },
    {
        "code": "NT", "slug": "nhontrach", "name": "LĐLĐ huyện Nhơn Trạch", "founded": 1994,
        "place": "xã Phú Hội, huyện Nhơn Trạch",
        "grassroots": [
            ("Công đoàn cơ sở Công ty TNHH Dệt may Nhơn Trạch Vina", "fdi", "garment", 6, 0.65,
             2003, "xã Hiệp Phước, huyện Nhơn Trạch",
             [("Xưởng dệt", []), ("Xưởng nhuộm", [])]),
            ("Công đoàn cơ sở Công ty TNHH Thép Phú Hữu", "fdi", "industry", 1.5, 0.1, 2007,
             "xã Phú Hữu, huyện Nhơn Trạch", []),
            ("Công đoàn cơ sở Công ty Cổ phần Nhiệt điện Nhơn Trạch", "state", "industry", 0.8,
             0.2, 2008, "xã Phước Khánh, huyện Nhơn Trạch", []),
            ("Công đoàn cơ sở Công ty TNHH Hóa chất Hiệp Phước", "non_state", "industry", 0.4,
             0.3, 2011, "xã Hiệp Phước, huyện Nhơn Trạch", []),
            ("Nghiệp đoàn cơ sở Xe ôm công nghệ Nhơn Trạch", "other", "transport", 0.2, 0.05,
             2019, "xã Phú Hội, huyện Nhơn Trạch", []),
        ],
    },
    {
        "code": "LT", "slug": "longthanh", "name": "LĐLĐ huyện Long Thành", "founded": 1976,
        "place": "thị trấn Long Thành, huyện Long Thành",
        "grassroots": [
            ("Công đoàn cơ sở Công ty TNHH Điện tử Long Thành Vina", "fdi", "electronics", 5,
             0.62, 2009, "xã An Phước, huyện Long Thành",
             [("Khối sản xuất", ["Tổ SMT", "Tổ lắp ráp"]), ("Khối kỹ thuật", [])]),
            ("Công đoàn cơ sở Công ty TNHH MTV Nông trường Cao su An Phước", "state", "farm", 1,
             0.45, 1985, "xã An Phước, huyện Long Thành", []),
            ("Công đoàn cơ sở Công ty Cổ phần Xây dựng Long Thành", "non_state", "industry",
             0.5, 0.1, 2002, "xã Long An, huyện Long Thành", []),
            ("Công đoàn cơ sở Hợp tác xã Nông nghiệp Bình Sơn", "cooperative", "farm", 0.15,
             0.4, 2015, "xã Bình Sơn, huyện Long Thành", []),
            ("Công đoàn cơ sở Công ty TNHH Bao bì Giấy An Phước", "non_state", "industry", 0.6,
             0.4, 2013, "xã An Phước, huyện Long Thành", []),
        ],
    },
    {
        "code": "GD", "slug": "giaoduc", "name": "Công đoàn ngành Giáo dục", "founded": 1976,
        "place": "phường Tân Tiến, thành phố Biên Hòa",
        "grassroots": [
            ("Công đoàn Trường THPT Ngô Quyền", "state", "school", 0.25, 0.7, 1976,
             "phường Quang Vinh, thành phố Biên Hòa", []),
            ("Công đoàn Trường THPT Lương Thế Vinh", "state", "school", 0.2, 0.7, 1990,
             "phường Quyết Thắng, thành phố Biên Hòa", []),
            ("Công đoàn Trường THPT Trấn Biên", "state", "school", 0.2, 0.68, 2003,
             "phường Tân Tiến, thành phố Biên Hòa", []),
            ("Công đoàn Trường Đại học Đồng Nai", "state", "school", 0.6, 0.6, 1976,
             "phường Tân Hiệp, thành phố Biên Hòa",
             [("Khoa Sư phạm Tiểu học", []), ("Khối phòng ban", [])]),
            ("Công đoàn Trường THCS Quyết Thắng", "state", "school", 0.12, 0.75, 1985,
             "phường Quyết Thắng, thành phố Biên Hòa", []),
            ("Công đoàn Trường Tiểu học Nguyễn Du", "state", "school", 0.1, 0.85, 1980,
             "phường Trung Dũng, thành phố Biên Hòa", []),
            ("Công đoàn Trường Mầm non Hoa Mai", "state", "school", 0.08, 0.97, 1995,
             "phường Tân Mai, thành phố Biên Hòa", []),
            ("Công đoàn Trường Cao đẳng Kỹ thuật Đồng Nai", "state", "school", 0.35, 0.4, 1998,
             "phường Long Bình Tân, thành phố Biên Hòa", []),
        ],
    },
    {
        "code": "YT", "slug": "yte", "name": "Công đoàn ngành Y tế", "founded": 1976,
        "place": "phường Tân Tiến, thành phố Biên Hòa",
        "grassroots": [
            ("Công đoàn Bệnh viện Đa khoa Đồng Nai", "state", "hospital", 2, 0.65, 1976,
             "phường Tân Bình, thành phố Biên Hòa",
             [("Khối Nội", ["Khoa Tim mạch", "Khoa Hồi sức tích cực"]), ("Khối Ngoại", []),
              ("Khối Cận lâm sàng", [])]),
            ("Công đoàn Bệnh viện Đa khoa Thống Nhất", "state", "hospital", 1.2, 0.65, 1976,
             "phường Tân Biên, thành phố Biên Hòa", []),
            ("Công đoàn Bệnh viện Nhi đồng Đồng Nai", "state", "hospital", 0.8, 0.75, 2004,
             "phường Tân Mai, thành phố Biên Hòa", []),
            ("Công đoàn Trung tâm Y tế huyện Trảng Bom", "state", "hospital", 0.35, 0.65, 2004,
             "thị trấn Trảng Bom, huyện Trảng Bom", []),
            ("Công đoàn Trung tâm Kiểm soát bệnh tật tỉnh Đồng Nai", "state", "hospital", 0.25,
             0.6, 2018, "phường Tân Tiến, thành phố Biên Hòa", []),
        ],
    },
    {
        "code": "KCN", "slug": "kcn", "name": "Công đoàn các Khu công nghiệp Đồng Nai",
        "founded": 1997, "place": "phường Thống Nhất, thành phố Biên Hòa",
        "grassroots": [
            ("Công đoàn cơ sở Công ty TNHH Giày da Amata Vina", "fdi", "shoe", 14, 0.6, 2000,
             "KCN Amata, phường Long Bình, thành phố Biên Hòa",
             [("Xưởng may 1", []), ("Xưởng may 2", []), ("Xưởng đế", [])]),
            ("Công đoàn cơ sở Công ty TNHH May mặc Biên Hòa II Vina", "fdi", "garment", 5,
             0.7, 2002, "KCN Biên Hòa II, phường Long Bình Tân, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Công ty TNHH Linh kiện Ô tô Hố Nai", "fdi", "industry", 2, 0.3,
             2010, "KCN Hố Nai, huyện Trảng Bom", []),
            ("Công đoàn cơ sở Công ty TNHH Thực phẩm Sài Gòn Amata", "fdi", "food", 1.5, 0.55,
             2005, "KCN Amata, phường Long Bình, thành phố Biên Hòa", []),
            ("Công đoàn cơ sở Công ty TNHH Sợi Nhơn Trạch", "fdi", "garment", 1, 0.6, 2012,
             "KCN Nhơn Trạch 3, huyện Nhơn Trạch", []),
            ("Công đoàn cơ sở Công ty TNHH Cơ điện Lộc An", "fdi", "industry", 0.4, 0.2, 2016,
             "KCN Lộc An - Bình Sơn, huyện Long Thành", []),
        ],
    },
]

ROOT_NAME = "Liên đoàn Lao động tỉnh Đồng Nai"
PROVINCE_SUFFIX = ", tỉnh Đồng Nai"

# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

FAMILY_NAMES = {
    "Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7, "Hoàng": 4, "Huỳnh": 5, "Phan": 4.5,
    "Vũ": 3.5, "Võ": 4, "Đặng": 2.1, "Bùi": 2, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3,
    "Dương": 1, "Lý": 0.6, "Trương": 0.8, "Đinh": 0.7, "Lâm": 0.5, "Mai": 0.5, "Cao": 0.4,
    "Đoàn": 0.5, "Trịnh": 0.4, "Lương": 0.3, "Tạ": 0.2, "Châu": 0.3, "Hà": 0.3, "Tô": 0.2,
}
MIDDLE_NAMES = {
    "male": {"Văn": 40, "Đức": 8, "Minh": 10, "Quốc": 6, "Hữu": 6, "Thanh": 6, "Công": 5,
             "Hoàng": 4, "Ngọc": 3, "Xuân": 3, "Tuấn": 2, "Trọng": 3, "Anh": 3, "Gia": 2},
    "female": {"Thị": 50, "Ngọc": 10, "Thanh": 6, "Thu": 5, "Kim": 5, "Minh": 3, "Mỹ": 4,
               "Bích": 3, "Thùy": 4, "Hồng": 4, "Phương": 3, "Hoài": 2},
}
SECOND_MIDDLE = {
    "male": ["Minh", "Thanh", "Quốc", "Hoàng", "Anh"],
    "female": ["Ngọc", "Thanh", "Kim", "Thu", "Mỹ", "Bảo"],
}
GIVEN_NAMES = {
    "male": ["An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hào", "Hiếu",
             "Hòa", "Hoàng", "Hùng", "Huy", "Khang", "Khánh", "Khoa", "Kiên", "Lâm", "Long",
             "Lộc", "Luân", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Quân",
             "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trung",
             "Tú", "Tuấn", "Việt", "Vinh", "Vũ", "Hưng", "Thái", "Trí", "Tín"],
    "female": ["Anh", "Ánh", "Bích", "Châu", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh",
               "Hằng", "Hiền", "Hoa", "Hồng", "Huệ", "Hương", "Hường", "Lan", "Liên", "Linh",
               "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên",
               "Tâm", "Thảo", "Thơ", "Thu", "Thủy", "Thúy", "Trang", "Trinh", "Tuyết", "Uyên",
               "Vân", "Vy", "Xuân", "Yến", "Nhi", "Thư", "Diễm", "Kiều", "Lụa", "Nhàn"],
}

#: Ethnic groups by statistics-office code (names come from refdata), with their shares and
#: the provinces (codes) their members were mostly born in.
ETHNIC_GROUPS = [
    ("01", 90.5, None),
    ("04", 3.0, ["075", "079"]),           # Hoa
    ("02", 1.2, ["004", "020", "008"]),    # Tày
    ("07", 1.2, ["020", "004", "002"]),    # Nùng
    ("05", 1.0, ["094", "084", "091"]),    # Khơ-me
    ("06", 0.8, ["017", "038"]),           # Mường
    ("03", 0.5, ["014", "038", "040"]),    # Thái
    ("17", 0.4, ["089", "058"]),           # Chăm
    ("32", 0.5, ["075"]),                  # Chơ-ro
    ("22", 0.3, ["075", "070"]),           # Xtiêng
    ("28", 0.2, ["075", "068"]),           # Mạ
    ("09", 0.4, ["002", "010", "004"]),    # Dao
]
#: Birth provinces of the Kinh majority: most were born in Đồng Nai, many came to work.
BIRTH_PROVINCES = {
    "075": 55, "038": 6, "040": 5, "042": 3, "036": 2, "034": 2, "044": 2, "051": 2,
    "052": 2, "054": 1, "079": 3, "089": 2, "087": 2, "083": 2, "084": 1.5, "094": 1.5,
    "091": 1, "082": 1, "072": 1, "070": 1.5, "068": 1, "066": 1, "001": 1, "031": 0.5,
    "048": 0.5, "049": 1, "060": 1, "077": 1, "074": 1, "086": 1, "092": 0.5,
}
RELIGIONS = {None: 80, "Công giáo": 10, "Phật giáo": 7, "Cao Đài": 1, "Tin Lành": 1,
             "Phật giáo Hòa Hảo": 1}
PHONE_PREFIXES = ["032", "033", "034", "035", "036", "037", "038", "039", "070", "076",
                  "077", "078", "079", "081", "082", "083", "084", "085", "086", "088", "089",
                  "090", "091", "093", "094", "096", "097", "098"]
PLACES = [
    "phường Tân Phong, thành phố Biên Hòa", "phường Tân Hiệp, thành phố Biên Hòa",
    "phường Hố Nai, thành phố Biên Hòa", "phường Long Bình, thành phố Biên Hòa",
    "phường Tam Hòa, thành phố Biên Hòa", "phường Hóa An, thành phố Biên Hòa",
    "phường Tân Biên, thành phố Biên Hòa", "phường Trảng Dài, thành phố Biên Hòa",
    "xã Hố Nai 3, huyện Trảng Bom", "xã Bàu Xéo, huyện Trảng Bom",
    "thị trấn Trảng Bom, huyện Trảng Bom", "xã Hiệp Phước, huyện Nhơn Trạch",
    "xã Phú Hội, huyện Nhơn Trạch", "xã Long Thọ, huyện Nhơn Trạch",
    "thị trấn Long Thành, huyện Long Thành", "xã An Phước, huyện Long Thành",
    "xã Long An, huyện Long Thành", "xã Thạnh Phú, huyện Vĩnh Cửu",
    "phường Xuân An, thành phố Long Khánh", "xã Gia Tân 1, huyện Thống Nhất",
]
STREETS = ["Phạm Văn Thuận", "Đồng Khởi", "Nguyễn Ái Quốc", "Bùi Văn Hòa", "Võ Thị Sáu",
           "Huỳnh Văn Nghệ", "Phan Trung", "Hà Huy Giáp", "Quốc lộ 51", "Quốc lộ 1A",
           "Nguyễn Văn Hoa", "Lý Thái Tổ", "Trần Phú", "Lê Duẩn", "Hùng Vương"]

#: Per kind of workplace: occupations, and "trình độ chuyên môn" with weights.
OCCUPATIONS = {
    "shoe": {"Công nhân may giày": 45, "Công nhân gò ráp": 20, "Công nhân ép đế": 12,
             "Tổ trưởng sản xuất": 4, "Kỹ thuật viên": 5, "Nhân viên kiểm hàng": 8,
             "Nhân viên văn phòng": 6},
    "garment": {"Công nhân may": 60, "Công nhân cắt": 10, "Công nhân là": 8,
                "Tổ trưởng sản xuất": 5, "Nhân viên kiểm hàng": 9, "Nhân viên văn phòng": 8},
    "electronics": {"Công nhân lắp ráp": 55, "Công nhân vận hành máy": 15,
                    "Kỹ thuật viên": 15, "Kỹ sư": 7, "Nhân viên văn phòng": 8},
    "industry": {"Công nhân vận hành máy": 35, "Công nhân cơ khí": 20, "Thợ hàn": 10,
                 "Thợ điện": 8, "Kỹ sư": 8, "Lái xe": 5, "Thủ kho": 4, "Nhân viên văn phòng": 10},
    "food": {"Công nhân chế biến": 60, "Công nhân đóng gói": 20, "Kỹ thuật viên": 8,
             "Nhân viên văn phòng": 12},
    "office": {"Chuyên viên": 45, "Kế toán": 15, "Nhân viên văn phòng": 25, "Lái xe": 5,
               "Bảo vệ": 10},
    "transport": {"Lái xe": 75, "Phụ xe": 10, "Nhân viên điều hành": 10, "Kế toán": 5},
    "farm": {"Công nhân cạo mủ cao su": 70, "Công nhân nông nghiệp": 20, "Kế toán": 5,
             "Kỹ thuật viên": 5},
    "school": {"Giáo viên": 75, "Giảng viên": 5, "Nhân viên thư viện": 4, "Kế toán": 4,
               "Nhân viên văn phòng": 7, "Bảo vệ": 5},
    "hospital": {"Bác sĩ": 25, "Điều dưỡng": 40, "Kỹ thuật viên y tế": 12, "Dược sĩ": 8,
                 "Hộ lý": 8, "Nhân viên hành chính": 7},
}
QUALIFICATIONS = {
    "worker": {None: 55, "Sơ cấp nghề": 20, "Trung cấp": 13, "Cao đẳng": 8, "Đại học": 4},
    "office": {"Đại học": 60, "Cao đẳng": 15, "Trung cấp": 10, "Thạc sĩ": 10, None: 5},
    "school": {"Đại học": 70, "Thạc sĩ": 20, "Cao đẳng": 7, "Tiến sĩ": 3},
    "hospital": {"Đại học": 40, "Cao đẳng": 25, "Trung cấp": 20, "Thạc sĩ": 10,
                 "Tiến sĩ": 2, "Chuyên khoa I": 3},
}
REASONS = {
    "left": ["Nghỉ việc", "Chuyển công tác", "Nghỉ hưu", "Chấm dứt hợp đồng lao động"],
    "expelled": ["Vi phạm Điều lệ Công đoàn Việt Nam"],
    "deceased": [None],
    "rejected": ["Không đủ điều kiện theo Điều lệ", "Trùng hồ sơ", "Thiếu thông tin"],
    "suspended": ["Nghỉ không lương dài hạn", "Đi lao động ở nước ngoài có thời hạn",
                  "Nghỉ thai sản dài hạn"],
}


# --------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    id: int
    code: str
    name: str
    level: str
    parent: _Unit | None
    founded_on: date
    address: str | None = None
    sector: str | None = None
    kind: str = "office"
    weight: float = 0.0
    female: float = 0.5
    number: int = 0  # grassroots number (codes and account names)
    slug: str = ""
    member_target: int | None = None
    worker_count: int | None = None
    grassroots: _Unit | None = None
    upper: _Unit | None = None
    children: list[_Unit] = field(default_factory=list)
    path: str = ""
    depth: int = 0


class _Picker:
    """Weighted choice with precomputed cumulative weights (fast in a loop)."""

    def __init__(self, rng: random.Random, weights: dict[Any, float]) -> None:
        self.rng = rng
        self.items = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))
        self.total = self.cum[-1]

    def __call__(self) -> Any:
        return self.items[bisect.bisect_right(self.cum, self.rng.random() * self.total)]


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), summing exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _local_date(moment: datetime) -> date:
    return (moment + _VN_OFFSET).date()


def _max_id(model) -> int:
    return session().scalar(select(func.max(model.id))) or 0


def _bulk_insert(table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    db = session()
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), CHUNK):
            db.execute(insert(table), rows[start:start + CHUNK])
        return
    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    names = ", ".join(f'"{c}"' for c in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns and row[c] is not None
                            else row[c] for c in columns])


def _approval_model() -> tuple[Any, str, str] | None:
    """The approval-step model and the core step's name and label, where they exist."""
    try:
        from unionadmin.core.members.models import MemberApproval
        from unionadmin.core.members.services import CORE_LABEL, CORE_STEP
    except ImportError:
        return None
    return MemberApproval, CORE_STEP, CORE_LABEL


def _check_empty(codes: list[str], usernames: list[str]) -> None:
    db = session()
    taken = db.scalars(select(Unit.code).where(Unit.code.in_(codes)).limit(5)).all()
    if taken:
        raise DemoDataExists(
            f"The demo data is already in this database (units {', '.join(sorted(taken))} "
            f"exist); seed_demo runs only on a database without them.")
    users = db.scalars(select(UnionUser.username).where(UnionUser.username.in_(usernames))
                       .limit(5)).all()
    if users:
        raise DemoDataExists(
            f"Demo accounts already exist ({', '.join(sorted(users))}); seed_demo runs only "
            f"on a database without them.")


# --------------------------------------------------------------------------------------------


class _Seeder:
    def __init__(self, members: int, seed: int) -> None:
        self.total = max(0, int(members))
        self.rng = random.Random(seed)
        self.now = utcnow().replace(microsecond=0)
        self.today = today()
        self.units: list[_Unit] = []
        self.grassroots: list[_Unit] = []
        self.accounts: dict[tuple[str, int], int] = {}  # (role, unit id) -> user id
        self.account_count = 0
        self.rollout_start = self.now - timedelta(weeks=_ROLLOUT_WEEKS, days=10)
        #: Each entry opens an approval round with the core step, as `members.create` does.
        self.approval = _approval_model()
        self.core_step = self.approval[1] if self.approval else "core"
        #: A pending transfer is also kept on the member where the model has the columns.
        self.transfer_columns = {"transfer_to_unit_id", "transfer_date"} <= set(
            Member.__table__.c.keys())

    # ---------------------------------------------------------------- units

    def build_tree(self) -> None:
        rng = self.rng
        next_id = itertools.count(_max_id(Unit) + 1)
        root = _Unit(next(next_id), ROOT_CODE, nfc(ROOT_NAME), "province", None,
                     date(1976, 3, 5), address=nfc("phường Thanh Bình, thành phố Biên Hòa"
                                                   + PROVINCE_SUFFIX), slug="tinh")
        self.units.append(root)
        number = 0
        for spec in UPPERS:
            upper = _Unit(next(next_id), f"{ROOT_CODE}-{spec['code']}", nfc(spec["name"]),
                          "upper", root, date(spec["founded"], rng.randint(1, 12),
                                              rng.randint(1, 28)),
                          address=nfc(spec["place"] + PROVINCE_SUFFIX), slug=spec["slug"])
            self.units.append(upper)
            for name, sector, kind, weight, female, year, place, depts in spec["grassroots"]:
                number += 1
                unit = _Unit(next(next_id), f"{upper.code}-{number:03d}", nfc(name),
                             "grassroots", upper,
                             date(year, rng.randint(1, 12), rng.randint(1, 28)),
                             address=nfc(f"Số {rng.randint(1, 250)} đường "
                                         f"{rng.choice(STREETS)}, {place}{PROVINCE_SUFFIX}"),
                             sector=sector, kind=kind, weight=weight, female=female,
                             number=number, upper=upper)
                unit.grassroots = unit
                self.units.append(unit)
                self.grassroots.append(unit)
                for d, (dept_name, groups) in enumerate(depts, start=1):
                    dept = _Unit(next(next_id), f"{unit.code}-{d:02d}", nfc(_DEPT + dept_name),
                                 "department", unit, unit.founded_on, kind=kind,
                                 female=female, grassroots=unit, upper=upper)
                    self.units.append(dept)
                    for g, group_name in enumerate(groups, start=1):
                        group = _Unit(next(next_id), f"{dept.code}-{g}",
                                      nfc(_GROUP + group_name), "group", dept, unit.founded_on,
                                      kind=kind, female=female, grassroots=unit, upper=upper)
                        self.units.append(group)
        for unit in self.units:
            if unit.parent is not None:
                unit.parent.children.append(unit)
            unit.path = (unit.parent.path if unit.parent else "/") + f"{unit.id}/"
            unit.depth = unit.parent.depth + 1 if unit.parent else 0

    def size_units(self) -> dict[int, int]:
        """Members per unit (grassroots and below), and each grassroots' target and workers."""
        rng = self.rng
        per_grassroots = _split(self.total, [g.weight * rng.uniform(0.85, 1.15)
                                             for g in self.grassroots])
        sizes: dict[int, int] = {}
        for unit, count in zip(self.grassroots, per_grassroots, strict=True):
            unit.member_target = math.ceil(count * rng.uniform(1.06, 1.3)) + rng.randint(2, 8)
            unit.worker_count = math.ceil(unit.member_target * rng.uniform(1.05, 1.45))
            leaves: list[tuple[_Unit, float]] = [(unit, 0.1 if unit.children else 1.0)]
            for dept in unit.children:
                share = 0.9 / len(unit.children) * rng.uniform(0.6, 1.4)
                if dept.children:
                    leaves.append((dept, share * 0.3))
                    leaves += [(grp, share * 0.7 / len(dept.children)) for grp in dept.children]
                else:
                    leaves.append((dept, share))
            for (leaf, _w), n in zip(leaves, _split(count, [w for _u, w in leaves]), strict=True):
                sizes[leaf.id] = n
        return sizes

    def insert_units(self) -> None:
        created = self.rollout_start
        rows = [{
            "id": u.id, "code": u.code, "name": u.name, "name_search": fold(u.name),
            "name_key": text_sort_key(u.name), "level": u.level, "level_rank": LEVEL_RANK[u.level],
            "parent_id": u.parent.id if u.parent else None, "path": u.path, "depth": u.depth,
            "sector": u.sector, "member_target": u.member_target, "worker_count": u.worker_count,
            "address": u.address, "founded_on": u.founded_on, "dissolved_on": None,
            "active": True, "created_at": created,
        } for u in self.units]
        _bulk_insert(Unit.__table__, rows)
        first_event = _max_id(UnitEvent) + 1
        events = [{
            "id": first_event + i, "unit_id": u.id, "kind": "created",
            "effective_date": u.founded_on, "recorded_at": created, "actor_id": None,
            "from_parent_id": None, "to_parent_id": u.parent.id if u.parent else None,
        } for i, u in enumerate(self.units)]
        _bulk_insert(UnitEvent.__table__, events)

    # ---------------------------------------------------------------- accounts

    def person_name(self) -> tuple[str, str, str]:
        """(gender, family and middle names, given name)."""
        rng = self.rng
        gender = "female" if rng.random() < 0.55 else "male"
        return gender, f"{self.family()} {self.middle[gender]()}", rng.choice(GIVEN_NAMES[gender])

    def create_accounts(self) -> None:
        sm = current_app.appbuilder.sm
        roles = {}
        for name in (ROLE_UNIT_ADMIN, ROLE_APPROVER, ROLE_OFFICER, ROLE_VIEWER):
            roles[name] = sm.find_role(name)
            if roles[name] is None:
                raise RuntimeError(f"Role {name!r} is missing: run `unionadmin db upgrade` "
                                   "before seeding the demo.")
        hashed = generate_password_hash(
            PASSWORD, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
        root = self.units[0]
        wanted: list[tuple[str, str, _Unit]] = [
            ("tinh.admin", ROLE_UNIT_ADMIN, root), ("tinh.xem", ROLE_VIEWER, root)]
        for upper in (u for u in self.units if u.level == "upper"):
            wanted += [(f"{upper.slug}.admin", ROLE_UNIT_ADMIN, upper),
                       (f"{upper.slug}.duyet", ROLE_APPROVER, upper)]
        # Most grassroots unions have an officer account; a few have not started yet.
        without = set(self.rng.sample(range(len(self.grassroots)),
                                      max(1, len(self.grassroots) // 7)))
        wanted += [(f"cdcs{g.number:03d}.canbo", ROLE_OFFICER, g)
                   for i, g in enumerate(self.grassroots) if i not in without]
        for username, role, unit in wanted:
            _gender, first, last = self.person_name()
            user = sm.add_user(username, first, last, None, roles[role],
                               hashed_password=hashed, commit=False)
            if not user:
                raise RuntimeError(f"Could not create the demo account {username!r}.")
            user.unit_id = unit.id
            user.password_change_required = False
            self.accounts[(role, unit.id)] = user.id
        session().flush()
        self.account_count = len(wanted)

    # ---------------------------------------------------------------- members

    def prepare(self) -> None:
        """Weighted pickers, serial-number permutations, and the numbers already taken."""
        rng = self.rng
        self.family = _Picker(rng, FAMILY_NAMES)
        self.middle = {g: _Picker(rng, w) for g, w in MIDDLE_NAMES.items()}
        names = ethnicities()
        self.ethnic = _Picker(rng, {(names[c], tuple(p) if p else None): w
                                    for c, w, p in ETHNIC_GROUPS})
        known = provinces()
        self.birth_province = _Picker(rng, {c: w for c, w in BIRTH_PROVINCES.items()
                                            if c in known})
        self.province_names = {c: row["name"] for c, row in known.items()}
        self.religion = _Picker(rng, RELIGIONS)
        self.status = _Picker(rng, STATUS_SHARES)
        self.occupation = {k: _Picker(rng, w) for k, w in OCCUPATIONS.items()}
        self.qualification = {k: _Picker(rng, w) for k, w in QUALIFICATIONS.items()}
        weeks = {}
        for k in range(_ROLLOUT_WEEKS):  # roll-out: busiest lately, a thin tail before
            weeks[k] = [8, 7.5, 7, 6.5, 6, 5.5, 5, 4.5][k] if k < 8 else \
                1.6 * math.exp(-(k - 8) / 24)
        self.week = _Picker(rng, weeks)
        self.recent_week = _Picker(rng, {k: weeks[k] for k in range(8)})
        # Serial numbers: a permutation of 0..999999 per prefix, so numbers never repeat.
        self.serial_mul = rng.randrange(1, 1_000_000, 2)
        while self.serial_mul % 5 == 0:
            self.serial_mul = rng.randrange(1, 1_000_000, 2)
        self.serial_add = rng.randrange(1_000_000)
        self.serial_next: dict[str, int] = {}
        self.old_id_next = itertools.count(rng.randrange(1_000_000))
        self.phones: set[str] = set()
        self.name_cache: dict[str, tuple[str, str]] = {}
        self.taken_ids: set[str] = set()
        if session().scalar(select(func.count()).select_from(Member)):
            live = Member.status.not_in(CLOSED_STATUSES)
            self.taken_ids = set(session().scalars(select(Member.citizen_id).where(live)))
            self.taken_ids |= set(session().scalars(
                select(Member.old_id_number).where(live, Member.old_id_number.is_not(None))))

    def _moment(self, week: int) -> datetime:
        """A working-hours moment (stored as naive UTC) in the given week before now."""
        rng = self.rng
        day = self.today - timedelta(days=7 * week + rng.randrange(7))
        if day.weekday() == 6:
            day -= timedelta(days=1)
        local = datetime.combine(day, time(7, 30)) + timedelta(seconds=rng.randrange(36_000))
        moment = local - _VN_OFFSET
        fallback = self.now - timedelta(seconds=rng.randrange(60, 4 * 3600))
        if moment > self.now - timedelta(minutes=1):  # later today: not in the future
            moment = fallback
        return max(moment, self.rollout_start)

    def _between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + timedelta(seconds=int((end - start).total_seconds() * self.rng.random()))

    def _citizen_id(self, province: str, born: date, gender: str) -> str:
        digit = (born.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
        prefix = f"{province}{digit}{born.year % 100:02d}"
        while True:
            n = self.serial_next.get(prefix, 0)
            if n >= 1_000_000:
                raise RuntimeError(f"No citizen ID serials left for prefix {prefix}.")
            self.serial_next[prefix] = n + 1
            shift = self.serial_add + int(prefix) * 7_919
            number = f"{prefix}{(self.serial_mul * (n + shift)) % 1_000_000:06d}"
            if number not in self.taken_ids:
                return number

    def _old_id(self) -> str:
        while True:
            number = f"27{(next(self.old_id_next) * 7_654_321) % 10_000_000:07d}"
            if number not in self.taken_ids:
                self.taken_ids.add(number)
                return number

    def _phone(self) -> str:
        rng = self.rng
        while True:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _names(self, full_name: str) -> tuple[str, str]:
        cached = self.name_cache.get(full_name)
        if cached is None:
            cached = self.name_cache[full_name] = (fold(full_name), sort_key(full_name))
        return cached

    def _person(self, unit: _Unit) -> dict[str, Any]:
        rng = self.rng
        grassroots = unit.grassroots
        gender = "female" if rng.random() < grassroots.female else "male"
        middle = self.middle[gender]()
        if rng.random() < 0.12:
            second = rng.choice(SECOND_MIDDLE[gender])
            if second != middle:
                middle = f"{middle} {second}"
        full_name = f"{self.family()} {middle} {rng.choice(GIVEN_NAMES[gender])}"
        age = rng.triangular(18, 60, 27 if grassroots.kind not in ("school", "hospital") else 38)
        born = self.today - timedelta(days=min(21_900, max(6_600, int(age * 365.25))))
        ethnicity, places = self.ethnic()
        province = rng.choice(places) if places else self.birth_province()
        religion = self.religion()
        if ethnicity != "Kinh" and religion == "Công giáo" and rng.random() < 0.7:
            religion = None
        kind = grassroots.kind
        qual_kind = kind if kind in ("school", "hospital", "office") else "worker"
        party_rate = 0.3 if grassroots.sector == "state" else 0.03
        search_name, key = self._names(full_name)
        return {
            "full_name": full_name, "search_name": search_name, "sort_key": key,
            "date_of_birth": born, "gender": gender, "ethnicity": ethnicity,
            "religion": religion, "id_type": "cccd",
            "citizen_id": self._citizen_id(province, born, gender),
            "old_id_number": self._old_id() if province == "075" and born.year < 1992
            and rng.random() < 0.25 else None,
            "phone": self._phone() if rng.random() < 0.92 else None,
            "email": None,
            "hometown": self.province_names[province] if rng.random() < 0.85 else None,
            "address": (f"Tổ {rng.randint(1, 30)}, {rng.choice(PLACES)}{PROVINCE_SUFFIX}"
                        if rng.random() < 0.8 else None),
            "education_level": "12/12" if rng.random() < 0.78 or qual_kind != "worker"
            else "9/12",
            "qualification": self.qualification[qual_kind](),
            "occupation": self.occupation[kind]() if rng.random() < 0.9 else None,
            "union_position": None,
            "party_member": rng.random() < party_rate,
            "unit_id": unit.id,
        }

    def build_members(self, sizes: dict[int, int]) -> tuple[list, list, list, list]:
        rng = self.rng
        by_id = {u.id: u for u in self.units}
        members: list[dict[str, Any]] = []
        histories: list[list[tuple]] = []
        positions = {
            "grassroots": ["Chủ tịch Công đoàn cơ sở", "Phó Chủ tịch Công đoàn cơ sở",
                           "Ủy viên Ban Chấp hành", "Ủy viên Ban Chấp hành",
                           "Ủy viên Ủy ban Kiểm tra"],
            "department": ["Chủ tịch Công đoàn bộ phận"],
            "group": ["Tổ trưởng Công đoàn"],
        }
        for unit_id, count in sizes.items():
            unit = by_id[unit_id]
            grassroots = unit.grassroots
            founded = grassroots.founded_on
            officer = self.accounts.get((ROLE_OFFICER, grassroots.id))
            approver = self.accounts.get((ROLE_APPROVER, grassroots.upper.id))
            todo = list(positions[unit.level])
            others = [g for g in self.grassroots if g is not grassroots]
            for _ in range(count):
                row = self._person(unit)
                status = self.status()
                created = self._moment(self.recent_week() if status == "pending"
                                       else self.week())
                adult = _add_years(row["date_of_birth"], 18)
                if adult > _local_date(created):  # came of age during the roll-out
                    created = self._between(
                        datetime.combine(adult, time(2)), self.now - timedelta(minutes=5))
                entered = _local_date(created)
                low = max(adult, founded)
                low = min(low, entered)
                row["joined_on"] = low + timedelta(days=rng.randrange((entered - low).days + 1))
                row["status"] = status
                row["created_by_id"] = officer
                if self.transfer_columns:
                    row["transfer_to_unit_id"] = row["transfer_date"] = None
                if status == "active" and todo:
                    row["union_position"] = todo.pop(0)
                    row["party_member"] = row["party_member"] or rng.random() < 0.5
                events = [(created, "created", entered, officer, None, unit.id, None)]
                if status == "rejected":
                    moment = self._between(created, min(created + timedelta(days=14), self.now))
                    events.append((moment, "rejected", _local_date(moment), approver, unit.id,
                                   None, {"reason": rng.choice(REASONS["rejected"]),
                                          "step": self.core_step}))
                elif status in APPROVED_STATUSES:
                    approved = self._between(created, min(created + timedelta(days=10),
                                                          self.now))
                    events.append((approved, "approved", _local_date(approved), approver,
                                   None, unit.id, {"steps": [self.core_step]}))
                    if status == "suspended":
                        moment = self._between(max(approved, self.now - timedelta(days=90)),
                                               self.now)
                        day = _local_date(moment)
                        until = day + timedelta(days=rng.randint(120, 360))
                        events.append((moment, "suspended", day, officer, unit.id, None,
                                       {"reason": rng.choice(REASONS["suspended"]),
                                        "until": until.isoformat()}))
                    elif status == "transfer_pending":
                        moment = self._between(max(approved, self.now - timedelta(days=30)),
                                               self.now)
                        target = rng.choice(others)
                        events.append((moment, "transfer_requested", _local_date(moment),
                                       officer, unit.id, target.id, None))
                        if self.transfer_columns:
                            row["transfer_to_unit_id"] = target.id
                            row["transfer_date"] = _local_date(moment)
                    elif status in ENDED_STATUSES:
                        moment = self._between(approved, self.now)
                        reason = rng.choice(REASONS[status])
                        events.append((moment, status, _local_date(moment), officer, unit.id,
                                       None, {"reason": reason} if reason else None))
                row["created_at"] = created
                row["updated_at"] = events[-1][0]
                members.append(row)
                histories.append(events)
        # Ids in order of entry, as a live system would have given them.
        order = sorted(range(len(members)), key=lambda i: (members[i]["created_at"], i))
        first_member = _max_id(Member) + 1
        ordered_members, all_events, periods, approvals = [], [], [], []
        for new_index, i in enumerate(order):
            row = members[i]
            row["id"] = member_id = first_member + new_index
            ordered_members.append(row)
            for step, (moment, kind, day, actor, from_unit, to_unit, details) in \
                    enumerate(histories[i]):
                all_events.append((moment, member_id, step, kind, day, actor, from_unit,
                                   to_unit, details))
            row["card_number"] = row["card_token"] = None
            if row["status"] in APPROVED_STATUSES:
                all_events.extend(self._card(row, histories[i]))
            if row["status"] in APPROVED_STATUSES:
                ended = row["status"] in ENDED_STATUSES
                periods.append({
                    "member_id": member_id, "unit_id": row["unit_id"],
                    "start_date": row["joined_on"],
                    # as members.approve: joined before the entry, or admitted on entering
                    "start_kind": "registered" if row["joined_on"] < histories[i][0][2]
                    else "admitted",
                    "end_date": histories[i][-1][2] if ended else None,
                    "end_kind": row["status"] if ended else None,
                })
            if self.approval is not None:
                approvals.append(self._approval_row(member_id, histories[i]))
        all_events.sort(key=lambda e: (e[0], e[1], e[2]))
        return ordered_members, all_events, periods, approvals

    def allocate_card_range(self) -> None:
        """A card number range for the demo province, as an Admin allocates at /card_ranges/."""
        taken = set(session().scalars(select(CardRange.prefix)))
        prefix = next(p for p in (CARD_PREFIX, ROOT_CODE, *(f"{CARD_PREFIX}{n}" for n in range(100)))
                      if p not in taken)
        self.card_range = CardRange(unit_id=self.units[0].id, prefix=prefix, start_serial=1,
                                    end_serial=999_999, next_serial=1,
                                    note="Dải số thẻ của dữ liệu mẫu")
        session().add(self.card_range)
        session().flush()
        self.cards: list[dict[str, Any]] = []

    def _card(self, row: dict[str, Any], history: list[tuple]) -> list[tuple]:
        """The card an approved member got on approval (as `members.approve` issues it), revoked
        when the membership ended; its events. The QR image is made when the card is printed."""
        card_range = self.card_range
        number = format_number(card_range.prefix, card_range.next_serial)
        card_range.next_serial += 1
        approved = history[1]
        moment, day, approver = approved[0], approved[2], approved[3]
        card = {"member_id": row["id"], "range_id": card_range.id, "number": number,
                "token": secrets.token_urlsafe(24), "reason": "new", "issued_on": day,
                "issued_at": moment, "issued_by_id": approver, "revoked_on": None,
                "revoked_by_id": None, "revoke_reason": None}
        events = [(moment, row["id"], 1.5, "card_issued", day, approver, None, row["unit_id"],
                   {"number": number, "reason": "new"})]
        if row["status"] in ENDED_STATUSES:
            ended = history[-1]
            card.update(revoked_on=ended[2], revoked_by_id=ended[3], revoke_reason=row["status"])
            # before the leaving event, as `members.leave` writes them
            events.append((ended[0], row["id"], len(history) - 1.25, "card_revoked", ended[2],
                           ended[3], None, None, {"number": number, "reason": row["status"]}))
        else:
            row["card_number"], row["card_token"] = number, card["token"]
        self.cards.append(card)
        return events

    def _approval_row(self, member_id: int, history: list[tuple]) -> dict[str, Any]:
        _model, step, label = self.approval
        created = history[0]
        decided = history[1] if len(history) > 1 else None
        return {
            "member_id": member_id, "round": 1, "position": 0, "step": step, "label": label,
            "role": ROLE_APPROVER, "level": "grassroots", "submitted_by_id": created[3],
            "submitted_at": created[0],
            "decision": decided[1] if decided else None,
            "decided_by_id": decided[3] if decided else None,
            "decided_at": decided[0] if decided else None,
            "note": decided[6]["reason"] if decided and decided[1] == "rejected" else None,
        }

    def insert_members(self, members: list, events: list, periods: list,
                       approvals: list) -> None:
        _bulk_insert(Member.__table__, members)
        first_card = _max_id(Card) + 1
        for n, row in enumerate(self.cards):
            row["id"] = first_card + n
        _bulk_insert(Card.__table__, self.cards)
        first_event = _max_id(MemberEvent) + 1
        plain, detailed = [], []
        for n, (moment, member_id, _step, kind, day, actor, from_unit, to_unit, details) in \
                enumerate(events):
            row = {"id": first_event + n, "member_id": member_id, "kind": kind,
                   "effective_date": day, "recorded_at": moment, "actor_id": actor,
                   "from_unit_id": from_unit, "to_unit_id": to_unit}
            if details:  # events without details keep a SQL NULL, not a JSON null
                row["details"] = details
                detailed.append(row)
            else:
                plain.append(row)
        _bulk_insert(MemberEvent.__table__, plain)
        _bulk_insert(MemberEvent.__table__, detailed)
        first_period = _max_id(MembershipPeriod) + 1
        for n, row in enumerate(periods):
            row["id"] = first_period + n
        _bulk_insert(MembershipPeriod.__table__, periods)
        if self.approval is not None:
            model = self.approval[0]
            first_approval = _max_id(model) + 1
            for n, row in enumerate(approvals):
                row["id"] = first_approval + n
            _bulk_insert(model.__table__, approvals)

    def reset_sequences(self) -> None:
        """PostgreSQL: move the id sequences past the ids assigned here."""
        db = session()
        if db.get_bind().dialect.name != "postgresql":
            return
        tables = ["unit", "unit_event", "member", "member_event", "membership_period", "card"]
        if self.approval is not None:
            tables.append(self.approval[0].__tablename__)
        for table in tables:
            db.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1), "
                f"(SELECT max(id) FROM {table}) IS NOT NULL)"))


def seed_demo(members: int = 3000, seed: int = 2026) -> dict[str, Any]:
    """Build the demo province with `members` fictional members; one transaction.

    Refuses (DemoDataExists) when the demo's units or accounts already exist. Needs the roles
    that `unionadmin db upgrade` creates.
    """
    seeder = _Seeder(members, seed)
    seeder.build_tree()
    codes = [u.code for u in seeder.units]
    usernames = ["tinh.admin", "tinh.xem"] + [f"{u['slug']}.admin" for u in UPPERS] + \
        [f"cdcs{g.number:03d}.canbo" for g in seeder.grassroots]
    _check_empty(codes, usernames)
    db = session()
    try:
        sizes = seeder.size_units()
        seeder.prepare()
        seeder.insert_units()
        seeder.create_accounts()
        seeder.allocate_card_range()
        member_rows, events, periods, approvals = seeder.build_members(sizes)
        seeder.insert_members(member_rows, events, periods, approvals)
        seeder.reset_sequences()
        root = seeder.units[0]
        audit.record("demo.seed", "unit", root.id, root.path,
                     {"members": len(member_rows), "units": len(seeder.units),
                      "accounts": seeder.account_count, "seed": seed})
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return {"units": len(seeder.units), "members": len(member_rows),
            "accounts": seeder.account_count, "password": PASSWORD}
