"""WAPI's answers read as one kind of outcome, and what each kind does to a reply and to a
campaign row."""

from __future__ import annotations

import pytest

from yawlit_bot.engine import send_outcome as outcome


@pytest.mark.parametrize(
	"status, data, kind",
	[
		(200, {"result": "success", "data": {"wamid": "x"}}, outcome.OK),
		(429, {}, outcome.RATE_LIMITED),
		(400, {"result": "failed", "message": "(#131056) pair rate limit hit"}, outcome.RATE_LIMITED),
		(500, {}, outcome.RETRY),
		(503, None, outcome.RETRY),
		(401, {}, outcome.AUTH),
		(403, {"message": "forbidden"}, outcome.AUTH),
		(400, {"result": "failed", "message": "invalid number"}, outcome.REFUSED),
		(200, {"result": "failed", "message": "template not approved"}, outcome.REFUSED),
		(200, ["not", "an", "object"], outcome.REFUSED),
	],
)
def test_answers_are_read_as_one_kind(status, data, kind):
	assert outcome.read_answer(status, data)[0] == kind


def test_a_reply_whose_fate_is_unknown_is_never_resent():
	assert outcome.reply_status_after(outcome.NO_ANSWER) == "Unknown"
	for kind in (outcome.REFUSED, outcome.RETRY, outcome.RATE_LIMITED, outcome.AUTH):
		assert outcome.reply_status_after(kind) == "Failed"


def test_campaign_rows():
	assert outcome.campaign_row_after(outcome.RATE_LIMITED, 1, 5) == ("Pending", False)
	assert outcome.campaign_row_after(outcome.RATE_LIMITED, 5, 5) == ("Failed", False)
	assert outcome.campaign_row_after(outcome.AUTH, 1, 5) == ("Pending", True)
	assert outcome.campaign_row_after(outcome.NO_ANSWER, 1, 5) == ("Unknown", False)
	assert outcome.campaign_row_after(outcome.REFUSED, 1, 5) == ("Failed", False)


def test_a_refused_reply_goes_again_soon_once_then_spaced_out():
	assert outcome.resend_delay(1) == 5
	assert outcome.resend_delay(2) == 60
	assert outcome.resend_delay(3) < outcome.resend_delay(4) == outcome.resend_delay(9)
