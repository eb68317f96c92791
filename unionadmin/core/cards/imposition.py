"""Imposition: card pages as card-size pages, or N-up on A4 sheets with cut marks (fronts and
backs on alternate sheets, the backs mirrored for duplex printing on the long edge)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pypdf import PdfWriter

from unionadmin.core.cards.pdf_objects import MM, CardPage, new_page, num, place
from unionadmin.core.cards.templates import CardTemplate

A4 = (210 * MM, 297 * MM)
#: Space between cards on a sheet, and the length of the cut marks in the margins.
SHEET_GAP = 3 * MM
MARK_LENGTH = 5 * MM
MARK_OFFSET = 1.5 * MM
MIN_MARGIN = 7 * MM


def write_card_pages(writer: PdfWriter, pages: list[CardPage], width: float,
                      height: float) -> None:
    for page in pages:
        ops: list[str] = []
        xobjects: dict[str, Any] = {}
        place(page, 0, 0, ops, xobjects, "/C0")
        new_page(writer, width, height, ops, xobjects)


@dataclass(frozen=True)
class SheetGrid:
    cols: int
    rows: int
    x0: float
    y0: float
    width: float
    height: float

    @property
    def per_sheet(self) -> int:
        return self.cols * self.rows

    def slot(self, index: int, mirrored: bool) -> tuple[float, float]:
        row, col = divmod(index, self.cols)
        if mirrored:
            col = self.cols - 1 - col
        x = self.x0 + col * (self.width + SHEET_GAP)
        y = A4[1] - self.y0 - (row + 1) * self.height - row * SHEET_GAP
        return x, y


def sheet_grid(template: CardTemplate) -> SheetGrid:
    """As many cards as fit on A4 portrait with room for cut marks, centred."""
    width = float(template.layout["width_mm"]) * MM
    height = float(template.layout["height_mm"]) * MM
    cols = max(int((A4[0] - 2 * MIN_MARGIN + SHEET_GAP) // (width + SHEET_GAP)), 1)
    rows = max(int((A4[1] - 2 * MIN_MARGIN + SHEET_GAP) // (height + SHEET_GAP)), 1)
    x0 = (A4[0] - cols * width - (cols - 1) * SHEET_GAP) / 2
    y0 = (A4[1] - rows * height - (rows - 1) * SHEET_GAP) / 2
    return SheetGrid(cols, rows, x0, y0, width, height)


def _cut_marks(grid: SheetGrid, mirrored: bool) -> str:
    """Short lines in the margins at every card edge (never over a card)."""
    xs, ys = set(), set()
    for i in range(grid.per_sheet):
        x, y = grid.slot(i, mirrored)
        xs.update((x, x + grid.width))
        ys.update((y, y + grid.height))
    top, bottom = max(ys), min(ys)
    left, right = min(xs), max(xs)
    lines = []
    for x in sorted(xs):
        lines.append(f"{num(x)} {num(top + MARK_OFFSET)} m {num(x)} {num(top + MARK_OFFSET + MARK_LENGTH)} l")
        lines.append(f"{num(x)} {num(bottom - MARK_OFFSET)} m {num(x)} "
                     f"{num(bottom - MARK_OFFSET - MARK_LENGTH)} l")
    for y in sorted(ys):
        lines.append(f"{num(left - MARK_OFFSET)} {num(y)} m {num(left - MARK_OFFSET - MARK_LENGTH)} "
                     f"{num(y)} l")
        lines.append(f"{num(right + MARK_OFFSET)} {num(y)} m {num(right + MARK_OFFSET + MARK_LENGTH)} "
                     f"{num(y)} l")
    return "q 0 G 0.25 w " + " ".join(lines) + " S Q\n"


def write_sheets(writer: PdfWriter, pages: list[CardPage], template: CardTemplate) -> None:
    """Sheet 1 holds the first cards' fronts, sheet 2 their backs (mirrored), and so on."""
    grid = sheet_grid(template)
    per = template.pages
    cards = len(pages) // per
    for start in range(0, cards, grid.per_sheet):
        chunk = range(start, min(start + grid.per_sheet, cards))
        for side in range(per):
            mirrored = side % 2 == 1
            ops = [_cut_marks(grid, mirrored)]
            xobjects: dict[str, Any] = {}
            for slot, card_index in enumerate(chunk):
                x, y = grid.slot(slot, mirrored)
                place(pages[card_index * per + side], x, y, ops, xobjects, f"/C{slot}")
            new_page(writer, A4[0], A4[1], ops, xobjects)
