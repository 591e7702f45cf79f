// The script tag a business puts on its website: <script src="https://keepwell.example/widget.js?key=KEY" async></script>
// It only places our chat window (an iframe served by Keepwell) in the corner and sizes it; the
// chat itself runs inside the frame, on Keepwell's origin, away from the host page.
(() => {
  const me = document.currentScript;
  if (!me || window.__keepwellWidget) return;
  window.__keepwellWidget = true;
  const src = new URL(me.src);
  const frame = document.createElement('iframe');
  frame.src = `${src.origin}/p/assistant/frame?key=${encodeURIComponent(src.searchParams.get('key') || '')}`;
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
    }
  });
  window.addEventListener('resize', () => size(open));
  const place = () => document.body.appendChild(frame);
  if (document.body) place();
  else document.addEventListener('DOMContentLoaded', place);
})();
