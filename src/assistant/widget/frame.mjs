// The chat window inside the widget's iframe (Keepwell's origin). Everything a visitor, an agent
// or the FAQ says is put on the page as text nodes (textContent, createElement): never as HTML.
// The chat's token is kept in localStorage, so a reload picks the conversation up where it was.
(() => {
  const root = document.getElementById('kw');
  const TOKEN = 'keepwell.assistant.token';
  const OPEN = 'keepwell.assistant.open';
  const store = {
    get: (k) => {
      try {
        return localStorage.getItem(k);
      } catch {
        return null;
      }
    },
    set: (k, v) => {
      try {
        if (v === null) localStorage.removeItem(k);
        else localStorage.setItem(k, v);
      } catch {
        /* storage blocked: the chat lasts as long as the page */
      }
    },
  };
  // The host page keeps the token and the open state for us (see loader.mjs) and passes them in the fragment.
  const given = new URLSearchParams(location.hash.slice(1));
  let token = given.get('t') || store.get(TOKEN);
  const tell = (msg) => parent !== window && parent.postMessage(msg, '*');
  let cfg = null;
  let chat = null;
  let stream = null;
  const shown = new Set();

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c) e.append(c);
    return e;
  };
  const api = async (method, path, body) => {
    const res = await fetch(path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data?.error?.message || `The chat is not available right now (${res.status}).`);
    return data;
  };

  // ---- layout ----
  const initials = (name) => (name || '?').trim().slice(0, 1).toUpperCase();
  const avatar = (cls) => {
    const a = el('span', { class: cls, 'aria-hidden': 'true' });
    if (cfg?.avatarUrl) a.append(el('img', { src: cfg.avatarUrl, alt: '' }));
    else a.textContent = initials(cfg?.name);
    return a;
  };
  const launcher = el('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'kw-panel' });
  const panel = el('section', { id: 'kw-panel', class: 'panel', role: 'dialog', hidden: true });
  const log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const typing = el('div', { class: 'typing', hidden: true, 'aria-live': 'polite' });
  const error = el('div', { class: 'error', role: 'alert' });
  const input = el('textarea', { id: 'kw-text', rows: '1', maxlength: '2000', placeholder: 'Type your question…', autocomplete: 'off' });
  const form = el(
    'form',
    { on: { submit: (e) => (e.preventDefault(), send(input.value)) } },
    el('label', { class: 'sr', for: 'kw-text', text: 'Your message' }),
    input,
    el('button', { type: 'submit', class: 'send', text: 'Send' }),
  );
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send(input.value);
    }
  });
  const personButton = el('button', { type: 'button', class: 'small', text: 'Talk to a person', on: { click: () => person() } });
  const personBar = el('div', { class: 'person-bar' }, el('span', { text: 'Prefer a person? We\u2019ll pass them this chat.' }), personButton);

  const setOpen = (open, focus = true) => {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute('aria-expanded', String(open));
    store.set(OPEN, open ? '1' : null);
    tell({ type: 'keepwell:open', open });
    if (focus) {
      if (open) setTimeout(() => input.focus(), 0);
      else launcher.focus();
    }
  };
  launcher.addEventListener('click', () => setOpen(true));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) setOpen(false);
  });

  // ---- messages ----
  const scroll = () => {
    log.scrollTop = log.scrollHeight;
  };
  const inlineNodes = (parentEl, inline) => {
    for (const i of inline) {
      if (i.br) {
        parentEl.append(el('br'));
        continue;
      }
      let node = document.createTextNode(i.text);
      if (i.code) node = el('code', {}, node);
      if (i.em) node = el('em', {}, node);
      if (i.strong) node = el('strong', {}, node);
      if (i.href && /^(https?:|mailto:)/i.test(i.href)) node = el('a', { href: i.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, node);
      parentEl.append(node);
    }
  };
  const blocksNode = (blocks) => {
    const box = el('div');
    for (const b of blocks) {
      if (b.type === 'p') {
        const p = el('p');
        inlineNodes(p, b.inline);
        box.append(p);
      } else if (b.type === 'list') {
        const l = el(b.ordered ? 'ol' : 'ul');
        for (const item of b.items) {
          const li = el('li');
          inlineNodes(li, item);
          l.append(li);
        }
        box.append(l);
      } else if (b.type === 'code') box.append(el('pre', { text: b.text }));
    }
    return box;
  };
  const you = (text, id) => {
    if (id) shown.add(id);
    log.append(el('div', { class: 'msg you', 'data-testid': 'kw-you' }, el('span', { class: 'sr', text: 'You: ' }), document.createTextNode(text)));
    scroll();
  };
  const botName = () => (cfg ? cfg.name : 'Assistant');
  const botMsg = (x) => {
    const m = el('div', { class: 'msg bot', 'data-testid': `kw-bot-${x.kind}` }, el('div', { class: 'label', text: botName() }));
    if (x.kind === 'answer' && x.blocks && x.blocks.length) m.append(blocksNode(x.blocks));
    else m.append(document.createTextNode(x.reply));
    if (x.entry) m.append(el('div', { class: 'cite', text: `From our help article \u201c${x.entry.question}\u201d` }));
    if (x.kind === 'clarify' && x.options.length) {
      const row = el('div', { class: 'row', role: 'group', 'aria-label': 'Did you mean' });
      for (const o of x.options) row.append(el('button', { type: 'button', class: 'chip', text: o.question, on: { click: () => send(o.question, o.entryId) } }));
      m.append(row);
    }
    if (x.kind === 'answer') {
      const row = el('div', { class: 'row', role: 'group', 'aria-label': 'Was this helpful?' });
      const mk = (label, helpful) => {
        const b = el('button', { type: 'button', class: 'small', 'aria-pressed': String(x.helpful === helpful), text: label });
        b.addEventListener('click', async () => {
          try {
            await api('POST', '/p/assistant/rate', { token, exchangeId: x.id, helpful });
            for (const other of row.querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
            b.setAttribute('aria-pressed', 'true');
          } catch (err) {
            error.textContent = err.message;
          }
        });
        return b;
      };
      row.append(el('span', { class: 'label', text: 'Did this help?' }), mk('Yes', true), mk('No', false));
      m.append(row);
    }
    if ((x.offerPerson || x.kind === 'dont_know') && chat && chat.owner === 'bot' && x.kind !== 'handoff') {
      m.append(el('div', { class: 'row' }, el('button', { type: 'button', class: 'chip', text: 'Talk to a person', on: { click: () => person() } })));
    }
    if (x.kind === 'ask_email' && chat && chat.awaitingEmail) m.append(emailForm());
    log.append(m);
    scroll();
  };
  const agentMsg = (m) => {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    if (m.from === 'you') return you(m.text, m.id);
    log.append(el('div', { class: 'msg agent', 'data-testid': 'kw-agent' }, el('div', { class: 'label', text: m.agentName || 'Support' }), document.createTextNode(m.text)));
    typing.hidden = true;
    clearTimeout(typingTimer);
    scroll();
  };
  const emailForm = () => {
    const box = el('input', { type: 'email', required: true, maxlength: '254', placeholder: 'you@example.com', 'aria-label': 'Your email address', autocomplete: 'email' });
    return el(
      'form',
      {
        on: {
          submit: (e) => {
            e.preventDefault();
            person(box.value.trim());
          },
        },
      },
      box,
      el('button', { type: 'submit', class: 'send', text: 'Send' }),
    );
  };

  const follow = () => {
    if (!chat?.inbox || stream) return;
    personBar.hidden = true;
    const q = `token=${encodeURIComponent(chat.inbox.token)}${chat.inbox.after ? `&after=${encodeURIComponent(chat.inbox.after)}` : ''}`;
    stream = new EventSource(`/p/chat/stream?${q}`);
    stream.addEventListener('message', (e) => {
      try {
        agentMsg(JSON.parse(e.data));
      } catch {
        /* ignore a bad event */
      }
    });
    // An agent typing: "Alex is typing…" until their line comes or the pings stop.
    stream.addEventListener('typing', (e) => {
      try {
        agentTyping(JSON.parse(e.data).name);
      } catch {
        /* ignore a bad event */
      }
    });
  };

  // ---- typing, both ways, once a person has the chat (nothing stored: pings that lapse) ----
  const TYPING_SHOWN_MS = 6000;
  const TYPING_EVERY_MS = 3000;
  let typingTimer = null;
  const agentTyping = (name) => {
    typing.textContent = `${name || 'Support'} is typing\u2026`;
    typing.hidden = false;
    log.append(typing);
    scroll();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      typing.hidden = true;
    }, TYPING_SHOWN_MS);
  };
  let typedAt = 0;
  input.addEventListener('input', () => {
    if (!chat?.inbox || !input.value.trim() || Date.now() - typedAt < TYPING_EVERY_MS) return;
    typedAt = Date.now();
    fetch('/p/chat/typing', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: chat.inbox.token }) }).catch(() => {});
  });

  const accept = (r) => {
    chat = r.chat;
    token = r.chat.token;
    store.set(TOKEN, token);
    tell({ type: 'keepwell:token', token });
    if (r.reply) botMsg(r.reply);
    follow();
  };

  const busy = (on) => {
    typing.hidden = !on;
    typing.textContent = on ? `${botName()} is typing\u2026` : '';
    if (on) log.append(typing);
    scroll();
  };

  async function send(raw, entryId) {
    const text = String(raw || '').trim();
    if (!text) return;
    error.textContent = '';
    input.value = '';
    const owned = chat && chat.owner === 'person';
    if (!owned) you(text);
    busy(!owned);
    try {
      const r = await api('POST', '/p/assistant/messages', { token: token || undefined, text, entryId });
      if (r.forwardedMessageId) you(text, r.forwardedMessageId);
      accept(r);
    } catch (err) {
      error.textContent = err.message;
    } finally {
      busy(false);
    }
  }

  async function person(email) {
    error.textContent = '';
    busy(true);
    try {
      accept(await api('POST', '/p/assistant/person', { token: token || undefined, email: email || undefined }));
    } catch (err) {
      error.textContent = err.message;
    } finally {
      busy(false);
    }
  }

  const start = async () => {
    try {
      cfg = await api('GET', '/p/assistant/config');
    } catch {
      return; // no chat today: show nothing rather than a broken button
    }
    if (!cfg.enabled) return;
    launcher.append(avatar('avatar'));
    launcher.append(el('span', { class: 'sr', text: `Chat with ${cfg.name}` }));
    panel.setAttribute('aria-label', `Chat with ${cfg.name}`);
    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close chat', text: '\u00d7', on: { click: () => setOpen(false) } });
    panel.append(
      el('header', {}, avatar('avatar'), el('div', { class: 'who' }, el('strong', { text: cfg.name }), el('span', { text: `${cfg.business} assistant \u00b7 instant answers, 24/7` })), close),
      personBar,
      log,
      error,
      form,
    );
    const caps = el('ul');
    for (const c of cfg.capabilities) caps.append(el('li', { text: c }));
    log.append(el('div', { class: 'intro', 'data-testid': 'kw-greeting' }, el('div', { text: cfg.greeting }), caps));
    root.append(launcher, panel);
    if (token) {
      try {
        chat = await api('GET', `/p/assistant/chat?token=${encodeURIComponent(token)}`);
        for (const x of chat.exchanges) {
          you(x.message);
          botMsg(x);
        }
        follow();
      } catch {
        token = null;
        store.set(TOKEN, null);
        tell({ type: 'keepwell:token', token: null });
      }
    }
    setOpen(given.get('o') === '1' || store.get(OPEN) === '1', false);
  };
  start();
})();
