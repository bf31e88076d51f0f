// Copyright (c) 2026, Yawlit and contributors
// For license information, please see license.txt

const CAMPAIGN_COLOURS = {
	Draft: "gray",
	Queued: "blue",
	Sending: "orange",
	Completed: "green",
	Cancelled: "red",
	Failed: "red",
};

frappe.listview_settings["WA Campaign"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		return [__(doc.status), CAMPAIGN_COLOURS[doc.status] || "gray", "status,=," + doc.status];
	},
};
