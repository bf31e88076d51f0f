"""A local stand-in of Yawlit's ERP booking API (../shared/reference/yawlit-erp-api.md).

It speaks the real wire format: `POST /api/method/yawlit_automotive_services.api.<module>.<method>`
with a JSON body and `Authorization: token <key>:<secret>`; answers wrapped in `message`;
failures as HTTP 4xx/5xx with Frappe's `exc_type` and `_server_messages`, or as
`{"message": {"success": false, "message": ...}}`. Switches for errors, slowness and timeouts.
No frappe import: tests start it in process, or run it alone:

    python -m yawlit_bot.testing.yawlit_erp_standin --port 8765 --key k --secret s
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from yawlit_bot.testing.standin_http import JsonHandler, StandinServer, serve_until_interrupted

PREFIX = "/api/method/yawlit_automotive_services.api."

# The catalog seen in Yawlit's tests (values invented where the reference has none).
ADDONS = {
	"ADDON-ECO": {"addon_name": "Eco Wash", "unit_price": 100, "requires_water": 1, "requires_electricity": 0},
	"ADDON-POLISH": {"addon_name": "Exterior Polishing", "unit_price": 2400, "requires_water": 0, "requires_electricity": 1},
	"ADDON-VACUUM": {"addon_name": "Interior Vacuum", "unit_price": 200, "requires_water": 0, "requires_electricity": 1},
}
SERVICES = [
	{"name": "PROD-HB-PREM", "product_name": "HatchBack Premium", "base_price": 499, "vehicle_type": "Hatchback",
	 "included": ["ADDON-VACUUM"], "optional": ["ADDON-ECO", "ADDON-POLISH"]},
	{"name": "PROD-SED-PREM", "product_name": "Sedan Premium", "base_price": 599, "vehicle_type": "Sedan",
	 "included": ["ADDON-VACUUM"], "optional": ["ADDON-ECO", "ADDON-POLISH"]},
	{"name": "PROD-SUV-PREM", "product_name": "SUV Premium", "base_price": 599, "vehicle_type": "SUV",
	 "included": [], "optional": ["ADDON-ECO"]},
	{"name": "PROD-SUV-DRIVE", "product_name": "SUV Driving Service", "base_price": 1200, "vehicle_type": "SUV",
	 "included": [], "optional": []},
]
SURCHARGE = 150
CAPACITY = 2


@dataclass
class Switches:
	fail_next: int = 0  # answer the next N calls with `fail_status`
	fail_status: int = 500
	hang_next: int = 0  # hold the next N calls for `hang_seconds` (past a client's timeout)
	hang_seconds: float = 12.0
	delay: float = 0.0
	# book, then hold the answer of the next N create_booking_by_phone calls for `hang_seconds`:
	# the ERP booked while the caller's read timed out
	hang_after_booking_next: int = 0


@dataclass
class Call:
	method: str
	body: Any
	status: int


@dataclass
class ErpState:
	key: str
	secret: str
	switches: Switches = field(default_factory=Switches)
	calls: list[Call] = field(default_factory=list)
	taken: dict = field(default_factory=dict)  # (date, slot_id) -> seats booked
	profiles: dict = field(default_factory=dict)  # 10-digit phone -> profile
	bookings: list = field(default_factory=list)  # what create_booking_by_phone made
	lock: threading.Lock = field(default_factory=threading.Lock)


def frappe_error(status: int, exc_type: str, message: str) -> tuple[int, dict]:
	"""An error the way Frappe answers one."""
	return status, {
		"exc_type": exc_type,
		"_server_messages": json.dumps([json.dumps({"message": message})]),
	}


class _Handler(JsonHandler):
	server_version = "YawlitErpStandin/1.0"
	state: ErpState

	def do_POST(self):
		body = self._body()
		path = self.path.split("?")[0]
		method = path[len(PREFIX) :] if path.startswith(PREFIX) else ""
		state = self.state
		with state.lock:
			switches = Switches(**state.switches.__dict__)
			hang = state.switches.hang_next > 0
			if hang:
				state.switches.hang_next -= 1
			fail = state.switches.fail_next > 0
			if fail:
				state.switches.fail_next -= 1
		if switches.delay:
			time.sleep(switches.delay)
		if hang:
			time.sleep(switches.hang_seconds)
		if fail:
			status, payload = frappe_error(switches.fail_status, "Exception", "stand-in failure")
		elif self.headers.get("Authorization") != f"token {state.key}:{state.secret}":
			status, payload = frappe_error(401, "AuthenticationError", "Invalid API key or secret")
		elif not isinstance(body, dict):
			status, payload = frappe_error(417, "ValidationError", "Request body must be JSON")
		else:
			status, payload = self._answer(method, body)
		with state.lock:
			state.calls.append(Call(method, body, status))
		self._reply(status, payload)

	def _answer(self, method: str, body: dict) -> tuple[int, dict]:
		handler = {
			"customer_portal.get_filtered_services": self._services,
			"booking.get_optional_addons": self._addons,
			"booking.get_available_slots_enhanced": self._slots,
			"booking.calculate_booking_price": self._price,
			"customer_portal.get_profile_by_phone": self._profile,
			"customer_portal.add_vehicle": self._add_vehicle,
			"customer_portal.add_address": self._add_address,
			"booking.create_booking_by_phone": self._create_booking,
		}.get(method)
		if not handler:
			return frappe_error(404, "DoesNotExistError", f"Method {method} not found")
		return 200, {"message": handler(body)}

	def _services(self, body: dict) -> dict:
		kind = str(body.get("vehicle_type") or "").lower()
		services = [
			{
				"name": s["name"],
				"product_name": s["product_name"],
				"base_price": s["base_price"],
				"description": "",
				"included_addons": [
					{"addon": a, "addon_name": ADDONS[a]["addon_name"], "unit_price": ADDONS[a]["unit_price"]}
					for a in s["included"]
				],
			}
			for s in SERVICES
			if s["vehicle_type"].lower() == kind
		]
		return {"success": True, "services": services}

	def _addons(self, body: dict) -> dict:
		service = next((s for s in SERVICES if s["name"] == body.get("product_id")), None)
		if not service:
			return {"success": False, "message": f"Product {body.get('product_id')} not found"}
		return {
			"success": True,
			"optional_addons": [{"name": a, **ADDONS[a]} for a in service["optional"]],
		}

	def _slots(self, body: dict) -> dict:
		try:
			day = date.fromisoformat(str(body.get("date_str")))
		except ValueError:
			return {"success": False, "message": "Invalid date"}
		if day < datetime.now().date():
			return {"success": False, "message": "Cannot book for past dates"}
		slots = []
		for hour in range(6, 18):
			slot_id = f"{hour:02d}:00-{hour + 1:02d}:00"
			left = CAPACITY - self.state.taken.get((day.isoformat(), slot_id), 0)
			slots.append(
				{
					"name": f"SLOT-{day:%Y%m%d}-{hour:02d}",
					"slot_id": slot_id,
					"display_text": f"{hour:02d}:00 - {hour + 1:02d}:00",
					"available_capacity": left,
					"vendor_count": 1,
				}
			)
		return {"success": True, "slots": slots}

	def _profile(self, body: dict) -> dict:
		with self.state.lock:
			profile = self.state.profiles.get(str(body.get("phone_number") or ""))
		if profile is None:
			return {"success": False, "message": "Customer not found"}
		return {"success": True, "profile": profile}

	def _customer(self, phone: str) -> dict:
		"""The profile of `phone`, made on first use (the ERP creates a customer by phone)."""
		return self.state.profiles.setdefault(
			phone,
			{"customer_uuid": f"CUST-{phone}", "full_name": "", "email": "", "mobile_no": phone,
			 "city": "", "state": "", "pincode": "", "vehicles": [], "addresses": []},
		)

	def _add_vehicle(self, body: dict) -> dict:
		data = body.get("vehicle_data") or {}
		if not isinstance(data, dict) or not data.get("vehicle_number"):
			return {"success": False, "message": "vehicle_data needs vehicle_number"}
		with self.state.lock:
			profile = self._customer(str(body.get("phone_number") or ""))
			name = f"VEH-{len(profile['vehicles']) + 1:03d}-{body.get('phone_number')}"
			profile["vehicles"].append({"name": name, **data, "is_primary": not profile["vehicles"]})
		return {"success": True, "name": name}

	def _add_address(self, body: dict) -> dict:
		data = body.get("address_data") or {}
		if not isinstance(data, dict) or not data.get("address_line1") or not data.get("pincode"):
			return {"success": False, "message": "address_data needs address_line1 and pincode"}
		with self.state.lock:
			profile = self._customer(str(body.get("phone_number") or ""))
			name = f"ADDR-{len(profile['addresses']) + 1:03d}-{body.get('phone_number')}"
			profile["addresses"].append({"name": name, **data})
		return {"success": True, "name": name}

	def _create_booking(self, body: dict) -> dict:
		phone = str(body.get("phone_number") or "")
		service = next((s for s in SERVICES if s["name"] == body.get("product_id")), None)
		if not service:
			return {"success": False, "message": f"Product {body.get('product_id')} not found"}
		try:
			day = date.fromisoformat(str(body.get("booking_date")))
			hour = int(str(body.get("slot_id") or "").rsplit("-", 1)[1])
		except (ValueError, IndexError):
			return {"success": False, "message": "Invalid booking_date or slot_id"}
		slot_id = f"{hour:02d}:00-{hour + 1:02d}:00"
		with self.state.lock:
			profile = self.state.profiles.get(phone) or {}
			if body.get("vehicle_id") not in [v["name"] for v in profile.get("vehicles", [])]:
				return {"success": False, "message": "Vehicle not found for this customer"}
			if body.get("address_id") not in [a["name"] for a in profile.get("addresses", [])]:
				return {"success": False, "message": "Address not found for this customer"}
			key = (day.isoformat(), slot_id)
			if self.state.taken.get(key, 0) >= CAPACITY:
				return {"success": False, "message": f"Slot {slot_id} on {day} is fully booked"}
			self.state.taken[key] = self.state.taken.get(key, 0) + 1
			booking_id = f"BKG-{len(self.state.bookings) + 1:05d}"
			self.state.bookings.append({"booking_id": booking_id, **body})
			hang = self.state.switches.hang_after_booking_next > 0
			if hang:
				self.state.switches.hang_after_booking_next -= 1
		if hang:
			time.sleep(self.state.switches.hang_seconds)
		price = self._price({**body, "addon_ids": body.get("addon_ids") or []})
		return {"success": True, "booking_id": booking_id, "total_amount": price.get("total_amount"),
				"message": "Booking created"}

	def _price(self, body: dict) -> dict:
		service = next((s for s in SERVICES if s["name"] == body.get("product_id")), None)
		if not service:
			return {"success": False, "message": f"Product {body.get('product_id')} not found"}
		addon_ids = body.get("addon_ids") or []
		if not isinstance(addon_ids, list) or any(not isinstance(a, dict) or a.get("addon") not in ADDONS for a in addon_ids):
			return {"success": False, "message": "addon_ids must be a list of {addon, quantity}"}
		chosen = [a["addon"] for a in addon_ids]
		addons_total = sum(
			ADDONS[a]["unit_price"] * int(item.get("quantity") or 1)
			for item in addon_ids
			for a in [item["addon"]]
			if a not in service["included"]
		)
		needs = [ADDONS[a] for a in [*service["included"], *chosen]]
		water = any(a["requires_water"] for a in needs) and not int(body.get("water_provided", 1))
		power = any(a["requires_electricity"] for a in needs) and not int(body.get("electricity_provided", 1))
		surcharges = (int(water) + int(power)) * SURCHARGE
		base = service["base_price"]
		return {
			"success": True,
			"base_price": base,
			"addons_total": addons_total,
			"total_surcharges": surcharges,
			"total_amount": base + addons_total + surcharges,
		}


class YawlitErpStandin(StandinServer):
	name = "erp-standin"

	def __init__(self, host: str = "127.0.0.1", port: int = 0, key: str = "erp-key", secret: str = "erp-secret"):
		super().__init__(_Handler, ErpState(key=key, secret=secret), host, port)

	def book(self, day: date, slot_id: str, seats: int = 1) -> None:
		"""Seats taken on the ERP's side (by its own customers)."""
		with self.state.lock:
			key = (day.isoformat(), slot_id)
			self.state.taken[key] = self.state.taken.get(key, 0) + seats

	def clear(self) -> None:
		"""Forget the seats, bookings, customers and calls of earlier tests."""
		with self.state.lock:
			self.state.taken.clear()
			self.state.bookings.clear()
			self.state.profiles.clear()
			self.state.calls.clear()

	def add_profile(self, phone: str, profile: dict) -> None:
		with self.state.lock:
			self.state.profiles[phone[-10:]] = profile

	@property
	def bookings(self) -> list[dict]:
		with self.state.lock:
			return list(self.state.bookings)

	@property
	def calls(self) -> list[Call]:
		with self.state.lock:
			return list(self.state.calls)


def main() -> None:
	parser = argparse.ArgumentParser(description="Yawlit ERP API stand-in")
	parser.add_argument("--port", type=int, default=8765)
	parser.add_argument("--key", default="erp-key")
	parser.add_argument("--secret", default="erp-secret")
	args = parser.parse_args()
	serve_until_interrupted(YawlitErpStandin(port=args.port, key=args.key, secret=args.secret), "Yawlit ERP")


if __name__ == "__main__":
	main()
