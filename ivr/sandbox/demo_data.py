"""A synthetic F1 list for the demo: realistic Vietnamese names and addresses, and phone numbers whose
last two digits pick each phone's behaviour by the sandbox's default rule (README, "Personas").
Every person is invented; the numbers are in a block no real subscriber uses in the sandbox."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Xuân"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai",
         "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
PLACES = [("Quảng Thịnh", "TP Thanh Hóa"), ("Đông Hương", "TP Thanh Hóa"), ("Hải Hòa", "Nghi Sơn"),
          ("Bắc Sơn", "Sầm Sơn"), ("Thiệu Đô", "Thiệu Hóa"), ("Hoằng Quang", "Hoằng Hóa"),
          ("Quảng Tâm", "TP Thanh Hóa"), ("Đông Sơn", "Bỉm Sơn")]
HEADER = ["STT", "Họ và tên", "Năm sinh", "Số điện thoại", "Địa chỉ", "Xã/Phường", "Huyện",
          "Phân loại F1/F2", "Ngày tiếp xúc", "Ngày bắt đầu cách ly", "Giới tính"]


def write_list(path: Path, count: int, list_date: dt.date, seed: int = 2021) -> Path:
    """Write an .xlsx list of ``count`` invented F1 contacts, with the CDC's title block above it."""
    rnd = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]
    ws.title = "F1"
    ws.append(["SỞ Y TẾ TỈNH THANH HÓA"])
    ws.append([f"DANH SÁCH F1 NGÀY {list_date:%d/%m/%Y} (DỮ LIỆU MÔ PHỎNG)"])
    ws.append([])
    ws.append(HEADER)
    for i in range(count):
        middle = rnd.choice(MIDDLE)
        name = f"{rnd.choice(SURNAMES)} {middle} {rnd.choice(GIVEN)}"
        sex = "Nữ" if middle in ("Thị", "Thu", "Ngọc") else "Nam"
        ward, district = rnd.choice(PLACES)
        # 090 77 0xxxx: the last two digits are i % 100, so the default rule's mix is exact per 100.
        phone = f"0907{7 + i // 10000:01d}{i:05d}"[:10] if i < 10000 else f"0908{i:06d}"
        contact = list_date - dt.timedelta(days=rnd.randint(1, 3))
        ws.append([i + 1, name, rnd.randint(1950, 2010), int(phone), f"Số {rnd.randint(1, 200)}, thôn {rnd.randint(1, 9)}",
                   ward, district, "F1", contact, contact + dt.timedelta(days=1), sex])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
