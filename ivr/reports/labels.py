"""What health workers read in reports: sheet names, column headers and values, in Vietnamese.

Keys and codes stay English in the code and the JSON output; everything written into a workbook, a CSV
or a chart goes through these tables.
"""
from __future__ import annotations

# -- sheets (Excel limits a sheet name to 31 characters) -------------------------------------------------
SUMMARY = "Tổng hợp"
URGENT = "Danh sách khẩn"
FOLLOW_UP = "Theo dõi thủ công"
HOTLINE = "Đường dây nóng"
CASES = "Cần xử lý"          # one row per case still to act on (ivr/cases), right after the summary
NOT_CALLED = "Dừng gọi"      # people stopped by staff and phones that opted out
ANSWERS = "Câu trả lời"

# -- summary figures, in column order: (JSON key, header) -----------------------------------------------
FIGURES = (
    ("due", "Cần gọi"),
    ("called", "Đã gọi"),
    ("reached", "Nghe máy"),
    ("completed", "Hoàn thành"),
    ("symptomatic", "Có triệu chứng"),
    ("unreachable", "Không liên lạc được sau mọi lần gọi"),
    ("opted_out", "Từ chối nhận cuộc gọi"),
)
HOTLINE_FIGURES = (
    ("calls", "Cuộc gọi đến"),
    ("declarations", "Tự khai báo"),
    ("symptomatic", "Khai báo có triệu chứng"),
    ("answered_by_staff", "Nhân viên trả lời"),
    ("abandoned", "Bỏ máy khi đang chờ"),
    ("callbacks_requested", "Yêu cầu gọi lại"),
    ("average_wait", "Thời gian chờ trung bình (giây)"),
    ("longest_wait", "Thời gian chờ lâu nhất (giây)"),
)

# -- summary rows: which grouping a row belongs to -------------------------------------------------------
GROUP_TOTAL = "Tổng cộng"
GROUP_CATEGORY = "Phân loại"
GROUP_DISTRICT = "Huyện"
GROUP_COMMUNE = "Xã/Phường"
GROUP_CAMPAIGN = "Chiến dịch"
UNKNOWN_PLACE = "(không rõ)"

# -- columns ---------------------------------------------------------------------------------------------
DATE = "Ngày"
GROUP = "Theo"
CATEGORY = "Phân loại"
DISTRICT = "Huyện"
COMMUNE = "Xã/Phường"
CAMPAIGN = "Chiến dịch"
NAME = "Họ và tên"
BIRTH_YEAR = "Năm sinh"
PHONE = "Số điện thoại"
ADDRESS = "Địa chỉ"
SOURCE = "Nguồn"
CALLED_AT = "Giờ gọi"
RESULT = "Kết quả"
SYMPTOMS = "Triệu chứng đã báo"
ATTEMPTS = "Số lần gọi"
LAST_CALL = "Lần gọi cuối"
LAST_RESULT = "Kết quả lần gọi cuối"
HOUR = "Giờ"
REASON = "Lý do"
STATUS = "Trạng thái"
REFERRED_TO = "Chuyển cho"
OPENED = "Ngày mở"
CALLS = "Số lần ghi nhận"
NOTE = "Ghi chú"
SINCE = "Từ ngày"
BY = "Người thực hiện"

SOURCE_ROBOT = "Cuộc gọi tự động"
SOURCE_HOTLINE = "Đường dây nóng"
PURGED = "(đã xóa theo thời hạn lưu trữ)"
OTHER_CATEGORY = "Khác"

OUTCOME_LABELS = {
    "completed": "Hoàn thành", "symptomatic": "Có triệu chứng", "wrong_person": "Nhầm người",
    "no_input": "Không trả lời phím", "hung_up_early": "Cúp máy giữa chừng", "transferred": "Chuyển nhân viên",
    "no_answer": "Không nghe máy", "busy": "Máy bận", "rejected": "Từ chối", "unreachable": "Không liên lạc được",
    "caller_id_refused": "Nhà mạng chặn số định danh",
    "congestion": "Lỗi mạng", "failed": "Lỗi", "redirected": "Số chuyển hướng (cần kiểm tra số)",
    "rtp_timeout": "Mất tiếng (lỗi đường truyền)", "lost": "Không rõ kết quả (mất tín hiệu cuộc gọi)",
    "opted_out": "Từ chối nhận cuộc gọi", "invalid": "Số không hợp lệ",
    "unavailable": "Vắng nhà (người nhà nghe máy)", "stopped": "Dừng gọi (nhân viên y tế)",
    None: "Đang gọi",
}
INBOUND_RESULTS = {"completed": "Hoàn thành", "symptomatic": "Có triệu chứng", "incomplete": "Chưa xong"}

# Answer columns: the questions of the shipped scripts, in the order they are asked. A question not listed
# here (a new script) gets its id as header, after these.
QUESTIONS = (
    ("menu", "Lựa chọn"),
    ("category", "Tự nhận diện"),
    ("identity", "Đúng người"),
    ("handover", "Người nhà chuyển máy"),
    ("at_address", "Đang ở nơi cách ly"),
    ("fever", "Sốt"),
    ("cough", "Ho"),
    ("breathing", "Khó thở"),
    ("sore_throat", "Đau họng"),
    ("taste_smell", "Mất vị giác/khứu giác"),
    ("any_symptom", "Có triệu chứng"),
    ("tested", "Đã xét nghiệm"),
    ("callback", "Muốn được gọi lại"),
)
VALUES = {"yes": "Có", "no": "Không", "staff": "Gặp nhân viên", "f1": "F1", "f2": "F2", "other": "Khác",
          "declare": "Khai báo", "info": "Nghe thông tin", "wait": "Chờ tiếp",
          "family": "Người nhà nghe máy", "ready": "Đã chuyển máy", "away": "Vắng nhà"}


def outcome(value: str | None) -> str:
    return OUTCOME_LABELS.get(value, value or "")


def answer_value(value: str) -> str:
    return VALUES.get(value, value)


def question_order(question_ids: set[str]) -> list[str]:
    """The answer columns to show: known questions in asking order, then any other question id."""
    known = [q for q, _ in QUESTIONS if q in question_ids]
    return known + sorted(question_ids - set(known))


def question(question_id: str) -> str:
    return dict(QUESTIONS).get(question_id, question_id)
