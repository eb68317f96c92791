"""The demo's tables: the Đồng Nai province's upper-level unions and grassroots unions,
and the names, places, occupations and shares its fictional people are drawn from (the
benchmark's generator draws from them too)."""

from __future__ import annotations

from typing import Any

#: The password of every demo account (they are not asked to change it).
PASSWORD = "demo-UnionAdmin-2026"
ROOT_CODE = "DNA"

#: The card number prefix the demo allocates to its province (any free one if taken).
CARD_PREFIX = "DN"

#: Statuses and their shares of the members.
STATUS_SHARES = {
    "active": 0.80, "pending": 0.08, "suspended": 0.03, "transfer_pending": 0.02,
    "left": 0.04, "expelled": 0.01, "deceased": 0.01, "rejected": 0.01,
}

#: Statuses of records that were approved at some point (and so have a membership period).
APPROVED_STATUSES = ("active", "suspended", "transfer_pending", "left", "expelled", "deceased")
ENDED_STATUSES = ("left", "expelled", "deceased")

DEPT_PREFIX = "Công đoàn bộ phận "
GROUP_PREFIX = "Tổ công đoàn "

#: The tree. Grassroots: (name, sector, kind, weight, female share, founded year, place,
#: departments). A department is (name, [group names]). Weights are relative sizes.
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

# -- people -----------------------------------------------------------------------------------


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
