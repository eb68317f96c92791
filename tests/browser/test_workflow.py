"""The training workflow of the roll-out, in a real browser, at 1280 px and 375 px."""

from __future__ import annotations

import re

from tests.helpers import ADMIN_PASSWORD, cccd

NEW_PASSWORD = "Mat-khau-rieng-2026"
TEMPORARY_PASSWORD = "Tam-thoi-mot-lan-1"


def login(page, username: str, password: str) -> None:
    page.goto(page.base + "/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def logout(page) -> None:
    """Logout is a POST with the CSRF token: /logout/ asks to confirm."""
    page.goto(page.base + "/logout/")
    page.click("#ua-logout-confirm")
    page.wait_for_load_state()


def pick_unit(page, field: str, text: str) -> None:
    """Choose a unit in a select2 picker by typing part of its name."""
    page.click(f"#{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    option = page.locator(".select2-results__option", has_text=text).first
    option.wait_for()
    option.click()


def create_account(page, username: str, names: tuple[str, str], unit: str, role: str) -> None:
    """A Unit Admin (or Admin) creates an account with a one-time password."""
    page.goto(page.base + "/accounts/add")
    page.fill("#username", username)
    page.fill("#last_name", names[0])
    page.fill("#first_name", names[1])
    pick_unit(page, "unit_id", unit)
    page.select_option("#role", role)
    page.fill("#password", TEMPORARY_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/show/\d+"))


def first_login(page, username: str, shots=None) -> None:
    """Log in with the one-time password and choose one's own, as the app insists."""
    login(page, username, TEMPORARY_PASSWORD)
    assert "/account/password" in page.url
    if shots:
        shots("forced-password-change")
    page.fill("#old_password", TEMPORARY_PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/account/password" not in page.url


def fill_date(page, field: str, value: str) -> None:
    page.fill(f"#{field}", value)
    page.keyboard.press("Escape")


def setup_card_range_and_transfer_target(page, tag: str) -> None:
    """What the central level prepares (not part of the officers' training): a card number
    range for the province, and a second grassroots union to transfer to."""
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.cards import services as ranges
    from unionadmin.core.units import services as units
    from unionadmin.core.units.models import Unit

    app = page.live_app
    with app.test_request_context(), acting_as(SYSTEM):
        session = app.appbuilder.session
        province = session.query(Unit).filter_by(code=f"TINH-{tag}").one()
        ranges.create({"unit_id": province.id, "prefix": tag[-3:] + "9", "end_serial": 99999})
        units.create({"code": f"DICH-{tag}", "name": f"Công đoàn cơ sở Đích {tag}",
                      "level": "grassroots", "parent_id": province.id})


def verify_url_of(page, member_url: str) -> str:
    """The address the member's card QR code opens (as a phone camera would)."""
    from unionadmin.core.members.models import Member

    member_id = int(member_url.rstrip("/").rsplit("/", 1)[1])
    with page.live_app.app_context():
        member = page.live_app.appbuilder.session.get(Member, member_id)
        return member.card_verify_url


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_training_workflow(page):
    tag = f"W{page.width}"
    shots = page.shots

    # 1. Log in (Vietnamese login page).
    page.goto(page.base + "/login/")
    assert "Đăng nhập" in page.content()
    assert no_horizontal_scroll(page)
    shots("login")
    login(page, "admin", ADMIN_PASSWORD)
    shots("home")

    # 2. Create the tree: a province, then a grassroots union under it.
    page.goto(page.base + "/units/add")
    page.fill("#code", f"TINH-{tag}")
    page.fill("#name", f"LĐLĐ tỉnh Thử nghiệm {tag}")
    page.select_option("#level", "province")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r"/units/show/\d+"))
    page.goto(page.base + "/units/add")
    page.fill("#code", f"CDCS-{tag}")
    page.fill("#name", f"Công đoàn cơ sở Công ty Thử {tag}")
    page.select_option("#level", "grassroots")
    pick_unit(page, "parent_id", f"Thử nghiệm {tag}")
    shots("unit-form")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r"/units/show/\d+"))
    assert f"Công đoàn cơ sở Công ty Thử {tag}" in page.content()
    shots("unit-created")
    setup_card_range_and_transfer_target(page, tag)

    # 3. A Unit Admin account for it.
    username = f"cdcs.{tag.lower()}"
    create_account(page, username, ("Nguyễn Thị", "Hoa"), f"Công ty Thử {tag}", "Unit Admin")
    shots("account-created")
    logout(page)

    # 4. The new account logs in and must choose its own password.
    first_login(page, username, shots)

    # 5. Add a member: a wrong citizen ID first, shown in Vietnamese, then corrected.
    page.goto(page.base + "/members/add")
    assert no_horizontal_scroll(page)
    page.fill("#full_name", "Phạm Thị Hồng Đào")
    fill_date(page, "date_of_birth", "15/03/1995")
    page.select_option("#gender", "female")
    pick_unit(page, "unit_id", f"Công ty Thử {tag}")
    page.fill("#citizen_id", "123")
    fill_date(page, "joined_on", "01/06/2018")
    page.fill("#phone", "0912 345 678")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
    assert "12 chữ số" in page.content()
    assert page.input_value("#full_name") == "Phạm Thị Hồng Đào"  # nothing valid is lost
    shots("member-form-error")
    page.fill("#citizen_id", cccd(1995, "female"))
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r"/members/show/\d+"))
    assert "Phạm Thị Hồng Đào" in page.content() and "15/03/1995" in page.content()
    shots("member-created")

    member_url = page.url

    # 6. The Unit Admin creates an Approver; the Approver approves the member.
    approver = f"duyet.{tag.lower()}"
    create_account(page, approver, ("Trần Văn", "Duyệt"), f"Công ty Thử {tag}", "Approver")
    logout(page)
    first_login(page, approver)
    page.goto(member_url)
    page.click("#ua-action-approve button[type=submit]")
    page.wait_for_load_state()
    assert "Đang sinh hoạt" in page.content()
    card_number = page.locator("#card-pdf")
    assert card_number.count() == 1
    shots("member-approved")

    # 7. Open and download the card PDF.
    with page.expect_download() as download_info:
        page.evaluate("url => { const a = document.createElement('a'); a.href = url; "
                      "a.download = 'the.pdf'; document.body.appendChild(a); a.click(); }",
                      page.get_attribute("#card-pdf", "href"))
    pdf = download_info.value.path()
    with open(pdf, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    logout(page)

    # 8. The Unit Admin records a transfer to another grassroots union.
    login(page, username, NEW_PASSWORD)
    page.goto(member_url)
    page.click("#ua-action-transfer .select2-selection")
    page.fill(".select2-container--open .select2-search__field", f"DICH-{tag}")
    target = page.locator(".select2-results__option", has_text=f"DICH-{tag}").first
    target.wait_for()
    target.click()
    page.click("#ua-action-transfer button[type=submit]")
    page.wait_for_load_state()
    assert "Chờ tiếp nhận" in page.content()
    shots("transfer-recorded")

    # Phone-sized pages stay within the screen: the member list and the public verify page.
    page.goto(page.base + "/members/list/")
    assert no_horizontal_scroll(page)
    shots("member-list")
    page.goto(verify_url_of(page, member_url))
    assert "Nguyễn" not in page.content() and "Phạm T. H. Đ." in page.content()
    assert no_horizontal_scroll(page)
    shots("verify-page")

    # 9. The dashboard.
    page.goto(page.base + "/")
    assert f"Công đoàn cơ sở Công ty Thử {tag}" in page.content()
    assert no_horizontal_scroll(page)
    shots("dashboard")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
