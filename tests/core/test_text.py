"""Vietnamese folding and ordering."""

import pytest

from unionadmin.core.text import fold, masked_name, nfc, sort_key


@pytest.mark.parametrize("name, folded", [
    ("Đỗ Đức Đạt", "do duc dat"),
    ("NGUYỄN THỊ HỒNG", "nguyen thi hong"),
    ("Trần  Văn\u00a0An", "tran van an"),
    ("Nguyê\u0300n", "nguyen"),  # NFD input
])
def test_fold_removes_marks_and_dd(name, folded):
    assert fold(name) == folded


def test_vietnamese_order_given_name_first():
    names = ["Đỗ Đức Đạt", "Nguyễn Thị Bình", "Lê Văn Ân", "Trần Văn An"]
    assert sorted(names, key=sort_key) == ["Trần Văn An", "Lê Văn Ân", "Nguyễn Thị Bình",
                                           "Đỗ Đức Đạt"]


def test_alphabet_letters_then_tones():
    words = ["Ba", "Bảo", "Ân", "Ăn", "Anh", "Án", "Àn", "An", "Dũng", "Đông", "Em", "Ê"]
    assert sorted(words, key=sort_key) == ["An", "Àn", "Án", "Anh", "Ăn", "Ân", "Ba", "Bảo",
                                           "Dũng", "Đông", "Em", "Ê"]


def test_same_given_name_sorts_by_family_then_middle():
    names = ["Trần Văn Bình", "Lê Thị Bình", "Lê Bình", "Lê Văn Bình"]
    assert sorted(names, key=sort_key) == ["Lê Bình", "Lê Thị Bình", "Lê Văn Bình",
                                           "Trần Văn Bình"]


def test_sort_key_is_ascii_and_nfc_independent():
    key = sort_key("Nguyễn Thị Hồng")
    assert key.isascii()
    assert key == sort_key("Nguye\u0302\u0303n Thi\u0323 Ho\u0302\u0300ng")


def test_nfc_and_masking():
    assert nfc("  Nguye\u0302\u0303n   An ") == "Nguyễn An"
    assert masked_name("Nguyễn Văn An") == "Nguyễn V. A."
