// Copyright (c) 2026, Yawlit and contributors
// For license information, please see license.txt

// Beside the values: where each came from (the rules, the model, a location pin, the customer's
// edit or staff) and how sure the reading was.
const FIELD_ORDER = [
	"first_name", "last_name", "phone", "email", "address", "pincode", "city",
	"vehicle_type", "vehicle_brand", "vehicle_model", "vehicle_plate",
	"service_type", "appointment_date", "time_slot", "addons", "notes",
	"water_provided", "electricity_provided",
];

// The stored source names, as staff read them.
const SOURCE_LABELS = {
	rule: "Rules",
	model: "Language model",
	"location pin": "Location pin",
	"customer edit": "Customer's correction",
	staff: "Staff",
};

// A completed or cancelled scratchpad is kept as it was (the server refuses changes too).
const FINAL_STATUSES = ["Completed", "Cancelled"];

frappe.ui.form.on("WA Booking Scratchpad", {
	refresh(frm) {
		render_sources(frm);
		if (FINAL_STATUSES.includes(frm.doc.status)) {
			frm.disable_form();
			frm.set_intro(__("This booking conversation is {0}: kept as it was, read-only.", [__(frm.doc.status)]), "blue");
		}
	},
	value_sources(frm) {
		render_sources(frm);
	},
});

function parse_sources(raw) {
	if (!raw) return {};
	if (typeof raw === "object") return raw;
	try {
		return JSON.parse(raw) || {};
	} catch (e) {
		return {};
	}
}

function render_sources(frm) {
	const field = frm.get_field("value_sources_html");
	if (!field) return;
	const sources = parse_sources(frm.doc.value_sources);
	const rows = FIELD_ORDER.filter((name) => frm.doc[name]).map((name) => {
		const info = sources[name] || {};
		const label = frappe.meta.get_label(frm.doctype, name, frm.doc.name);
		const confidence = info.confidence === undefined ? "" : `${Math.round(info.confidence * 100)}%`;
		return `<tr>
			<td>${frappe.utils.escape_html(__(label))}</td>
			<td>${frappe.utils.escape_html(String(frm.doc[name]))}</td>
			<td>${frappe.utils.escape_html(__(SOURCE_LABELS[info.source || "rule"] || info.source))}</td>
			<td>${confidence}</td>
		</tr>`;
	});
	field.$wrapper.html(
		rows.length
			? `<table class="table table-bordered table-sm">
				<thead><tr><th>${__("Field")}</th><th>${__("Value")}</th><th>${__("Source")}</th><th>${__("Confidence")}</th></tr></thead>
				<tbody>${rows.join("")}</tbody></table>`
			: `<p class="text-muted">${__("No values yet.")}</p>`
	);
}
