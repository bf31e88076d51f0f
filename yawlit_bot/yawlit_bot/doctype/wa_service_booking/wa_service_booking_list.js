{% include "yawlit_bot/public/js/mark_visit.js" %}

// The day plan: real customers' bookings by default; a WhatsApp Simulator booking (shown when
// the filter is cleared) says so, so nobody drives to a made-up address.
frappe.listview_settings["WA Service Booking"] = {
	add_fields: ["simulated", "status", "feedback_rating"],
	filters: [["simulated", "=", 0]],
	get_indicator(doc) {
		if (doc.simulated) return [__("Simulated"), "gray", "simulated,=,1"];
		const colours = { Confirmed: "blue", Completed: "green", Cancelled: "red", "No-show": "orange" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
	// The visit done for every booking ticked (each checked on the server: confirmed, its day come)
	onload(listview) {
		for (const outcome of ["Completed", "No-show"]) {
			listview.page.add_actions_menu_item(__("Mark {0}", [__(outcome)]), () => {
				const names = listview.get_checked_items(true);
				if (!names.length) return frappe.msgprint(__("Tick the bookings first."));
				yawlit_bot_mark_visit(names, outcome, () => listview.refresh());
			});
		}
	},
};

