"""Run frames in a background asyncio task, paced to what the browser actually draws.

Inside Jupyter the kernel runs an asyncio event loop; widget messages (a click on pause, a slider) are
handled by that loop whenever no code is running on it. :class:`FrameLoop` runs one *frame* (train a
little, redraw) as a plain function call and then awaits, so those messages are handled between frames
and the kernel never blocks.

Pacing. Sending frames faster than the browser draws them only queues them up, and a pause then shows
seconds late. So the loop keeps **at most ``max_in_flight`` frames in flight** (default 4): after each
frame it bumps a counter widget, which a front-end-only link (``jsdlink``) copies into an echo widget;
the copy travels back to the kernel once the browser has processed every message before it. A new
frame is sent only when the frame before the previous one has been echoed (or after ``ack_timeout``
when no browser answers, e.g. the widget is not on screen or the code runs headless, where the loop
falls back to plain timing at ``max_fps``). With one frame in flight the round trip alone (40–85 ms
measured here) would cap the rate near 16 frames/s; with four the browser always has the next frame
while the queue stays a few frames deep, so a pause still shows within a tenth of a second.
"""
from __future__ import annotations

import asyncio
import collections
import time

from ipywidgets import IntText, Layout, jsdlink

__all__ = ["FrameLoop", "running_loop"]


def running_loop() -> asyncio.AbstractEventLoop:
    """The running asyncio loop (Jupyter's kernel loop), or a RuntimeError that says what to do."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "play needs a running asyncio event loop, as in a Jupyter notebook; in a script or a test "
            "without one use step(n) instead, or call play() inside asyncio.run(...)"
        ) from None


class FrameLoop:
    """Call ``frame()`` again and again in a background task until it returns False or :meth:`stop`.

    Parameters
    ----------
    frame : callable () -> bool
        One frame: do the work and assign the widget traits. Return False to stop after this frame.
    on_finish : callable (exception or None) -> None, optional
        Called when the loop ends on its own: ``frame`` returned False (``None``) or raised (the
        exception). Not called after :meth:`stop`.
    max_fps : float, default 30
        Frames per second at most.
    ack_timeout : float, default 0.5
        Seconds to wait for the browser's echo of a frame before pacing by the clock alone.
    gone_after : float, default 10
        A browser that was answering and then stays silent this many seconds (the notebook was
        closed) ends the loop, so a forgotten playground does not train for ever; so does a loop
        marked :attr:`displayed` that no browser has answered for this long since it started (a
        kernel without a front end).
    max_in_flight : int, default 4
        Frames sent but not yet echoed by the browser, at most. The round trip kernel → server →
        browser → server → kernel alone took 40–85 ms in headless Chromium on a 2-core machine, so
        one frame in flight capped the rate at ~16 visible frames/s, two at ~19, three at ~25 and four
        at ~29 (of 30 at most); the last frame still reached the screen within 80 ms of a click on
        pause. The queue stays bounded: a slow browser slows the frames down instead of piling them up.
    """

    def __init__(self, frame, on_finish=None, max_fps: float = 30.0, ack_timeout: float = 0.5,
                 max_in_flight: int = 4, gone_after: float = 10.0):
        self._frame = frame
        self._on_finish = on_finish
        self.max_fps = float(max_fps)
        self.ack_timeout = float(ack_timeout)
        self.max_in_flight = int(max_in_flight)
        self.gone_after = float(gone_after)
        self.browser_gone = False
        #: Set by the owner once its widget has been displayed (its views counted by the front end):
        #: a displayed loop that no browser has ever echoed within ``gone_after`` s stops (a kernel
        #: with no front end, e.g. a re-run cell in a headless kernel), instead of training for ever.
        self.displayed = False
        #: Set once a front end has shown the widget (it counted a view): a front end is there, even
        #: one whose echo never arrives, so the rule above does not apply.
        self.views_seen = False
        self.browser_ever = False
        self._started_at = 0.0
        self._silent_since: float | None = None
        self._task: asyncio.Task | None = None
        # the echo: Python sets `_sent`, the front end copies it into `_echo`, which syncs back here
        self._sent = IntText(0, layout=Layout(display="none"))
        self._echo = IntText(0, layout=Layout(display="none"))
        self._link = jsdlink((self._sent, "value"), (self._echo, "value"))
        self._echo.observe(self._on_echo, "value")
        self.frames = 0
        self.acked = 0
        self.browser_seen = False
        self._times: collections.deque = collections.deque(maxlen=60)
        self._sent_at: dict[int, float] = {}
        self._round_trips: collections.deque = collections.deque(maxlen=60)

    # -- state ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def fps(self) -> float:
        """Frames per second over the last (up to) 60 frames."""
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    @property
    def round_trip(self) -> float:
        """Median seconds from sending a frame to the browser's echo (0 when unknown)."""
        return float(sorted(self._round_trips)[len(self._round_trips) // 2]) if self._round_trips else 0.0

    def _on_echo(self, change) -> None:
        frame = int(change["new"])
        self.acked = max(self.acked, frame)
        self.browser_seen = self.browser_ever = True
        self._silent_since = None
        sent = self._sent_at.pop(frame, None)
        if sent is not None:
            self._round_trips.append(time.perf_counter() - sent)

    # -- control --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the background task on the running loop (no-op if already running)."""
        if self.running:
            return
        loop = running_loop()
        self._times.clear()
        self.browser_gone = False
        self._silent_since = None
        self._started_at = time.perf_counter()
        self._task = loop.create_task(self._run())

    def stop(self) -> None:
        """Stop after the current frame; no further frame is sent."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                current = asyncio.current_task()
            except RuntimeError:
                current = None
            if task is not current:
                task.cancel()

    # -- the loop -------------------------------------------------------------------------------
    async def _run(self) -> None:
        me = asyncio.current_task()
        error = None
        try:
            while self._task is me:
                started = time.perf_counter()
                keep_going = self._frame()
                self.frames += 1
                self._times.append(started)
                self._sent_at[self.frames] = time.perf_counter()
                if len(self._sent_at) > 8:
                    self._sent_at.pop(min(self._sent_at))
                self._sent.value = self.frames  # the browser echoes this once it has caught up
                if not keep_going or self._task is not me:
                    break
                await asyncio.sleep(max(0.002, 1.0 / self.max_fps - (time.perf_counter() - started)))
                if self.browser_seen:
                    await self._wait_for_echo(self.frames - self.max_in_flight + 1)
                if self._silent_since is not None and time.perf_counter() - self._silent_since > self.gone_after:
                    self.browser_gone = True  # the page that was drawing us is gone: stop
                    break
                if (self.displayed and not self.browser_ever and not self.views_seen
                        and time.perf_counter() - self._started_at > self.gone_after):
                    self.browser_gone = True  # shown, but no front end ever answered: stop
                    break
        except asyncio.CancelledError:
            return  # stop() was called: the caller updates the controls
        except Exception as exc:  # noqa: BLE001 - handed to on_finish, which shows it
            error = exc
        if self._task is me:
            self._task = None
            if self._on_finish is not None:
                self._on_finish(error)

    async def _wait_for_echo(self, frame: int) -> None:
        deadline = time.perf_counter() + self.ack_timeout
        while self.acked < frame:
            if time.perf_counter() >= deadline:
                # no answer: the page is closed or busy; pace by the clock until an echo comes back
                self.browser_seen = False
                if self._silent_since is None:
                    self._silent_since = time.perf_counter()
                return
            await asyncio.sleep(0.003)

    def close(self) -> None:
        self.stop()
        for w in (self._link, self._sent, self._echo):
            w.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        browser = "on" if self.browser_seen else "off"
        return f"FrameLoop({state}, {self.frames} frames, {self.fps:.1f} fps, browser {browser})"
