"""The booking's fields: which are required, how they are labelled, how they are asked.

Sixteen details the customer gives (`DETAIL_FIELDS`, what completeness counts), and two
answers the catalog may need: whether water and electricity are at the address, asked only
when the chosen service or add-ons need them (`engine/offer.py`).

This is the one home of the field list; DocTypes, validation, completeness and replies all
read it from here.
"""

from __future__ import annotations

REQUIRED_FIELDS: tuple[str, ...] = (
	"first_name",
	"last_name",
	"phone",
	"address",
	"pincode",
	"vehicle_type",
	"vehicle_brand",
	"vehicle_model",
	"vehicle_plate",
	"service_type",
	"appointment_date",
	"time_slot",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("email", "city", "addons", "notes")
DETAIL_FIELDS: tuple[str, ...] = REQUIRED_FIELDS + OPTIONAL_FIELDS
UTILITY_FIELDS: tuple[str, ...] = ("water_provided", "electricity_provided")  # "Yes" / "No"
ALL_FIELDS: tuple[str, ...] = DETAIL_FIELDS + UTILITY_FIELDS
NO_ADDONS = "None"  # the customer said no to add-ons: asked once, not again

LABELS: dict[str, str] = {
	"first_name": "First name",
	"last_name": "Last name",
	"phone": "Phone",
	"address": "Address",
	"pincode": "Pincode",
	"vehicle_type": "Vehicle type",
	"vehicle_brand": "Brand",
	"vehicle_model": "Model",
	"vehicle_plate": "Number plate",
	"service_type": "Service",
	"appointment_date": "Date",
	"time_slot": "Time slot",
	"email": "Email",
	"city": "City",
	"addons": "Add-ons",
	"notes": "Notes",
	"water_provided": "Water at the address",
	"electricity_provided": "Electricity at the address",
}

VEHICLE_TYPES: tuple[str, ...] = ("Hatchback", "Sedan", "SUV", "MUV", "Bike")

SERVICE_TYPES: tuple[str, ...] = (
	"Basic Wash",
	"Premium Wash",
	"Interior Cleaning",
	"Full Detailing",
	"Polishing",
	"Driving Service",
)

# Slots run 06:00-18:00 in one-hour windows (Yawlit's ERP).
FIRST_SLOT_HOUR = 6
LAST_SLOT_HOUR = 17
TIME_SLOTS: tuple[str, ...] = tuple(
	f"{h:02d}:00-{h + 1:02d}:00" for h in range(FIRST_SLOT_HOUR, LAST_SLOT_HOUR + 1)
)

BOOKING_HORIZON_DAYS = 180
TIMEZONE = "Asia/Kolkata"

# The order in which missing details are asked, grouped the way a person would ask them.
# Each group is one question; a reply asks two or three fields at a time.
QUESTION_GROUPS: tuple[tuple[str, ...], ...] = (
	("first_name", "last_name"),
	("vehicle_brand", "vehicle_model", "vehicle_type"),
	("vehicle_plate",),
	("service_type",),
	("appointment_date", "time_slot"),
	("address", "pincode"),
	("water_provided", "electricity_provided"),
	("phone",),
)

QUESTIONS: dict[tuple[str, ...], str] = {
	("first_name", "last_name"): "your full name (first and last)",
	("vehicle_brand", "vehicle_model", "vehicle_type"): "your car's brand and model (e.g. Maruti Swift)",
	("vehicle_plate",): "the number plate (e.g. MH12AB1234)",
	("service_type",): "the service you want (" + ", ".join(SERVICE_TYPES) + ")",
	("appointment_date", "time_slot"): "the date and time (e.g. tomorrow 10 am; we work 6 am to 6 pm)",
	("address", "pincode"): "the address for the wash, with its 6-digit pincode",
	("water_provided", "electricity_provided"): (
		"whether we can use water and electricity at the address (e.g. \"both yes\", \"only water\")"
	),
	("phone",): "a 10-digit mobile number to reach you",
}

# When only part of a group is missing, its own question ("kal subah" gave the day: ask the hour).
PART_QUESTIONS: dict[tuple[str, ...], str] = {
	("time_slot",): "the time (e.g. 10 am; we work 6 am to 6 pm, in one-hour slots)",
	("appointment_date",): "the date (e.g. tomorrow, Friday or 25/12)",
	("pincode",): "the 6-digit pincode of the address",
	("address",): "the address for the wash: flat or house number, building and street",
	("last_name",): "your last name",
	("first_name",): "your first name",
	("water_provided",): "whether we can use water at the address (yes or no)",
	("electricity_provided",): "whether we can use an electricity socket at the address (yes or no)",
}

# Words customers use for a field when they say "edit X" / "change X".
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
	"first_name": ("first name", "name", "naam"),
	"last_name": ("last name", "surname"),
	"phone": ("phone", "mobile", "number", "contact"),
	"address": ("address", "location", "pata"),
	"pincode": ("pincode", "pin code", "pin", "zip"),
	"vehicle_type": ("vehicle type", "car type", "type"),
	"vehicle_brand": ("brand", "company", "make"),
	"vehicle_model": ("model", "car", "gaadi", "gadi", "vehicle"),
	"vehicle_plate": (
		"plate",
		"number plate",
		"registration",
		"reg no",
		"car number",
		"car no",
		"gaadi number",
		"gadi number",
		"gaadi no",
		"vehicle number",
		"vehicle no",
	),
	"service_type": ("service", "package", "wash type"),
	"appointment_date": ("date", "day", "din", "tarikh"),
	"time_slot": ("time", "slot", "timing", "samay", "waqt"),
	"email": ("email", "mail"),
	"city": ("city", "shehar"),
	"addons": ("addons", "add-ons", "add ons", "extras"),
	"notes": ("notes", "note", "instructions"),
	"water_provided": ("water", "paani", "pani"),
	"electricity_provided": ("electricity", "bijli", "power", "socket"),
}
