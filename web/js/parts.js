// parts.js: pieces more than one page uses: status badges, the area
// picker over GET /api/v1/areas, a live message region, paged lists.

import {h, replace, newId} from './dom.js';
import {t, tr, tStatus, fmtNum, lang} from './i18n.js';
import * as api from './api.js';

const D = {
	zh: {
		area_any: '（{scope}内全部）',
		area_level: '第 {n} 级地区',
		area_prefix: '地区代码（前缀）',
		area_prefix_hint: '行政区划代码，如 5134（州）、513431（县）；留空为您可见的全部地区。',
		households_n: '{n} 户',
		your_scope: '您的范围',
		lv_2: '省',
		lv_4: '市州',
		lv_6: '县',
		lv_9: '乡镇',
		lv_12: '村',
	},
	en: {
		area_any: '(all of {scope})',
		area_level: 'Area, level {n}',
		area_prefix: 'Area code (prefix)',
		area_prefix_hint: 'A region code such as 5134 (prefecture) or 513431 (county); empty for every area you may see.',
		households_n: '{n} households',
		your_scope: 'your area',
		lv_2: 'province',
		lv_4: 'prefecture',
		lv_6: 'county',
		lv_9: 'township',
		lv_12: 'village',
	},
};

export function badge(status) {
	return h('span', {class: 'badge st-' + (status || 'none')}, tStatus(status));
}

// A polite live region for progress and results (screen readers hear
// what changed without losing their place).
export function liveRegion(cls) {
	return h('div', {class: cls || '', role: 'status', 'aria-live': 'polite',
		dataset: {base: cls || ''}});
}

// The region's text, and its look: kind is 'ok', 'error', 'notice' or
// 'muted' (the region keeps the class it was made with).
export function say(region, text, kind) {
	region.className = [region.dataset.base || '', kind || ''].join(' ').trim();
	region.textContent = text || '';
}

// An error from the API as one line a clerk can read.
export function errText(e) {
	if (!e)
		return '';
	if (e.status === 0)
		return t('network');
	if (e.status === 403)
		return t('forbidden', {msg: e.message});
	if (e.status === 404)
		return t('not_found');
	return t('error', {msg: e.message || e.code || ('HTTP ' + e.status)});
}

// ---- the area tree ---------------------------------------------------------

let areaCache = null;

// The tree of GET /api/v1/areas as nodes {code, name, households,
// children}, whatever the answer's shape (nested children or a flat
// list with parents); cached for the page's life.
export async function loadAreas() {
	if (areaCache)
		return areaCache;
	// Every page of the tree (paged by code: ?after=, "next").
	let list = [];
	let after = null;
	for (let i = 0; i < 50; i++) {
		const data = await api.get('/api/v1/areas', after === null ? {limit: 1000} :
			{limit: 1000, after});
		const items = Array.isArray(data) ? data : (data.items || data.areas || data.tree ||
			(Array.isArray(data.children) ? [data] : []));
		list = list.concat(items);
		after = Array.isArray(data) ? null : (data.next ?? null);
		if (after === null || !items.length)
			break;
	}
	const flat = [];
	const walk = (n, parent) => {
		flat.push({code: String(n.code ?? n.area_code ?? n.id ?? ''),
			name: n.name || n.title || '', level: n.level ?? null, households: n.households ?? n.household_count ?? null,
			parent: n.parent ?? parent ?? null, children: []});
		if (Array.isArray(n.children))
			for (const c of n.children)
				walk(c, String(n.code ?? n.area_code ?? ''));
	};
	for (const n of list)
		walk(n, null);
	const by = new Map(flat.map((n) => [n.code, n]));
	const roots = [];
	const codes = [...by.keys()].sort((a, b) => a.length - b.length || a.localeCompare(b));
	for (const code of codes) {
		const n = by.get(code);
		let p = n.parent && by.has(String(n.parent)) ? by.get(String(n.parent)) : null;
		if (!p) {
			for (let l = code.length - 1; l >= 2 && !p; l--)
				if (by.has(code.slice(0, l)))
					p = by.get(code.slice(0, l));
		}
		if (p && p !== n) {
			p.children.push(n);
			n.up = p;
		} else
			roots.push(n);
	}
	areaCache = {roots, by};
	return areaCache;
}

// "昭觉县 (513431) · 12 户", or by its level when the tree has no names:
// "县 513431 · 12 户".
function areaLabel(n) {
	const lv = 'lv_' + n.code.length;
	const parts = n.name ? [n.name, '(' + n.code + ')'] :
		[tr(D, lv) === lv ? n.code : tr(D, lv) + ' ' + n.code];
	if (n.households !== null && n.households !== undefined)
		parts.push('· ' + tr(D, 'households_n', {n: fmtNum(n.households)}));
	return parts.join(' ');
}

// Cascading selects, one per level of the tree, inside a fieldset; falls
// back to a text field for the prefix when the tree cannot be had.
// Returns {el, value(), set(code), onChange(fn)}.
export function areaPicker(session, legendText, opts) {
	const listeners = [];
	const wrap = h('div', {class: 'area-path'});
	const status = h('p', {class: 'hint'});
	const el = h('fieldset', {class: 'area-picker'},
		h('legend', null, legendText), wrap, status);
	let chosen = '';
	let tree = null;
	let text = null;
	const fire = () => listeners.forEach((f) => f(chosen));
	const scopeName = session.area || t('whole_area');

	function drawLevels() {
		const path = [];
		if (chosen) {
			for (let n = tree.by.get(chosen); n && n !== tree.top; n = n.up)
				path.unshift(n);
		}
		replace(wrap);
		let options = tree.roots;
		let level = 0;
		while (options.length) {
			const sel = h('select', {
				id: newId('area'),
				'aria-label': tr(D, 'area_level', {n: level + 1}),
				dataset: {level: String(level)},
			});
			const parent = level === 0 ? null : path[level - 1];
			sel.appendChild(h('option', {value: parent ? parent.code : ''},
				tr(D, 'area_any', {scope: parent ? (parent.name || parent.code) :
					scopeName})));
			for (const n of options)
				sel.appendChild(h('option', {value: n.code}, areaLabel(n)));
			const here = path[level];
			sel.value = here ? here.code : (parent ? parent.code : '');
			sel.addEventListener('change', () => {
				chosen = sel.value;
				drawLevels();
				fire();
				const next = wrap.querySelector('select[data-level="' + (Number(sel.dataset.level)) + '"]');
				if (next)
					next.focus();
			});
			wrap.appendChild(sel);
			if (!here)
				break;
			options = here.children;
			level += 1;
		}
		const n = chosen ? tree.by.get(chosen) : null;
		status.textContent = n ? areaLabel(n) : tr(D, 'your_scope') + ': ' + scopeName;
	}

	function drawText() {
		text = h('input', {type: 'text', inputmode: 'numeric', pattern: '[0-9]*',
			autocomplete: 'off', value: chosen, class: 'area-code'});
		text.addEventListener('input', () => {
			chosen = text.value.trim();
			fire();
		});
		const id = newId('area');
		text.id = id;
		replace(wrap, h('div', {class: 'field'},
			h('label', {for: id}, tr(D, 'area_prefix')), text));
		status.textContent = tr(D, 'area_prefix_hint');
	}

	if (opts && opts.textOnly) {
		drawText();
	} else {
		replace(wrap, h('span', {class: 'loading'}, t('loading')));
		loadAreas().then((tr_) => {
			tree = tr_;
			// The caller's own area as the only root: start below it.
			if (tree.roots.length === 1 && tree.roots[0].code === (session.area || '') &&
			    tree.roots[0].children.length)
				tree = {roots: tree.roots[0].children, by: tree.by, top: tree.roots[0]};
			if (!tree.roots.length)
				drawText();
			else
				drawLevels();
		}).catch(() => drawText());
	}
	return {
		el,
		value: () => chosen,
		set: (code) => {
			chosen = code || '';
			if (tree && (chosen === '' || tree.by.has(chosen)))
				drawLevels();
			else if (text)
				text.value = chosen;
			fire();
		},
		onChange: (fn) => listeners.push(fn),
	};
}

// ---- paged lists --------------------------------------------------------------

// Fills tbody with rows made by rowOf(item) for the pages of path;
// a "load more" button asks for the next page by key (?after=).
export function pagedRows({path, params, names, tbody, rowOf, more, empty,
	limit, onItems}) {
	let after = null;
	let count = 0;
	const lim = limit || 50;
	async function load() {
		more.disabled = true;
		const q = Object.assign({}, params(), {limit: lim});
		if (after !== null)
			q.after = after;
		const data = await api.get(path, q);
		const page = api.pageOf(data, names);
		for (const it of page.items)
			tbody.appendChild(rowOf(it));
		count += page.items.length;
		if (onItems)
			onItems(page.items, data);
		after = page.next;
		if (after === null && page.items.length === lim && page.items.length) {
			const last = page.items[page.items.length - 1];
			after = last.id ?? last.ticket ?? last.task ?? null;
		}
		more.hidden = after === null || page.items.length < lim;
		more.disabled = false;
		empty.hidden = count !== 0;
	}
	return {
		reset: async () => {
			after = null;
			count = 0;
			replace(tbody);
			await load();
		},
		more: load,
	};
}

export function langName(code) {
	const k = 'lang_' + code;
	const s = t(k);
	return s === k ? code : s;
}

export function langAttr(code) {
	return ['zh', 'ii', 'bo', 'en'].includes(code) ? code : (lang() === 'zh' ? 'zh' : 'en');
}
