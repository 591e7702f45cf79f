// The script tag a business puts on its website: <script src="https://keepwell.example/widget.js?key=KEY" async></script>
// It only places our chat window (an iframe served by Keepwell) in the corner and sizes it; the
// chat itself runs inside the frame, on Keepwell's origin, away from the host page.
(() => {
  const me = document.currentScript;
  if (!me || window.__keepwellWidget) return;
  window.__keepwellWidget = true;
  const src = new URL(me.src);
  // The chat's token and whether it was open are kept in this site's storage (a browser may block
  // storage inside a frame from another site) and handed to the frame in the fragment (never sent to a server).
  const KEY = 'keepwell.assistant';
  const load = () => {
    try {
      return JSON.parse(localStorage.getItem(KEY) || '{}') || {};
    } catch {
      return {};
    }
  };
  const save = (patch) => {
    try {
      localStorage.setItem(KEY, JSON.stringify({ ...load(), ...patch }));
    } catch {
      /* storage blocked: the chat lasts as long as the page */
    }
  };
  const saved = load();
  const frame = document.createElement('iframe');
  const hash = new URLSearchParams();
  if (typeof saved.token === 'string') hash.set('t', saved.token);
  if (saved.open) hash.set('o', '1');
  frame.src = `${src.origin}/p/assistant/frame?key=${encodeURIComponent(src.searchParams.get('key') || '')}#${hash}`;
  frame.title = 'Chat with us';
  frame.setAttribute('data-keepwell', 'chat');
  const set = (styles) => {
    for (const [k, v] of Object.entries(styles)) frame.style.setProperty(k, v, 'important');
  };
  set({ position: 'fixed', right: '12px', bottom: '12px', width: '76px', height: '76px', border: '0', 'z-index': '2147483000', background: 'transparent', 'color-scheme': 'normal' });
  const size = (open) => {
    const phone = window.innerWidth < 520;
    if (!open) set({ width: '76px', height: '76px', right: '12px', bottom: '12px', 'max-height': 'none' });
    else if (phone) set({ width: '100vw', height: '100%', right: '0', bottom: '0', 'max-height': '100dvh' });
    else set({ width: '400px', height: '620px', right: '12px', bottom: '12px', 'max-height': 'calc(100vh - 24px)' });
  };
  let open = false;
  window.addEventListener('message', (e) => {
    if (e.origin !== src.origin || e.source !== frame.contentWindow) return;
    const d = e.data;
    if (d && d.type === 'keepwell:open') {
      open = Boolean(d.open);
      size(open);
      save({ open });
    }
    if (d && d.type === 'keepwell:token' && (typeof d.token === 'string' || d.token === null)) save({ token: d.token });
  });
  window.addEventListener('resize', () => size(open));
  const place = () => document.body.appendChild(frame);
  if (document.body) place();
  else document.addEventListener('DOMContentLoaded', place);
})();
