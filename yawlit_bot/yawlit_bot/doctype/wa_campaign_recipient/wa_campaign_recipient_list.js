// Copyright (c) 2026, Yawlit and contributors
// For license information, please see license.txt

const RECIPIENT_COLOURS = {
	Pending: "gray",
	Sending: "blue",
	Sent: "blue",
	Delivered: "green",
	Read: "green",
	Failed: "red",
	"Opted Out": "gray",
	Invalid: "orange",
	Unknown: "orange",
	Cancelled: "gray",
};

frappe.listview_settings["WA Campaign Recipient"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		return [__(doc.status), RECIPIENT_COLOURS[doc.status] || "gray", "status,=," + doc.status];
	},
};
