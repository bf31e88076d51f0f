// The day plan: real customers' bookings by default; a WhatsApp Simulator booking (shown when
// the filter is cleared) says so, so nobody drives to a made-up address.
frappe.listview_settings["WA Service Booking"] = {
	add_fields: ["simulated", "status"],
	filters: [["simulated", "=", 0]],
	get_indicator(doc) {
		if (doc.simulated) return [__("Simulated"), "gray", "simulated,=,1"];
		const colours = { Confirmed: "blue", Completed: "green", Cancelled: "red", "No-show": "orange" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
