"""Vietnamese sounds for app_queue's announcements: position, estimated hold time, thanks.

app_queue says "queue-thereare" + a number + "queue-callswaiting" (or "queue-youarenext"), then
"queue-holdtime" + a number + "queue-minutes", in the caller's channel language, which is Vietnamese (vi).
Asterisk ships those files in English only, and says numbers with its Vietnamese rules (say.c:
"hai mươi mốt" is digits/20 + digits/1a, "một trăm lẻ năm" is digits/1 + digits/hundred + digits/odd +
digits/5), so both are rendered here, before any call, with the project's speech engine.

They are written under stable names in ``<audio cache>/vi/`` (``vi/queue-youarenext.wav``,
``vi/digits/5.wav``); the PBX sees that folder as its ``sounds/vi`` (the sandbox links it there, the
docker image does the same), so app_queue finds them by its default names.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ivr.scripts.model import Prompt
from ivr.speech.library import AudioLibrary, RenderStats

QUEUE_TEXTS: dict[str, str] = {
    "queue-youarenext": "Anh/chị là người tiếp theo sẽ được nhân viên y tế nghe máy.",
    "queue-thereare": "Số thứ tự của anh/chị trong hàng chờ gặp nhân viên y tế là",
    "queue-callswaiting": "Xin anh/chị vui lòng giữ máy.",
    "queue-holdtime": "Thời gian chờ dự kiến khoảng",
    "queue-minute": "phút.",
    "queue-minutes": "phút.",
    "queue-seconds": "giây.",
    "queue-less-than": "dưới",
    "queue-thankyou": "Xin cảm ơn anh/chị đã kiên nhẫn giữ máy.",
    "queue-reporthold": "Thời gian chờ",
    "queue-periodic-announce": "Tất cả nhân viên y tế đều đang bận. Xin anh/chị vui lòng giữ máy.",
    "queue-quantity1": "Hiện có",
    "queue-quantity2": "người đang chờ gặp nhân viên y tế.",
}
_UNITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
DIGIT_TEXTS: dict[str, str] = {
    **{f"digits/{n}": _UNITS[n] for n in range(10)},
    **{f"digits/{10 + n}": "mười " + ("lăm" if n == 5 else _UNITS[n]) for n in range(1, 10)},
    "digits/10": "mười",
    **{f"digits/{n * 10}": f"{_UNITS[n]} mươi" for n in range(2, 10)},
    "digits/1a": "mốt",
    "digits/4a": "tư",
    "digits/5a": "lăm",
    "digits/hundred": "trăm",
    "digits/odd": "lẻ",
    "digits/thousand": "nghìn",
    "digits/0-hundred": "không trăm",
    "digits/0-hundred-odd": "không trăm lẻ",
    "digits/minus": "âm",
}


def queue_prompts() -> dict[str, Prompt]:
    """Sound name (as Asterisk asks for it) -> prompt; the prompt id is ``queue.<name>``."""
    texts = {**QUEUE_TEXTS, **DIGIT_TEXTS}
    return {name: Prompt(f"queue.{name.replace('/', '.')}", text) for name, text in texts.items()}


def install(library: AudioLibrary, folder: Path) -> RenderStats:
    """Render the queue's sounds and publish them as ``<folder>/<name>.wav``; unchanged files stay."""
    prompts = queue_prompts()
    stats = library.ensure_all(prompts.values())
    for name, prompt in prompts.items():
        source = library.path_for(prompt)
        target = folder / f"{name}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file() and target.read_bytes() == source.read_bytes():
            continue
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # a playing PBX keeps the old file; the next caller hears the new one
    return stats
