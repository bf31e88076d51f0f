"""A complete, valid booking shared by the engine-tier tests (today is a Wednesday)."""

from datetime import date

TODAY = date(2026, 11, 25)
PHONE = "919812345678"

FULL = {
	"first_name": "Ravi",
	"last_name": "Kumar",
	"phone": PHONE,
	"address": "Flat 12, Green Park, Baner",
	"pincode": "411045",
	"vehicle_type": "Hatchback",
	"vehicle_brand": "Maruti Suzuki",
	"vehicle_model": "Swift",
	"vehicle_plate": "MH12AB1234",
	"service_type": "Premium Wash",
	"appointment_date": "2026-11-26",
	"time_slot": "10:00-11:00",
}
