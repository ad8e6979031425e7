"""Every video says its presenter is synthetic: a visible label, and C2PA content credentials a
C2PA reader (c2pa.Reader) finds, verifies and shows."""
from __future__ import annotations

import hashlib
import json

import av
import numpy as np
import pytest
from typer.testing import CliRunner

import avatar
from avatar.cli import app
from avatar.errors import AvatarError
from avatar.provenance import (TRAINED_ALGORITHMIC_MEDIA, _create_local_identity, _pem_blocks, load_identity,
                               local_identity, read_credentials)
from avatar.slides import load_theme
from tests.conftest import PORTRAIT

SCRIPT = """---
title: Safety basics
size: 640x360
voice: en-us
{extra}---
# Hello
- one point
<!-- Hello. -->
"""


def render(folder, extra="", *args):
    script = folder / "deck.md"
    script.write_text(SCRIPT.format(extra=extra), encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(script), "-o", str(folder / "out.mp4"), "--quiet", *args])
    assert result.exit_code == 0, result.output
    return folder / "out.mp4"


def first_frame(path):
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


@pytest.fixture(scope="module")
def default_video(tmp_path_factory):
    return render(tmp_path_factory.mktemp("default"))


def label_region(theme, size=(640, 360)):
    """The strip above the presenter card, where the label sits."""
    x, y, w, h = theme.presenter_box(size)
    return slice(max(0, y - 40), y - 4), slice(x, x + w)


def test_the_label_is_on_screen_by_default_and_off_when_the_script_says_so(default_video, tmp_path):
    theme = load_theme("default")
    rows, cols = label_region(theme)
    label = np.array([int(theme.colors["label"][i:i + 2], 16) for i in (1, 3, 5)])
    on = first_frame(default_video)[rows, cols]
    assert (np.abs(on.astype(int) - label).max(axis=2) < 40).sum() > 300  # the dark pill
    off = first_frame(render(tmp_path, "disclosure: false\n"))[rows, cols]
    assert (np.abs(off.astype(int) - label).max(axis=2) < 40).sum() < 20
    manifest = json.loads((tmp_path / "out.json").read_text())
    assert manifest["disclosure"] is None
    # content credentials stay on even without the label
    assert read_credentials(tmp_path / "out.mp4")["validation_state"] == "Valid"


def test_the_mp4_carries_signed_content_credentials_marking_it_synthetic(default_video):
    credentials = read_credentials(default_video)
    assert credentials["validation_state"] == "Valid"
    codes = {status["code"] for status in credentials["validation_status"]}
    assert codes == {"signingCredential.untrusted"}  # the local identity is self-signed, nothing else is wrong
    assert credentials["title"] == "Safety basics"
    assert credentials["claim_generator_info"][0]["name"] == "talking-avatar"
    assert credentials["claim_generator_info"][0]["version"] == avatar.__version__
    actions = next(a for a in credentials["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
    created = next(a for a in actions if a["action"] == "c2pa.created")
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert created["softwareAgent"]["name"] == "talking-avatar"
    inputs = next(a for a in credentials["assertions"] if a["label"] == "org.talking-avatar.inputs")["data"]
    assert inputs["portrait_sha256"] == hashlib.sha256(PORTRAIT.read_bytes()).hexdigest()
    assert inputs["script_title"] == "Safety basics" and inputs["signer"] == "self-signed local identity"
    manifest = json.loads((default_video.parent / "out.json").read_text())
    assert manifest["disclosure"] == "AI-generated presenter"
    assert manifest["content_credentials"]["self_signed"] is True
    # the signed file is still a whole video
    with av.open(str(default_video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == round(manifest["duration"] * 25)


def split_identity(tmp_path):
    """A certificate chain file and a key file, as a user who has their own would have."""
    bundle = tmp_path / "bundle.pem"
    _create_local_identity(bundle)
    blocks = _pem_blocks(bundle.read_bytes())
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(b"".join(b for b in blocks if b"CERTIFICATE" in b))
    key.write_bytes(b"".join(b for b in blocks if b"PRIVATE KEY" in b))
    return cert, key


def test_a_configured_identity_signs_instead_of_the_local_one(tmp_path):
    cert, key = split_identity(tmp_path)
    video = render(tmp_path, "", "--sign-cert", str(cert), "--sign-key", str(key))
    credentials = read_credentials(video)
    assert credentials["validation_state"] == "Valid"
    inputs = next(a for a in credentials["assertions"] if a["label"] == "org.talking-avatar.inputs")["data"]
    assert inputs["signer"] == "user-configured identity"
    manifest = json.loads((tmp_path / "out.json").read_text())
    assert manifest["content_credentials"]["signer"] == str(cert)
    assert manifest["content_credentials"]["certificate_sha256"] == load_identity(cert, key).certificate_sha256
    assert manifest["content_credentials"]["certificate_sha256"] != local_identity().certificate_sha256


def test_a_key_that_is_not_the_certificates_is_a_clear_error(tmp_path):
    cert, _ = split_identity(tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path)
    _, other_key = split_identity(tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path)
    with pytest.raises(AvatarError, match="does not belong to the first certificate"):
        load_identity(cert, other_key)
    script = tmp_path / "deck.md"
    script.write_text(SCRIPT.format(extra=""), encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(script), "-o", str(tmp_path / "x.mp4"),
                                      "--sign-cert", str(cert)])
    assert result.exit_code == 2 and "--sign-key" in result.output and "together" in result.output
    assert not (tmp_path / "x.mp4").exists()


def test_the_local_identity_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("AVATAR_CONFIG_DIR", str(tmp_path))
    first = local_identity()
    assert first.self_signed and first.algorithm == "es256"
    assert local_identity().certificate_sha256 == first.certificate_sha256
    path = tmp_path / "content-credentials" / "identity.pem"
    assert path.stat().st_mode & 0o077 == 0  # the private key is readable by its owner only
