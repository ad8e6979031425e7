import functools
import http.server
import json
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree

import avatar
from tests.avatar.batches.conftest import CHROMIUM, SCRIPT

NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
BOTH_SCHEMAS = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.imsproject.org/xsd/imscp_rootv1p1p2" schemaLocation="imscp_rootv1p1p2.xsd"/>
  <xs:import namespace="http://www.adlnet.org/xsd/adlcp_rootv1p2" schemaLocation="adlcp_rootv1p2.xsd"/>
</xs:schema>"""


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scorm")
    script = folder / "lesson.md"
    script.write_text(SCRIPT.replace("{{ name }}", "Ada & <friends>"), encoding="utf-8")
    result = avatar.render(script, folder / "lesson.mp4", scorm=True)
    zip_path = folder / "lesson.scorm.zip"
    assert zip_path.is_file() and result.output.is_file()
    unpacked = folder / "pkg"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(unpacked)
        names = z.namelist()
    return unpacked, names


def _schema(folder: Path) -> etree.XMLSchema:
    (folder / "both.xsd").write_text(BOTH_SCHEMAS)
    return etree.XMLSchema(etree.parse(str(folder / "both.xsd")))


def test_manifest_validates_against_ims_cp_and_adl_cp_schemas(package):
    folder, names = package
    assert "imsmanifest.xml" in names  # at the root
    schema = _schema(folder)
    manifest = etree.parse(str(folder / "imsmanifest.xml"))
    assert schema.validate(manifest), schema.error_log
    # the validation can fail: a manifest without its resources is rejected
    broken = etree.parse(str(folder / "imsmanifest.xml"))
    root = broken.getroot()
    root.remove(root.find("cp:resources", NS))
    assert not schema.validate(broken)
    title = manifest.find("cp:organizations/cp:organization/cp:title", NS).text
    assert title == "Hello Ada & <friends>"


def test_identifierrefs_resolve_and_every_href_is_relative_and_in_the_zip(package):
    folder, names = package
    manifest = etree.parse(str(folder / "imsmanifest.xml"))
    resources = {r.get("identifier"): r for r in manifest.iterfind(".//cp:resource", NS)}
    items = list(manifest.iterfind(".//cp:item", NS))
    assert items and all(item.get("identifierref") in resources for item in items)
    default = manifest.find("cp:organizations", NS).get("default")
    assert default in {o.get("identifier") for o in manifest.iterfind(".//cp:organization", NS)}
    sco = resources[items[0].get("identifierref")]
    assert sco.get("{%s}scormtype" % NS["adlcp"]) == "sco"
    hrefs = [sco.get("href"), *(f.get("href") for f in sco.iterfind("cp:file", NS))]
    for href in hrefs:
        assert not href.startswith(("/", "http:", "https:", "file:")) and ".." not in href
        assert href in names
    assert {"index.html", "video.mp4", "captions.vtt"} <= set(hrefs)
    for schema in ("imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "ims_xml.xsd"):
        assert schema in names
    player = (folder / "index.html").read_text()
    assert '<track kind="captions" src="captions.vtt"' in player


FAKE_LMS = """<!doctype html><html><body><script>
window.calls = [];
var values = {"cmi.core.lesson_status": "not attempted"};
window.API = {
  LMSInitialize: function (a) { calls.push(["LMSInitialize"]); return "true"; },
  LMSGetValue: function (k) { calls.push(["LMSGetValue", k]); return values[k] || ""; },
  LMSSetValue: function (k, v) { calls.push(["LMSSetValue", k, v]); values[k] = v; return "true"; },
  LMSCommit: function () { calls.push(["LMSCommit"]); return "true"; },
  LMSFinish: function () { calls.push(["LMSFinish"]); return "true"; },
  LMSGetLastError: function () { return "0"; }, LMSGetErrorString: function () { return ""; },
  LMSGetDiagnostic: function () { return ""; }
};
</script><iframe id="sco" src="pkg/index.html" width="640" height="360"></iframe></body></html>"""


@contextmanager
def _serve(root: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_player_reports_completion_to_the_lms_in_chromium(package):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    folder, _ = package
    (folder.parent / "lms.html").write_text(FAKE_LMS)
    with _serve(folder.parent) as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page()
        page.goto(f"{url}/lms.html")
        video = page.frame_locator("#sco").locator("video")
        video.evaluate("v => new Promise((ok, fail) => { v.onerror = () => fail('cannot play: ' + v.error.code);"
                       " if (v.readyState >= 1) ok(); else v.onloadedmetadata = ok; })")
        before_end = json.loads(page.evaluate("JSON.stringify(calls)"))
        video.evaluate("v => { v.muted = true; v.currentTime = Math.max(0, v.duration - 0.3); return v.play(); }")
        page.wait_for_function("calls.some(c => c[2] === 'completed')", timeout=20000)
        page.evaluate("document.getElementById('sco').src = 'about:blank'")  # the learner leaves the lesson
        page.wait_for_function("calls.some(c => c[0] === 'LMSFinish')", timeout=10000)
        calls = json.loads(page.evaluate("JSON.stringify(calls)"))
        browser.close()
    assert calls[0] == ["LMSInitialize"]
    assert ["LMSSetValue", "cmi.core.lesson_status", "incomplete"] in before_end
    assert not any(c[2:] == ["completed"] for c in before_end)  # not completed before the video ends
    completed = calls.index(["LMSSetValue", "cmi.core.lesson_status", "completed"])
    assert ["LMSCommit"] in calls[completed:]
    assert any(c[:2] == ["LMSSetValue", "cmi.core.session_time"] for c in calls)
    assert calls[-1] == ["LMSFinish"]
