"""The hotline's conversations as data: the shipped hotline script behind its wrappers (inputs in, commands
out), and the Vietnamese sounds app_queue asks for."""
from __future__ import annotations

from typing import Any, Sequence

import pytest

from ivr.calls.conversation import ScriptConversation
from ivr.config import PROJECT_ROOT
from ivr.hotline import queue_sounds
from ivr.hotline.script_wrappers import Preamble, WithoutStaff
from ivr.scripts import interpreter as it
from ivr.scripts.checker import load_checked
from ivr.scripts.model import Prompt

SCRIPTS = PROJECT_ROOT / "scripts_vi"
HOTLINE = load_checked("hotline", SCRIPTS)
CALLBACK = load_checked("hotline_callback", SCRIPTS)
NOTICE = Prompt("hotline.after_hours", "Hiện đã ngoài giờ trực.")
INPUTS = {"done": it.PromptDone(), "silence": it.Silence(), "failed": it.TransferFailed()}


def show(commands: Sequence[Any]) -> str:
    out = []
    for c in commands:
        if isinstance(c, it.Play):
            out.append(("ask " if c.collect else "play ") + " ".join(p.id for p in c.prompts))
        elif isinstance(c, it.RecordAnswer):
            out.append(f"record {c.question_id}={c.value}")
        elif isinstance(c, it.Transfer):
            out.append(f"transfer {c.target}")
        else:
            out.append(f"finish {c.outcome}")
    return " | ".join(out) or "-"


def run(conversation: Any, inputs: Sequence[str]) -> list[str]:
    state, commands = conversation.start()
    shown = [show(commands)]
    for token in inputs:
        state, commands = conversation.step(state, INPUTS.get(token) or it.Key(token))
        shown.append(show(commands))
    return shown


IN_HOURS = ScriptConversation(HOTLINE, {})
AFTER_HOURS = WithoutStaff(Preamble((NOTICE,), ScriptConversation(HOTLINE, {"lua_chon_nhan_vien": "Từ 7 giờ."})))
CASES = {
    "menu, then staff": (IN_HOURS, ["done", "0", "done"], [
        "play hotline.greet", "ask hotline.menu", "record menu=staff | play hotline.to_staff", "transfer staff"]),
    "menu, information, menu again": (IN_HOURS, ["done", "2", "done", "1"], [
        "play hotline.greet", "ask hotline.menu", "record menu=info | play hotline.say_info", "ask hotline.menu",
        "record menu=declare | play hotline.say_declare"]),
    "menu: a wrong key, then silence": (IN_HOURS, ["done", "7", "silence"], [
        "play hotline.greet", "ask hotline.menu", "ask hotline.menu.invalid hotline.menu",
        "ask hotline.menu.silence hotline.menu"]),
    "after hours: the notice first, then the script": (AFTER_HOURS, ["done", "done", "1", "done", "3"], [
        "play hotline.after_hours", "play hotline.greet", "ask hotline.menu",
        "record menu=declare | play hotline.say_declare", "ask hotline.ask_category",
        "record category=other | ask hotline.ask_fever"]),
    "after hours: staff cannot be reached": (AFTER_HOURS, ["done", "done", "0", "done", "done"], [
        "play hotline.after_hours", "play hotline.greet", "ask hotline.menu",
        "record menu=staff | play hotline.to_staff", "play hotline.end_staff_busy", "finish incomplete"]),
    "call-back offer: leave the number": (ScriptConversation(CALLBACK, {}), ["1", "done"], [
        "ask hotline_callback.ask_callback", "record callback=yes | play hotline_callback.end_callback",
        "finish callback_requested"]),
    "call-back offer: keep waiting": (ScriptConversation(CALLBACK, {}), ["2", "done"], [
        "ask hotline_callback.ask_callback", "record callback=wait | play hotline_callback.to_staff",
        "transfer staff"]),
    "an empty preamble starts the script at once": (Preamble((), ScriptConversation(CALLBACK, {})), [], [
        "ask hotline_callback.ask_callback"]),
}


@pytest.mark.parametrize("conversation, inputs, expected", CASES.values(), ids=CASES.keys())
def test_hotline_conversations(conversation: Any, inputs: list[str], expected: list[str]) -> None:
    assert run(conversation, inputs) == expected


def test_the_menu_offers_staff_or_gives_the_hours() -> None:
    def menu_text(variables: dict[str, str]) -> str:
        conversation = ScriptConversation(HOTLINE, variables)
        state, _ = conversation.start()
        _, commands = conversation.step(state, it.PromptDone())
        return commands[0].prompts[0].text

    assert "Để gặp nhân viên y tế, xin nhấn phím 0." in menu_text({})
    after = menu_text({"lua_chon_nhan_vien": "Nhân viên y tế nghe máy từ 7 giờ đến 21 giờ hằng ngày."})
    assert "nghe máy từ 7 giờ đến 21 giờ" in after and "phím 0" not in after


# -- app_queue's Vietnamese sounds ------------------------------------------------------------------------
def asterisk_vi_number(num: int) -> list[str]:
    """The sound files Asterisk's ast_say_number_full_vi (main/say.c) plays for ``num`` (0 < num < 10^6)."""
    out: list[str] = []
    if num >= 1000:
        out += asterisk_vi_number(num // 1000) + ["digits/thousand"]
        rest = num % 1000
        if 0 < rest < 10:
            out.append("digits/0-hundred-odd")
        elif 10 <= rest < 100:
            out.append("digits/0-hundred")
        return out + (asterisk_vi_number(rest) if rest else [])
    if num >= 100:
        out += [f"digits/{num // 100}", "digits/hundred"]
        rest = num % 100
        if 0 < rest < 10:
            out.append("digits/odd")
        return out + (asterisk_vi_number(rest) if rest else [])
    if num < 20:
        return [f"digits/{num}"]
    tens, unit = divmod(num, 10)
    if unit in (1, 4, 5):
        return [f"digits/{tens * 10}", f"digits/{unit}a"]
    return [f"digits/{tens * 10}"] + ([f"digits/{unit}"] if unit else [])


@pytest.mark.parametrize("num, words", [
    (1, "một"), (4, "bốn"), (10, "mười"), (15, "mười lăm"), (21, "hai mươi mốt"), (24, "hai mươi tư"),
    (25, "hai mươi lăm"), (30, "ba mươi"), (105, "một trăm lẻ năm"), (110, "một trăm mười"),
    (1005, "một nghìn không trăm lẻ năm"),
])
def test_queue_numbers_are_said_in_vietnamese(num: int, words: str) -> None:
    sounds = queue_sounds.queue_prompts()
    assert " ".join(sounds[name].text for name in asterisk_vi_number(num)) == words


def test_every_sound_app_queue_can_ask_for_exists() -> None:
    sounds = queue_sounds.queue_prompts()
    needed = {name for n in range(1, 2000) for name in asterisk_vi_number(n)}
    needed |= {"queue-youarenext", "queue-thereare", "queue-callswaiting", "queue-holdtime", "queue-minute",
               "queue-minutes", "queue-seconds", "queue-thankyou", "queue-less-than", "queue-reporthold"}
    assert needed <= set(sounds)
    assert all(p.id == f"queue.{name.replace('/', '.')}" and p.text for name, p in sounds.items())
