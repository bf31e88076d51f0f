// The inbox: customers by their latest message, real conversations only by default (the
// WhatsApp Simulator's are flagged), with quick filters for what staff look for first.
frappe.listview_settings["WA Conversation"] = {
	add_fields: ["needs_person", "taken_by", "state", "unread_count", "simulated", "last_message_at"],
	filters: [["simulated", "=", 0]],
	hide_name_column: true, // the name is the phone, shown as its own column
	get_indicator(doc) {
		if (doc.needs_person) return [__("Needs a Person"), "red", "needs_person,=,1"];
		// (the filter is written into an HTML attribute by Frappe: escaped)
		const esc = frappe.utils.escape_html;
		if (doc.taken_by) return [__("Taken Over"), "blue", `taken_by,=,${esc(doc.taken_by)}`];
		if (["COLLECTING", "CONFIRMING"].includes(doc.state)) return [__("Booking"), "orange", `state,=,${esc(doc.state)}`];
		return [__(doc.state === "COMPLETED" ? "Booked" : "Bot"), "green", `state,=,${esc(doc.state)}`];
	},
	onload(listview) {
		const only = (filters) => listview.filter_area.clear(false).then(() => listview.filter_area.add(filters));
		const dt = listview.doctype;
		listview.page.add_inner_button(__("Needs a Person"), () => only([[dt, "needs_person", "=", 1], [dt, "simulated", "=", 0]]), __("Show"));
		listview.page.add_inner_button(__("Mine"), () => only([[dt, "taken_by", "=", frappe.session.user]]), __("Show"));
		listview.page.add_inner_button(__("Open Bookings"), () => only([[dt, "state", "in", ["COLLECTING", "CONFIRMING"]], [dt, "simulated", "=", 0]]), __("Show"));
		listview.page.add_inner_button(__("Simulated"), () => only([[dt, "simulated", "=", 1]]), __("Show"));
	},
	formatters: {
		// when the last message came, then the line (who is holding it: the assignment avatars)
		last_message(value, df, doc) {
			const when = doc.last_message_at ? comment_when(doc.last_message_at, true) : "";
			return `<span class="text-muted">${when}</span> ${frappe.utils.escape_html(value || "")}`;
		},
		unread_count(value) {
			return value ? `<span class="indicator-pill green">${cint(value)}</span>` : "";
		},
	},
};
