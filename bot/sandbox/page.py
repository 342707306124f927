"""The single page of the web UI; inline CSS and script, nothing fetched from outside."""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>playtalk sandbox</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #e7ebf0; }
  header { background: #517da2; color: #fff; padding: 8px 12px; display: flex;
           gap: 8px; align-items: center; flex-wrap: wrap; }
  header input, header select { font: inherit; padding: 2px 4px; }
  header input[type=number] { width: 9em; }
  #chat { max-width: 720px; margin: 0 auto; padding: 12px 12px 140px; }
  .msg { max-width: 80%; margin: 6px 0; padding: 6px 10px; border-radius: 10px;
         background: #fff; white-space: pre-wrap; word-wrap: break-word; clear: both; }
  .user { background: #effdde; margin-left: auto; }
  .meta { font-size: 11px; color: #8a9aa9; }
  .spoiler { background: #999; color: #999; } .spoiler:hover { color: inherit; }
  blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid #517da2; }
  pre, code { background: #f2f4f6; border-radius: 4px; }
  .kb { display: grid; gap: 4px; margin-top: 6px; }
  .row { display: flex; gap: 4px; }
  .row button { flex: 1; padding: 6px; border: 0; border-radius: 6px;
                background: #5b8db7; color: #fff; cursor: pointer; font: inherit; }
  img { max-width: 100%; border-radius: 6px; display: block; }
  footer { position: fixed; bottom: 0; left: 0; right: 0; background: #fff;
           border-top: 1px solid #ccd; padding: 8px; }
  footer form { max-width: 720px; margin: 0 auto; display: flex; gap: 6px; }
  footer input { flex: 1; font: inherit; padding: 6px; }
  #replykb { max-width: 720px; margin: 0 auto 6px; }
  #toast { position: fixed; top: 56px; left: 50%; transform: translateX(-50%);
           background: #333; color: #fff; padding: 6px 12px; border-radius: 6px; display: none; }
</style>
</head>
<body>
<header>
  <strong>playtalk sandbox</strong> <span id="bot"></span>
  <label>user id <input id="uid" type="number" value="1001"></label>
  <label>name <input id="fname" value="Sam" size="8"></label>
  <label>language <select id="lang">
    <option>en</option><option>pl</option><option>ro</option><option>pt</option>
    <option>es</option><option>fr</option><option>ar</option><option>bn</option>
    <option>ur</option><option>so</option><option>tr</option><option>lt</option>
  </select></label>
  <label><input id="blocked" type="checkbox"> blocked</label>
  <span id="pending"></span>
</header>
<div id="chat"></div>
<div id="toast"></div>
<footer>
  <div id="replykb"></div>
  <form id="send">
    <button type="button" id="photo" title="send a photo">&#128247;</button>
    <button type="button" id="voice" title="send a voice note">&#127908;</button>
    <input id="text" autocomplete="off" placeholder="Message, or /start">
    <button>Send</button>
  </form>
</footer>
<script>
const $ = (id) => document.getElementById(id);
let lastSeen = "";
let answersSeen = 0;

function uid() { return $("uid").value.trim(); }
function who() { return { language_code: $("lang").value, first_name: $("fname").value }; }

async function post(action, body) {
  const res = await fetch(`/_sandbox/users/${uid()}/${action}`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(Object.assign(who(), body)),
  });
  const data = await res.json();
  if (data.error) toast(data.error);
  refresh();
  return data;
}

function toast(text) {
  const t = $("toast"); t.textContent = text; t.style.display = "block";
  clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.style.display = "none"), 3000);
}

function keyboard(rows, onPress) {
  const box = document.createElement("div"); box.className = "kb";
  for (const row of rows) {
    const line = document.createElement("div"); line.className = "row";
    for (const b of row) {
      const btn = document.createElement("button");
      btn.textContent = typeof b === "string" ? b : b.text;
      btn.onclick = () => onPress(b);
      line.appendChild(btn);
    }
    box.appendChild(line);
  }
  return box;
}

function render(chat) {
  const box = $("chat"); box.replaceChildren();
  for (const m of chat.messages) {
    const div = document.createElement("div"); div.className = "msg " + m.from;
    if (m.kind === "photo") {
      const img = document.createElement("img"); img.src = "/_sandbox/files/" + m.file_id;
      div.appendChild(img);
    } else if (m.kind !== "text") {
      const a = document.createElement("a"); a.href = "/_sandbox/files/" + m.file_id;
      a.textContent = "\\u{1F4CE} " + m.file_name; a.target = "_blank";
      div.appendChild(a); div.appendChild(document.createElement("br"));
    }
    const body = document.createElement("span"); body.innerHTML = m.html; div.appendChild(body);
    if (m.buttons && m.buttons.length) {
      div.appendChild(keyboard(m.buttons, (b) => {
        if (b.url) window.open(b.url, "_blank", "noopener");
        else if (b.callback_data !== undefined)
          post("press", { message_id: m.id, data: b.callback_data });
      }));
    }
    const meta = document.createElement("div"); meta.className = "meta";
    meta.textContent = `#${m.id}` + (m.edited ? " edited" : "") +
      (m.reply_to ? ` reply to #${m.reply_to}` : "");
    div.appendChild(meta);
    box.appendChild(div);
  }
  const kb = $("replykb"); kb.replaceChildren();
  if (chat.keyboard) kb.appendChild(keyboard(chat.keyboard, (b) => post("text", { text: b })));
  $("blocked").checked = !!chat.blocked;
  $("pending").textContent = chat.pending_updates ? `${chat.pending_updates} pending` : "";
  const answers = chat.answers || [];
  if (answers.length > answersSeen) {
    const a = answers[answers.length - 1];
    if (a.text) (a.show_alert ? alert : toast)(a.text);
  }
  answersSeen = answers.length;
}

async function refresh() {
  if (!uid()) return;
  const res = await fetch(`/_sandbox/chats/${uid()}`);
  const chat = await res.json();
  const key = JSON.stringify(chat);
  if (key !== lastSeen) {
    const atBottom = innerHeight + scrollY >= document.body.offsetHeight - 40;
    lastSeen = key; render(chat);
    if (atBottom) scrollTo(0, document.body.scrollHeight);
  }
}

$("send").onsubmit = (e) => {
  e.preventDefault();
  const text = $("text").value; if (!text.trim()) return;
  $("text").value = ""; post("text", { text });
};
$("photo").onclick = () => post("photo", { caption: $("text").value || null });
$("voice").onclick = () => post("voice", {});
$("blocked").onchange = () => post("block", { blocked: $("blocked").checked });
$("uid").onchange = () => { lastSeen = ""; answersSeen = 0; refresh(); };
fetch("/_sandbox/info").then((r) => r.json())
  .then((i) => ($("bot").textContent = "@" + i.bot_username));
setInterval(refresh, 700);
refresh();
</script>
</body>
</html>
"""
