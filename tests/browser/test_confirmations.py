"""Confirmations, undo and the staff/admin homes in a browser at a phone's width, with axe-core."""

import pytest

from tests.browser.test_phone_layout import _assert_fits, _phone_as
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def sign_in(browser, live_server):
    contexts = []

    def do(username: str):
        context, page = _phone_as(browser, live_server, username)
        contexts.append(context)
        return page

    yield do
    for context in contexts:
        context.close()


def test_a_teacher_removes_a_student_after_confirming_then_undoes_it_with_the_keyboard(sign_in, check_accessibility):
    page = sign_in("prof.demo")
    page.goto("/classes")
    page.locator("main a[href^='/classes/']").first.click()
    page.goto(page.url.split("?")[0].split("#")[0].rstrip("/") + "/eleves")
    rows = page.locator("tbody tr")
    count = rows.count()
    name = rows.first.locator("th").inner_text()
    rows.first.get_by_role("link", name="Retirer de la classe").click()
    page.get_by_role("heading", level=1).wait_for()
    assert "Retirer" in page.get_by_role("heading", level=1).inner_text()
    _assert_fits(page)
    check_accessibility(page)
    screenshot(page, "confirm-remove-phone")
    # « Annuler » leaves everything as it was.
    page.get_by_role("link", name="Annuler").click()
    assert page.locator("tbody tr").count() == count
    page.locator("tbody tr").first.get_by_role("link", name="Retirer de la classe").click()
    page.get_by_role("button", name="Retirer de la classe").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/eleves?retire=*")
    assert page.locator("tbody tr").count() == count - 1
    undo = page.get_by_role("button", name="Annuler", exact=False)
    _assert_fits(page)
    check_accessibility(page)
    undo.first.focus()
    page.keyboard.press("Enter")
    page.get_by_text("est de retour dans la classe").wait_for()
    assert page.locator("tbody tr").count() == count
    assert name in page.locator("tbody").inner_text()


def test_the_admin_home_and_the_close_account_confirmation_fit_a_phone(sign_in, check_accessibility):
    page = sign_in("admin.demo")
    assert page.get_by_role("link", name="Journal").count() >= 1
    _assert_fits(page)
    check_accessibility(page)
    screenshot(page, "admin-home-phone")
    page.goto("/admin/comptes?q=eleve02")
    page.get_by_role("link", name="eleve02").click()
    page.get_by_role("link", name="Fermer le compte").click()
    assert "ne pourra plus se connecter" in page.locator("main").inner_text()
    _assert_fits(page)
    check_accessibility(page)


def test_the_staff_home_fits_a_phone(sign_in, check_accessibility):
    page = sign_in("personnel.demo")
    assert page.get_by_role("heading", name="Et ensuite").count() == 1
    _assert_fits(page)
    check_accessibility(page)
