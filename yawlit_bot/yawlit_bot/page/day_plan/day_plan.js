{% include "yawlit_bot/public/js/mark_visit.js" %}

// The day plan: today's visits to come, under way, done and no-shows, each marked done or
// no-show with one click; tomorrow's bookings with their reminder status; this month's feedback.
const GROUP_TITLES = { upcoming: __("To come"), "in progress": __("Under way"), done: __("Done"), "no-show": __("No-show") };

frappe.pages["day-plan"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Day Plan"), single_column: true });
	const $body = $(`<div class="yawlit-day-plan"></div>`).appendTo(page.main);
	const load = () =>
		frappe.call({ method: "yawlit_bot.api.dashboard.day_plan", type: "GET" }).then((r) => r.message && render($body, r.message, load));
	page.set_primary_action(__("Refresh"), load, "refresh");
	page.add_inner_button(__("Calendar"), () => frappe.set_route("List", "WA Service Booking", "Calendar"));
	wrapper.yawlit_load = load;  // drawn by on_page_show, which follows the first load too
	frappe.realtime.doctype_subscribe("WA Service Booking");
	frappe.realtime.on("list_update", (data) => {
		if (data && data.doctype === "WA Service Booking" && frappe.get_route_str() === "day-plan") load();
	});
};

frappe.pages["day-plan"].on_page_show = function (wrapper) {
	wrapper.yawlit_load && wrapper.yawlit_load();
};

function render($body, plan, reload) {
	const esc = frappe.utils.escape_html;
	const link = (name) => `<a href="/app/wa-service-booking/${encodeURIComponent(name)}">${esc(name)}</a>`;
	const row = (item, actions) => `
		<tr data-booking="${esc(item.name)}">
			<td class="text-nowrap">${esc(item.slot || "")}</td>
			<td>${esc(item.customer || "")}${item.simulated ? ` <span class="indicator-pill gray">${__("Simulated")}</span>` : ""}</td>
			<td>${esc(item.service || "")}</td>
			<td class="small text-muted">${esc(item.address || "")}</td>
			<td>${link(item.name)}</td>
			<td class="text-right text-nowrap">${actions}</td>
		</tr>`;
	const buttons = (item) =>
		item.status === "Confirmed"
			? `<button class="btn btn-xs btn-success yawlit-mark" data-outcome="Completed" data-booking="${esc(item.name)}">${__("Done")}</button>
			   <button class="btn btn-xs btn-default yawlit-mark" data-outcome="No-show" data-booking="${esc(item.name)}">${__("No-show")}</button>`
			: item.rating
			? `<span title="${__("Rating")}">${"★".repeat(item.rating)}</span>`
			: "";
	const groups = Object.entries(plan.todo)
		.map(
			([group, items]) => `
		<div class="yawlit-todo-group" data-group="${esc(group)}" data-count="${items.length}">
			<h5 class="mt-4">${esc(GROUP_TITLES[group] || group)} <span class="text-muted">(${items.length})</span></h5>
			${items.length ? `<table class="table table-sm">${items.map((i) => row(i, buttons(i))).join("")}</table>` : `<p class="text-muted small">${__("None")}</p>`}
		</div>`
		)
		.join("");
	const tomorrow = plan.tomorrow.length
		? `<table class="table table-sm">${plan.tomorrow
				.map((i) => row(i, `<span class="yawlit-reminder" data-booking="${esc(i.name)}">${esc(i.reminder)}</span>`))
				.join("")}</table>`
		: `<p class="text-muted small">${__("No bookings tomorrow yet")}</p>`;
	const feedback =
		plan.feedback_average != null
			? __("Feedback this month: {0} / 5 from {1} ratings", [plan.feedback_average, plan.feedback_count])
			: __("No feedback yet this month");
	$body.html(`
		<p class="yawlit-feedback text-muted" data-average="${plan.feedback_average ?? ""}">${esc(feedback)}</p>
		<h4>${__("Today")} · ${esc(frappe.datetime.str_to_user(plan.today))}</h4>
		${groups}
		<h4 class="mt-5">${__("Tomorrow, with reminders")}</h4>
		<div class="yawlit-tomorrow">${tomorrow}</div>`);
	$body.find(".yawlit-mark").on("click", function () {
		yawlit_bot_mark_visit([$(this).data("booking")], $(this).data("outcome"), reload);
	});
}
