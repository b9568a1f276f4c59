// users.js: #/users (admin only; the menu hides it from others and the
// API answers them 403): the console's users (GET /api/v1/users), a new
// one (POST /api/v1/users), a new password, disable or enable, and the
// end of a lockout after 5 failed sign-ins (POST /api/v1/users/{name}/
// password|disable|enable|unlock).  The same rules as fupinctl user on
// the server: the gateway checks them and names the field it refuses.

import {h, replace, field, select, table} from '../dom.js';
import {tr, t, fmtTime} from '../i18n.js';
import * as api from '../api.js';
import {liveRegion, say, errText} from '../parts.js';

const D = {
	zh: {
		title: '用户',
		add: '新增用户',
		name: '用户名',
		name_hint: '小写字母、数字和 . _ -，以字母或数字开头，最多 64 个字符。',
		role: '角色',
		area: '地区代码',
		area_hint: '只能看到和操作这个地区（前缀，2 到 12 位数字）；留空为全部地区。',
		password: '密码',
		password_hint: '至少 10 个字符。请当面或电话告诉用户，不要用短信发送。',
		password2: '再输入一次密码',
		add_btn: '新增',
		added: '已新增用户 {name}，可以用这个密码登录。',
		differ: '两次输入的密码不一样。',
		list: '用户列表',
		col_name: '用户名',
		col_role: '角色',
		col_area: '地区',
		col_state: '状态',
		col_login: '上次登录',
		col_created: '创建',
		col_actions: '操作',
		active: '正常',
		disabled: '已停用',
		locked: '已锁定至 {at}',
		never: '从未登录',
		you: '（您）',
		passwd: '重设密码',
		passwd_of: '重设 {name} 的密码',
		disable: '停用',
		disable_of: '停用 {name}',
		enable: '启用',
		enable_of: '启用 {name}',
		unlock: '解除锁定',
		unlock_of: '解除 {name} 的登录锁定',
		new_password: '新密码',
		new_password2: '再输入一次新密码',
		save: '保存新密码',
		cancel: '取消',
		passwd_done: '{name} 的密码已重设，原来的登录已全部退出。',
		disabled_done: '{name} 已停用，原来的登录已全部退出。',
		enabled_done: '{name} 已启用。',
		unlocked_done: '{name} 的锁定已解除，可以再次登录。',
		not_locked: '{name} 没有被锁定；失败记录已清除。',
		confirm_disable: '确定停用 {name}？TA 将立即退出登录。',
		roles: '角色说明：admin 全部权限；office 在本地区内群发、发任务、处理反馈；viewer 只能查看（号码隐去部分数字）。服务器上也可以用 fupinctl user 管理用户。',
	},
	en: {
		title: 'Users',
		add: 'Add a user',
		name: 'User name',
		name_hint: 'Lower-case letters, digits and . _ -, starting with a letter or a digit, at most 64.',
		role: 'Role',
		area: 'Area code',
		area_hint: 'The user sees and acts only inside this area (a prefix of 2 to 12 digits); empty for everywhere.',
		password: 'Password',
		password_hint: 'At least 10 characters. Tell the user in person or by phone, not by SMS.',
		password2: 'The same password again',
		add_btn: 'Add',
		added: 'User {name} added: they can sign in with this password.',
		differ: 'The two passwords differ.',
		list: 'Users',
		col_name: 'Name',
		col_role: 'Role',
		col_area: 'Area',
		col_state: 'State',
		col_login: 'Last sign-in',
		col_created: 'Created',
		col_actions: 'Actions',
		active: 'active',
		disabled: 'disabled',
		locked: 'locked until {at}',
		never: 'never',
		you: ' (you)',
		passwd: 'New password',
		passwd_of: 'A new password for {name}',
		disable: 'Disable',
		disable_of: 'Disable {name}',
		enable: 'Enable',
		enable_of: 'Enable {name}',
		unlock: 'Unlock',
		unlock_of: 'Unlock the sign-in of {name}',
		new_password: 'New password',
		new_password2: 'The new password again',
		save: 'Save the new password',
		cancel: 'Cancel',
		passwd_done: '{name} has a new password; their sessions ended.',
		disabled_done: '{name} is disabled; their sessions ended.',
		enabled_done: '{name} is enabled.',
		unlocked_done: '{name} is unlocked and may sign in again.',
		not_locked: '{name} was not locked out; their failed sign-ins are forgotten.',
		confirm_disable: 'Disable {name}? They are signed out at once.',
		roles: 'Roles: admin may do everything; office broadcasts, alerts and closes feedback inside its area; viewer only reads (numbers partly hidden). On the server, fupinctl user does the same.',
	},
};
const L = (k, v) => tr(D, k, v);

const path = (name, action) => '/api/v1/users/' + encodeURIComponent(name) + '/' + action;

function stateOf(u) {
	if (u.disabled)
		return 'disabled';
	return u.locked_until ? 'locked' : 'active';
}

function stateBadge(u) {
	const s = stateOf(u);
	const cls = s === 'active' ? 'st-finished' : 'st-cancelled';
	return h('span', {class: 'badge ' + cls},
		s === 'locked' ? L('locked', {at: fmtTime(u.locked_until)}) : L(s));
}

export default async function render(ctx) {
	const {main, session} = ctx;
	const msg = liveRegion();
	msg.id = 'us-result';

	// ---- the form of a new user
	const name = h('input', {type: 'text', id: 'us-name', name: 'name', autocomplete: 'off',
		autocapitalize: 'none', spellcheck: 'false', maxlength: 64, required: true});
	const role = select([['office', t('role_office') + ' (office)'],
		['viewer', t('role_viewer') + ' (viewer)'], ['admin', t('role_admin') + ' (admin)']],
	{id: 'us-role', name: 'role'});
	const area = h('input', {type: 'text', id: 'us-area', name: 'area', inputmode: 'numeric',
		pattern: '[0-9]*', maxlength: 12, autocomplete: 'off', value: session.area || ''});
	const pw = h('input', {type: 'password', id: 'us-password', name: 'password',
		autocomplete: 'new-password', required: true});
	const pw2 = h('input', {type: 'password', id: 'us-password2', autocomplete: 'new-password',
		required: true});
	const addBtn = h('button', {type: 'submit', class: 'primary', id: 'us-add'}, L('add_btn'));
	const form = h('form', {class: 'card', id: 'us-form', 'aria-labelledby': 'us-form-h', novalidate: true},
		h('h2', {id: 'us-form-h'}, L('add')),
		h('div', {class: 'row'}, field(L('name'), name, L('name_hint')), field(L('role'), role),
			field(L('area'), area, L('area_hint'))),
		h('div', {class: 'row'}, field(L('password'), pw, L('password_hint')),
			field(L('password2'), pw2)),
		h('div', {class: 'actions'}, addBtn));

	// ---- the list, and the new-password form for one of it
	const listBox = h('div', {id: 'us-list-box'});
	const pwBox = h('div');
	const err = h('p', {class: 'error', role: 'alert'});
	replace(main, h('h1', null, L('title')), msg, err, listBox, pwBox, form,
		h('p', {class: 'hint'}, L('roles')));

	let users = [];
	async function load() {
		const all = [];
		let after = null;
		for (let i = 0; i < 50; i++) {
			const data = await api.get('/api/v1/users', {limit: 500, after});
			const page = api.pageOf(data, ['users']);
			all.push(...page.items);
			after = page.next;
			if (after === null || after === undefined || !page.items.length)
				break;
		}
		users = all;
		draw();
	}
	async function reload() {
		try {
			await load();
			err.textContent = '';
		} catch (e) {
			err.textContent = errText(e);
		}
	}

	// One action on a user: the answer is the user as it is now.
	async function act(u, action, body, done, btn) {
		if (btn)
			btn.disabled = true;
		try {
			const r = await api.post(path(u.name, action), body);
			if (action === 'unlock' && r && r.was_locked === false && !r.clients_unlocked)
				say(msg, L('not_locked', {name: u.name}), 'ok');
			else
				say(msg, L(done, {name: u.name}), 'ok');
			await reload();
			return true;
		} catch (e) {
			say(msg, errText(e), 'error');
			if (btn)
				btn.disabled = false;
			return false;
		}
	}

	function passwordForm(u, back) {
		const a = h('input', {type: 'password', id: 'us-pw-new', autocomplete: 'new-password'});
		const b = h('input', {type: 'password', id: 'us-pw-new2', autocomplete: 'new-password'});
		const save = h('button', {type: 'submit', class: 'primary', id: 'us-pw-save'}, L('save'));
		const f = h('form', {class: 'card', id: 'us-pw-form', 'aria-labelledby': 'us-pw-h', novalidate: true},
			h('h2', {id: 'us-pw-h'}, L('passwd_of', {name: u.name})),
			h('div', {class: 'row'}, field(L('new_password'), a, L('password_hint')),
				field(L('new_password2'), b)),
			h('div', {class: 'actions'}, save,
				h('button', {type: 'button', id: 'us-pw-cancel', onclick: () => {
					replace(pwBox);
					back.focus();
				}}, L('cancel'))));
		f.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			if (a.value !== b.value) {
				say(msg, L('differ'), 'error');
				b.focus();
				return;
			}
			if (await act(u, 'password', {password: a.value}, 'passwd_done', save))
				replace(pwBox);
		});
		replace(pwBox, f);
		a.focus();
	}

	function draw() {
		const me = session.user;
		const rows = users.map((u) => {
			const acts = [];
			const pwBtn = h('button', {type: 'button', class: 'us-passwd',
				'aria-label': L('passwd_of', {name: u.name})}, L('passwd'));
			pwBtn.addEventListener('click', () => passwordForm(u, pwBtn));
			acts.push(pwBtn);
			if (u.disabled) {
				acts.push(h('button', {type: 'button', class: 'us-enable',
					'aria-label': L('enable_of', {name: u.name}),
					onclick: (ev) => act(u, 'enable', undefined, 'enabled_done', ev.currentTarget)},
				L('enable')));
			} else if (u.name !== me) {
				acts.push(h('button', {type: 'button', class: 'us-disable',
					'aria-label': L('disable_of', {name: u.name}),
					onclick: (ev) => {
						if (window.confirm(L('confirm_disable', {name: u.name})))
							act(u, 'disable', undefined, 'disabled_done', ev.currentTarget);
					}}, L('disable')));
			}
			if (u.locked_until)
				acts.push(h('button', {type: 'button', class: 'us-unlock primary',
					'aria-label': L('unlock_of', {name: u.name}),
					onclick: (ev) => act(u, 'unlock', undefined, 'unlocked_done', ev.currentTarget)},
				L('unlock')));
			return h('tr', {dataset: {user: u.name, state: stateOf(u)}},
				h('th', {scope: 'row'}, u.name, u.name === me ? L('you') : ''),
				h('td', null, t('role_' + u.role)),
				h('td', {class: 'mono'}, u.area || t('whole_area')),
				h('td', null, stateBadge(u)),
				h('td', null, u.last_login_at ? fmtTime(u.last_login_at) : L('never')),
				h('td', null, fmtTime(u.created_at)),
				h('td', null, h('div', {class: 'legend'}, acts)));
		});
		replace(listBox, rows.length ? table(L('list'), [L('col_name'), L('col_role'), L('col_area'),
			L('col_state'), L('col_login'), L('col_created'), L('col_actions')], rows, {id: 'us-list'}) :
			h('p', {class: 'muted'}, t('none')));
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (pw.value !== pw2.value) {
			say(msg, L('differ'), 'error');
			pw2.focus();
			return;
		}
		const body = {name: name.value.trim(), role: role.value, password: pw.value};
		if (area.value.trim())
			body.area = area.value.trim();
		addBtn.disabled = true;
		try {
			const u = await api.post('/api/v1/users', body);
			say(msg, L('added', {name: u.name || body.name}), 'ok');
			name.value = '';
			pw.value = '';
			pw2.value = '';
			await reload();
		} catch (e) {
			say(msg, errText(e), 'error');
		}
		addBtn.disabled = false;
	});

	await load();
}
