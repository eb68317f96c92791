"""Card printing speed (issue #5): cards per second for 1,000 cards, front and back, each with
a photo and its own QR code, on one core. Writes bench/results/cards.json.

    .venv/bin/python bench/cards.py [--cards 1000] [--repeat 3] [--jobs 2]

QR codes are made before timing (the app makes each once, at issue); photos are distinct JPEGs at
card resolution, as photos.process stores them. Timed: rendering the A4 print sheets (the
`unionadmin cards` path) and the card-size pages, CPU time of this process (the figure for one
core) and wall time. With --jobs N, also the A4 sheets rendered by N processes (`unionadmin cards
--jobs N`): wall time, and the CPU time of this process and its workers together.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import resource
import time
from importlib.metadata import version
from pathlib import Path

from flask import Flask
from flask_babel import Babel
from PIL import Image, ImageDraw

from unionadmin.core.cards import render
from unionadmin.core.cards.default_plugin import standard_card
from unionadmin.core.cards.photos import PHOTO_SIZE
from unionadmin.core.cards.qr import make_qr_png, verify_url
from unionadmin.core.cards.templates import from_mapping

HERE = Path(__file__).resolve().parent
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Thị Thu", "Ngọc", "Minh", "Quốc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đào", "Hạnh", "Hồng", "Khánh", "Linh", "Ngọc", "Phương",
         "Quỳnh", "Sơn", "Thắng", "Uyên", "Yến"]


def _photo(rng: random.Random) -> bytes:
    img = Image.new("RGB", PHOTO_SIZE, tuple(rng.randrange(120, 230) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    draw.ellipse((60, 50, 190, 200), fill=tuple(rng.randrange(60, 200) for _ in range(3)))
    draw.rectangle((30, 210, 220, 331), fill=tuple(rng.randrange(0, 120) for _ in range(3)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def make_cards(n: int, seed: int = 5) -> list[render.CardData]:
    rng = random.Random(seed)
    cards = []
    for i in range(n):
        token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_") for _ in range(32))
        cards.append(render.CardData(
            holder_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            date_of_birth=dt.date(1965 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29)),
            unit_name=f"Công đoàn cơ sở Công ty TNHH Sản xuất Thương mại Đồng Nai số {i % 300}",
            card_number=f"75A{i:010d}", issued_on=dt.date(2026, 1, 15),
            qr_png=make_qr_png(verify_url("https://doanvien.congdoan.vn", token)),
            photo=_photo(rng)))
    return cards


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the --jobs workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _time(fn) -> tuple[float, float, bytes]:
    cpu, wall = _cpu(), time.perf_counter()
    out = fn()
    return _cpu() - cpu, time.perf_counter() - wall, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="processes of the parallel run (1: none)")
    args = parser.parse_args()
    app = Flask("bench")
    Babel(app, default_locale="vi")
    template = from_mapping(standard_card())  # the core's card, as its default plugin gives it
    cards = make_cards(args.cards)
    results = {}
    with app.app_context():
        render.render(cards[:10], template, sheets=True)  # warm up fonts, imports
        modes = [("a4_sheets", True, 1), ("card_pages", False, 1)]
        if args.jobs > 1:
            modes.append((f"a4_sheets_jobs{args.jobs}", True, args.jobs))
        for mode, sheets, jobs in modes:
            runs = [_time(lambda s=sheets, j=jobs: render.render(cards, template, sheets=s, jobs=j))
                    for _ in range(args.repeat)]
            cpu = min(r[0] for r in runs)
            wall = min(r[1] for r in runs)
            results[mode] = {"cards": args.cards, "jobs": jobs, "cpu_seconds": round(cpu, 2),
                             "wall_seconds": round(wall, 2),
                             "cards_per_second_cpu": round(args.cards / cpu, 1),
                             "cards_per_second_wall": round(args.cards / wall, 1),
                             "pdf_kib": len(runs[0][2]) // 1024}
            print(mode, json.dumps(results[mode]), flush=True)
    out = {
        "benchmark": "cards", "date": dt.datetime.now().isoformat(timespec="seconds"),
        "what": "1,000 cards, front and back, a distinct photo and QR code each, one process",
        "results": results,
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpus": os.cpu_count(), "load_average": os.getloadavg(),
                    "python": platform.python_version()},
        "versions": {p: version(p) for p in ("xhtml2pdf", "reportlab", "pypdf", "pillow", "segno",
                                             "html5lib")} | {"rl_accel": _maybe_version("rl_accel")},
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "cards.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


def _maybe_version(name: str) -> str | None:
    try:
        return version(name)
    except Exception:  # noqa: BLE001 - optional accelerator
        return None


if __name__ == "__main__":
    main()
