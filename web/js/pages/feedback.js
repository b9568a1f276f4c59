// feedback.js: #/feedback, the inbox of villagers' feedback (FK by SMS,
// menu 4 over USSD) by area, category and status, paged by key (GET
// /api/v1/feedback?status=&category=&area=&after=): the gateway filters,
// the page only shows.  A ticket opens on its own page (ticket.js).

import {h, replace, field, select, table} from '../dom.js';
import {tr, t, fmtTime} from '../i18n.js';
import * as api from '../api.js';
import {areaPicker, badge, errText} from '../parts.js';

// The menu's categories (templates/menu.conf, menu 4); "none" asks the
// gateway for the tickets without one (FK by SMS).
export const CATS = {
	zh: {infrastructure: '基础设施', water: '饮水', housing: '住房', subsidy: '补贴',
		other: '其他', none: '未分类'},
	en: {infrastructure: 'infrastructure', water: 'water', housing: 'housing',
		subsidy: 'subsidy', other: 'other', none: 'uncategorised'},
};
const D = {
	zh: {
		title: '群众反馈',
		status: '状态',
		category: '类别',
		ticket: '编号',
		received: '收到',
		from: '来自',
		household: '户',
		area: '地区',
		text: '内容',
		channel: '渠道',
		list: '反馈列表',
		filters: '筛选',
		apply: '筛选',
	},
	en: {
		title: 'Feedback',
		status: 'Status',
		category: 'Category',
		ticket: 'Ticket',
		received: 'Received',
		from: 'From',
		household: 'Household',
		area: 'Area',
		text: 'Text',
		channel: 'Channel',
		list: 'Feedback tickets',
		filters: 'Filters',
		apply: 'Filter',
	},
};
const L = (k, v) => tr(D, k, v);

export function catName(c) {
	return tr(CATS, c || 'none');
}

export default async function render(ctx) {
	const {main, session} = ctx;
	const status = select([['open', t('st_open')], ['closed', t('st_closed')], ['', t('all')]],
		{id: 'fb-status', value: ctx.query.get('status') ?? 'open'});
	const cats = [['', t('all')]].concat(['infrastructure', 'water', 'housing', 'subsidy', 'other',
		'none'].map((c) => [c, catName(c)]));
	const category = select(cats, {id: 'fb-category', value: ctx.query.get('category') || ''});
	const picker = areaPicker(session, L('area'));
	const tbody = h('tbody');
	const more = h('button', {type: 'button', hidden: true}, t('more'));
	const empty = h('p', {class: 'muted', hidden: true, id: 'fb-empty'}, t('none'));
	const err = h('p', {class: 'error', role: 'alert'});
	const tbl = table(L('list'), [L('ticket'), L('received'), L('category'), L('text'),
		L('household'), L('from'), L('status')], [], {id: 'fb-list'});
	tbl.querySelector('table').replaceChild(tbody, tbl.querySelector('tbody'));
	replace(main,
		h('h1', null, L('title')),
		h('section', {'aria-label': L('filters')},
			h('div', {class: 'row'}, field(L('status'), status), field(L('category'), category)),
			picker.el),
		err, tbl, empty, h('div', {class: 'actions'}, more));

	const rowOf = (f) => h('tr', {dataset: {ticket: f.ticket, category: f.category || 'none'}},
		h('td', null, h('a', {href: '#/feedback/' + encodeURIComponent(f.ticket)}, f.ticket)),
		h('td', null, fmtTime(f.created_at)),
		h('td', null, catName(f.category)),
		h('td', null, String(f.text || '').slice(0, 80)),
		h('td', null, f.household_id || '–'),
		h('td', {class: 'mono'}, f.msisdn || '–'),
		h('td', null, badge(f.status)));
	// Paged by key: "next" of one page is "after" of the next.
	let after = null;
	let count = 0;
	let seq = 0;
	async function load(reset) {
		const my = reset ? ++seq : seq;
		if (reset) {
			after = null;
			count = 0;
		}
		more.disabled = true;
		const q = {status: status.value, category: category.value, area: picker.value(), limit: 50};
		if (after !== null)
			q.after = after;
		const data = await api.get('/api/v1/feedback', q);
		if (my !== seq)
			return;	/* a newer filter's answer is drawn instead */
		const page = api.pageOf(data, ['tickets', 'feedback']);
		if (reset)
			replace(tbody);
		for (const f of page.items)
			tbody.appendChild(rowOf(f));
		count += page.items.length;
		after = page.next ?? null;
		more.hidden = after === null;
		more.disabled = false;
		empty.hidden = count !== 0;
	}
	const rows = {reset: () => load(true), more: () => load(false)};
	const reload = () => rows.reset().then(() => { err.textContent = ''; })
		.catch((e) => { err.textContent = errText(e); });
	status.addEventListener('change', reload);
	category.addEventListener('change', reload);
	picker.onChange(reload);
	more.addEventListener('click', () => rows.more().catch((e) => {
		err.textContent = errText(e);
	}));
	await rows.reset();
}
