"""Delivery receipts move a message forward only, the same for replies and campaign rows."""

from __future__ import annotations

import pytest

from yawlit_bot.engine import delivery
from yawlit_bot.engine.campaign import RECIPIENT_STATUSES

LADDER = ["Sending", "Sent", "Delivered", "Read"]


@pytest.mark.parametrize("receipt", delivery.RECEIPTS)
def test_a_receipt_never_moves_a_message_back(receipt):
	target = delivery.status_after(receipt)
	if target in LADDER:
		later = LADDER[LADDER.index(target) + 1 :]
		assert not set(later) & set(delivery.REPLACES[receipt])
	assert target not in delivery.REPLACES[receipt]


def test_failed_never_follows_a_delivery_and_our_own_doubts_give_way():
	assert "Delivered" not in delivery.REPLACES["failed"] and "Read" not in delivery.REPLACES["failed"]
	for receipt in ("sent", "delivered", "read"):
		assert {"Unknown", "Failed"} <= set(delivery.REPLACES[receipt])


def test_the_rule_speaks_the_campaign_rows_statuses_too():
	for statuses in delivery.REPLACES.values():
		assert set(statuses) - {"Queued"} <= set(RECIPIENT_STATUSES)


def test_a_failure_keeps_its_reason():
	assert delivery.failure_reason("failed", None) == delivery.NO_REASON_GIVEN
	assert delivery.failure_reason("failed", "x" * 2000) == "x" * 1000
	assert delivery.failure_reason("read", "ignored") is None
