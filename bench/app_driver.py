"""Drives the release app through tauri-driver (W3C WebDriver) and measures
what bench/app.sh reports. Times are wall-clock on this machine, one run."""
import base64, json, os, subprocess, time, urllib.request

BASE = "http://127.0.0.1:4444"

def call(method, path, body=None, timeout=120):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, method=method, data=data, headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=timeout).read().decode())["value"]

def js(sid, script, *args):
    return call("POST", f"/session/{sid}/execute/sync", {"script": script, "args": list(args)})

def wait_js(sid, script, limit=300):
    start = time.time()
    while time.time() - start < limit:
        if js(sid, script):
            return
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for: {script}")

def rss_mib():
    """Resident memory of the app and its WebKit processes, in MiB."""
    out = subprocess.run(["ps", "-eo", "rss,comm"], capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines()[1:]:
        rss, comm = line.split(None, 1)
        if comm.startswith(("testigo-desktop", "WebKitWebProces", "WebKitNetworkPr")):
            total += int(rss)
    return total / 1024

t0 = time.time()
sid = call("POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": os.environ["BENCH_APP"]}}}})["sessionId"]
wait_js(sid, "return !!document.querySelector('#passphrase')")
t_unlock_screen = time.time() - t0
js(sid, """const e = document.querySelector('#passphrase');
  e.value = arguments[0]; e.dispatchEvent(new Event('input', {bubbles: true}));
  document.querySelector('#unlock-submit').click();""", os.environ["TESTIGO_PASSPHRASE"])
t1 = time.time()
wait_js(sid, "return document.querySelectorAll('#case-list li').length >= 2")
t_cases = time.time() - t0
t_unlock = time.time() - t1
time.sleep(5)
idle_cases = rss_mib()
print(f"memory at the case list: {idle_cases:.0f} MiB", flush=True)

t2 = time.time()
js(sid, "[...document.querySelectorAll('#case-list button')].find(b => b.textContent.includes('Capturas')).click()")
# The grid draws only the rows near the visible part; it is drawn when the
# count says 1,000 and the first cards are there.
wait_js(sid, "return /1[,.\\u00a0 ]?000/.test(document.querySelector('#item-count')?.textContent ?? '') && document.querySelectorAll('#item-grid .card').length > 0")
t_grid = time.time() - t2
wait_js(sid, "return [...document.querySelectorAll('#item-grid img')].filter(i => { const r = i.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }).every(i => i.complete && i.naturalWidth > 0)")
t_grid_images = time.time() - t2

print(f"launch→unlock screen {t_unlock_screen:.2f}s, unlock→cases {t_unlock:.2f}s, grid {t_grid:.2f}s, thumbnails {t_grid_images:.2f}s", flush=True)
time.sleep(5)
idle = rss_mib()
cards = js(sid, "return document.querySelectorAll('#item-grid .card').length")
print(f"cards drawn: {cards}", flush=True)
print(f"memory with the grid open: {idle:.0f} MiB", flush=True)

# Scroll the grid for two seconds and count animation frames.
frames = js(sid, """const main = document.querySelector('main'); window.__frames = 0; window.__start = performance.now();
  function step(now) { window.__frames++; main.scrollTop += 40; if (now - window.__start < 2000) requestAnimationFrame(step); else window.__fps = window.__frames / ((now - window.__start) / 1000); }
  requestAnimationFrame(step); return true;""")
try:
    wait_js(sid, "return window.__fps !== undefined", 30)
    fps = js(sid, "return window.__fps")
    fps_text = f"{fps:.0f}"
except Exception as e:  # the web view may die under the scroll: report it
    fps_text = f"not measured ({type(e).__name__}: the web view stopped answering)"
print(f"scroll fps: {fps_text}", flush=True)
time.sleep(3)
after_scroll = rss_mib()
# A picture of the grid mid-scroll, to look at (bench/out/app-grid.png).
shot = call("GET", f"/session/{sid}/screenshot")
with open(os.path.join(os.path.dirname(os.environ["BENCH_OUT"]), "app-grid.png"), "wb") as f:
    f.write(base64.b64decode(shot))
print(f"memory after scrolling: {after_scroll:.0f} MiB", flush=True)
try:
    call("DELETE", f"/session/{sid}")
except Exception:
    pass

with open(os.environ["BENCH_OUT"], "w") as f:
    f.write(f"""# Desktop app benchmark (release build, one run, {os.cpu_count()} cores, Xvfb)

Vault: 5,000 items (1,000 screenshots of 960x540 in one case, 4,000 small files in another).

| measure | value |
|---|---|
| launch to the unlock screen drawn | {t_unlock_screen:.2f} s |
| unlock (Argon2id, 64 MiB) to the case list drawn | {t_unlock:.2f} s |
| launch to the first case list drawn, unlock included (typed instantly) | {t_cases:.2f} s |
| open the case to a grid of 1,000 items drawn | {t_grid:.2f} s |
| ... and every visible thumbnail loaded | {t_grid_images:.2f} s |
| frames per second while the grid scrolls (2 s) | {fps_text} |
| idle memory at the case list, app + WebKit processes (RSS) | {idle_cases:.0f} MiB |
| idle memory with the 1,000-item grid open ({cards} cards drawn) | {idle:.0f} MiB |
| ... after scrolling it for 2 s | {after_scroll:.0f} MiB |
""")
