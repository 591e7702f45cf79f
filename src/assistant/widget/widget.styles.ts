// The chat window's styles (served as /p/assistant/widget.css: the frame's policy allows no inline style).
export const widgetCss = `*{box-sizing:border-box}
html,body{margin:0;height:100%;background:transparent;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.launcher{position:fixed;right:8px;bottom:8px;width:60px;height:60px;border-radius:50%;border:0;background:#2f5d50;color:#fff;font-weight:700;font-size:1rem;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;overflow:hidden;padding:0}
.launcher img{width:100%;height:100%;object-fit:cover}
.launcher:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #f2b134;outline-offset:2px}
.panel{position:fixed;inset:0;display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 6px 28px rgba(0,0,0,.28);overflow:hidden}
@media (max-width:520px){.panel{border-radius:0}}
.panel[hidden]{display:none}
header{display:flex;gap:10px;align-items:center;padding:12px 14px;background:#2f5d50;color:#fff}
.avatar{width:40px;height:40px;border-radius:50%;background:#fff;color:#2f5d50;display:flex;align-items:center;justify-content:center;font-weight:700;flex:none;overflow:hidden}
.avatar img{width:100%;height:100%;object-fit:cover}
.who{flex:1;min-width:0}
.who strong{display:block}
.who span{font-size:.8rem;opacity:.9}
.close{background:transparent;border:0;color:#fff;font-size:1.5rem;line-height:1;cursor:pointer;padding:4px 8px}
.person-bar{display:flex;justify-content:space-between;align-items:center;gap:8px;padding:8px 14px;background:#eef4f1;border-bottom:1px solid #dfe7e3;font-size:.85rem}
.person-bar button{white-space:nowrap}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px;background:#f6f7f9}
.intro{background:#fff;border:1px solid #e3e6eb;border-radius:12px;padding:10px 12px}
.intro ul{margin:6px 0 0;padding-left:18px}
.msg{max-width:86%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
.msg p{margin:0 0 6px}.msg p:last-child{margin:0}
.msg ul,.msg ol{margin:4px 0;padding-left:20px;white-space:normal}
.msg pre{white-space:pre-wrap;background:#f1f3f6;padding:6px;border-radius:6px;margin:4px 0}
.you{align-self:flex-end;background:#2f5d50;color:#fff;border-bottom-right-radius:4px}
.bot,.agent{align-self:flex-start;background:#fff;border:1px solid #e3e6eb;border-bottom-left-radius:4px}
.agent{border-color:#9cc3b5}
.label{font-size:.75rem;color:#5b6475;margin-bottom:2px}
.row .label{align-self:center;margin:0 2px 0 0}
.cite{font-size:.78rem;color:#5b6475;margin-top:6px}
.row{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
button.chip,button.small{border:1px solid #2f5d50;background:#fff;color:#2f5d50;border-radius:16px;padding:5px 10px;font:inherit;font-size:.85rem;cursor:pointer;text-align:left}
button.chip:hover,button.small:hover{background:#eef4f1}
button.small[aria-pressed=true]{background:#2f5d50;color:#fff}
.typing{align-self:flex-start;font-size:.85rem;color:#5b6475;font-style:italic}
.typing[hidden]{display:none}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e6eb;background:#fff}
textarea,input{flex:1;min-width:0;font:inherit;border:1px solid #c9ced6;border-radius:10px;padding:8px 10px;resize:none}
button.send{background:#2f5d50;color:#fff;border:0;border-radius:10px;padding:0 14px;font:inherit;font-weight:600;cursor:pointer}
.error{color:#b3261e;font-size:.85rem;padding:0 14px 6px}
.error:empty{display:none}
`;
