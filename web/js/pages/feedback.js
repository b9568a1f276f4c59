// feedback.js: #/feedback, the inbox of villagers' feedback (FK by SMS,
// menu 4 over USSD) by area, category and status, paged by key (GET
// /api/v1/feedback).  A ticket opens on its own page (ticket.js).

import {h, replace, field, select, table} from '../dom.js';
import {tr, t, fmtTime} from '../i18n.js';
import {areaPicker, badge, pagedRows, errText} from '../parts.js';

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

// Tickets seen in a list, for the ticket's page to open without asking again.
export const seen = new Map();

export default async function render(ctx) {
	const {main, session} = ctx;
	const status = select([['open', t('st_open')], ['closed', t('st_closed')], ['', t('all')]],
		{id: 'fb-status', value: ctx.query.get('status') ?? 'open'});
	const cats = [['', t('all')]].concat(['infrastructure', 'water', 'housing', 'subsidy', 'other']
		.map((c) => [c, catName(c)]));
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

	const rows = pagedRows({
		path: '/api/v1/feedback', names: ['tickets', 'feedback'],
		params: () => ({status: status.value, category: category.value, area: picker.value()}),
		tbody, more, empty,
		// The route may not filter by category: what it sends is checked.
		keep: (f) => !category.value || f.category === category.value,
		rowOf: (f) => {
			seen.set(f.ticket, f);
			return h('tr', {dataset: {ticket: f.ticket}},
				h('td', null, h('a', {href: '#/feedback/' + encodeURIComponent(f.ticket)}, f.ticket)),
				h('td', null, fmtTime(f.created_at)),
				h('td', null, catName(f.category)),
				h('td', null, String(f.text || '').slice(0, 80)),
				h('td', null, f.household_id || '–'),
				h('td', {class: 'mono'}, f.msisdn || '–'),
				h('td', null, badge(f.status)));
		},
	});
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
