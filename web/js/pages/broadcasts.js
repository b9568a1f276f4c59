// broadcasts.js: #/broadcasts, the broadcasts of the caller's area with
// their status and progress, newest first, paged by key (GET
// /api/v1/broadcasts?status=&after=&limit=).

import {h, replace, field, select, table} from '../dom.js';
import {tr, t, fmtNum, fmtTime} from '../i18n.js';
import {badge, pagedRows, errText} from '../parts.js';

const D = {
	zh: {
		title: '群发记录',
		new: '新建群发',
		filter: '按状态筛选',
		id: '编号',
		created: '创建时间',
		what: '内容',
		audience: '接收范围',
		recipients: '接收人',
		status: '状态',
		by: '创建人',
		resolving: '统计中…',
		role_cadre: '干部',
		list: '群发列表',
	},
	en: {
		title: 'Broadcasts',
		new: 'New broadcast',
		filter: 'Filter by status',
		id: 'No.',
		created: 'Created',
		what: 'Content',
		audience: 'Audience',
		recipients: 'Recipients',
		status: 'Status',
		by: 'By',
		resolving: 'counting…',
		role_cadre: 'cadres',
		list: 'Broadcast list',
	},
};
const L = (k, v) => tr(D, k, v);

export function audienceSummary(a) {
	if (!a)
		return '–';
	const parts = [a.area || t('whole_area')];
	if (a.role === 'cadre')
		parts.push(L('role_cadre'));
	if (a.status)
		parts.push(t('hh_' + a.status));
	if (a.program)
		parts.push(a.program + (a.enrollment ? '/' + a.enrollment : ''));
	if (a.language)
		parts.push(a.language);
	return parts.join(' · ');
}

export default async function render(ctx) {
	const {main} = ctx;
	const status = select([['', t('all')], ['scheduled', t('st_scheduled')],
		['sending', t('st_sending')], ['finished', t('st_finished')],
		['cancelled', t('st_cancelled')]], {id: 'bc-filter', value: ctx.query.get('status') || ''});
	const tbody = h('tbody');
	const more = h('button', {type: 'button', hidden: true}, t('more'));
	const empty = h('p', {class: 'muted', hidden: true}, t('none'));
	const err = h('p', {class: 'error', role: 'alert'});
	const tbl = table(L('list'), [L('id'), L('created'), L('what'), L('audience'),
		L('recipients'), L('status'), L('by')], [], {id: 'bc-list'});
	tbl.querySelector('table').replaceChild(tbody, tbl.querySelector('tbody'));
	replace(main,
		h('h1', null, L('title')),
		h('div', {class: 'actions'},
			ctx.canWrite ? h('a', {class: 'button primary', href: '#/broadcasts/new',
				id: 'bc-new-link'}, L('new')) : null,
			field(L('filter'), status)),
		err, tbl, empty, h('div', {class: 'actions'}, more));
	const rows = pagedRows({
		path: '/api/v1/broadcasts', names: ['broadcasts'],
		params: () => ({status: status.value}),
		tbody, more, empty,
		rowOf: (b) => h('tr', {dataset: {id: b.id}},
			h('td', null, h('a', {href: '#/broadcasts/' + encodeURIComponent(b.id)}, '#' + b.id)),
			h('td', null, fmtTime(b.created_at)),
			h('td', null, b.template || (b.text ? '“' + String(b.text).slice(0, 30) + '”' : '–')),
			h('td', null, audienceSummary(b.audience)),
			h('td', {class: 'num'}, b.resolving ? L('resolving') : fmtNum(b.recipients)),
			h('td', null, badge(b.status)),
			h('td', null, b.created_by || '–')),
	});
	status.addEventListener('change', () => rows.reset().catch((e) => {
		err.textContent = errText(e);
	}));
	more.addEventListener('click', () => rows.more().catch((e) => {
		err.textContent = errText(e);
	}));
	await rows.reset();
}
