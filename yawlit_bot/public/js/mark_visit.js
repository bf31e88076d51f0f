// The visit done, for the booking form and the list's bulk action: each booking checked on the
// server (confirmed, its day come); what was refused is said, with why.
function yawlit_bot_mark_visit(names, outcome, done) {
	frappe.call({
		method: "yawlit_bot.api.bookings.mark_visit",
		args: { bookings: names, outcome },
		freeze: true,
		callback(r) {
			const { marked, refused } = r.message || {};
			const problems = Object.entries(refused || {});
			if (problems.length) {
				frappe.msgprint({
					title: __("Not marked {0}", [__(outcome)]),
					indicator: "orange",
					message: problems
						.map(([name, why]) => `<b>${frappe.utils.escape_html(name)}</b>: ${frappe.utils.escape_html(why)}`)
						.join("<br>"),
				});
			}
			if ((marked || []).length) {
				frappe.show_alert({ message: __("{0} marked {1}", [marked.length, __(outcome)]), indicator: "green" });
			}
			done && done();
		},
	});
}
