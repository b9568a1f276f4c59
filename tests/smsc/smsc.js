#!/usr/bin/env node
/*
 * smsc.js: an SMSC for the smpp provider's tests and benchmark, on the
 * `smpp` package from the npm registry (node-smpp's server; version
 * pinned by package-lock.json, installed by the Makefile with npm ci).
 * We wrote only this glue: the PDUs are node-smpp's.
 *
 *   node smsc.js [--port N] [--control-port N] [--log FILE]
 *                [--system-id ID] [--password PW] [--receipts MODE]
 *
 * Port 0 (the default) takes a free port; the first line on stdout is
 * {"smpp":PORT,"control":PORT}.  It answers bind_transceiver (the
 * system_id and password must match, else ESME_RBINDFAIL), enquire_link,
 * unbind, and submit_sm with a message id (hexadecimal, counting up),
 * then a delivery receipt (MODE: "both", the default, the
 * receipted_message_id and message_state TLVs and the SMPP 3.4 Appendix
 * B text; "tlv"; "text"; "none").  Every answered submit is one JSON line
 * of --log: {"id","session","seq","to","from","dc","esm","udh":[ref,
 * total,seq]|null,"text"} (the text as node-smpp decodes it).
 *
 * The control port takes one JSON command a line and answers one:
 *   {"cmd":"stats"}                      counters (see `stats` below; first_ms
 *                                        and last_ms: the first and the last
 *                                        answered submit, for rates)
 *   {"cmd":"throttle","n":K}             the next K submits: ESME_RTHROTTLED
 *   {"cmd":"drop_after","n":K,"after":M} answer M more submits, then none;
 *                                        at the K-th unanswered, drop the
 *                                        connection
 *   {"cmd":"receipts","mode":M,"stat":S} receipts from now (stat: DELIVRD,
 *                                        UNDELIV, ...)
 *   {"cmd":"mo","from":F,"to":T,"text":X,"coding":"ucs2"|"gsm",
 *    "parts":N,"sar":bool,"reverse":bool}  deliver_sm to the last bound
 *                                        session; long texts (or parts > 1)
 *                                        as concatenated parts, UDH with an
 *                                        8-bit reference or sar_* TLVs
 *   {"cmd":"raw","hex":H}                write these octets to the session
 *   {"cmd":"unbind"}                     unbind the session
 */
'use strict';

const net = require('net');
const fs = require('fs');
const smpp = require('smpp');

const opt = {
	port: 0, controlPort: 0, log: null, systemId: 'fupin',
	password: 'secret', receipts: 'both',
};
for (let i = 2; i < process.argv.length; i += 2) {
	const k = process.argv[i], v = process.argv[i + 1];
	if (k === '--port') opt.port = Number(v);
	else if (k === '--control-port') opt.controlPort = Number(v);
	else if (k === '--log') opt.log = v;
	else if (k === '--system-id') opt.systemId = v;
	else if (k === '--password') opt.password = v;
	else if (k === '--receipts') opt.receipts = v;
	else {
		process.stderr.write('smsc.js: unknown option ' + k + '\n');
		process.exit(64);
	}
}

const stats = {
	binds: 0, bind_failures: 0, sessions: 0, submits: 0, accepted: 0,
	throttled: 0, unanswered: 0, dup_seq: 0, enquire: 0, unbinds: 0,
	mo_sent: 0, mo_ok: 0, mo_err: 0, receipts_sent: 0, receipts_ok: 0,
	receipts_err: 0, last_deliver_resp: null, bound: 0, refused: 0,
	first_ms: 0, last_ms: 0,
};
let throttleLeft = 0;
let dropAfter = -1;
let dropSkip = 0;
let held = 0;
let nextId = 0x10000000;
let moRef = 0;
let receiptStat = 'DELIVRD';
let last = null;
/* Written synchronously: a test reads it as soon as a counter says so. */
const log = opt.log ? fs.openSync(opt.log, 'a') : null;

const STATES = { DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5,
	ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8, ENROUTE: 1 };

function stamp() {
	const d = new Date(), p = (n) => String(n).padStart(2, '0');
	return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) +
	    p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes());
}

function concatOf(sm) {
	if (!sm || !sm.udh) return null;
	for (const ie of sm.udh)
		if (ie[0] === 0x00 && ie[1] === 3) return [ie[2], ie[3], ie[4]];
	return null;
}

function sendReceipt(session, pdu, id) {
	if (opt.receipts === 'none') return;
	const text = 'id:' + id + ' sub:001 dlvrd:001 submit date:' + stamp() +
	    ' done date:' + stamp() + ' stat:' + receiptStat + ' err:000 text:';
	const r = {
		source_addr: pdu.destination_addr, source_addr_ton: 1,
		source_addr_npi: 1, destination_addr: pdu.source_addr,
		esm_class: 0x04, data_coding: 0,
		short_message: opt.receipts === 'tlv' ? '' : text,
	};
	if (opt.receipts !== 'text') {
		r.receipted_message_id = id;
		r.message_state = STATES[receiptStat] || 7;
	}
	stats.receipts_sent++;
	session.deliver_sm(r, (resp) => {
		stats.last_deliver_resp = resp.command_status;
		if (resp.command_status === 0) stats.receipts_ok++;
		else stats.receipts_err++;
	});
}

const server = smpp.createServer((session) => {
	const me = { n: ++stats.sessions, seqs: new Set(), bound: false };
	/* As SMSCs do: an answer is one small segment, sent at once. */
	session.socket.setNoDelay(true);
	session.on('error', () => {});
	session.on('close', () => {
		if (me.bound) stats.bound--;
		if (last === session) last = null;
	});
	session.on('bind_transceiver', (pdu) => {
		if (pdu.system_id !== opt.systemId || pdu.password !== opt.password) {
			stats.bind_failures++;
			session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
			session.close();
			return;
		}
		stats.binds++;
		stats.bound++;
		me.bound = true;
		last = session;
		session.send(pdu.response({ system_id: 'nodesmsc' }));
	});
	session.on('enquire_link', (pdu) => {
		stats.enquire++;
		session.send(pdu.response());
	});
	session.on('unbind', (pdu) => {
		stats.unbinds++;
		session.send(pdu.response());
		session.close();
	});
	session.on('deliver_sm_resp', (pdu) => {
		stats.last_deliver_resp = pdu.command_status;
		if (pdu.command_status === 0x65) stats.refused++;
	});
	session.on('submit_sm', (pdu) => {
		/* PDUs node-smpp had read before we dropped the connection. */
		if (me.dead) return;
		stats.submits++;
		if (me.seqs.has(pdu.sequence_number)) stats.dup_seq++;
		me.seqs.add(pdu.sequence_number);
		if (dropAfter >= 0 && dropSkip > 0) {
			dropSkip--;
		} else if (dropAfter >= 0) {
			held++;
			if (held >= dropAfter) {
				stats.unanswered += held;
				dropAfter = -1;
				held = 0;
				me.dead = true;
				session.destroy();
			}
			return;
		}
		if (throttleLeft > 0) {
			throttleLeft--;
			stats.throttled++;
			session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
			return;
		}
		const id = (nextId++).toString(16);
		session.send(pdu.response({ message_id: id }));
		stats.accepted++;
		stats.last_ms = Date.now();
		if (stats.first_ms === 0) stats.first_ms = stats.last_ms;
		if (log !== null) {
			const sm = pdu.short_message || {};
			fs.writeSync(log, JSON.stringify({
				id: id, session: me.n, seq: pdu.sequence_number,
				to: pdu.destination_addr, from: pdu.source_addr,
				dc: pdu.data_coding, esm: pdu.esm_class,
				udh: concatOf(sm),
				text: typeof sm.message === 'string' ? sm.message : null,
			}) + '\n');
		}
		sendReceipt(session, pdu, id);
	});
});

/* The text's parts: 67 UTF-16 units (no surrogate pair split) or 153
 * characters a part; `parts` forces at least that many. */
function split(text, ucs2, parts) {
	const per = ucs2 ? 67 : 153, single = ucs2 ? 70 : 160, out = [];
	if (parts <= 1 && text.length <= single) return [text];
	let size = per;
	if (parts > 1) size = Math.min(per, Math.ceil(text.length / parts));
	for (let i = 0; i < text.length;) {
		let end = Math.min(i + size, text.length);
		const c = text.charCodeAt(end - 1);
		if (end < text.length && c >= 0xD800 && c <= 0xDBFF) end--;
		out.push(text.slice(i, end));
		i = end;
	}
	return out;
}

function sendMo(c) {
	if (!last) return { error: 'no bound session' };
	const ucs2 = c.coding !== 'gsm';
	const chunks = split(c.text, ucs2, c.parts || 1);
	const ref = (moRef++) & 0xFF;
	const order = chunks.map((_, i) => i);
	if (c.reverse) order.reverse();
	for (const i of order) {
		const p = {
			source_addr: c.from, source_addr_ton: 1, source_addr_npi: 1,
			destination_addr: c.to || '10690001',
			data_coding: ucs2 ? 8 : 0, esm_class: 0,
			short_message: chunks[i],
		};
		if (chunks.length > 1 && c.sar) {
			p.sar_msg_ref_num = ref;
			p.sar_total_segments = chunks.length;
			p.sar_segment_seqnum = i + 1;
		} else if (chunks.length > 1) {
			p.short_message = {
				udh: Buffer.from([5, 0, 3, ref, chunks.length, i + 1]),
				message: chunks[i],
			};
		}
		stats.mo_sent++;
		last.deliver_sm(p, (resp) => {
			stats.last_deliver_resp = resp.command_status;
			if (resp.command_status === 0) stats.mo_ok++;
			else stats.mo_err++;
		});
	}
	return { sent: chunks.length };
}

function command(c) {
	switch (c.cmd) {
	case 'stats':
		return stats;
	case 'throttle':
		throttleLeft = c.n;
		return { ok: true };
	case 'drop_after':
		dropAfter = c.n;
		dropSkip = c.after || 0;
		held = 0;
		return { ok: true };
	case 'receipts':
		opt.receipts = c.mode || opt.receipts;
		receiptStat = c.stat || receiptStat;
		return { ok: true };
	case 'mo':
		return sendMo(c);
	case 'raw':
		if (!last) return { error: 'no bound session' };
		last.socket.write(Buffer.from(c.hex, 'hex'));
		return { ok: true };
	case 'unbind':
		if (!last) return { error: 'no bound session' };
		last.unbind();
		return { ok: true };
	default:
		return { error: 'unknown command' };
	}
}

const control = net.createServer((sock) => {
	let buf = '';
	sock.setEncoding('utf8');
	sock.on('error', () => {});
	sock.on('data', (d) => {
		buf += d;
		let nl;
		while ((nl = buf.indexOf('\n')) >= 0) {
			const line = buf.slice(0, nl);
			buf = buf.slice(nl + 1);
			let reply;
			try {
				reply = command(JSON.parse(line));
			} catch (e) {
				reply = { error: String(e) };
			}
			sock.write(JSON.stringify(reply) + '\n');
		}
	});
});

server.listen(opt.port, '127.0.0.1', () => {
	control.listen(opt.controlPort, '127.0.0.1', () => {
		process.stdout.write(JSON.stringify({
			smpp: server.address().port,
			control: control.address().port,
		}) + '\n');
	});
});
process.on('SIGTERM', () => process.exit(0));
