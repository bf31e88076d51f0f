// Bookings by slot: /app/wa-service-booking/view/calendar
frappe.views.calendar["WA Service Booking"] = {
	field_map: {
		start: "starts_at",
		end: "ends_at",
		id: "name",
		title: "customer_name",
		allDay: "all_day",
	},
	filters: [
		{
			fieldtype: "Select",
			fieldname: "status",
			options: "\nConfirmed\nCompleted\nCancelled\nNo-show",
			label: __("Status"),
		},
		{
			fieldtype: "Check",
			fieldname: "simulated",
			label: __("Simulated"),
		},
	],
	get_events_method: "frappe.desk.calendar.get_events",
};
