"""The staff inbox's rules: who may write, WhatsApp's 24-hour window, the inbox's one line."""

from datetime import datetime, timedelta

import pytest

from yawlit_bot.engine import inbox

NOW = datetime(2026, 11, 29, 12, 0)


def test_the_window_is_24_hours_from_the_customers_last_message():
	assert inbox.in_service_window(NOW - timedelta(hours=23, minutes=59), NOW)
	assert not inbox.in_service_window(NOW - timedelta(hours=24), NOW)
	assert not inbox.in_service_window(None, NOW)  # the customer never wrote: templates only


def test_a_staff_reply_needs_the_conversation_taken_by_the_writer():
	with pytest.raises(inbox.InboxRefusal, match="Take over"):
		inbox.check_staff_reply(None, "asha@x.in", "Hello", NOW, NOW)
	with pytest.raises(inbox.InboxRefusal, match="ravi@x.in has taken"):
		inbox.check_staff_reply("ravi@x.in", "asha@x.in", "Hello", NOW, NOW)
	assert inbox.check_staff_reply("asha@x.in", "asha@x.in", "  Premium wash is ₹799 \n", NOW, NOW) == "Premium wash is ₹799"


def test_a_staff_reply_outside_the_window_is_refused_before_whatsapp_would():
	with pytest.raises(inbox.InboxRefusal, match="template"):
		inbox.check_staff_reply("asha@x.in", "asha@x.in", "Hello", NOW - timedelta(days=2), NOW)


def test_empty_and_too_long_replies_are_refused():
	for text in ("", "   \n"):
		with pytest.raises(inbox.InboxRefusal, match="Type a reply"):
			inbox.check_staff_reply("a", "a", text, NOW, NOW)
	with pytest.raises(inbox.InboxRefusal, match="4096"):
		inbox.check_staff_reply("a", "a", "x" * 4097, NOW, NOW)


def test_take_over_and_hand_back():
	inbox.check_take_over(None, "asha@x.in")
	inbox.check_take_over("asha@x.in", "asha@x.in")  # taking it again changes nothing
	with pytest.raises(inbox.InboxRefusal):
		inbox.check_take_over("ravi@x.in", "asha@x.in")
	with pytest.raises(inbox.InboxRefusal, match="already answering"):
		inbox.check_hand_back(None, "asha@x.in", False)
	with pytest.raises(inbox.InboxRefusal, match="only they"):
		inbox.check_hand_back("ravi@x.in", "asha@x.in", False)
	inbox.check_hand_back("ravi@x.in", "admin@x.in", True)  # a System Manager releases anyone's


def test_the_reopen_template_carries_the_customers_name():
	template = inbox.reopen_template("follow_up", "", "Ravi")
	assert (template.name, template.language, template.fields) == ("follow_up", "en_US", {"field_1": "Ravi"})
	assert template.shown_as == "[Template follow_up: Ravi]"
	with pytest.raises(inbox.InboxRefusal, match="WA Bot Settings"):
		inbox.reopen_template("", "en_US", "Ravi")


def test_the_inbox_line():
	assert inbox.preview("kal  subah\n10 baje") == "kal subah 10 baje"
	assert inbox.preview("x" * 200).endswith("…") and len(inbox.preview("x" * 200)) == inbox.PREVIEW_CHARS
	assert inbox.preview("Which service?", inbox.BOT) == "Bot: Which service?"
	assert inbox.preview("₹799", inbox.STAFF, "Asha") == "Asha: ₹799"
	assert inbox.media_preview("location", None) == "📍 Location"
	assert inbox.media_preview("image", "") == "📷 Photo"
	assert inbox.media_preview("text", "hi") == "hi"


def test_a_failed_reply_goes_again_only_by_who_may_write_now():
	staff_row, bot_row = True, False
	inbox.check_retry(None, "asha@x.in", bot_row, "Failed", False, False, NOW, NOW)
	with pytest.raises(inbox.InboxRefusal, match="not sent again"):
		inbox.check_retry("asha@x.in", "asha@x.in", bot_row, "Failed", False, False, NOW, NOW)
	with pytest.raises(inbox.InboxRefusal, match="ravi@x.in has taken"):
		inbox.check_retry("ravi@x.in", "asha@x.in", staff_row, "Failed", False, False, NOW, NOW)
	with pytest.raises(inbox.InboxRefusal, match="confirm"):
		inbox.check_retry("asha@x.in", "asha@x.in", staff_row, "Unknown", False, False, NOW, NOW)
	inbox.check_retry("asha@x.in", "asha@x.in", staff_row, "Unknown", True, False, NOW, NOW)
	with pytest.raises(inbox.InboxRefusal, match="24 hours"):
		inbox.check_retry("asha@x.in", "asha@x.in", staff_row, "Failed", False, False, NOW - timedelta(days=2), NOW)
	inbox.check_retry("asha@x.in", "asha@x.in", staff_row, "Failed", False, True, NOW - timedelta(days=2), NOW)
	with pytest.raises(inbox.InboxRefusal, match="not failed"):
		inbox.check_retry(None, "asha@x.in", bot_row, "Sent", False, False, NOW, NOW)


def test_one_template_per_silence():
	inbox.check_template("asha@x.in", "asha@x.in", False, None, NOW - timedelta(days=2))
	with pytest.raises(inbox.InboxRefusal, match="on its way"):
		inbox.check_template("asha@x.in", "asha@x.in", True, None, NOW - timedelta(days=2))
	with pytest.raises(inbox.InboxRefusal, match="wait for their answer"):
		inbox.check_template("asha@x.in", "asha@x.in", False, NOW - timedelta(days=1), NOW - timedelta(days=2))
	inbox.check_template("asha@x.in", "asha@x.in", False, NOW - timedelta(days=3), NOW - timedelta(days=2))


def test_the_line_after_a_turn():
	assert inbox.line_after_turn(["Which service?", "Foam Wash ₹499"], "text", "hi") == "Bot: Foam Wash ₹499"
	assert inbox.line_after_turn([], "location", None) == "📍 Location"  # taken over: the customer's
	assert inbox.author_of("user", None) == inbox.CUSTOMER
	assert inbox.author_of("assistant", "asha@x.in") == inbox.STAFF
	assert inbox.author_of("assistant", None) == inbox.BOT
