"""SCORM 1.2 package beside the video (``NAME.scorm.zip``): an LMS uploads it as one lesson.

The zip holds ``imsmanifest.xml`` at its root (one organization, one item, one SCO resource), the
schema files the specification requires beside it, a small HTML5 player page with the captions
track, the MP4 and the WebVTT captions. The page looks for the LMS's ``API`` object up the window
chain (and in the opener's), calls ``LMSInitialize``, marks the lesson ``incomplete`` when it
starts and ``completed`` when the video ends, and ``LMSFinish`` when the page closes.
"""
from __future__ import annotations

import hashlib
import html
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from avatar.exporters.captions import VTT
from avatar.exporters.sidecar import Sidecar
from avatar.files import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    from avatar.execute import RenderResult
    from avatar.plan import Plan

SCHEMAS = Path(__file__).resolve().parent.parent / "assets" / "scorm"
SCHEMA_FILES = ("imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "ims_xml.xsd")

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier={identifier} version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="organization">
    <organization identifier="organization">
      <title>{title}</title>
      <item identifier="lesson" identifierref="lesson_resource" isvisible="true">
        <title>{title}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="lesson_resource" type="webcontent" adlcp:scormtype="sco" href="index.html">
{files}
    </resource>
  </resources>
</manifest>
"""

PLAYER = """<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><title>{title}</title>
<style>html,body{{margin:0;height:100%;background:#000}}video{{width:100%;height:100%;object-fit:contain}}</style>
</head><body>
<video id="lesson" controls playsinline preload="metadata" src="{video}">
  <track kind="captions" src="{captions}" srclang="{language}" label="Captions" default>
</video>
<script>
(function () {{
  function search(win) {{
    for (var hops = 0; win && hops < 12; hops++) {{
      try {{ if (win.API) return win.API; }} catch (e) {{ /* another origin: look further up */ }}
      if (!win.parent || win.parent === win) break;
      win = win.parent;
    }}
    return null;
  }}
  var api = search(window) || (window.opener ? search(window.opener) : null);
  var started = Date.now(), finished = false;
  function set(name, value) {{ if (api) api.LMSSetValue(name, value); }}
  function sessionTime() {{
    var s = Math.round((Date.now() - started) / 1000), pad = function (n) {{ return (n < 10 ? "0" : "") + n; }};
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  }}
  if (api && String(api.LMSInitialize("")) === "true") {{
    var status = api.LMSGetValue("cmi.core.lesson_status");
    if (status === "" || status === "not attempted") set("cmi.core.lesson_status", "incomplete");
    api.LMSCommit("");
  }}
  document.getElementById("lesson").addEventListener("ended", function () {{
    set("cmi.core.lesson_status", "completed");
    if (api) api.LMSCommit("");
  }});
  function finish() {{
    if (finished || !api) return;
    finished = true;
    set("cmi.core.session_time", sessionTime());
    api.LMSFinish("");
  }}
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
}})();
</script>
</body></html>
"""


def manifest_xml(title: str, identifier: str, files: list[str]) -> str:
    listed = "\n".join(f"      <file href={quoteattr(name)}/>" for name in files)
    return MANIFEST.format(identifier=quoteattr(identifier), title=escape(title), files=listed)


def player_html(title: str, video: str, captions: str, language: str) -> str:
    return PLAYER.format(title=html.escape(title), video=html.escape(video), captions=html.escape(captions),
                         language=html.escape(language.split("-")[0] or "en"))


def write_scorm(video: Path, captions: Path, title: str, language: str, path: Path) -> Path:
    """The SCORM 1.2 zip for a finished video and its WebVTT captions, written atomically."""
    video_name, captions_name = "video.mp4", "captions.vtt"
    content = ["index.html", video_name, captions_name]
    digest = hashlib.sha256(f"{title}\0{video.name}".encode()).hexdigest()[:16]
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as package:
        package.writestr("imsmanifest.xml", manifest_xml(title, f"talking-avatar-{digest}", content))
        for name in SCHEMA_FILES:
            package.write(SCHEMAS / name, name)
        package.writestr("index.html", player_html(title, video_name, captions_name, language))
        package.write(video, video_name, compress_type=zipfile.ZIP_STORED)  # H.264 does not deflate
        package.write(captions, captions_name, compress_type=zipfile.ZIP_DEFLATED)
    return path


def export_scorm(plan: "Plan", result: "RenderResult", path: Path) -> Path:
    return write_scorm(result.output, VTT.path_for(result.output), plan.meta.title or result.output.stem,
                       plan.meta.language, path)


SCORM = Sidecar(".scorm.zip", export_scorm)
