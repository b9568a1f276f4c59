// dom.js: building the page from data without innerHTML, so nothing that
// came from a villager's SMS or the registry is ever parsed as markup.
//
//   h('p', {class: 'note', id: 'x'}, 'text', h('b', null, 'more'))
//
// Attributes: class, for (htmlFor), on<event> (a function), hidden and
// other booleans (true sets, false omits), dataset ({key: value}); any other
// string is setAttribute.  There is no `style` attribute on purpose: the
// Content-Security-Policy refuses inline styles; use classes.

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === undefined || v === null || v === false)
				continue;
			if (k.startsWith('on') && typeof v === 'function')
				el.addEventListener(k.slice(2), v);
			else if (k === 'class')
				el.className = v;
			else if (k === 'dataset')
				Object.assign(el.dataset, v);
			else if (k === 'value')
				el.value = v;
			else if (k === 'checked' || k === 'selected' || k === 'disabled')
				el[k] = Boolean(v);
			else
				el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

let uid = 0;
// A fresh id for label/for and aria-describedby pairs.
export function newId(prefix) {
	uid += 1;
	return (prefix || 'f') + '-' + uid;
}

// A labelled form control: the label above, the control, an optional hint
// tied to it by aria-describedby.
export function field(labelText, control, hint) {
	if (!control.id)
		control.id = newId('in');
	const parts = [h('label', {for: control.id}, labelText), control];
	if (hint) {
		const hid = newId('hint');
		control.setAttribute('aria-describedby', hid);
		parts.push(h('p', {class: 'hint', id: hid}, hint));
	}
	return h('div', {class: 'field'}, parts);
}

// <select> from [[value, text], ...].
export function select(options, attrs) {
	const s = h('select', attrs);
	for (const [v, text] of options)
		s.appendChild(h('option', {value: v}, text));
	if (attrs && attrs.value !== undefined)
		s.value = attrs.value;
	return s;
}

// A table: headers, then rows of cells (strings or nodes).
export function table(caption, headers, rows, attrs) {
	return h('div', {class: 'table-wrap'},
		h('table', attrs,
			caption ? h('caption', null, caption) : null,
			h('thead', null, h('tr', null,
				headers.map((x) => h('th', {scope: 'col'}, x)))),
			h('tbody', null, rows)));
}

// A definition list from [[term, value], ...], skipping empty values.
export function dl(pairs, attrs) {
	const out = h('dl', attrs || {class: 'facts'});
	for (const [k, v] of pairs) {
		if (v === undefined || v === null || v === '')
			continue;
		out.appendChild(h('div', null, h('dt', null, k), h('dd', null, v)));
	}
	return out;
}

export function debounce(fn, ms) {
	let timer = null;
	return (...args) => {
		clearTimeout(timer);
		timer = setTimeout(() => fn(...args), ms);
	};
}
