"""What must hold after a run, read from the database, and the reply latencies."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from loadtest.traffic import Conversation

CAPACITY = 100_000  # bookings per slot during a run: every conversation books the same slot
from yawlit_bot.testing.wapi_standin import WapiStandin

def wait_for_quiescence(frappe, phones: list[str], timeout: float) -> float:
	"""Until nothing is pending or queued (the Scheduler thread keeps sweeping)."""
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		frappe.db.rollback()
		busy = frappe.db.sql(
			"""select count(*) from `tabWA Message` where conversation in %(phones)s and (
				(role = 'user' and processing_status = 'Pending') or
				(role = 'assistant' and (send_status in ('Queued', 'Sending') or (send_status = 'Failed' and wamid is null and send_attempts < 5))))""",
			{"phones": phones},
		)[0][0]
		if not busy:
			return time.perf_counter()
		time.sleep(0.5)
	raise SystemExit("no quiescence within the timeout: messages are stuck")


def check_invariants(
	frappe, conversations: list[Conversation], standin: WapiStandin, faults: set[str] = frozenset()
) -> dict:
	violations: list[str] = []
	phones = [c.phone for c in conversations]
	expected_wamids = {p["message"]["whatsapp_message_id"] for c in conversations for p in c.messages}
	rows = frappe.db.sql(
		"""select name, wamid, conversation, processing_status from `tabWA Message`
		where role = 'user' and conversation in %(phones)s order by name""",
		{"phones": phones},
		as_dict=True,
	)
	stored = Counter(r.wamid for r in rows)
	for wamid, count in stored.items():
		if count != 1:
			violations.append(f"{wamid} stored {count} times")
	lost = expected_wamids - set(stored)
	violations += [f"{w} never stored" for w in sorted(lost)[:10]]
	not_processed = [r.name for r in rows if r.processing_status != "Processed"]
	violations += [f"inbound {n} ended {rows_by(rows, n)}" for n in not_processed[:10]]

	replies = frappe.db.sql(
		"""select name, reply_to, conversation, send_status, wamid from `tabWA Message`
		where role = 'assistant' and conversation in %(phones)s order by name""",
		{"phones": phones},
		as_dict=True,
	)
	per_inbound = Counter(str(r.reply_to) for r in replies)
	for r in rows:
		if per_inbound.get(str(r.name), 0) != 1:
			violations.append(
				f"inbound {r.name} has {per_inbound.get(str(r.name), 0)} replies (processed twice or not at all)"
			)
	by_conv: dict[str, list] = defaultdict(list)
	for r in replies:
		by_conv[r.conversation].append(int(r.reply_to))
	for phone, order in by_conv.items():
		if order != sorted(order):
			violations.append(f"{phone}: replies out of order")
	# "Unknown": the send left and no answer came (WAPI hung past the timeout, or the worker
	# died mid-send). It is shown to staff and never resent, so a customer never gets it twice:
	# acceptable only when such a fault was injected.
	settled = ("Sent", "Delivered", "Read", *(("Unknown",) if faults else ()))
	unknown = sum(1 for r in replies if r.send_status == "Unknown")
	unsent = [r.name for r in replies if r.send_status not in settled]
	violations += [
		f"reply {n} not sent ({s})"
		for n, s in [(r.name, r.send_status) for r in replies if r.name in set(unsent)][:10]
	]

	def sent_text(body: dict) -> str:
		return (body.get("message_body") or body.get("body_text") or "")[:1024]

	accepted = Counter((r.body.get("phone_number"), sent_text(r.body)) for r in standin.accepted)
	expected_sends = Counter(
		(r.conversation, (r.content or "")[:1024])
		for r in frappe.db.sql(
			"select conversation, content from `tabWA Message` where role = 'assistant' and conversation in %(phones)s",
			{"phones": phones},
			as_dict=True,
		)
	)
	for key, count in accepted.items():
		if key[0] in set(phones) and count > expected_sends.get(key, 0):
			violations.append(
				f"{key[0]}: a reply reached WAPI {count} times, {expected_sends.get(key, 0)} expected"
			)

	bookings = Counter(
		frappe.db.sql_list(
			"select conversation from `tabWA Service Booking` where conversation in %(phones)s",
			{"phones": phones},
		)
	)
	fields_checked = 0
	for conv in conversations:
		count = bookings.get(conv.phone, 0)
		# In order, the flow books exactly once; fired all at once, Confirm may come before the
		# details (then no booking) but never twice.
		if count > 1 or (count != 1 and not conv.burst):
			violations.append(f"{conv.phone}: {count} bookings, {'at most ' if conv.burst else ''}1 expected")
		want = {
			"first_name": conv.first,
			"last_name": conv.last,
			"vehicle_plate": conv.plate,
			"pincode": "411004",
			"time_slot": "16:00-17:00",
			"service_type": "Premium Wash",
			"email": f"{conv.first.lower()}@example.com",
		}
		# no field lost: every value sent is in one of the conversation's scratchpads
		pads = frappe.get_all(
			"WA Booking Scratchpad", filters={"conversation": conv.phone}, fields=list(want)
		)
		for key, value in want.items():
			fields_checked += 1
			if not any(pad.get(key) == value for pad in pads):
				violations.append(f"{conv.phone}: {key} {value!r} is in none of its scratchpads")
	return {
		"violations": violations,
		"processed": len(rows) - len(not_processed),
		"summary": {
			"inbound stored": f"{len(rows)} of {len(expected_wamids)} unique",
			"replies": f"{len(replies)} ({unknown} with an unknown outcome, never resent)",
			"bookings": sum(bookings.values()),
			"booking fields checked": fields_checked,
			"slot capacity": check_slots(frappe, phones, violations),
		},
	}


def check_flood(frappe, phone: str, sent: int, report: dict) -> None:
	"""Every flood message stored and read; the replies held to the limit (one notice more)."""
	limit = frappe.db.get_single_value("WA Bot Settings", "flood_reply_limit") or 10
	rows = frappe.db.sql(
		"""select processing_status, replies_held_back from `tabWA Message`
		where conversation = %s and role = 'user'""",
		phone,
		as_dict=True,
	)
	answered = frappe.db.sql(
		"""select min(creation), max(creation), count(*) from `tabWA Message`
		where conversation = %s and role = 'assistant'""",
		phone,
	)[0]
	processed = sum(1 for r in rows if r.processing_status == "Processed")
	held = sum(r.replies_held_back or 0 for r in rows)
	if len(rows) != sent or processed != sent:
		report["violations"].append(f"flood: {len(rows)} of {sent} stored, {processed} processed")
	span = (answered[1] - answered[0]).total_seconds() if answered[2] else 0
	allowed = (limit + 1) * (1 + int(span // 60))  # per minute: the limit and one notice
	if answered[2] > allowed:
		report["violations"].append(f"flood: {answered[2]} replies, at most {allowed} allowed")
	report["summary"]["flood"] = (
		f"{len(rows)} of {sent} stored, {processed} processed, {answered[2]} replies sent, {held} held back"
	)


def rows_by(rows, name):
	return next((r.processing_status for r in rows if r.name == name), "?")


def reply_latencies(frappe, phones, after_seconds: float = 0) -> list[float]:
	"""Received -> sent per reply; with `after_seconds`, only for messages received that long
	after the first one of the run."""
	rows = frappe.db.sql(
		"""select timestampdiff(microsecond, i.received_at, o.sent_at) / 1000 as ms,
			timestampdiff(microsecond, first.at, i.received_at) / 1e6 as since_start
		from `tabWA Message` o join `tabWA Message` i on i.name = o.reply_to
		join (select min(received_at) as at from `tabWA Message`
			where role = 'user' and conversation in %(phones)s) first
		where o.role = 'assistant' and o.sent_at is not null and o.conversation in %(phones)s""",
		{"phones": phones},
	)
	return [float(r[0]) for r in rows if r[0] is not None and float(r[1]) >= after_seconds]


def check_slots(frappe, phones: list[str], violations: list[str]) -> str:
	"""Every slot the run booked: its row counts exactly the confirmed bookings in it, and no
	more than its capacity."""
	slots = frappe.db.sql(
		"""select appointment_date, time_slot, count(*) from `tabWA Service Booking`
		where conversation in %(phones)s and status = 'Confirmed' group by appointment_date, time_slot""",
		{"phones": phones},
	)
	for day, slot, _ours in slots:
		confirmed = frappe.db.count("WA Service Booking", {"appointment_date": day, "time_slot": slot, "status": "Confirmed"})
		booked = frappe.db.get_value("WA Booking Slot", f"{day} {slot}", "booked")
		if booked != confirmed:
			violations.append(f"slot {day} {slot}: its row counts {booked} bookings, {confirmed} confirmed")
		if confirmed > CAPACITY:
			violations.append(f"slot {day} {slot}: {confirmed} bookings, capacity {CAPACITY}")
	return f"{len(slots)} slot(s) booked, each row's count equal to its bookings and within capacity"
