// Copyright (c) 2026, Yawlit and contributors
// For license information, please see license.txt

const API = "yawlit_bot.api.campaigns.";
const RUNNING = ["Queued", "Sending"];
const POLL_MS = 2000;

frappe.ui.form.on("WA Campaign", {
	refresh(frm) {
		stop_polling(frm);
		if (frm.is_new()) return;
		const can_send = frappe.user.has_role(["WA Campaign Manager", "System Manager"]) && frm.perm[0]?.write;
		if (can_send && frm.doc.status === "Draft") add_audience_buttons(frm);
		if (can_send && ["Draft", "Failed"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Send Campaign"), () => confirm_send(frm)).addClass("btn-primary");
		}
		if (can_send && RUNNING.includes(frm.doc.status)) {
			frm.add_custom_button(__("Cancel Campaign"), () => cancel_campaign(frm)).addClass("btn-danger");
		}
		if (can_send && ["Completed", "Cancelled", "Failed"].includes(frm.doc.status) && frm.doc.failed_count) {
			frm.add_custom_button(__("Retry Failed"), () => retry_failed(frm));
		}
		show_progress(frm, counts_from_doc(frm.doc));
		if (frm.doc.status !== "Draft") show_results(frm);
		if (RUNNING.includes(frm.doc.status)) start_polling(frm);
	},
	onhide(frm) {
		stop_polling(frm);
	},
});

function counts_from_doc(doc) {
	return {
		status: doc.status,
		total: doc.total_recipients || 0,
		pending: doc.pending_count || 0,
		sent: doc.sent_count || 0,
		delivered: doc.delivered_count || 0,
		failed: doc.failed_count || 0,
		opted_out: doc.opted_out_count || 0,
		invalid: doc.invalid_count || 0,
		unknown: doc.unknown_count || 0,
		cancelled: doc.cancelled_count || 0,
		percent: doc.progress_percent || 0,
	};
}

function show_progress(frm, c) {
	if (!c.total) return;
	const parts = [
		__("Sent {0}", [c.sent]),
		__("Delivered {0}", [c.delivered]),
		__("Failed {0}", [c.failed]),
		__("Skipped {0}", [c.opted_out + c.invalid]),
	];
	if (c.unknown) parts.push(__("Unknown {0}", [c.unknown]));
	if (c.cancelled) parts.push(__("Not sent {0}", [c.cancelled]));
	frm.dashboard.show_progress(__("Campaign progress"), c.percent, `${c.percent}% · ${parts.join(" · ")} / ${c.total}`);
	// Plain data for people and for the browser test to read.
	const $area = frm.dashboard.progress_area.body;
	const $summary = $area.find(".yawlit-campaign-progress");
	const html = `<div class="yawlit-campaign-progress text-muted small" data-status="${frappe.utils.escape_html(c.status || "")}"
		data-percent="${c.percent}" data-sent="${c.sent}" data-failed="${c.failed}" data-total="${c.total}"
		data-skipped="${c.opted_out + c.invalid}"></div>`;
	if ($summary.length) $summary.replaceWith(html);
	else $area.append(html);
}

function start_polling(frm) {
	frm._yawlit_poll = setInterval(() => {
		frappe.call({ method: API + "progress", args: { campaign: frm.doc.name }, type: "GET" }).then((r) => {
			if (!r.message) return;
			show_progress(frm, r.message);
			if (!RUNNING.includes(r.message.status)) {
				stop_polling(frm);
				frm.reload_doc();
			}
		});
	}, POLL_MS);
}

function stop_polling(frm) {
	if (frm._yawlit_poll) clearInterval(frm._yawlit_poll);
	frm._yawlit_poll = null;
}

function confirm_send(frm) {
	const go = () =>
		frappe.call({ method: API + "audience_summary", args: { campaign: frm.doc.name } }).then((r) => {
			const s = r.message;
			if (!s.will_receive) {
				frappe.msgprint(__("Nobody to send to: add recipients first."));
				return;
			}
			const skipped = s.opted_out + s.invalid;
			frappe.confirm(
				__("Send template {0} to {1} recipients now?", [
					`<b>${frappe.utils.escape_html(frm.doc.template_name)}</b>`,
					`<b>${s.will_receive}</b>`,
				]) +
					(skipped ? "<br>" + __("{0} opted-out or invalid numbers will be skipped.", [skipped]) : ""),
				() =>
					frappe.call({ method: API + "send", args: { campaign: frm.doc.name }, freeze: true }).then((res) => {
						frappe.show_alert({ message: __("Queued {0} messages", [res.message.queued]), indicator: "green" });
						frm.reload_doc();
					})
			);
		});
	frm.is_dirty() ? frm.save().then(go) : go();
}

function cancel_campaign(frm) {
	frappe.confirm(__("Stop this campaign? Messages already sent stay sent; the rest will not be sent."), () =>
		frappe.call({ method: API + "cancel", args: { campaign: frm.doc.name }, freeze: true }).then(() => frm.reload_doc())
	);
}

function retry_failed(frm) {
	frappe.confirm(__("Send the {0} failed messages again?", [frm.doc.failed_count]), () =>
		frappe.call({ method: API + "retry_failed", args: { campaign: frm.doc.name }, freeze: true }).then((r) => {
			frappe.show_alert({ message: __("Queued {0} messages", [r.message.queued]), indicator: "green" });
			frm.reload_doc();
		})
	);
}

function report_added(frm, r) {
	const s = r.message;
	let text = __("Added {0}. Already listed: {1}. Invalid numbers: {2}.", [s.added, s.duplicates, s.invalid]);
	if (s.invalid_examples && s.invalid_examples.length) {
		text += "<br>" + __("Invalid") + ": " + s.invalid_examples.map((x) => frappe.utils.escape_html(x)).join(", ");
	}
	frappe.msgprint({ title: __("Recipients"), message: text, indicator: s.added ? "green" : "orange" });
	frm.reload_doc();
}

// What the campaign brought: sent, delivered, read, replied, opted out after it, bookings made.
function show_results(frm, days) {
	frappe.call({ method: API + "results", args: { campaign: frm.doc.name, days: days || 7 }, type: "GET" }).then((r) => {
		if (!r.message) return;
		const cells = r.message.rows
			.map(
				(row) => `<div class="col-sm-2 yawlit-result" data-label="${frappe.utils.escape_html(row.label)}" data-value="${row.value}">
					<div class="text-muted small">${frappe.utils.escape_html(__(row.label))}</div>
					<div class="h4">${row.value} <span class="text-muted small">${row.share}</span></div></div>`
			)
			.join("");
		const html = `<div class="yawlit-campaign-results row" data-days="${r.message.days}">${cells}</div>`;
		const $area = frm.dashboard.progress_area.body;
		const $old = $area.find(".yawlit-campaign-results");
		if ($old.length) $old.replaceWith(html);
		else $area.append(html);
		frm.dashboard.progress_area.show();
	});
}

// Customers chosen from the bookings: the count (opted-out numbers left out) shown as the
// choice changes, before anything is added.
function bring_back_dialog(frm) {
	const d = new frappe.ui.Dialog({
		title: __("Bring Customers Back"),
		fields: [
			{ fieldname: "away_days", fieldtype: "Int", label: __("Last visit at least this many days ago"), default: 30 },
			{ fieldname: "city", fieldtype: "Data", label: __("City") },
			{ fieldname: "pincode", fieldtype: "Data", label: __("Pincode") },
			{ fieldtype: "Column Break" },
			{ fieldname: "vehicle_type", fieldtype: "Select", label: __("Vehicle type"), options: ["", "Hatchback", "Sedan", "SUV", "MUV", "Bike"] },
			{ fieldname: "service", fieldtype: "Link", options: "WA Service", label: __("Service taken") },
			{ fieldname: "never_booked", fieldtype: "Check", label: __("Wrote to the bot but never booked") },
			{ fieldtype: "Section Break" },
			{ fieldname: "found", fieldtype: "HTML" },
		],
		primary_action_label: __("Add"),
		primary_action(values) {
			d.hide();
			frappe
				.call({ method: API + "add_comeback_audience", args: { campaign: frm.doc.name, filters: values }, freeze: true })
				.then((r) => report_added(frm, r));
		},
	});
	const count = frappe.utils.debounce(() => {
		frappe
			.call({ method: API + "comeback_audience", args: { campaign: frm.doc.name, filters: d.get_values(true) }, type: "GET" })
			.then((r) => {
				const found = r.message || { count: 0, sample: [] };
				const names = found.sample.map((n) => frappe.utils.escape_html(n)).join(", ");
				d.fields_dict.found.$wrapper.html(
					`<div class="yawlit-comeback-count" data-count="${found.count}">${found.count === 1 ? __("1 customer found") : __("{0} customers found", [found.count])}` +
						(names ? `<div class="text-muted small">${names}${found.count > 5 ? ", …" : ""}</div>` : "") +
						"</div>"
				);
				d.get_primary_btn().text(__("Add {0}", [found.count]));
			});
	}, 300);
	for (const field of ["away_days", "city", "pincode", "vehicle_type", "service", "never_booked"]) {
		d.fields_dict[field].df.onchange = count;
	}
	d.show();
	count();
}

function add_audience_buttons(frm) {
	const group = __("Add Recipients");
	frm.add_custom_button(__("Bring Customers Back"), () => bring_back_dialog(frm), group);
	const ask = (title, fields, method, to_args) => {
		const d = new frappe.ui.Dialog({
			title,
			fields,
			primary_action_label: __("Add"),
			primary_action(values) {
				d.hide();
				frappe
					.call({ method: API + method, args: { campaign: frm.doc.name, ...to_args(values) }, freeze: true })
					.then((r) => report_added(frm, r));
			},
		});
		d.show();
	};
	frm.add_custom_button(
		__("Paste Numbers"),
		() =>
			ask(
				__("Paste Numbers"),
				[{ fieldname: "numbers", fieldtype: "Long Text", label: __("One number per line"), reqd: 1 }],
				"add_numbers",
				(v) => ({ numbers: v.numbers })
			),
		group
	);
	frm.add_custom_button(
		__("Upload CSV"),
		() =>
			ask(
				__("Upload CSV"),
				[
					{
						fieldname: "file_url",
						fieldtype: "Attach",
						label: __("CSV with a phone (or mobile) column; first/last name optional"),
						reqd: 1,
					},
				],
				"add_csv",
				(v) => ({ file_url: v.file_url })
			),
		group
	);
	frm.add_custom_button(
		__("From Conversations"),
		() =>
			ask(
				__("Customers who wrote to the bot"),
				[
					{ fieldname: "since", fieldtype: "Date", label: __("Wrote on or after") },
					{
						fieldname: "state",
						fieldtype: "Select",
						label: __("Conversation state"),
						options: ["", "IDLE", "COLLECTING", "CONFIRMING", "COMPLETED", "CANCELLED"],
					},
				],
				"add_from_conversations",
				(v) => {
					const filters = {};
					if (v.since) filters.last_inbound_at = [">=", v.since];
					if (v.state) filters.state = v.state;
					return { filters };
				}
			),
		group
	);
	frm.add_custom_button(
		__("From Bookings"),
		() =>
			ask(
				__("Customers with a booking"),
				[
					{ fieldname: "from_date", fieldtype: "Date", label: __("Appointment from") },
					{ fieldname: "to_date", fieldtype: "Date", label: __("Appointment to") },
					{ fieldname: "service_type", fieldtype: "Data", label: __("Service type") },
				],
				"add_from_bookings",
				(v) => {
					const filters = {};
					if (v.from_date) filters.appointment_date = [">=", v.from_date];
					if (v.to_date) filters.appointment_date = v.from_date ? ["between", [v.from_date, v.to_date]] : ["<=", v.to_date];
					if (v.service_type) filters.service_type = v.service_type;
					return { filters };
				}
			),
		group
	);
}
