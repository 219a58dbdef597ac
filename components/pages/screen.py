"""The size of the browser's window (a laptop, a projector), which the case page and the tumor board lay their
charts out for: the browser says it in a cookie, and the page reopens once when it was laid out for another size."""

from __future__ import annotations

import streamlit as st

DEFAULT_WINDOW = (1280, 720)  # a laptop: what fits it fits any screen the dashboard is shown on
WINDOW_LIMITS = ((960, 3840), (600, 2160))  # widths and heights laid out for (smaller: as at 600)
SCREEN_COOKIE = "board_screen"
# The browser says its window's size in a cookie (Streamlit reads cookies when a page opens); when the size the
# page was laid out for is not the window's (first visit, another screen, a resized window), the page reopens
# once with the right one. At most twice in ten seconds, so a browser that keeps no cookie is not reloaded forever.
SCREEN_SCRIPT = """<script>
(() => {
  const drawn = [%(width)d, %(height)d];
  window.__boardDrawn = drawn;
  const check = () => {
    const now = [window.innerWidth, window.innerHeight];
    document.cookie = `%(cookie)s=${now[0]}x${now[1]}; path=/; SameSite=Strict`;
    const d = window.__boardDrawn;
    if (!%(reload)s) return;
    if (Math.abs(now[0] - d[0]) <= 24 && Math.abs(now[1] - d[1]) <= 12) return;
    const recent = JSON.parse(sessionStorage.getItem("boardReloads") || "[]").filter(t => Date.now() - t < 10000);
    if (recent.length >= 2) return;
    sessionStorage.setItem("boardReloads", JSON.stringify([...recent, Date.now()]));
    window.location.reload();
  };
  if (!window.__boardResize) {
    window.__boardResize = true;
    let timer;
    window.addEventListener("resize", () => { clearTimeout(timer); timer = setTimeout(check, 500); });
  }
  check();
})();
</script>"""


def window_size(asked: str | None = None, cookie: str | None = None) -> tuple[int, int]:
    """The window to lay a page out for: `asked` in the address (?screen=1920x1080, for slides and screenshots),
    else the window's size the browser put in its cookie, else a laptop's 1280x720. Bounded to WINDOW_LIMITS."""
    for text in (asked, cookie):
        try:
            width, height = (int(v) for v in str(text).lower().split("x"))
        except ValueError:
            continue
        (w_lo, w_hi), (h_lo, h_hi) = WINDOW_LIMITS
        return min(max(width, w_lo), w_hi), min(max(height, h_lo), h_hi)
    return DEFAULT_WINDOW


def learn_window(reload: bool = True) -> tuple[int, int]:
    """The window this page is laid out for (``window_size`` of the address and the cookie); the page's script
    keeps the cookie up to date and, with `reload`, reopens the page when the window is another size (a page whose
    state must not be lost, the editor's text, only updates the cookie)."""
    width, height = window_size(st.query_params.get("screen"), st.context.cookies.get(SCREEN_COOKIE))
    st.html(SCREEN_SCRIPT % {"width": width, "height": height, "cookie": SCREEN_COOKIE,
                             "reload": "true" if reload else "false"}, unsafe_allow_javascript=True)
    return width, height
