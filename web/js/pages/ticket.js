// ticket.js: #/feedback/{ticket}, one feedback ticket with the summary
// of its household (GET /api/v1/feedback/{ticket}: the ticket, and its
// household as GET /api/v1/households/{id} has it, in the caller's area,
// masked for a viewer), closed with a note (POST /api/v1/feedback/
// {ticket}/close {"resolution"}).

import {h, replace, field, dl} from '../dom.js';
import {tr, t, fmtTime} from '../i18n.js';
import * as api from '../api.js';
import {badge, liveRegion, say, errText} from '../parts.js';
import {catName} from './feedback.js';
import {householdView} from './lookup.js';

const D = {
	zh: {
		title: '反馈 {ticket}',
		back: '返回反馈列表',
		received: '收到',
		from: '来自号码',
		household: '户编号',
		area: '地区',
		category: '类别',
		channel: '渠道',
		text: '反馈内容',
		closed: '关闭时间',
		closed_by: '处理人',
		resolution: '处理说明',
		hh: '农户情况',
		no_hh: '这条反馈不属于已登记的农户。',
		hh_gone: '农户 {id} 已不在登记册中（或不在您的地区内）。',
		close: '关闭反馈',
		note: '处理说明',
		note_hint: '写明如何处理，例如“已联系村委会，下周维修”。',
		close_btn: '处理完毕，关闭',
		closed_ok: '已关闭。',
		note_needed: '请填写处理说明。',
		not_found: '没有找到反馈 {ticket}（或不在您的地区内）。',
	},
	en: {
		title: 'Feedback {ticket}',
		back: 'Back to feedback',
		received: 'Received',
		from: 'From',
		household: 'Household',
		area: 'Area',
		category: 'Category',
		channel: 'Channel',
		text: 'Feedback',
		closed: 'Closed',
		closed_by: 'Closed by',
		resolution: 'Resolution',
		hh: 'Household',
		no_hh: 'This feedback is not from a registered household.',
		hh_gone: 'Household {id} is no longer in the registry (or not in your area).',
		close: 'Close the ticket',
		note: 'Resolution note',
		note_hint: 'What was done, e.g. “village committee called, repair next week”.',
		close_btn: 'Done: close it',
		closed_ok: 'Closed.',
		note_needed: 'Write a resolution note.',
		not_found: 'No feedback {ticket} (or not in your area).',
	},
};
const L = (k, v) => tr(D, k, v);

export default async function render(ctx) {
	const {main} = ctx;
	const ticket = ctx.params[0].toUpperCase().startsWith('F') ? ctx.params[0].toUpperCase() :
		'F' + ctx.params[0];
	const back = h('p', null, h('a', {href: '#/feedback'}, '← ' + L('back')));
	let f;
	try {
		f = await api.get('/api/v1/feedback/' + encodeURIComponent(ticket));
	} catch (e) {
		replace(main, back, h('h1', null, L('title', {ticket})),
			h('p', {class: 'error', role: 'alert'}, e.status === 404 || e.status === 403 ?
				L('not_found', {ticket}) : errText(e)));
		return;
	}
	const hh = f.household || null;
	const statusEl = h('span', {id: 'fb-ticket-status'});
	const facts = h('div');
	const hhBox = h('section', {class: 'card', 'aria-labelledby': 'fb-hh-h'},
		h('h2', {id: 'fb-hh-h'}, L('hh')), h('p', {class: 'loading'}, t('loading')));
	const closeBox = h('div');
	const msg = liveRegion();
	replace(main, back, h('h1', null, L('title', {ticket}), ' ', statusEl), facts,
		h('blockquote', {class: 'card', id: 'fb-text'}, f.text || ''),
		closeBox, msg, hhBox);

	function draw() {
		replace(statusEl, badge(f.status));
		statusEl.dataset.status = f.status;
		replace(facts, dl([
			[L('received'), fmtTime(f.created_at)],
			[L('from'), f.msisdn],
			[L('household'), f.household_id],
			[L('area'), f.area_code],
			[L('category'), catName(f.category)],
			[L('channel'), f.channel],
			[L('closed'), f.closed_at ? fmtTime(f.closed_at) : null],
			[L('closed_by'), f.closed_by],
			[L('resolution'), f.resolution],
		]));
		replace(closeBox);
		if (!ctx.canWrite || f.status !== 'open')
			return;
		const note = h('textarea', {id: 'fb-note', name: 'resolution', rows: 3, required: true});
		const btn = h('button', {type: 'submit', class: 'primary', id: 'fb-close'}, L('close_btn'));
		const form = h('form', {class: 'card', id: 'fb-close-form', 'aria-labelledby': 'fb-close-h'},
			h('h2', {id: 'fb-close-h'}, L('close')),
			field(L('note'), note, L('note_hint')),
			h('div', {class: 'actions'}, btn));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			if (!note.value.trim()) {
				say(msg, L('note_needed'), 'error');
				note.focus();
				return;
			}
			btn.disabled = true;
			try {
				const r = await api.post('/api/v1/feedback/' + encodeURIComponent(ticket) + '/close',
					{resolution: note.value.trim()});
				f = Object.assign({}, f, {status: 'closed', resolution: note.value.trim(),
					closed_at: new Date().toISOString(), closed_by: ctx.session.user},
				r && typeof r === 'object' && r.ticket ? r : {});
				say(msg, L('closed_ok'), 'ok');
				draw();
			} catch (e) {
				say(msg, errText(e), 'error');
				btn.disabled = false;
			}
		});
		closeBox.appendChild(form);
	}
	draw();

	if (!hh) {
		replace(hhBox, h('h2', {id: 'fb-hh-h'}, L('hh')), h('p', {class: 'muted'},
			f.household_id ? L('hh_gone', {id: f.household_id}) : L('no_hh')));
		return;
	}
	replace(hhBox, h('h2', {id: 'fb-hh-h'}, L('hh')), householdView(hh));
}
