// app.js: the console's shell: who is signed in, the menu, the language
// switch, and a router over the location's hash (#/overview,
// #/broadcasts/12, ...).  Each page is a module in pages/ whose default
// export renders into <main> and may register cleanups (a poll to stop)
// that run when the page is left or redrawn.

import {h, replace} from './dom.js';
import {t, lang, setLang} from './i18n.js';
import * as api from './api.js';

const ROUTES = [
	// [hash pattern, module, nav key or null, who may see it]
	[/^overview$/, 'overview', 'overview', 'any'],
	[/^broadcasts\/new$/, 'broadcast_new', 'new_broadcast', 'write'],
	[/^broadcasts$/, 'broadcasts', 'broadcasts', 'any'],
	[/^broadcasts\/(\d+)$/, 'broadcast', null, 'any'],
	[/^feedback$/, 'feedback', 'feedback', 'any'],
	[/^feedback\/([A-Za-z]?\d+)$/, 'ticket', null, 'any'],
	[/^tasks$/, 'tasks', 'tasks', 'any'],
	[/^lookup$/, 'lookup', 'lookup', 'any'],
	[/^texts$/, 'texts', 'texts', 'any'],
	[/^users$/, 'users', 'users', 'admin'],
];
const NAV = [
	['overview', 'overview'], ['broadcasts/new', 'new_broadcast'],
	['broadcasts', 'broadcasts'], ['feedback', 'feedback'],
	['tasks', 'tasks'], ['lookup', 'lookup'], ['texts', 'texts'],
	['users', 'users'],
];

let session = null;
let cleanups = [];
let renderSeq = 0;

function allowed(who) {
	if (who === 'any')
		return true;
	if (who === 'write')
		return session.role === 'admin' || session.role === 'office';
	return session.role === who;
}

function currentPath() {
	const hash = location.hash || '';
	return hash.startsWith('#/') ? decodeURIComponent(hash.slice(2)) : 'overview';
}

function roleName(r) {
	return t('role_' + r);
}

function drawShell() {
	document.title = t('app');
	const nav = document.getElementById('nav');
	const path = currentPath().split('?')[0];
	const list = h('ul', {class: 'nav-list'});
	for (const [target, key] of NAV) {
		const route = ROUTES.find((r) => r[2] === key);
		if (!allowed(route[3]))
			continue;
		const here = path === target ||
			(target === 'broadcasts' && /^broadcasts\/\d+$/.test(path)) ||
			(target === 'feedback' && path.startsWith('feedback/'));
		list.appendChild(h('li', null, h('a', {
			href: '#/' + target, 'aria-current': here ? 'page' : null,
			dataset: {nav: key},
		}, t(key))));
	}
	nav.setAttribute('aria-label', t('nav'));
	replace(nav, list);

	const who = document.getElementById('who');
	replace(who,
		h('span', {class: 'who-name', id: 'who-name'}, t('signed_in', {
			user: session.user, role: roleName(session.role),
			area: session.area || t('whole_area'),
		})),
		h('button', {
			type: 'button', class: 'link', id: 'lang-switch', lang: lang() === 'zh' ? 'en' : 'zh',
			'aria-label': t('switch_lang_label'),
			onclick: () => {
				setLang(lang() === 'zh' ? 'en' : 'zh');
				route();
			},
		}, t('switch_lang')),
		h('button', {type: 'button', class: 'link', id: 'logout',
			onclick: () => api.logout()}, t('logout')));
	replace(document.getElementById('brand'),
		h('a', {href: '#/overview'}, t('app')),
		h('span', {class: 'brand-sub'}, t('app_sub')));
	const toggle = document.getElementById('menu-toggle');
	toggle.textContent = t('menu');
	document.getElementById('skip').textContent = t('skip');
}

async function route() {
	const seq = ++renderSeq;
	for (const c of cleanups.splice(0))
		try { c(); } catch (e) { /* a page's cleanup must not stop the next */ }
	const full = currentPath();
	const [path, qs] = full.split('?');
	let match = null;
	let def = null;
	for (const r of ROUTES) {
		match = r[0].exec(path);
		if (match) {
			def = r;
			break;
		}
	}
	drawShell();
	document.body.classList.remove('nav-open');
	document.getElementById('menu-toggle').setAttribute('aria-expanded', 'false');
	const main = document.getElementById('main');
	main.setAttribute('aria-busy', 'true');
	if (!def || !allowed(def[3])) {
		if (!def) {
			location.replace('#/overview');
			return;
		}
		replace(main, h('h1', {tabindex: '-1'}, t(def[2] || 'overview')),
			h('p', {class: 'notice', role: 'alert'}, t('read_only')));
		main.removeAttribute('aria-busy');
		return;
	}
	replace(main, h('p', {class: 'loading'}, t('loading')));
	const ctx = {
		main, session,
		params: match.slice(1),
		query: new URLSearchParams(qs || ''),
		canWrite: session.role === 'admin' || session.role === 'office',
		isAdmin: session.role === 'admin',
		onCleanup: (fn) => cleanups.push(fn),
		alive: () => seq === renderSeq,
		go: (hash) => { location.hash = hash; },
	};
	try {
		const mod = await import('./pages/' + def[1] + '.js');
		if (seq !== renderSeq)
			return;
		await mod.default(ctx);
	} catch (e) {
		if (seq !== renderSeq)
			return;
		showError(main, e);
	}
	if (seq !== renderSeq)
		return;
	main.removeAttribute('aria-busy');
	const h1 = main.querySelector('h1');
	if (h1) {
		h1.setAttribute('tabindex', '-1');
		document.title = h1.textContent + ' · ' + t('app');
		if (document.activeElement === document.body || routeChangedByUser)
			h1.focus({preventScroll: true});
	}
	routeChangedByUser = false;
}

let routeChangedByUser = false;

// An error where the page would be, with the server's reason (SPEC 3:
// every 400 names its field first).
export function showError(where, e) {
	let msg;
	if (e && e.status === 0)
		msg = t('network');
	else if (e && e.status === 403)
		msg = t('forbidden', {msg: e.message});
	else if (e && e.status === 404)
		msg = t('not_found');
	else
		msg = t('error', {msg: (e && e.message) || String(e)});
	replace(where, h('p', {class: 'error', role: 'alert'}, msg));
}

async function start() {
	setLang(lang());
	try {
		session = await api.loadSession();
	} catch (e) {
		session = null;
		replace(document.getElementById('main'),
			h('p', {class: 'error', role: 'alert'}, t('network')),
			h('button', {type: 'button', onclick: () => location.reload()}, t('retry')));
		return;
	}
	if (!session) {
		location.assign(api.LOGIN_URL);
		return;
	}
	document.body.dataset.role = session.role;
	const toggle = document.getElementById('menu-toggle');
	toggle.addEventListener('click', () => {
		const open = !document.body.classList.contains('nav-open');
		document.body.classList.toggle('nav-open', open);
		toggle.setAttribute('aria-expanded', String(open));
	});
	document.getElementById('skip').addEventListener('click', (ev) => {
		ev.preventDefault();
		const h1 = document.querySelector('#main h1');
		(h1 || document.getElementById('main')).focus();
	});
	window.addEventListener('hashchange', () => {
		routeChangedByUser = true;
		route();
	});
	route();
}

start();
