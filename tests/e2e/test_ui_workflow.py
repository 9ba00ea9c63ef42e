"""The 112 flow in Chromium on PostgreSQL + S3: an operator opens a case at a map point over the
city's street tiles and pulls three cameras from simulated recorders; the investigator plays
them in step on the case timeline and exports the package, which `saksi verify` accepts.
axe-core runs on every page visited. One browser, one archive and one server for the module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from api.http import create_app
from api.http.limits import HttpLimits
from api.http.ui import i18n
from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.cameras import changes, registry
from archive.cases import cases
from archive.sealing import seal as sealing
from archive.settings import Settings
from domain.base import Context
from tests.conftest import Archive
from tests.e2e.conftest import Api
from tests.e2e.test_ui_browser import saksi_verify
from tests.support import flows
from tests.support.browser import CHROMIUM, FLAGS, Offline, assert_accessible, serving, shot
from tests.support.principals import HOST
from tests.support.recorders import Recorders
from tests.support.seaweed import SeaweedServer, free_port
from tests.support.tiles import make_tiles, tile_server

POINT = (-6.9903, 110.4229)  # Simpang Lima, Semarang
CAMERAS = {  # id: (metres north of the point, recorder path)
    "SMG-SL-01": (60, "cam3"),
    "SMG-SL-02": (-90, "cam4"),
    "SMG-SL-03": (150, "cam6"),
}
FAR = "SMG-FAR-09"  # 3 km away: never pulled
SHOP = "SMG-TOKO-07"  # a shop's private camera, 800 m away: asked of its owner
CASES = {"en": "112-2026-0001", "id": "112-2026-0002"}  # one per language run
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def tiles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    folder = tmp_path_factory.mktemp("tiles")
    assert make_tiles(folder, *POINT, zooms=range(12, 19)) > 100
    with tile_server(folder) as served:
        yield served


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory,
    pg_database: str,
    seaweed: SeaweedServer,
    recorders: Recorders,
    tiles: tuple[str, list[str]],
    port: int,
) -> Iterator[Archive]:
    """PostgreSQL + S3; users of each role; three cameras near the point with recorders."""
    home = tmp_path_factory.mktemp("city") / "home"
    settings = Settings(
        home=home,
        event_store=f"postgresql://postgres@127.0.0.1:5432/{pg_database}"
        f"?schema=t_{uuid.uuid4().hex[:12]}",
        object_store=seaweed.url(f"t-{uuid.uuid4().hex[:16]}"),
        signing_key=home / "keys" / "checkpoint.key",
        credentials=recorders.credentials,
        map_tiles=tiles[0],
        public_url=f"http://127.0.0.1:{port}",
    )
    svc = bootstrap(settings, create_database=True)
    tokens = {"ana": str(users.init_archive(svc, HOST, "ana")["token"])}
    admin = Context("ana")
    people = (
        ("dodi", "operator"),
        ("budi", "investigator"),
        ("sari", "auditor"),
        ("wati", "owner"),
    )
    for name, role in people:
        tokens[name] = str(users.add_user(svc, admin, name, role)["token"])
    for camera_id, (north_m, path) in CAMERAS.items():
        registry.register_camera(
            svc, admin, camera_id=camera_id, name=f"Simpang Lima {camera_id[-2:]}",
            owner="public", district="Semarang Selatan", rt="003",
            lat=POINT[0] + north_m / 111_320, lon=POINT[1],
        )  # fmt: skip
        changes.set_source(
            svc, admin, camera_id, kind="mediamtx", url=recorders.mediamtx.url, path=path
        )
    registry.register_camera(
        svc, admin, camera_id=FAR, name="Tugu Muda", owner="public",
        district="Semarang Tengah", lat=POINT[0] + 0.027, lon=POINT[1],
    )  # fmt: skip
    registry.register_camera(
        svc, admin, camera_id=SHOP, name="Toko Wati", owner="private",
        district="Semarang Selatan", lat=POINT[0] - 800 / 111_320, lon=POINT[1], owner_user="wati",
    )  # fmt: skip
    yield Archive(svc, tokens)
    svc.close()


@pytest.fixture(scope="module")
def server(city: Archive, port: int) -> Iterator[Api]:
    app = create_app(city.svc, HttpLimits())
    with serving(app, port) as client:
        yield Api(client, city, app)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def offline() -> Offline:
    return Offline()


def session(browser: Browser, server: Api, offline: Offline, lang: str) -> BrowserContext:
    context = browser.new_context(
        base_url=str(server.client.base_url),
        locale="id-ID" if lang == "id" else "en-US",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", offline)
    context.on("weberror", lambda e: offline.errors.append(str(e.error)))
    return context


def on_case_page(
    browser: Browser, server: Api, offline: Offline, user: str, lang: str = "en"
) -> Page:
    page = session(browser, server, offline, lang).new_page()
    sign_in(page, server, user)
    page.goto(f"/cases/{CASES[lang]}")
    return page


def sign_in(page: Page, server: Api, user: str) -> None:
    page.goto("/signin")
    page.locator("#token").fill(server.archive.tokens[user])
    page.locator("#token").press("Enter")
    expect(page.locator(".who strong")).to_have_text(user)


class Hands:
    """Drives a page by the mouse, or by the keyboard alone: Tab until the element has the
    focus (failing if it is never reached), then type or press Enter."""

    def __init__(self, page: Page, keyboard: bool) -> None:
        self.page, self.keyboard = page, keyboard

    def reach(self, target: Locator) -> None:
        for _ in range(120):
            if target.evaluate("el => el === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"the keyboard never reaches {target}")

    def fill(self, target: Locator, text: str) -> None:
        if not self.keyboard:
            target.fill(text)
            return
        self.reach(target)
        if target.get_attribute("type") == "datetime-local":
            target.fill(text)  # its segments' order depends on the locale
        else:
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(text)

    def press(self, target: Locator) -> None:
        if not self.keyboard:
            target.click()
            return
        self.reach(target)
        self.page.keyboard.press("Enter")


@pytest.mark.parametrize("lang", ["en", "id"])
def test_an_operator_opens_a_case_at_a_map_point_and_pulls_the_cameras_around_it(
    browser: Browser, server: Api, offline: Offline, tiles: tuple[str, list[str]], lang: str
) -> None:
    t, case_id = i18n.translator(lang), CASES[lang]
    page = session(browser, server, offline, lang).new_page()
    hands = Hands(page, keyboard=lang == "id")  # the Indonesian run: keyboard alone
    sign_in(page, server, "dodi")
    page.goto("/map")
    # The city's street tiles are under the cameras; a click picks the report's point.
    expect(page.locator("#street-map .leaflet-tile-loaded").first).to_be_visible()
    assert any(p.endswith(".png") for p in tiles[1])
    expect(page.locator("#street-map path.cam-dot")).to_have_count(5)
    if not hands.keyboard:
        page.locator("#street-map").click(position={"x": 300, "y": 200})
        assert page.locator("#m-lat").input_value() != ""
    assert_accessible(page)
    # The operator types the exact place and time of the call.
    hands.fill(page.locator("#m-lat"), str(POINT[0]))
    hands.fill(page.locator("#m-lon"), str(POINT[1]))
    hands.fill(page.locator("#m-radius"), "400")
    hands.fill(page.locator("#m-since"), "2026-11-01T17:00")
    hands.fill(page.locator("#m-until"), "2026-11-01T17:01")
    hands.press(page.get_by_role("button", name=t("find_footage")))
    expect(page.locator("#cameras-in-range tbody tr")).to_have_count(3)
    expect(page.locator("#cameras-in-range")).to_contain_text("mediamtx")
    expect(page.locator("#cameras-in-range")).not_to_contain_text(FAR)
    hands.press(page.get_by_role("link", name=t("case_open_here")))
    hands.fill(page.get_by_label(t("case_number")), case_id)
    expect(page.get_by_label(t("kind"))).to_have_value("report")
    hands.fill(page.get_by_label(t("title")), "Tabrak lari di Simpang Lima")
    assert_accessible(page)
    hands.press(page.get_by_role("button", name=t("case_open_button")))
    # Back on the map at the point, the new case chosen for the pull.
    expect(page.locator("#pull-into")).to_have_value(case_id)
    expect(page.locator("#street-map .leaflet-tile-loaded").first).to_be_visible()
    expect(page.locator("#street-map path.selection")).to_have_count(1)
    # The radius is drawn where the point is: in the middle of the map, and big enough to see.
    frame = page.locator("#street-map").bounding_box()
    circle = page.locator("#street-map path.selection").bounding_box()
    assert frame and circle and circle["width"] > 100, (frame, circle)
    for axis, size in (("x", "width"), ("y", "height")):
        middle = frame[axis] + frame[size] / 2
        assert abs(circle[axis] + circle[size] / 2 - middle) < 20, (frame, circle)
    expect(page.locator("#cameras-in-range tbody tr")).to_have_count(3)
    hands.fill(page.locator("#pull-form").get_by_label(t("reason")), "112: tabrak lari")
    shot(page, f"map-pull{'' if lang == 'en' else '-id'}")
    assert_accessible(page)
    hands.press(page.get_by_role("button", name=t("pull_start")))
    expect(page.get_by_role("heading", level=1)).to_contain_text(case_id)
    page.reload()  # the pull runs on without the page
    status = page.locator("#pulls .pull-status").first
    expect(status).to_have_text(t("pull_finished"), timeout=90_000)
    rows = page.locator("#pulls .pull-cameras tbody tr")
    expect(rows).to_have_count(3)
    for camera_id in CAMERAS:
        expect(rows.filter(has_text=camera_id)).to_contain_text(t("stage_done"))
    expect(page.locator("table.data").last.locator("tbody tr")).to_have_count(3)
    hands.fill(page.get_by_label(t("add_member")), "budi")  # the investigator takes it on
    hands.press(page.get_by_role("button", name=t("add"), exact=True))
    expect(page.locator("#members-h + ul")).to_contain_text("budi")
    shot(page, f"case{'' if lang == 'en' else '-id'}")
    assert_accessible(page)
    offline.assert_clean()


READ_CLOCKS = """() => Array.from(document.querySelectorAll('.wall-video:not([hidden])')).map(v => {
    const video = v.querySelector('video'), c = document.createElement('canvas');
    c.width = video.videoWidth; c.height = video.videoHeight;
    const g = c.getContext('2d'); g.drawImage(video, 0, 0);
    let second = 0;  // the footage's burned-in clock: 20 blocks of 32 px, 1 = white
    for (let bit = 0; bit < 20; bit++) {
        const x = (bit % 10) * 32 + 16, y = Math.floor(bit / 10) * 32 + 16;
        if (g.getImageData(x, y, 1, 1).data[0] > 128) second += 2 ** bit;
    }
    return {camera: v.dataset.camera, burned: second, shown: +v.dataset.shown,
            label: v.querySelector('.wall-clock').textContent};
})"""


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_investigator_plays_the_cameras_in_step_and_exports_a_package_that_verifies(
    browser: Browser, server: Api, offline: Offline, tmp_path: Path, lang: str
) -> None:
    t, case_id = i18n.translator(lang), CASES[lang]
    page = on_case_page(browser, server, offline, "budi", lang)
    page.get_by_role("link", name=t("timeline_link")).click()
    expect(page.locator("#axis .clip-bar")).to_have_count(3)
    assert_accessible(page)
    page.get_by_label(t("reason_to_view")).fill("112 report review")
    page.get_by_role("button", name=t("timeline_watch")).click()
    expect(page.locator(".wall-video video")).to_have_count(3)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.wall-video video'))"
        ".every(v => v.readyState >= 2)"
    )
    # 2026-11-01 17:00:06 WIB = 10:00:06 UTC, six seconds into every recording.
    page.get_by_label(t("timeline_moment")).fill("2026-11-01T17:00:06")
    page.get_by_role("button", name=t("timeline_jump")).click()
    page.get_by_role("button", name=t("timeline_play")).click()
    page.wait_for_function("() => window.saksiTimeline.moment() > 1793527208.5")
    page.get_by_role("button", name=t("timeline_pause")).click()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.wall-video:not([hidden]) video'))"
        ".every(v => v.paused && !v.seeking && v.readyState >= 2)"
    )
    moment = page.evaluate("() => window.saksiTimeline.moment()")
    clocks = page.evaluate(READ_CLOCKS)
    shot(page, f"case-timeline{'' if lang == 'en' else '-id'}")
    assert sorted(c["camera"] for c in clocks) == sorted(CAMERAS)
    for c in clocks:
        # The frame shown carries the time the axis says, within one second.
        assert abs(c["burned"] - (int(moment) % 2**20)) <= 1, (c, moment)
        assert abs(c["shown"] - moment) <= 1, (c, moment)
    assert_accessible(page)
    svc = server.archive.svc
    for clip_id in cases.show_case(svc, HOST, case_id)["clip_ids"]:
        views = [e for e in flows.custody(svc, clip_id) if e["type"] == "ClipViewed"]
        assert [v["reason"] for v in views] == ["112 report review"], views
    page.goto(f"/cases/{case_id}")
    page.get_by_label(t("recipient")).fill("Kejaksaan Negeri Semarang")
    page.get_by_label(t("export_reason")).fill("hand-over for prosecution")
    with page.expect_download() as download:
        page.get_by_role("button", name=t("export_button")).click()
    package = tmp_path / download.value.suggested_filename
    download.value.save_as(package)
    code, doc = saksi_verify(package, sealing.key_string(svc))
    assert code == 0 and doc["ok"] and doc["clips"] == 3, doc
    # Each viewing is on the clip's custody trail, the export too.
    page.locator("table.data").last.locator("tbody tr a").first.click()
    page.get_by_role("link", name=t("custody_trail")).click()
    expect(page.locator("table.trail")).to_contain_text("ClipViewed")
    expect(page.locator("table.trail")).to_contain_text("112 report review")
    shot(page, f"clip-trail{'' if lang == 'en' else '-id'}")
    assert_accessible(page)
    offline.assert_clean()


def test_an_owner_approves_a_request_in_indonesian_and_uploads_through_the_one_time_link(
    browser: Browser, server: Api, offline: Offline, footage: Path
) -> None:
    page = on_case_page(browser, server, offline, "budi")
    form = page.locator("#request-form")
    for since, until, why in (
        ("2026-11-01T16:59", "2026-11-01T17:02", "the shop camera faces the junction"),
        ("2026-11-01T18:00", "2026-11-01T18:05", "the driver may have come back"),
    ):
        form.get_by_label("Private camera").select_option(SHOP)
        form.get_by_label("From").fill(since)
        form.get_by_label("Until").fill(until)
        form.get_by_label("Reason").fill(why)
        form.get_by_role("button", name="Send the request").click()
    expect(page.locator("#case-requests tbody tr")).to_have_count(2)
    expect(page.locator("#case-requests")).to_contain_text("awaiting the owner")
    # The owner's browser asks for English; the owner's pages answer in Indonesian.
    owner = session(browser, server, offline, "en").new_page()
    sign_in(owner, server, "wati")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Permintaan rekaman")
    assert_accessible(owner)
    # The later request (listed first): declined, with the owner's reason.
    owner.locator("#requests a", has_text=SHOP).first.click()
    owner.get_by_label("Alasan penolakan").fill("kamera mati jam 18.00")
    owner.get_by_role("button", name="Tolak").click()
    expect(owner.locator("#request-status")).to_have_text("ditolak")
    owner.goto("/requests")
    owner.locator("#requests a", has_text=SHOP).last.click()
    expect(owner.locator("#request-status")).to_have_text("menunggu jawaban Anda")
    assert_accessible(owner)
    owner.get_by_role("button", name="Setujui dan unggah rekaman").click()
    link = owner.locator("#upload-link").input_value()
    assert link.startswith(str(server.client.base_url) + "/upload/requests/")
    # The link alone, in a browser without any sign-in, takes the recording with progress.
    stranger = session(browser, server, offline, "en").new_page()
    stranger.goto(link)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Unggah rekaman")
    assert_accessible(stranger)
    stranger.get_by_label("File rekaman").set_input_files(footage)
    stranger.get_by_role("button", name="Unggah").click()
    expect(stranger.locator(".upload-result")).to_contain_text("Diterima dan diarsipkan")
    expect(stranger.locator(".upload-progress")).to_have_js_property("value", 1)
    shot(stranger, "owner-upload")
    page.reload()
    expect(page.locator("#case-requests")).to_contain_text("footage received")
    expect(page.locator("#case-requests")).to_contain_text("declined: kamera mati jam 18.00")
    expect(page.locator("table.data").last.locator("tbody tr")).to_have_count(4)
    offline.assert_clean()


def test_a_recording_handed_over_is_uploaded_into_the_case_with_the_apis_checks(
    browser: Browser, server: Api, offline: Offline, footage: Path, tmp_path: Path
) -> None:
    page = on_case_page(browser, server, offline, "budi")
    form = page.locator("#case-upload-h + p + form")
    not_video = tmp_path / "notes.mp4"
    not_video.write_bytes(b"this is no recording" * 100)
    form.get_by_label("Camera").select_option("SMG-SL-02")
    form.get_by_label("Reason").fill("handed over by the shop owner on USB")
    form.get_by_label("Recording file").set_input_files(not_video)
    form.get_by_role("button", name="Upload").click()
    expect(form.locator(".upload-result")).to_contain_text("The upload failed")
    # Another site's script holding the cookie but not the page's token is turned away
    # before the body is read.
    forged = page.request.post(
        f"/cases/{CASES['en']}/upload",
        multipart={
            "camera_id": "SMG-SL-02",
            "reason": "x",
            "file": {"name": "f.mp4", "mimeType": "video/mp4", "buffer": footage.read_bytes()},
        },
        headers={"X-CSRF-Token": "not-the-token"},
    )
    assert forged.status == 403, forged.status
    form.get_by_label("Recording file").set_input_files(footage)
    form.get_by_role("button", name="Upload").click()
    expect(form.locator(".upload-result")).to_contain_text("Received and archived")
    assert_accessible(page)
    page.reload()
    expect(page.locator("table.data").last.locator("tbody tr")).to_have_count(5)
    offline.assert_clean()


def test_an_operator_keeps_the_camera_registry_adding_editing_retiring_and_importing(
    browser: Browser, server: Api, offline: Offline, tmp_path: Path
) -> None:
    page = session(browser, server, offline, "en").new_page()
    sign_in(page, server, "dodi")
    page.get_by_role("link", name="Cameras").click()
    page.get_by_label("Camera id").fill("SMG-NEW-01")
    page.get_by_label("Name").fill("Jalan Pahlawan 1")
    page.get_by_label("District").fill("Semarang Selatan")
    page.get_by_label("Latitude").fill("-6.9950")
    page.get_by_label("Longitude").fill("110.4200")
    page.get_by_role("button", name="Add the camera").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SMG-NEW-01")
    assert_accessible(page)
    page.get_by_label("Name").fill("Jalan Pahlawan 1 (north side)")
    page.locator("#ed-reason").fill("moved across the road")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("(north side)")
    page.locator("#retire-reason").fill("pole taken down")
    page.get_by_role("button", name="Retire").click()
    expect(page.locator("#camera-status")).to_have_text("retired")
    # A file with one bad line: nothing is imported and the line is named.
    header = "camera_id,name,owner,district,rt,lat,lon"
    bad = tmp_path / "cameras.csv"
    bad.write_text(
        f"{header}\nSMG-IMP-01,Pasar Johar,public,Semarang Tengah,001,-6.97,110.42\n"
        "SMG-IMP-02,Kota Lama,public,Semarang Utara,002,north,110.43\n"
    )
    page.goto("/cameras")
    before = page.locator("#camera-list tbody tr").count()
    page.get_by_label("CSV or GeoJSON file").set_input_files(bad)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-errors li")).to_have_count(1)
    expect(page.locator("#import-errors")).to_contain_text("line 3")
    expect(page.locator("#camera-list tbody tr")).to_have_count(before)
    bad.write_text(bad.read_text().replace("north", "-6.968"))
    page.get_by_label("CSV or GeoJSON file").set_input_files(bad)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-result")).to_contain_text("2 rows: 2 registered")
    expect(page.locator("#camera-list tbody tr")).to_have_count(before + 2)
    shot(page, "cameras")
    assert_accessible(page)
    offline.assert_clean()
