"""What the hotline itself says outside the scripts, in Vietnamese. Each text is a prompt with a stable id,
so a human recording ``audio/<id>.wav`` can replace the synthetic voice (as for script prompts)."""
from __future__ import annotations

from ivr.scripts.model import Prompt

# The hotline script's variable for the staff option of its menu (scripts_vi/hotline.yaml).
STAFF_OPTION_VARIABLE = "lua_chon_nhan_vien"


def after_hours_notice(hours: str) -> Prompt:
    """Said first to a caller outside staff hours; ``hours`` as from ivr.hotline.hours.spoken_hours."""
    return Prompt("hotline.after_hours",
                  f"Hiện đã ngoài giờ trực của nhân viên y tế. Nhân viên y tế nghe máy {hours} hằng ngày. "
                  "Anh/chị vẫn có thể tự khai báo sức khỏe hoặc nghe thông tin hướng dẫn bằng bàn phím.")


def after_hours_staff_option(hours: str) -> str:
    """The menu's staff sentence outside staff hours (instead of "press 0 for staff")."""
    return f"Nhân viên y tế nghe máy {hours} hằng ngày."


RECOGNISED = Prompt("hotline.recognised",
                    "Cảm ơn anh/chị đã gọi lại. Sở Y tế vừa gọi để hỏi thăm sức khỏe của anh/chị. "
                    "Xin anh/chị trả lời ngay các câu hỏi sau đây.")

# Said between two household members on the caller's phone (ivr.hotline.script_wrappers.InTurn), before the
# next member's birth year is asked: no name yet.
NEXT_MEMBER = Prompt("hotline.next_member",
                     "Số điện thoại này còn dùng để hỏi thăm sức khỏe của một người khác trong gia đình. "
                     "Sau đây xin anh/chị trả lời cho người tiếp theo.")

# Said to a caller whose hotline call was being served by a `serve` that died (ivr.hotline.owner): the
# standby that takes the hotline over cannot know where in the script the call was, so it apologises and
# hangs up; the answers already given are kept.
TAKEN_OVER = Prompt("hotline.taken_over",
                    "Xin lỗi anh/chị, cuộc gọi vừa bị gián đoạn do sự cố kỹ thuật. Các câu trả lời anh/chị "
                    "đã bấm đã được ghi lại. Xin anh/chị vui lòng gọi lại số này để khai báo tiếp. Xin cảm ơn.")
