"""TTS engines: espeak-ng really produces 8 kHz mono 16-bit speech; gTTS fails cleanly offline."""
from __future__ import annotations

import types
from pathlib import Path

import pytest

from ivr.errors import UserError
from ivr.scripts.model import Prompt
from ivr.speech.convert import to_asterisk_wav, wav_info
from ivr.speech.engines import EspeakEngine, GttsEngine, make_engine
from ivr.speech.library import AudioDirs, AudioLibrary



@pytest.mark.parametrize(("text", "min_s", "max_s"), [
    ("Có", 0.1, 2.0),
    ("Xin chào, đây là cuộc gọi tự động của Sở Y tế.", 1.5, 8.0),
    ("Trong ba ngày qua, anh chị có bị sốt không? Nếu có, bấm phím 1. Nếu không, bấm phím 2.", 3.0, 15.0),
])
def test_espeak_output_is_asterisk_format(tmp_path: Path, text: str, min_s: float, max_s: float) -> None:
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), EspeakEngine())
    info = wav_info(library.ensure(Prompt("t.p", text)))
    assert (info.rate, info.channels, info.sample_width) == (8000, 1, 2)
    assert min_s <= info.seconds <= max_s


@pytest.mark.parametrize(("rate_a", "rate_b"), [(100, 250)])
def test_espeak_rate_changes_duration(tmp_path: Path, rate_a: int, rate_b: int) -> None:
    text = "Anh chị vui lòng ở nhà và theo dõi sức khỏe hằng ngày."
    slow = AudioLibrary(AudioDirs(tmp_path, "/pbx"), EspeakEngine(rate=rate_a)).ensure(Prompt("a", text))
    fast = AudioLibrary(AudioDirs(tmp_path, "/pbx"), EspeakEngine(rate=rate_b)).ensure(Prompt("a", text))
    assert slow != fast
    assert wav_info(slow).seconds > wav_info(fast).seconds


def test_espeak_missing_binary_is_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="espeak-ng-absent not found"):
        EspeakEngine(binary="espeak-ng-absent").synthesize("Xin chào", tmp_path / "x.wav")


def _importer_missing(name: str) -> types.ModuleType:
    raise ImportError(f"No module named {name!r}")


class _GttsError(Exception):
    pass


def _fake_gtts(behaviour: str) -> types.ModuleType:
    module = types.ModuleType("gtts")

    class GTTS:
        def __init__(self, text: str, lang: str) -> None:
            self.text, self.lang = text, lang

        def write_to_fp(self, fp) -> None:  # type: ignore[no-untyped-def]
            if behaviour == "offline":
                raise _GttsError("Failed to connect. Probable cause: Unknown")
            fp.write(f"{self.lang}:{self.text}".encode())

    module.gTTS = GTTS  # type: ignore[attr-defined]
    module.gTTSError = _GttsError  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize(("importer", "expected"), [
    (_importer_missing, "gtts engine is not installed: pip install 'robocall-ivr\\[gtts\\]'"),
    (lambda name: _fake_gtts("offline"), "could not reach Google's speech service .*Failed to connect"),
])
def test_gtts_failures_are_user_errors(tmp_path: Path, importer, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match=expected):
        GttsEngine(importer=importer).synthesize("Xin chào", tmp_path / "x.mp3")


def test_gtts_writes_what_the_service_returns(tmp_path: Path) -> None:
    out = tmp_path / "x.mp3"
    GttsEngine(voice="vi", importer=lambda name: _fake_gtts("ok")).synthesize("Xin chào", out)
    assert out.read_bytes() == "vi:Xin chào".encode()


def test_gtts_is_an_optional_extra_only() -> None:
    """gTTS pins click below 8.2 and needs the internet: never a core dependency."""
    import tomllib

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("gtts")]
    assert [d for d in project["optional-dependencies"]["gtts"] if d.lower().startswith("gtts")]


@pytest.mark.parametrize(("name", "expected"), [
    ("espeak-ng", EspeakEngine(voice="vi", rate=150)),
    ("gtts", GttsEngine(voice="vi")),
])
def test_make_engine(name: str, expected: object) -> None:
    assert make_engine(name, "vi", 150) == expected


def test_make_engine_unknown_is_user_error() -> None:
    with pytest.raises(UserError, match="unknown TTS engine 'festival' \\(known: espeak-ng, gtts\\)"):
        make_engine("festival")


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "cannot convert it to 8 kHz WAV"),
    (b"RIFF\x00\x00not a wav at all", "cannot convert it to 8 kHz WAV"),
])
def test_convert_bad_input_names_the_file(tmp_path: Path, content: bytes, expected: str) -> None:
    src = tmp_path / "broken.wav"
    src.write_bytes(content)
    with pytest.raises(UserError, match=f"recording broken.wav: sox {expected}"):
        to_asterisk_wav(src, tmp_path / "out.wav", what="recording broken.wav")


def test_gtts_is_refused_for_personal_prompts_unless_the_transfer_is_approved(tmp_path: Path) -> None:
    """Decree 13/2023: a prompt saying a person's name never goes to a foreign speech service (gTTS) without
    approval (audio.gtts_transfer_approved); prompts without personal data still may."""
    from dataclasses import dataclass

    from speech_fakes import CountingEngine

    @dataclass
    class Abroad(CountingEngine):
        name: str = "gtts"
        sends_text_abroad: bool = True

    assert GttsEngine().sends_text_abroad and not getattr(EspeakEngine(), "sends_text_abroad", False)
    engine = Abroad()
    library = AudioLibrary(AudioDirs(tmp_path / "c", "/s"), engine=engine, workers=1)
    personal = [Prompt("f1_daily.ask_identity", "Có phải anh/chị Phạm Thị Lan không?")]
    with pytest.raises(UserError, match="gtts_transfer_approved"):
        library.ensure_personal(personal)
    assert engine.calls == [], "nothing left the machine"
    library.ensure_all([Prompt("f1_daily.greet", "Xin chào")])  # no personal data: allowed
    approved = AudioLibrary(AudioDirs(tmp_path / "c", "/s"), engine=engine, workers=1, transfer_approved=True)
    approved.ensure_personal(personal)
    assert engine.calls == ["Xin chào", personal[0].text]
