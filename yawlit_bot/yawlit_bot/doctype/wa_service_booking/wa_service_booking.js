{% include "yawlit_bot/public/js/mark_visit.js" %}

// The visit done: one click marks a confirmed booking Completed or No-show (from its day on);
// completing it asks the customer for a rating after the delay set in WA Booking Settings.
frappe.ui.form.on("WA Service Booking", {
	refresh(frm) {
		if (frm.doc.status === "Confirmed" && frm.doc.appointment_date <= frappe.datetime.get_today()) {
			for (const outcome of ["Completed", "No-show"]) {
				frm.add_custom_button(__("Mark {0}", [__(outcome)]), () =>
					yawlit_bot_mark_visit([frm.doc.name], outcome, () => frm.reload_doc())
				);
			}
		}
		if (frm.doc.feedback_rating) {
			const stars = "★".repeat(frm.doc.feedback_rating);
			frm.dashboard.set_headline(
				`${__("Feedback")}: ${stars} (${frm.doc.feedback_rating}/5)` +
					(frm.doc.feedback_comment ? ` — ${frappe.utils.escape_html(frm.doc.feedback_comment)}` : "")
			);
		}
	},
});

