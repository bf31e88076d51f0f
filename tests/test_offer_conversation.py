"""The conversation with a catalog (`engine/offer.py`): services from the catalog as a list with
prices, chosen by row, number, ordinal, name or typo; add-ons named or offered on the summary;
water and electricity asked once, only when needed; the day's free slots offered as a list."""

from booking_data import FULL, PHONE, TODAY

from yawlit_bot.engine.catalog import Addon, Catalog, Service
from yawlit_bot.engine.conversation import (
	ACTIVE,
	Message,
	SlotCheck,
	Snapshot,
	State,
	asks_time,
	decide_turn,
	offer_times,
	settle,
)
from yawlit_bot.engine.fields import NO_ADDONS
from yawlit_bot.engine.offer import Offer, read_choices

ADDONS = {
	"eco": Addon("eco", "Eco Wash", 100, needs_water=True),
	"vac": Addon("vac", "Interior Vacuum", 200, needs_electricity=True),
	"tyre": Addon("tyre", "Tyre Shine", 150),
	"polish": Addon("polish", "Exterior Polishing", 2400, needs_electricity=True),
}
SERVICES = (
	Service("basic", "Basic Wash", {"Hatchback": 299, "Sedan": 349, "SUV": 399}, addons=("eco", "tyre")),
	Service("foam", "Foam Wash", {"Hatchback": 399, "Sedan": 449, "SUV": 499}, addons=("eco", "tyre", "vac")),
	Service(
		"premium",
		"Premium Wash",
		{"Hatchback": 499, "Sedan": 599, "SUV": 599},
		addons=("vac", "tyre", "polish"),
		included_addons=("vac",),
	),
	Service("interior", "Interior Cleaning", {"Hatchback": 799, "SUV": 999}, included_addons=("vac",)),
	Service("old", "Full Detailing", {"Hatchback": 1999}, enabled=False),
)
OFFER = Offer(Catalog(SERVICES, ADDONS), utility_surcharge=150)


def turn(snapshot, text=None, offer=OFFER, **message):
	return decide_turn(snapshot, Message(text=text, **message), TODAY, PHONE, offer=offer)


def after(decision):
	return Snapshot(
		decision.state,
		decision.values,
		decision.scratchpad_status == ACTIVE,
		decision.expecting,
		decision.editing_field,
	)


def collecting(**values):
	return Snapshot(State.COLLECTING, {**FULL, **values}, True)


BEFORE_SERVICE = {k: v for k, v in FULL.items() if k not in ("service_type", "appointment_date", "time_slot")}


def asked_for_service():
	return Snapshot(State.COLLECTING, dict(BEFORE_SERVICE), True, expecting=("service_type",))


# ---------------------------------------------------------------- the service list


def test_service_is_asked_as_a_list_with_prices_for_the_vehicle_type():
	decision = turn(Snapshot(State.COLLECTING, dict(BEFORE_SERVICE), True), "ok")
	reply = decision.replies[-1]
	assert decision.expecting == ("service_type",)
	assert "1. Basic Wash - ₹299" in reply.body and "3. Premium Wash - ₹499" in reply.body
	rows = [row for section in reply.sections for row in section.rows]
	assert [row.title for row in rows] == ["Basic Wash", "Foam Wash", "Premium Wash", "Interior Cleaning"]
	assert rows[0].id == "svc:basic" and "₹299" in rows[0].description
	assert "Full Detailing" not in reply.body  # disabled
	payload = reply.list_payload()
	assert payload["sections"][0]["rows"][1]["id"] == "svc:foam"


def test_services_not_priced_for_the_vehicle_are_not_listed():
	decision = turn(Snapshot(State.COLLECTING, {**BEFORE_SERVICE, "vehicle_type": "Sedan"}, True), "ok")
	titles = [row.title for section in decision.replies[-1].sections for row in section.rows]
	assert "Interior Cleaning" not in titles and "Foam Wash - ₹449" in decision.replies[-1].body


def test_service_chosen_by_row_number_ordinal_name_or_typo():
	for text, button, expected in (
		("Foam Wash", "svc:foam", "Foam Wash"),
		("2", None, "Foam Wash"),
		("second one", None, "Foam Wash"),
		("dusra wala", None, "Foam Wash"),
		("3.", None, "Premium Wash"),
		("last", None, "Interior Cleaning"),
		("foam wsh", None, "Foam Wash"),
		("interior cleaning please", None, "Interior Cleaning"),
	):
		decision = turn(asked_for_service(), text, button_id=button)
		assert decision.values["service_type"] == expected, text


def test_a_catalog_service_named_in_a_long_message_is_taken_not_a_basic_wash():
	# The issue's own example: "foam wash" became "Basic Wash" with no price.
	decision = turn(Snapshot(), "kal subah 10 baje foam wash chahiye")
	assert decision.values["service_type"] == "Foam Wash"
	assert decision.values["appointment_date"] == "2026-11-26"


def test_kind_the_rules_know_maps_onto_the_catalog():
	decision = turn(collecting(service_type=None), "premium chahiye")
	assert decision.values["service_type"] == "Premium Wash"


def test_a_service_the_catalog_does_not_have_is_not_stored_and_the_customer_told():
	decision = turn(Snapshot(State.COLLECTING, dict(BEFORE_SERVICE), True), "full detailing karna hai")
	assert decision.values.get("service_type") is None
	body = decision.replies[-1].body
	assert "We don't offer Full Detailing" in body and decision.replies[-1].sections


def test_price_question_or_negation_chooses_nothing():
	assert turn(asked_for_service(), "foam wash ka rate kya hai?").values.get("service_type") is None
	assert turn(collecting(service_type="Basic Wash"), "foam wash nahi").values["service_type"] == "Basic Wash"


def test_service_not_offered_for_the_vehicle_is_refused_with_what_is():
	decision = turn(Snapshot(State.COLLECTING, {**BEFORE_SERVICE, "vehicle_type": "Sedan"}, True), "interior cleaning")
	assert decision.state is State.COLLECTING
	assert "Interior Cleaning is not offered for a Sedan" in decision.replies[-1].body


def test_a_stored_service_is_not_replaced_by_a_passing_mention():
	# A service named in passing (not the answer to a question) fills a gap but never replaces.
	decision = turn(collecting(service_type="Premium Wash", notes=None), "address: Foam Wash Lane 4, Baner")
	assert decision.values["service_type"] == "Premium Wash"


def test_edit_service_shows_the_list_again():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "electricity_provided": "Yes"}, True)
	decision = turn(snapshot, "edit service")
	assert decision.expecting == ("service_type",) and decision.replies[-1].sections
	chosen = turn(after(decision), "1")
	assert chosen.values["service_type"] == "Basic Wash"
	assert chosen.values["first_name"] == "Ravi"


def test_withdrawn_service_is_caught_at_confirm_with_the_list_and_other_fields_kept():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "service_type": "Full Detailing"}, True)
	decision = turn(snapshot, "confirm")
	assert not decision.create_booking and decision.state is State.COLLECTING
	assert "no longer offered" in decision.replies[-1].body and decision.replies[-1].sections
	assert decision.values["vehicle_plate"] == "MH12AB1234"


# ---------------------------------------------------------------- add-ons


def test_addons_named_with_the_service_are_taken_and_offered_ones_shown_on_the_summary():
	decision = turn(collecting(service_type=None, electricity_provided="Yes"), "premium wash with tyre shine")
	assert decision.values["addons"] == "Tyre Shine"
	assert decision.state is State.CONFIRMING
	body = decision.replies[-1].body
	assert "Add-ons you can add: Exterior Polishing +₹2,400" in body
	assert "Interior Vacuum" not in body.split("Add-ons you can add")[1]  # included, not offered


def test_addon_added_at_the_summary_then_removed():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "electricity_provided": "Yes"}, True)
	added = turn(snapshot, "tyre shine bhi kar do")
	assert added.values["addons"] == "Tyre Shine" and added.state is State.CONFIRMING
	both = turn(after(added), "aur exterior polish bhi")
	assert both.values["addons"] == "Tyre Shine, Exterior Polishing"
	removed = turn(after(both), "tyre shine hata do")
	assert removed.values["addons"] == "Exterior Polishing"
	none = turn(after(removed), "remove exterior polishing")
	assert none.values["addons"] == NO_ADDONS


def test_confirm_skips_the_addons_on_offer():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "electricity_provided": "Yes"}, True)
	assert turn(snapshot, "confirm").create_booking


def test_addon_that_does_not_go_with_the_service_is_not_taken():
	decision = turn(collecting(service_type="Basic Wash"), "exterior polishing bhi")
	assert not decision.values.get("addons")


# ---------------------------------------------------------------- water and electricity


def test_utilities_asked_once_only_when_needed():
	# Premium Wash includes the vacuum: electricity is asked, water is not.
	decision = turn(collecting(service_type=None), "premium wash")
	assert decision.expecting == ("electricity_provided",)
	assert "electricity" in decision.replies[-1].body
	answered = turn(after(decision), "haan bijli hai")
	assert answered.values["electricity_provided"] == "Yes"
	assert answered.state is State.CONFIRMING
	assert "Electricity at the address: Yes" in answered.replies[-1].body
	# Basic Wash needs neither: straight to the summary.
	assert turn(collecting(service_type=None), "basic wash").state is State.CONFIRMING


def test_both_utilities_answers():
	snapshot = collecting(service_type="Foam Wash", addons="Eco Wash, Interior Vacuum")
	asked = turn(snapshot, "ok")
	assert asked.expecting == ("water_provided", "electricity_provided")
	for text, water, power in (
		("yes", "Yes", "Yes"),
		("haan dono", "Yes", "Yes"),
		("no", "No", "No"),
		("only water", "Yes", "No"),
		("sirf bijli", "No", "Yes"),
		("paani hai, bijli nahi", "Yes", "No"),
		("water yes electricity no", "Yes", "No"),
	):
		decision = turn(after(asked), text)
		assert (decision.values.get("water_provided"), decision.values.get("electricity_provided")) == (
			water,
			power,
		), text


def test_partial_utility_answer_asks_the_other():
	snapshot = collecting(service_type="Foam Wash", addons="Eco Wash, Interior Vacuum")
	decision = turn(after(turn(snapshot, "ok")), "bijli nahi hai")
	assert decision.values["electricity_provided"] == "No"
	assert decision.expecting == ("water_provided",)


def test_light_in_an_unrelated_message_sets_no_utility():
	decision = turn(collecting(service_type="Basic Wash"), "my car is light blue")
	assert not decision.values.get("electricity_provided")


# ---------------------------------------------------------------- slots offered


def test_time_alone_is_asked_and_the_days_free_slots_offered_by_part_of_day():
	snapshot = collecting(time_slot=None, appointment_date=None, electricity_provided="Yes")
	decision = turn(snapshot, "kal")
	assert asks_time(decision) == "2026-11-26"
	offered = offer_times(decision, SlotCheck(False, "", ("07:00-08:00", "13:00-14:00", "16:00-17:00")))
	reply = offered.replies[-1]
	assert [s.title for s in reply.sections] == ["Morning", "Afternoon", "Evening"]
	assert reply.sections[0].rows[0].id == "slot:07:00-08:00"
	chosen = turn(after(offered), "13:00-14:00", button_id="slot:13:00-14:00")
	assert chosen.values["time_slot"] == "13:00-14:00" and chosen.state is State.CONFIRMING


def test_full_day_offers_the_nearest_dates_and_asks_the_date_again():
	snapshot = collecting(time_slot=None, appointment_date=None, electricity_provided="Yes")
	decision = turn(snapshot, "kal")
	offered = offer_times(decision, SlotCheck(False, "", (), ("2026-11-27", "2026-11-28")))
	assert offered.values["appointment_date"] is None, "no next open day's slots offered: asked again"
	assert offered.expecting == ("appointment_date", "time_slot")
	assert "Dates with free slots" in offered.replies[-1].body
	picked = turn(after(offered), "Fri 27 Nov 2026", button_id="date:2026-11-27")
	assert picked.values["appointment_date"] == "2026-11-27"
	assert picked.values["first_name"] == "Ravi"


def test_summary_with_price_keeps_the_addons_on_offer():
	decision = turn(collecting(service_type=None, electricity_provided="Yes"), "premium wash")
	settled = settle(decision, SlotCheck(True), {"base": 499, "addons_total": 0, "surcharges": 0, "total": 499})
	body = settled.replies[-1].body
	assert "Total: ₹499" in body and "Add-ons you can add" in body


def test_without_a_catalog_the_rules_kinds_still_work():
	decision = decide_turn(collecting(service_type=None), Message(text="premium wash"), TODAY, PHONE)
	assert decision.values["service_type"] == "Premium Wash" and decision.state is State.CONFIRMING


def test_list_row_ids_are_never_the_summary_buttons():
	chosen = read_choices(OFFER, "Basic Wash", "svc:basic", {}, {}, ("service_type",))
	assert chosen.fields == {"service_type": "Basic Wash"}


def test_labelled_dialogues_against_the_sample_catalog_misfile_nothing():
	from yawlit_bot.services.booking.sample_catalog import as_catalog
	from yawlit_bot.testing.extraction_eval import load, run_dialogue

	offer = Offer(as_catalog(), utility_surcharge=150)
	for name in ("dialogues.jsonl", "heldout_dialogues.jsonl", "probe_dialogues.jsonl", "probe2_dialogues.jsonl"):
		wrong = [w for d in load(name) for w in run_dialogue(d, offer=offer).wrong]
		assert wrong == [], name


def test_an_addon_word_inside_an_address_is_not_an_addon():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "service_type": "Foam Wash"}, True)
	decision = turn(snapshot, "address: 4 Eco Park Road, Baner, Pune 411045")
	assert not decision.values.get("addons")
	assert decision.values["address"].startswith("4 Eco Park Road")


def test_choose_after_a_filler():
	chosen = turn(asked_for_service(), "ok 2")
	assert chosen.values["service_type"] == "Foam Wash"


def test_the_catalog_dialogues_fill_every_field_right():
	from yawlit_bot.services.booking.sample_catalog import as_catalog
	from yawlit_bot.testing.extraction_eval import load, run_dialogue

	offer = Offer(as_catalog(), utility_surcharge=150)
	results = [run_dialogue(d, offer=offer) for d in load("catalog_dialogues.jsonl")]
	assert [(r.id, r.wrong) for r in results if r.wrong] == []
	assert [(r.id, r.missing) for r in results if r.missing] == []


def test_an_address_or_a_correction_is_never_read_as_a_utility_answer():
	asked = Snapshot(
		State.COLLECTING,
		{**FULL, "service_type": "Foam Wash", "addons": "Eco Wash, Interior Vacuum", "address": None, "pincode": None},
		True,
		expecting=("address", "pincode", "water_provided", "electricity_provided"),
	)
	for text in (
		"No. 88, 5th Cross, 6th Block, Koramangala, Bangalore 560095",
		"221B, Gomti Nagar, Lucknow 226001",
		"Flat 4, Power House Road, Baner, Pune 411045",
		"address galat hai",
	):
		decision = turn(asked, text)
		assert not decision.values.get("water_provided") and not decision.values.get("electricity_provided"), text


def test_a_short_message_naming_only_a_service_changes_it():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "service_type": "Basic Wash"}, True)
	decision = turn(snapshot, "foam wash instead")
	assert decision.values["service_type"] == "Foam Wash" and decision.state is State.CONFIRMING


# ---------------------------------------------------------------- what a review found


def test_addons_are_added_or_removed_clause_by_clause():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "service_type": "Foam Wash", "addons": "Eco Wash"}, True)
	assert turn(snapshot, "no problem, tyre shine bhi add karo").values["addons"] == "Eco Wash, Tyre Shine"
	assert turn(snapshot, "eco wash nahi chahiye, tyre shine add karo").values["addons"] == "Tyre Shine"
	assert turn(snapshot, "no eco wash but tyre shine yes").values["addons"] == "Tyre Shine"


def test_cancelling_an_addon_does_not_cancel_the_booking():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "service_type": "Foam Wash", "addons": "Tyre Shine"}, True)
	decision = turn(snapshot, "tyre shine cancel kar do")
	assert decision.state is State.CONFIRMING and decision.values["addons"] == NO_ADDONS


def test_a_word_of_an_addon_in_passing_adds_nothing():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "service_type": "Foam Wash"}, True)
	assert not turn(snapshot, "eco friendly shampoo use karna").values.get("addons")


def test_a_question_about_a_service_does_not_choose_it():
	snapshot = Snapshot(State.CONFIRMING, {**FULL, "service_type": "Premium Wash", "electricity_provided": "Yes"}, True)
	for text in ("what is foam wash?", "foam wash mein kya hota hai?", "is foam wash good", "foam wash available hai kya"):
		assert turn(snapshot, text).values["service_type"] == "Premium Wash", text
	for text in ("kya basic mein interior hota hai", "foam ya premium?"):
		assert not turn(asked_for_service(), text).values.get("service_type"), text


def test_feminine_ordinals_choose():
	assert turn(asked_for_service(), "dusri wali").values["service_type"] == "Foam Wash"


def test_a_long_day_of_slots_keeps_every_part_of_the_day_in_the_list():
	snapshot = collecting(time_slot=None, appointment_date=None, electricity_provided="Yes")
	decision = turn(snapshot, "kal")
	day = tuple(f"{h:02d}:00-{h + 1:02d}:00" for h in range(6, 18))
	reply = offer_times(decision, SlotCheck(False, "", day)).replies[-1]
	assert sum(len(s.rows) for s in reply.sections) == 10
	assert [s.title for s in reply.sections] == ["Morning", "Afternoon", "Evening"]
	assert "17:00-18:00" in reply.body


def test_premium_means_the_vehicles_own_product_in_a_catalog_of_products_per_vehicle():
	products = Offer(
		Catalog(
			(
				Service("HB", "HatchBack Premium", {"Hatchback": 499}),
				Service("SED", "Sedan Premium", {"Sedan": 599}),
				Service("SUV", "SUV Premium", {"SUV": 599}),
			),
			{},
		)
	)
	snapshot = Snapshot(State.COLLECTING, {**BEFORE_SERVICE, "vehicle_type": "Sedan"}, True)
	assert turn(snapshot, "premium wash chahiye", offer=products).values["service_type"] == "Sedan Premium"


def test_a_utility_said_before_the_bot_asks_is_kept():
	early = turn(Snapshot(State.COLLECTING, dict(BEFORE_SERVICE), True), "bijli hai ghar pe")
	assert early.values["electricity_provided"] == "Yes"
	later = turn(after(early), "premium wash kal 10 baje")
	assert later.state is State.CONFIRMING  # not asked again
	assert not turn(Snapshot(State.COLLECTING, dict(BEFORE_SERVICE), True), "power steering nahi hai").values.get(
		"electricity_provided"
	)
