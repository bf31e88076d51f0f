"""The customers of a measured run: booking flows posted as WAPI posts them."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from loadtest.site import Site
from yawlit_bot.testing import payloads
from yawlit_bot.testing.wapi_standin import WapiStandin

WEBHOOK = "/api/method/yawlit_bot.api.webhook.receive"
FLOW = [
	("text", "Hi, I need a car wash"),
	("text", "I am {first} {last}"),
	("text", "{brand_model} {plate}"),
	("text", "premium wash"),
	("text", "parso shaam 4 baje"),
	("text", "address: {house} Law College Road, Erandwane, Pune 411004"),
	("text", "haan bijli hai"),  # the sample Premium Wash includes a vacuum: electricity is asked
	("text", "email {first_lower}@example.com"),
	("button", "Confirm"),
	("text", "thanks"),
	("text", "confirm"),
]
FIRST = ["Ravi", "Priya", "Amit", "Neha", "Rohit", "Sneha", "Vikram", "Anita", "Suresh", "Kavya"]
LAST = ["Kumar", "Sharma", "Patel", "Gupta", "Iyer", "Reddy", "Singh", "Joshi", "Mehta", "Rao"]
CARS = ["Maruti Swift", "Hyundai Creta", "Tata Nexon", "Honda City", "Kia Seltos", "Toyota Innova"]


@dataclass
class Conversation:
	phone: str
	first: str
	last: str
	plate: str
	messages: list[dict] = field(default_factory=list)
	duplicated: list[bool] = field(default_factory=list)  # delivered twice
	burst: bool = False


@dataclass
class Figures:
	acks: list[float] = field(default_factory=list)
	ack_due: list[float] = field(default_factory=list)  # when each of `acks` was due (perf_counter)
	burst_acks: list[float] = field(default_factory=list)  # the share of `acks` sent in bursts
	statuses: Counter = field(default_factory=Counter)  # the final answer per delivery
	posted: int = 0
	duplicates_posted: int = 0
	redelivered: int = 0  # deliveries sent again after no answer or a 5xx
	failed_attempts: Counter = field(default_factory=Counter)  # what those attempts got
	lock: threading.Lock = field(default_factory=threading.Lock)


def make_conversations(
	count: int, burst_share: float, dup_share: float, rng: random.Random
) -> list[Conversation]:
	conversations = []
	for i in range(count):
		first, last = rng.choice(FIRST), rng.choice(LAST)
		plate = f"MH{rng.randint(1, 50):02d}{rng.choice('ABCDEFGH')}{rng.choice('KLMNPQRS')}{rng.randint(1000, 9999)}"
		conv = Conversation(f"9190{i:08d}", first, last, plate, burst=rng.random() < burst_share)
		values = {
			"first": first,
			"last": last,
			"first_lower": first.lower(),
			"brand_model": rng.choice(CARS),
			"plate": plate,
			"house": f"{rng.randint(1, 400)}",
		}
		for kind, text in FLOW:
			if kind == "button":
				conv.messages.append(payloads.button(conv.phone, text, "1"))
			else:
				conv.messages.append(payloads.text(conv.phone, text.format(**values)))
			conv.duplicated.append(rng.random() < dup_share)
		conversations.append(conv)
	return conversations



class Pacer:
	"""Open-loop pacing: request n is due at start + n / rate, whether or not the earlier ones
	were answered. Without a rate, every request is due when its client is free (closed loop)."""

	def __init__(self, rate: float):
		self.rate = rate
		self.start: float | None = None
		self.issued = 0
		self.lock = threading.Lock()

	def due(self) -> float:
		if not self.rate:
			return time.perf_counter()
		with self.lock:
			if self.start is None:
				self.start = time.perf_counter()
			due = self.start + self.issued / self.rate
			self.issued += 1
		delay = due - time.perf_counter()
		if delay > 0:
			time.sleep(delay)
		return due


def post_once(port: int, host: str, path: str, body: bytes) -> int:
	"""One delivery on a fresh connection (gunicorn's sync workers close it after each
	request anyway). http.client, not requests: the load client shares the two cores."""
	conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
	try:
		conn.request("POST", path, body, {"Host": host, "Content-Type": "application/json"})
		response = conn.getresponse()
		response.read()
		return response.status
	finally:
		conn.close()


def deliver(site: Site, path: str, body: bytes, figures: Figures) -> int:
	"""Deliver until answered below 500: a connection refused or reset (web server down) or
	a 5xx is delivered again, with backoff, for up to about a minute."""
	status = 0
	for attempt in range(12):
		try:
			status = post_once(site.port, site.site, path, body)
		except (OSError, http.client.HTTPException) as exc:
			status, outcome = 0, type(exc).__name__
		else:
			outcome = str(status)
		if 0 < status < 500:
			return status
		with figures.lock:
			figures.redelivered += 1
			figures.failed_attempts[outcome] += 1
		time.sleep(min(0.25 * 2**attempt, 8))
	return status


def frappe_baseline(site: Site, rate: float, clients: int, count: int) -> dict:
	"""Frappe's own `/api/method/ping` on this machine, same web server, clients and pacing:
	the floor any whitelisted method stands on here, to read the webhook's figures against
	(the issue's machine: about 370 req/s flat out)."""
	pacer = Pacer(rate)
	latencies: list[float] = []
	dues: list[float] = []
	lock = threading.Lock()

	def ping(_):
		due = pacer.due()
		conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
		try:
			conn.request("GET", "/api/method/ping", headers={"Host": site.site})
			response = conn.getresponse()
			response.read()
			if response.status != 200:
				raise RuntimeError(f"ping answered {response.status}")
		finally:
			conn.close()
		with lock:
			latencies.append((time.perf_counter() - due) * 1000)
			dues.append(due)

	started = time.perf_counter()
	with ThreadPoolExecutor(clients) as pool:
		list(pool.map(ping, range(count)))
	return {"rps": count / (time.perf_counter() - started), "ms": latencies, "due": dues}


def drive(
	site: Site,
	secret: str,
	conversations: list[Conversation],
	clients: int,
	figures: Figures,
	pacer: Pacer,
	standin: WapiStandin,
	think: float | None,
	rng: random.Random,
):
	"""Post every conversation's messages. With `think` set, a customer waits for the bot's
	replies, then thinks about `think` seconds (exponentially distributed) before the next."""
	path = f"{WEBHOOK}?token={secret}"

	def post(payload: dict, duplicated: bool, burst: bool = False) -> None:
		body = json.dumps(payload).encode()
		due = pacer.due()
		status = deliver(site, path, body, figures)
		elapsed = time.perf_counter() - due
		with figures.lock:
			figures.acks.append(elapsed)
			figures.ack_due.append(due)
			if burst:
				figures.burst_acks.append(elapsed)
			figures.statuses[status] += 1
			figures.posted += 1
		if duplicated:  # the provider delivering the same message again
			pacer.due()
			deliver(site, path, body, figures)
			with figures.lock:
				figures.duplicates_posted += 1
				figures.posted += 1

	def wait_for_replies(conv: Conversation, count: int) -> None:
		standin.wait_for_accepted(conv.phone, count, timeout=120)
		if think:
			time.sleep(rng.expovariate(1 / think))

	def run_conversation(conv: Conversation):
		if think:  # customers do not all start at the same moment
			time.sleep(rng.uniform(0, think))
		if conv.burst:  # all ten at the same moment, from several clients
			with ThreadPoolExecutor(len(conv.messages)) as burst:
				list(burst.map(post, conv.messages, conv.duplicated, [True] * len(conv.messages)))
			if think:
				wait_for_replies(conv, len(conv.messages))
		else:
			for n, (payload, duplicated) in enumerate(zip(conv.messages, conv.duplicated), start=1):
				post(payload, duplicated)
				if think:
					wait_for_replies(conv, n)

	# Conversing customers spend most of their time waiting and thinking: one thread each.
	with ThreadPoolExecutor(len(conversations) if think else clients) as pool:
		list(pool.map(run_conversation, conversations))
