"""Coqui engine: a tiny randomly initialised VITS model folder made with Coqui's own classes.

Coqui is optional and heavy (coqui-tts + torch + torchaudio); where it cannot be imported the
tests that need it are skipped and only the error path is checked.
"""
from __future__ import annotations


import numpy as np
import pytest

from speech.errors import SpeechError
from speech.tts import coqui as coqui_engine
from tests.speech.words import assert_words_cover_text


def _coqui_problem() -> str | None:
    try:
        coqui_engine._load_coqui()
    except SpeechError as exc:
        return str(exc)
    return None


PROBLEM = _coqui_problem()
needs_coqui = pytest.mark.skipif(
    PROBLEM is not None, reason=f"Coqui TTS is not importable here: {PROBLEM}"
)
TEXT = "Hello world. This is a tiny model."


def make_tiny_model(folder) -> None:
    """Save a ~1 MB VITS (characters, no phonemizer, no discriminator) as Coqui would."""
    import torch
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    args = VitsArgs(
        hidden_channels=16, hidden_channels_ffn_text_encoder=32, num_heads_text_encoder=2,
        num_layers_text_encoder=1, resblock_type_decoder="2", resblock_kernel_sizes_decoder=[3],
        resblock_dilation_sizes_decoder=[[1, 3]], upsample_rates_decoder=[8, 8, 4],
        upsample_initial_channel_decoder=32, upsample_kernel_sizes_decoder=[16, 16, 8],
        num_layers_flow=1, num_layers_posterior_encoder=1, use_sdp=False, spec_segment_size=8,
        init_discriminator=False,
    )
    config = VitsConfig(
        model_args=args, use_phonemes=False, text_cleaner="english_cleaners",
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters", pad="_", eos="", bos="",
            blank=None, characters="abcdefghijklmnopqrstuvwxyz ", punctuations="!'(),-.:;? ",
            phonemes=None, is_unique=True, is_sorted=True,
        ),
    )
    config.audio.sample_rate = 16000
    torch.manual_seed(0)
    model = Vits(config)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coqui") / "tiny_vits"
    make_tiny_model(folder)
    return folder


@needs_coqui
def test_synthesizes_from_a_model_folder(model_dir):
    from speech.tts import get_engine, synthesize

    u = synthesize(TEXT, voice=str(model_dir), engine="coqui")
    assert u.sample_rate == 16000 and u.samples.dtype == np.float32 and u.samples.ndim == 1
    assert u.duration > 0.3 and np.isfinite(u.samples).all()
    # a random model says nothing intelligible, but every word is placed, in order, in the audio
    assert_words_cover_text(u, TEXT)
    (info,) = get_engine("coqui").voices()
    assert info.engine == "coqui" and not info.gives_timings and info.language == "en"
    # the checkpoint file itself is accepted as the voice too
    again = synthesize("Yes.", voice=str(model_dir / "model.pth"), engine="coqui")
    assert again.duration > 0


@needs_coqui
def test_rate_is_applied_and_restored(model_dir):
    engine = coqui_engine.create_engine()
    loaded = engine._load(str(model_dir))
    model = loaded.tts.synthesizer.tts_model
    before = model.length_scale
    engine.synthesize("Faster please.", voice=str(model_dir), rate=2.0)
    assert model.length_scale == before


@needs_coqui
def test_bad_folders_are_reported(tmp_path):
    engine = coqui_engine.create_engine()
    with pytest.raises(SpeechError, match="needs a voice"):
        engine.synthesize("hi")
    with pytest.raises(SpeechError, match="not found"):
        engine.synthesize("hi", voice=str(tmp_path / "nope"))
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(SpeechError, match="not a Coqui model folder"):
        engine.synthesize("hi", voice=str(tmp_path))


def test_model_folder_checks_need_no_coqui(tmp_path):
    with pytest.raises(SpeechError, match="not a Coqui model folder"):
        coqui_engine._model_files(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "checkpoint_10.pth").write_bytes(b"")
    files = coqui_engine._model_files(str(tmp_path))
    assert files.checkpoint.name == "checkpoint_10.pth" and files.vocoder_checkpoint is None
    assert coqui_engine._config_language({"phoneme_language": "en-us"}) == "en-us"
    assert coqui_engine._config_language({"datasets": [{"language": "de"}]}) == "de"


@pytest.mark.skipif(PROBLEM is None, reason="Coqui TTS is installed here")
def test_missing_coqui_says_what_to_install():
    from speech.tts import get_engine

    with pytest.raises(SpeechError, match="coqui-tts"):
        get_engine("coqui")
