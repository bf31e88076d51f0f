"""Campaign rules as plain data: audience reading and sorting, template fields, send rate, progress."""

import pytest

from yawlit_bot.engine.campaign import (
	CANCELLED,
	DELIVERED,
	FAILED,
	FIXED,
	INVALID,
	MAX_AUDIENCE_ENTRIES,
	MAX_PARAMETER_CHARS,
	OPTED_OUT,
	PARAMETER_SOURCES,
	PENDING,
	READ,
	RECIPIENT_SOURCES,
	SENDING,
	SENT,
	UNKNOWN,
	WHATSAPP_DEFAULT_RATE_CAP,
	WHATSAPP_MAX_RATE_CAP,
	AudienceError,
	AudienceReading,
	Candidate,
	Recipient,
	TemplateParameter,
	campaign_progress,
	check_parameter,
	check_send_rate,
	read_csv_audience,
	sort_audience,
	split_pasted_numbers,
	template_fields,
)

RAVI = "919812345678"


def phones(candidates):
	return [candidate.raw for candidate in candidates]


# --- split_pasted_numbers ---------------------------------------------------------------------------


def test_paste_one_per_line():
	assert phones(split_pasted_numbers("9812345678\n9812345679\r\n9812345680\r9812345681")) == [
		"9812345678",
		"9812345679",
		"9812345680",
		"9812345681",
	]


def test_paste_commas_semicolons_tabs_and_blank_entries():
	text = "9812345678, 9812345679;9812345680\t9812345681,,\n\n ; \n+91 98123 45682 "
	assert phones(split_pasted_numbers(text)) == [
		"9812345678",
		"9812345679",
		"9812345680",
		"9812345681",
		"+91 98123 45682",
	]


def test_paste_keeps_spaces_inside_a_number_and_has_no_names():
	(candidate,) = split_pasted_numbers("  +91  98123   45678  ")
	assert candidate == Candidate("+91 98123 45678")
	assert candidate.first_name is None and candidate.last_name is None


@pytest.mark.parametrize("text", ["", None, "\n\n", " , ; \t "])
def test_paste_nothing(text):
	assert split_pasted_numbers(text) == []


def test_paste_entries_are_cleaned_and_capped():
	(candidate,) = split_pasted_numbers("98123\x0045678")
	assert candidate.raw == "98123 45678"
	(long,) = split_pasted_numbers("9" * 500)
	assert len(long.raw) == 100


# --- read_csv_audience ------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"header",
	[
		"Phone",
		"phone",
		"PHONE",
		"Mobile",
		"Number",
		"Mobile Number",
		"whatsapp number",
		"WhatsApp",
		"phone_number",
		"mobile-number",
		" Phone ",
	],
)
def test_csv_phone_header_names(header):
	content = f"Name,{header}\nRavi Kumar,+91 98123 45678\nAsha,9812345679\n"
	assert read_csv_audience(content) == [
		Candidate("+91 98123 45678", "Ravi", "Kumar"),
		Candidate("9812345679", "Asha", None),
	]


def test_csv_first_and_last_columns():
	content = "First Name,Last Name,Mobile\nRavi,Kumar,9812345678\nAsha,,9812345679\n"
	assert read_csv_audience(content) == [
		Candidate("9812345678", "Ravi", "Kumar"),
		Candidate("9812345679", "Asha", None),
	]


def test_csv_first_and_last_columns_win_over_full_name():
	content = "Name,First Name,Last Name,Phone\nMr R K,Ravi,Kumar,9812345678\nAsha Rao,,,9812345679\n"
	assert read_csv_audience(content) == [
		Candidate("9812345678", "Ravi", "Kumar"),
		Candidate("9812345679", "Asha", "Rao"),  # no first/last: the full name is split
	]


def test_csv_full_name_split_into_first_and_rest():
	content = "Phone,Name\n9812345678,Ravi Kumar Sharma\n9812345679,Asha\n9812345680,\n"
	assert read_csv_audience(content) == [
		Candidate("9812345678", "Ravi", "Kumar Sharma"),
		Candidate("9812345679", "Asha", None),
		Candidate("9812345680", None, None),
	]


def test_csv_semicolon_delimiter():
	content = "Name;Mobile\nRavi Kumar;98123 45678\nAsha;98123 45679\n"
	assert read_csv_audience(content) == [
		Candidate("98123 45678", "Ravi", "Kumar"),
		Candidate("98123 45679", "Asha", None),
	]


def test_csv_tab_delimiter():
	content = "Phone\tName\n9812345678\tRavi Kumar\n9812345679\tAsha\n"
	assert read_csv_audience(content) == [
		Candidate("9812345678", "Ravi", "Kumar"),
		Candidate("9812345679", "Asha", None),
	]


def test_csv_quoted_cells_and_crlf():
	content = 'Name,Phone\r\n"Ravi Kumar","+91 98123 45678"\r\nAsha,9812345679\r\n'
	assert read_csv_audience(content) == [
		Candidate("+91 98123 45678", "Ravi", "Kumar"),
		Candidate("9812345679", "Asha", None),
	]


def test_csv_phone_only_and_blank_rows_skipped():
	assert phones(read_csv_audience("phone\n9812345678\n\n,\n9812345679\n")) == ["9812345678", "9812345679"]


def test_csv_header_only_reads_no_one():
	assert read_csv_audience("Phone,Name\n") == []


def test_csv_no_header_phone_in_first_column():
	content = "9812345678,Ravi Kumar\n9812345679,Asha\n"
	assert read_csv_audience(content) == [
		Candidate("9812345678", "Ravi", "Kumar"),
		Candidate("9812345679", "Asha", None),
	]


def test_csv_no_header_phone_in_second_column():
	content = "Ravi Kumar,9812345678\nAsha,9812345679\n"
	assert read_csv_audience(content) == [
		Candidate("9812345678", "Ravi", "Kumar"),
		Candidate("9812345679", "Asha", None),
	]


def test_csv_no_header_single_column():
	assert read_csv_audience("9812345678\n+91 98123 45679\n") == [
		Candidate("9812345678"),
		Candidate("+91 98123 45679"),
	]


def test_csv_no_header_three_columns_keeps_only_the_phone():
	assert read_csv_audience("Ravi,9812345678,Pune\n") == [Candidate("9812345678")]


def test_csv_bom_in_text():
	assert read_csv_audience("\ufeffMobile Number,Name\n9812345678,Ravi\n") == [
		Candidate("9812345678", "Ravi")
	]


def test_csv_bytes_with_bom():
	content = "\ufeffPhone,Name\n9812345678,Ravi Kumar\n".encode()
	assert read_csv_audience(content) == [Candidate("9812345678", "Ravi", "Kumar")]


def test_csv_bytes_utf8_names():
	content = "Phone,Name\n9812345678,Rāvi Kumār\n".encode()
	assert read_csv_audience(content) == [Candidate("9812345678", "Rāvi", "Kumār")]


@pytest.mark.parametrize(
	"content",
	[
		b"Phone,Name\n9812345678,Jos\xe9\n",  # Latin-1 export from an old spreadsheet
		b"\xff\xfeP\x00h\x00o\x00n\x00e\x00",  # UTF-16
	],
)
def test_csv_not_utf8_bytes(content):
	with pytest.raises(AudienceError, match="UTF-8"):
		read_csv_audience(content)


@pytest.mark.parametrize("content", ["", "   \n\n", b"", "\ufeff", "\ufeff\n \n".encode()])
def test_csv_empty(content):
	with pytest.raises(AudienceError, match="empty"):
		read_csv_audience(content)


def test_csv_only_blank_cells_has_no_rows():
	with pytest.raises(AudienceError):
		read_csv_audience(",,\n,,\n")


@pytest.mark.parametrize(
	"content",
	["Name,Email\nRavi,ravi@example.com\n", "Name\nRavi\nAsha\n", "Ravi,Pune\nAsha,Delhi\n"],
)
def test_csv_no_phone_column(content):
	with pytest.raises(AudienceError, match="No phone column"):
		read_csv_audience(content)


def test_audience_error_is_a_value_error():
	assert issubclass(AudienceError, ValueError)


# --- sort_audience ----------------------------------------------------------------------------------


def test_sort_same_number_three_spellings():
	reading = sort_audience(
		[Candidate("+91 98123 45678", "Ravi"), Candidate("098123 45678"), Candidate("9812345678")]
	)
	assert reading.recipients == [Recipient(RAVI, "Ravi", None)]
	assert reading.duplicates == ["098123 45678", "9812345678"]
	assert reading.invalid == []


def test_sort_keeps_the_first_occurrence_and_its_name():
	reading = sort_audience([Candidate("9812345678", "Ravi", "Kumar"), Candidate("919812345678", "Other")])
	assert reading.recipients == [Recipient(RAVI, "Ravi", "Kumar")]
	assert reading.duplicates == ["919812345678"]


def test_sort_already_listed_are_duplicates():
	reading = sort_audience(
		[Candidate("+91 98123 45678"), Candidate("9812345679")], already_listed=[RAVI, "919999999999"]
	)
	assert reading.recipients == [Recipient("919812345679")]
	assert reading.duplicates == ["+91 98123 45678"]


def test_sort_already_listed_is_not_modified():
	listed = {RAVI}
	sort_audience([Candidate("9812345679")], already_listed=listed)
	assert listed == {RAVI}


@pytest.mark.parametrize(
	"raw", ["12345", "98123", "abc", "<script>", "<script>alert(1)</script>", "5812345678", "981234567"]
)
def test_sort_invalid(raw):
	reading = sort_audience([Candidate(raw)])
	assert reading.recipients == [] and reading.duplicates == []
	assert reading.invalid == [raw]


def test_sort_empty_raw_is_reported_as_empty():
	assert sort_audience([Candidate("")]).invalid == ["(empty)"]


@pytest.mark.parametrize(
	"raw,phone",
	[
		("+14155552671", "14155552671"),
		("+44 7911 123456", "447911123456"),
		("+971 50 123 4567", "971501234567"),
	],
)
def test_sort_accepts_valid_foreign_numbers(raw, phone):
	assert sort_audience([Candidate(raw)]).recipients == [Recipient(phone)]


def test_sort_cleans_names():
	reading = sort_audience(
		[Candidate("9812345678", "  Ravi\x00 ", "\n\t"), Candidate("9812345679", "", "Rao")]
	)
	assert reading.recipients == [Recipient(RAVI, "Ravi", None), Recipient("919812345679", None, "Rao")]


def test_sort_accepts_any_iterable():
	reading = sort_audience(Candidate(raw) for raw in ["9812345678", "9812345679"])
	assert [r.phone for r in reading.recipients] == [RAVI, "919812345679"]


def test_sort_at_most_max_entries():
	reading = sort_audience([Candidate("x")] * MAX_AUDIENCE_ENTRIES)
	assert len(reading.invalid) == MAX_AUDIENCE_ENTRIES
	with pytest.raises(AudienceError, match="split the list"):
		sort_audience([Candidate("x")] * (MAX_AUDIENCE_ENTRIES + 1))


def test_sort_summary_shape():
	candidates = [Candidate("9812345678"), Candidate("09812345678"), Candidate("abc"), Candidate("")]
	assert sort_audience(candidates).summary() == {
		"added": 1,
		"duplicates": 1,
		"invalid": 2,
		"invalid_examples": ["abc", "(empty)"],
	}


def test_summary_gives_at_most_twenty_invalid_examples():
	reading = AudienceReading(invalid=[f"bad-{i}" for i in range(30)])
	summary = reading.summary()
	assert summary["invalid"] == 30
	assert summary["invalid_examples"] == [f"bad-{i}" for i in range(20)]


def test_empty_summary():
	assert AudienceReading().summary() == {"added": 0, "duplicates": 0, "invalid": 0, "invalid_examples": []}


def test_csv_to_recipients_end_to_end():
	content = "Mobile Number;Name\n+91 98123 45678;Ravi Kumar\n09812345678;Ravi again\n12345;Nobody\n"
	reading = sort_audience(read_csv_audience(content.encode()))
	assert reading.recipients == [Recipient(RAVI, "Ravi", "Kumar")]
	assert reading.summary()["duplicates"] == 1
	assert reading.invalid == ["12345"]


# --- template_fields / check_parameter --------------------------------------------------------------

P = TemplateParameter
RAVI_ROW = {"first_name": "Ravi", "last_name": "Kumar", "phone": RAVI}


def test_parameter_sources():
	assert PARAMETER_SOURCES == (FIXED, "First name", "Last name", "Full name", "Phone")
	assert set(RECIPIENT_SOURCES) == {"First name", "Last name", "Full name", "Phone"}


def test_fields_from_the_recipient():
	parameters = [
		P("First name", "Customer"),
		P("Last name", "-"),
		P("Full name", "Customer"),
		P("Phone", "-"),
		P(FIXED, "20% off"),
	]
	assert template_fields(parameters, RAVI_ROW) == {
		"field_1": "Ravi",
		"field_2": "Kumar",
		"field_3": "Ravi Kumar",
		"field_4": RAVI,
		"field_5": "20% off",
	}


def test_fields_fall_back_when_the_recipient_has_none():
	parameters = [P("First name", "Customer"), P("Last name", "Friend"), P("Full name", "Valued customer")]
	assert template_fields(parameters, {"phone": RAVI}) == {
		"field_1": "Customer",
		"field_2": "Friend",
		"field_3": "Valued customer",
	}
	assert template_fields(parameters, {"first_name": None, "last_name": "", "phone": RAVI}) == {
		"field_1": "Customer",
		"field_2": "Friend",
		"field_3": "Valued customer",
	}


@pytest.mark.parametrize(
	"first,last,full",
	[("Ravi", "Kumar", "Ravi Kumar"), ("Ravi", None, "Ravi"), (None, "Kumar", "Kumar"), ("Ravi", "", "Ravi")],
)
def test_full_name_joins_what_there_is(first, last, full):
	assert template_fields([P("Full name", "Customer")], {"first_name": first, "last_name": last}) == {
		"field_1": full
	}


def test_fixed_value_ignores_the_recipient():
	assert template_fields([P(FIXED, "Diwali sale")], RAVI_ROW) == {"field_1": "Diwali sale"}


def test_no_parameters_no_fields():
	assert template_fields([], RAVI_ROW) == {}


def test_fields_never_empty_for_checked_parameters():
	parameters = [P(source, "Fallback") for source in PARAMETER_SOURCES]
	assert all(check_parameter(parameter) is None for parameter in parameters)
	for recipient in ({}, {"first_name": None, "last_name": None, "phone": None}, RAVI_ROW):
		fields = template_fields(parameters, recipient)
		assert len(fields) == len(parameters)
		assert all(value.strip() for value in fields.values()), (recipient, fields)


@pytest.mark.parametrize("blank", ["  ", "\x00", "\n\t"])
def test_blank_recipient_value_uses_the_fallback(blank):
	parameters = [P("First name", "Customer"), P("Last name", "Friend"), P("Full name", "Customer")]
	fields = template_fields(parameters, {"first_name": blank, "last_name": blank, "phone": RAVI})
	assert fields == {"field_1": "Customer", "field_2": "Friend", "field_3": "Customer"}


def test_fields_clean_control_characters():
	fields = template_fields(
		[P("First name", "Customer"), P(FIXED, "Hello\x07\tthere\n\nfriend ")],
		{"first_name": "Ra\x00vi\r\n"},
	)
	assert fields == {"field_1": "Ra vi", "field_2": "Hello there friend"}


def test_fields_capped_at_max_parameter_chars():
	fields = template_fields(
		[P(FIXED, "x" * (MAX_PARAMETER_CHARS + 500)), P("First name", "C")], {"first_name": "y" * 5000}
	)
	assert fields == {"field_1": "x" * MAX_PARAMETER_CHARS, "field_2": "y" * MAX_PARAMETER_CHARS}


def test_unknown_source_uses_its_value():
	assert template_fields([P("Email", "fallback")], RAVI_ROW) == {"field_1": "fallback"}


@pytest.mark.parametrize(
	"parameter,ok",
	[
		(P(FIXED, "20% off"), True),
		(P("First name", "Customer"), True),
		(P("Last name", "-"), True),
		(P("Full name", "Customer"), True),
		(P("Phone", "n/a"), True),
		(P(FIXED), False),
		(P(FIXED, ""), False),
		(P(FIXED, "   "), False),
		(P(FIXED, "\x00\n"), False),
		(P("First name"), False),
		(P("Full name", " "), False),
		(P("Email", "x"), False),
		(P("first name", "x"), False),  # sources are exact labels
	],
)
def test_check_parameter(parameter, ok):
	assert (check_parameter(parameter) is None) is ok


def test_check_parameter_messages():
	assert "unknown source 'Email'" == check_parameter(P("Email", "x"))
	assert "fixed parameter needs a value" in check_parameter(P(FIXED))
	assert "fallback" in check_parameter(P("First name"))


# --- check_send_rate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"rate,cap",
	[(20, 80), (1, 80), (80, 80), (200, 250), (1000, 1000), (20, None), (80, None), (80, 0), (1, 1)],
)
def test_send_rate_ok(rate, cap):
	assert check_send_rate(rate, cap) is None


@pytest.mark.parametrize(
	"rate,cap,words",
	[
		(81, 80, "cannot exceed"),
		(81, None, "(80/s)"),
		(251, 250, "(250/s)"),
		(0, 80, "at least 1"),
		(None, 80, "at least 1"),
		(-5, 80, "at least 1"),
		(20, 1001, "between 1 and 1000"),
		(20, -1, "between 1 and 1000"),
	],
)
def test_send_rate_errors(rate, cap, words):
	error = check_send_rate(rate, cap)
	assert error and words in error


def test_rate_cap_constants():
	assert WHATSAPP_DEFAULT_RATE_CAP == 80
	assert WHATSAPP_MAX_RATE_CAP == 1000


# --- campaign_progress ------------------------------------------------------------------------------

PROGRESS_KEYS = {
	"total",
	"pending",
	"sending",
	"sent",
	"delivered",
	"read",
	"failed",
	"opted_out",
	"invalid",
	"unknown",
	"cancelled",
	"percent",
}


def test_progress_with_no_rows():
	progress = campaign_progress({})
	assert set(progress) == PROGRESS_KEYS
	assert progress["total"] == 0
	assert progress["percent"] == 0.0
	assert all(value == 0 for value in progress.values())


def test_progress_all_terminal_is_100():
	progress = campaign_progress(
		{SENT: 3, DELIVERED: 2, READ: 1, FAILED: 1, OPTED_OUT: 1, INVALID: 1, UNKNOWN: 1, CANCELLED: 1}
	)
	assert progress["percent"] == 100.0
	assert progress["total"] == 11
	assert (progress["failed"], progress["opted_out"], progress["invalid"]) == (1, 1, 1)
	assert (progress["unknown"], progress["cancelled"]) == (1, 1)


def test_progress_sent_includes_delivered_and_read():
	progress = campaign_progress({SENT: 5, DELIVERED: 3, READ: 2})
	assert progress["sent"] == 10
	assert progress["delivered"] == 5
	assert progress["read"] == 2


def test_progress_pending_and_sending_are_open():
	progress = campaign_progress({PENDING: 6, SENDING: 2, SENT: 1, FAILED: 1})
	assert (progress["pending"], progress["sending"], progress["total"]) == (6, 2, 10)
	assert progress["percent"] == 20.0


def test_progress_only_open_is_zero():
	assert campaign_progress({PENDING: 4, SENDING: 1})["percent"] == 0.0


def test_progress_rounds_to_one_decimal():
	assert campaign_progress({PENDING: 2, SENT: 1})["percent"] == 33.3
	assert campaign_progress({PENDING: 1, SENT: 2})["percent"] == 66.7


def test_progress_ignores_unknown_statuses_and_empty_counts():
	progress = campaign_progress({"Queued": 9, PENDING: None, SENT: "2", READ: 0})
	assert progress["total"] == 2
	assert progress["sent"] == 2
	assert progress["percent"] == 100.0
