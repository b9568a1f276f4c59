// api.js: the console's one way to the admin API (SPEC 3.5, 10).  The
// session cookie authenticates; every POST carries X-CSRF-Token with the
// token GET /api/v1/session gave (a cookie-authenticated POST without it
// is a 403).  A 401 means the session ended: back to the sign-in page.

export const LOGIN_URL = '/console/login.html';

let csrf = null;

export class ApiError extends Error {
	constructor(status, code, message, body) {
		super(message || code || ('HTTP ' + status));
		this.status = status;
		this.code = code || '';
		this.body = body;
	}
}

function toLogin() {
	location.assign(LOGIN_URL);
}

async function request(method, path, body, opts) {
	const headers = {Accept: 'application/json'};
	let payload;
	if (method !== 'GET') {
		if (csrf)
			headers['X-CSRF-Token'] = csrf;
		if (opts && opts.form) {
			headers['Content-Type'] = 'application/x-www-form-urlencoded';
			payload = new URLSearchParams(body).toString();
		} else if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			payload = JSON.stringify(body);
		}
	}
	let res;
	try {
		res = await fetch(path, {
			method, headers, body: payload,
			credentials: 'same-origin', cache: 'no-store',
			signal: opts && opts.signal,
		});
	} catch (e) {
		if (e.name === 'AbortError')
			throw e;
		throw new ApiError(0, 'network', '');
	}
	if (res.status === 401 && !(opts && opts.noRedirect)) {
		toLogin();
		throw new ApiError(401, 'unauthorized', '');
	}
	const type = res.headers.get('Content-Type') || '';
	let data = null;
	if (type.includes('json')) {
		try {
			data = await res.json();
		} catch (e) {
			data = null;
		}
	} else {
		data = await res.text();
	}
	if (!res.ok) {
		const d = data && typeof data === 'object' ? data : {};
		throw new ApiError(res.status, d.error, d.message ||
			(typeof data === 'string' ? data.trim() : ''), data);
	}
	return data;
}

export function get(path, params, opts) {
	if (params) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(params))
			if (v !== undefined && v !== null && v !== '')
				q.set(k, v);
		const s = q.toString();
		if (s)
			path += (path.includes('?') ? '&' : '?') + s;
	}
	return request('GET', path, undefined, opts);
}

export function post(path, body, opts) {
	return request('POST', path, body, opts);
}

// GET /api/v1/session: {user, role, area, csrf}; null when signed out.
export async function loadSession() {
	const s = await request('GET', '/api/v1/session', undefined,
		{noRedirect: true}).catch((e) => {
		if (e.status === 401 || e.status === 403)
			return null;
		throw e;
	});
	if (s && s.csrf)
		csrf = s.csrf;
	return s;
}

export async function logout() {
	try {
		await request('POST', '/console/logout', undefined, {noRedirect: true});
	} catch (e) { /* gone already */ }
	location.assign(LOGIN_URL);
}

// The items of a paged answer, whatever its envelope: {items: [...]}, a
// named list, or a bare array; and the key to ask for the next page.
export function pageOf(data, names) {
	if (Array.isArray(data))
		return {items: data, next: null};
	if (!data || typeof data !== 'object')
		return {items: [], next: null};
	let items = data.items;
	for (const n of names || [])
		if (!items && Array.isArray(data[n]))
			items = data[n];
	items = items || [];
	const next = data.next_after ?? data.next ?? null;
	return {items, next, total: data.total};
}
