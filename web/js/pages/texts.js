// texts.js: #/texts, what villagers read: each language's texts (USSD
// screens, SMS replies, notices) with the ones still untranslated or
// not fitting a page marked, the menu tree, and a phone to try the menu
// (phone.js).  From GET /api/v1/templates.

import {h, replace, table} from '../dom.js';
import {tr} from '../i18n.js';
import {langName, langAttr} from '../parts.js';
import {loadTemplates} from '../templates.js';
import {phone} from '../phone.js';

const D = {
	zh: {
		title: '菜单与文本',
		intro: '农户和干部在手机上看到的全部文字。红色标出的是尚未翻译（仍是中文原文）或缺少的文本。',
		langs: '语言',
		group_ussd: 'USSD 菜单',
		group_sms: '短信回复',
		group_notices: '通知模板',
		group_other: '其他',
		key: '文本',
		text: '内容',
		state: '状态',
		ok: '已翻译',
		source: '原文',
		untranslated: '未翻译',
		missing: '缺少',
		drafted: '机器初译',
		no_fit: '超出一屏',
		summary: '{lang}：{total} 条，未翻译 {un} 条，缺少 {miss} 条',
		menu: '菜单结构',
		villager_menu: '农户菜单',
		cadre_menu: '干部菜单',
		no_menu: '网关没有提供菜单结构。',
		filter_un: '只看未翻译',
		no_api: '网关尚未提供文本接口（GET /api/v1/templates）。',
	},
	en: {
		title: 'Menus and texts',
		intro: 'Every text villagers and cadres read on their phones. Red marks texts still untranslated (the Chinese source) or missing.',
		langs: 'Languages',
		group_ussd: 'USSD menu',
		group_sms: 'SMS replies',
		group_notices: 'Notice templates',
		group_other: 'Other',
		key: 'Text',
		text: 'Content',
		state: 'State',
		ok: 'translated',
		source: 'source',
		untranslated: 'untranslated',
		missing: 'missing',
		drafted: 'machine-drafted',
		no_fit: 'does not fit a page',
		summary: '{lang}: {total} texts, {un} untranslated, {miss} missing',
		menu: 'Menu tree',
		villager_menu: 'Villagers’ menu',
		cadre_menu: 'Cadres’ menu',
		no_menu: 'The gateway gave no menu tree.',
		filter_un: 'Only untranslated',
		no_api: 'The gateway has no texts route yet (GET /api/v1/templates).',
	},
};
const L = (k, v) => tr(D, k, v);

function stateOf(e, l) {
	const txt = e.texts[l];
	if (e.langInfo && l in e.langInfo) {
		const li = e.langInfo[l];
		if (li === null)
			return 'missing';
		if (l === 'zh')
			return 'source';
		if (li.drafted || li.machine)
			return 'drafted';
		return li.translated === false ? 'untranslated' : 'ok';
	}
	const st = e.status && typeof e.status === 'object' ? e.status[l] : null;
	if (st)
		return st === 'missing' || st === 'untranslated' || st === 'drafted' || st === 'machine' ?
			(st === 'machine' ? 'drafted' : st) : (l === 'zh' ? 'source' : 'ok');
	if (e.untranslated && Array.isArray(e.untranslated) && e.untranslated.includes(l))
		return 'untranslated';
	if (txt === undefined || txt === null || txt === '')
		return 'missing';
	if (l === 'zh')
		return 'source';
	if (l !== 'zh' && e.texts.zh && txt === e.texts.zh)
		return 'untranslated';
	return 'ok';
}

function fits(e, l) {
	if (e.langInfo && e.langInfo[l] && typeof e.langInfo[l].fits === 'boolean')
		return e.langInfo[l].fits;
	if (e.fits === null || e.fits === undefined)
		return true;
	if (typeof e.fits === 'boolean')
		return e.fits;
	if (typeof e.fits === 'object')
		return e.fits[l] !== false;
	return true;
}

// The menu as nested lists: each screen's text in language l, its options.
function menuTree(menu, ussd, l, start) {
	const screens = new Map();
	for (const s of menu.screens || [])
		screens.set(s.id, s);
	const textOf = (key) => {
		const e = ussd.find((x) => x.name === key || x.key === key || x.key === 'ussd/' + key);
		return e ? (e.texts[l] ?? e.texts.zh ?? key) : key;
	};
	const seen = new Set();
	const node = (id, label, depth) => {
		const s = screens.get(id);
		const li = h('li', null, label ? h('span', null, label, ' → ') : null,
			h('span', {class: 'sid'}, id));
		if (!s || seen.has(id) || depth > 6)
			return li;
		seen.add(id);
		const first = String(textOf(s.text)).split('\n')[0];
		li.appendChild(h('span', {lang: langAttr(l)}, ' ', first));
		const kids = [];
		for (const o of s.options || [])
			kids.push(node(o.go, String(textOf(o.text)).replace(/^\{n\}[.、 ]*/, ''), depth + 1));
		if (s.list && s.go)
			kids.push(node(s.go, '[' + s.list + ']', depth + 1));
		if (s.input && s.go)
			kids.push(node(s.go, '[' + s.input + ']', depth + 1));
		if (kids.length)
			li.appendChild(h('ul', null, kids));
		return li;
	};
	return h('ul', {class: 'tree'}, node(start, null, 0));
}

export default async function render(ctx) {
	const {main} = ctx;
	const info = await loadTemplates();
	const langs = info.languages;
	let current = ctx.query.get('lang') || (langs.includes('ii') ? 'ii' : langs[0]);
	const tabs = h('div', {class: 'tabs', role: 'tablist', 'aria-label': L('langs')});
	const onlyUn = h('input', {type: 'checkbox', id: 'tx-only-un'});
	const panel = h('div', {role: 'tabpanel', id: 'tx-panel'});
	const summary = h('p', {id: 'tx-summary'});
	const menuBox = h('section', {class: 'card', 'aria-labelledby': 'tx-menu-h'});
	const groups = Object.entries(info.groups);

	function drawTabs() {
		replace(tabs);
		for (const l of langs) {
			const b = h('button', {type: 'button', role: 'tab', id: 'tx-tab-' + l,
				'aria-selected': String(l === current), 'aria-controls': 'tx-panel',
				tabindex: l === current ? '0' : '-1',
				onclick: () => {
					current = l;
					drawAll();
					document.getElementById('tx-tab-' + l).focus();
				}}, langName(l));
			b.addEventListener('keydown', (e) => {
				const i = langs.indexOf(l);
				const j = e.key === 'ArrowRight' ? (i + 1) % langs.length :
					e.key === 'ArrowLeft' ? (i - 1 + langs.length) % langs.length : -1;
				if (j >= 0) {
					current = langs[j];
					drawAll();
					document.getElementById('tx-tab-' + current).focus();
				}
			});
			tabs.appendChild(b);
		}
		panel.setAttribute('aria-labelledby', 'tx-tab-' + current);
	}

	function drawPanel() {
		let total = 0;
		let un = 0;
		let miss = 0;
		replace(panel);
		for (const [g, entries] of groups) {
			const rows = [];
			for (const e of entries) {
				const st = stateOf(e, current);
				total += 1;
				if (st === 'untranslated')
					un += 1;
				if (st === 'missing')
					miss += 1;
				if (onlyUn.checked && !['untranslated', 'missing'].includes(st))
					continue;
				const bad = st === 'untranslated' || st === 'missing';
				const fit = fits(e, current);
				rows.push(h('tr', {dataset: {key: e.key, state: st}},
					h('td', {class: 'mono'}, e.name || e.key),
					h('td', null, h('pre', {class: 'text', lang: langAttr(current)},
						e.texts[current] ?? '')),
					h('td', {class: 'state' + (bad ? ' missing' : '')}, L(st),
						fit ? null : h('span', {class: 'missing'}, ' · ' + L('no_fit')))));
			}
			const key = 'group_' + g;
			const title = L(key) === key ? g : L(key);
			if (rows.length)
				panel.appendChild(table(title, [L('key'), L('text'), L('state')], rows));
		}
		summary.textContent = L('summary', {lang: langName(current), total, un, miss});
	}

	function drawMenu() {
		replace(menuBox, h('h2', {id: 'tx-menu-h'}, L('menu')));
		const m = info.menu;
		if (!m || !Array.isArray(m.screens)) {
			menuBox.appendChild(h('p', {class: 'muted'}, L('no_menu')));
			return;
		}
		const ussd = info.groups.ussd || [];
		menuBox.append(h('h3', null, L('villager_menu')),
			menuTree(m, ussd, current, m.villager_start || 'main'),
			h('h3', null, L('cadre_menu')),
			menuTree(m, ussd, current, m.cadre_start || 'cadre'));
	}

	function drawAll() {
		drawTabs();
		drawPanel();
		drawMenu();
	}
	onlyUn.addEventListener('change', drawPanel);

	replace(main, h('h1', null, L('title')),
		h('p', {class: 'muted'}, L('intro')),
		info.raw ? null : h('p', {class: 'notice'}, L('no_api')),
		h('div', {class: 'texts-layout'},
			h('div', null, tabs, summary,
				h('label', {class: 'choice', for: onlyUn.id}, onlyUn, L('filter_un')),
				panel, menuBox),
			phone(info.service_code, 'zh')));
	drawAll();
}
