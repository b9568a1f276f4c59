// users.js: #/users (admin only).  The gateway has no user API: users
// are managed on the server with fupinctl (SPEC 10), so this page lists
// the commands, filled in as the admin types.

import {h, replace, field, select} from '../dom.js';
import {tr, t} from '../i18n.js';
import * as api from '../api.js';

const D = {
	zh: {
		title: '用户',
		intro: '控制台用户在服务器上用 fupinctl 管理（密码从标准输入读取，至少 10 个字符）。在这里填好，复制命令到服务器上执行：',
		name: '用户名',
		role: '角色',
		area: '地区代码',
		area_hint: '只能看到和操作这个地区（前缀）；留空为全部地区（仅限管理员）。',
		add: '新增用户',
		list: '列出用户',
		passwd: '修改密码',
		disable: '停用用户',
		roles: '角色说明：admin 全部权限；office 在本地区内群发、发任务、处理反馈；viewer 只能查看（号码隐去部分数字）。',
		list_api: '用户列表',
	},
	en: {
		title: 'Users',
		intro: 'Console users are managed on the server with fupinctl (the password is read from standard input, at least 10 characters). Fill in here and run the command on the server:',
		name: 'User name',
		role: 'Role',
		area: 'Area code',
		area_hint: 'The user sees and acts only inside this area (prefix); empty for everywhere (admins only).',
		add: 'Add a user',
		list: 'List users',
		passwd: 'Change a password',
		disable: 'Disable a user',
		roles: 'Roles: admin may do everything; office broadcasts, alerts and closes feedback inside its area; viewer only reads (numbers partly hidden).',
		list_api: 'Users',
	},
};
const L = (k, v) => tr(D, k, v);

function sh(s) {
	return /^[A-Za-z0-9._@-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'";
}

export default async function render(ctx) {
	const {main} = ctx;
	const name = h('input', {type: 'text', id: 'us-name', value: 'clerk1', autocomplete: 'off'});
	const role = select([['office', 'office'], ['viewer', 'viewer'], ['admin', 'admin']], {id: 'us-role'});
	const area = h('input', {type: 'text', id: 'us-area', value: '513431', inputmode: 'numeric'});
	const out = h('pre', {class: 'cmd', id: 'us-commands', 'aria-live': 'polite'});
	const draw = () => {
		const n = sh(name.value.trim() || 'NAME');
		const a = area.value.trim();
		out.textContent = [
			'# ' + L('add'),
			'fupinctl -c /etc/fupin/fupin.conf user add ' + n + ' --role ' + role.value +
				(a ? ' --area ' + sh(a) : ''),
			'# ' + L('list'),
			'fupinctl -c /etc/fupin/fupin.conf user list',
			'# ' + L('passwd'),
			'fupinctl -c /etc/fupin/fupin.conf user passwd ' + n,
			'# ' + L('disable'),
			'fupinctl -c /etc/fupin/fupin.conf user disable ' + n,
		].join('\n');
	};
	for (const el of [name, role, area])
		el.addEventListener('input', draw);
	draw();
	const listBox = h('div');
	replace(main, h('h1', null, L('title')),
		h('p', null, L('intro')),
		h('div', {class: 'row'}, field(L('name'), name), field(L('role'), role),
			field(L('area'), area, L('area_hint'))),
		out, h('p', {class: 'hint'}, L('roles')), listBox);
	// A user list, should the gateway one day answer GET /api/v1/users.
	try {
		const data = await api.get('/api/v1/users');
		const items = api.pageOf(data, ['users']).items;
		if (items.length)
			replace(listBox, h('h2', null, L('list_api')), h('ul', null, items.map((u) =>
				h('li', null, [u.name || u.user, u.role, u.area || t('whole_area'),
					u.disabled ? '(disabled)' : ''].join(' ')))));
	} catch (e) { /* no such route */ }
}
