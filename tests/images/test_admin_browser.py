"""The focal point picker in a real browser, under the admin's content security policy."""

import pytest
from django.urls import reverse

from images import services
from images.validation import validate_upload
from tests.images.conftest import image_bytes, upload

pytestmark = pytest.mark.browser


def test_a_click_on_the_preview_sets_the_focal_point(
    admin_login, live_server, browser, artifacts_dir
):
    image = services.create_image(
        validate_upload(upload(image_bytes(size=(400, 200)))), title="Square", alt_text="x"
    )
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if "CSP" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective));"
    )
    try:
        admin_login(page)
        page.goto(live_server.url + reverse("admin:images_image_change", args=[image.pk]))
        preview = page.locator(".focal-picker img")
        preview.wait_for()
        box = preview.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
        assert float(page.input_value("#id_focal_x")) == pytest.approx(0.75, abs=0.02)
        assert float(page.input_value("#id_focal_y")) == pytest.approx(0.25, abs=0.02)
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist")
        image.refresh_from_db()
        assert image.focal_x == pytest.approx(0.75, abs=0.02)
        assert image.focal_y == pytest.approx(0.25, abs=0.02)
        assert errors == []
    except Exception:
        page.screenshot(path=str(artifacts_dir / "image-focal-failure.png"), full_page=True)
        raise
