// Front end of audiokit.widgets.PlayerWidget (an anywidget ES module).
//
// The transcript arrives as columns (`units`: text, before, start, end, approx, conf, speaker);
// the audio is fetched piece by piece with custom messages ({type: "audio", index} → one binary
// buffer each, a few in flight), streamed through Media Source Extensions when it is WebM Opus
// and otherwise played from a Blob URL, so an hour of audio is never one websocket message. Words are rendered a few paragraphs per animation frame, in paragraphs with
// `content-visibility: auto`, so long transcripts keep the page responsive. While playing, a
// requestAnimationFrame loop finds the current word by binary search on the start times.
// Edits go to Python as {type: "edit", index, text}; Python answers with the `edits` trait.

const IN_FLIGHT = 3; // audio pieces requested at once
const WORDS_PER_FRAME = 400; // words rendered per animation frame
const PARAGRAPH_WORDS = 80; // a paragraph ends at the first sentence end past this many words
const SEEK_NUDGE_S = 0.001; // land just inside the word, not on the previous one's end
const WHOLE_SLACK_S = 1; // a stream whose buffered range misses less than this at either end is whole

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.includes("-") || key === "role") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const mm = Math.floor(s / 60) % 60;
  const ss = String(s % 60).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

// The last index whose start is <= t (-1 before the first word).
function lastStarted(starts, t) {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const TIMING_NOTES = {
  word: "",
  segment: "Segment times only: the highlight follows segments, a click plays its segment.",
  approximate:
    "≈ This transcript has no timestamps: word times are estimated from their place in the text " +
    "and are approximate.",
  mixed: "Some word times are estimated from their place in the text (dotted underline, ≈).",
};

function render({ model, el }) {
  const units = model.get("units");
  const n = units.text.length;
  const starts = units.start;
  const bands = model.get("bands");
  const speakerColors = model.get("speaker_colors");
  const timing = model.get("timing");
  const doubtful = model.get("doubtful");

  // Runs of words sharing one time span (a segment, when only segment times exist).
  const group = new Int32Array(n);
  for (let i = 1; i < n; i++) {
    const same = units.start[i] === units.start[i - 1] && units.end[i] === units.end[i - 1];
    group[i] = same ? group[i - 1] : i;
  }
  const groupEnd = (g) => {
    let j = g;
    while (j + 1 < n && group[j + 1] === g) j++;
    return j;
  };

  const audio = h("audio", { className: "audiokit-player-audio", controls: true, preload: "auto" });
  const nextButton = h("button", {
    type: "button",
    className: "audiokit-next-doubtful",
    title: "Jump to the next low-confidence span, least sure first (key: n)",
  });
  const status = h("span", { className: "audiokit-player-status", role: "status" });
  const errorLine = h("div", { className: "audiokit-error", role: "alert" });
  const note = h("div", { className: "audiokit-timing-note" }, TIMING_NOTES[timing] || "");
  note.hidden = !note.textContent;
  const legend = h("div", { className: "audiokit-player-legend" });
  const box = h("div", { className: "audiokit-player-text", "aria-label": "Transcript" });

  el.classList.add("audiokit-widget", "audiokit-player");
  el.tabIndex = 0;
  el.dataset.timing = timing;
  // JupyterLab / Notebook 7: keys pressed in here are ours, not notebook shortcuts.
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  el.setAttribute("data-p-suppress-shortcuts", "true");
  el.append(
    h("div", { className: "audiokit-row" }, audio, nextButton, status),
    note,
    legend,
    box,
    errorLine,
  );

  // -- legend ------------------------------------------------------------------------------
  const hasConf = units.conf.some((c) => c !== null);
  const speakers = [...new Set(units.speaker.filter((s) => s !== null))];
  const speakerColor = new Map(speakers.map((s, k) => [s, speakerColors[k % speakerColors.length]]));
  const swatch = (color) => h("span", { className: "audiokit-swatch", style: `background:${color || "transparent"}` });
  if (hasConf) {
    legend.append("confidence:");
    for (const [, color, label] of bands) legend.append(swatch(color), label);
  } else legend.append("no confidence figures (transcribe with logprobs=True, or offline)");
  if (speakers.length) {
    legend.append(" · speakers:");
    for (const s of speakers) legend.append(swatch(speakerColor.get(s)), s);
  }
  legend.append(" · click a word to play it, double-click to fix it · space ←/→ n");

  const background = (conf) => {
    if (conf === null) return null;
    for (const [lowest, color] of bands) if (conf >= lowest) return color;
    return bands[bands.length - 1][1];
  };

  // -- words, rendered in chunks -----------------------------------------------------------
  const spans = new Array(n);
  const edits = () => model.get("edits") || {};
  function paintWord(i) {
    const span = spans[i];
    if (!span) return;
    const edited = edits()[String(i)];
    const isEdit = edited !== undefined;
    span.textContent = isEdit && edited !== "" ? edited : units.text[i];
    span.classList.toggle("audiokit-edited", isEdit && edited !== "");
    span.classList.toggle("audiokit-deleted", isEdit && edited === "");
    const parts = [];
    if (units.conf[i] !== null) parts.push(`confidence ${units.conf[i].toFixed(3)}`);
    parts.push(`${units.approx[i] ? "≈ " : ""}${units.start[i].toFixed(2)}–${units.end[i].toFixed(2)} s`);
    if (units.speaker[i] !== null) parts.push(`speaker ${units.speaker[i]}`);
    if (isEdit) parts.push(`was: ${units.text[i]}`);
    span.title = parts.join(" · ");
  }

  let built = 0;
  let paragraph = null;
  let paragraphWords = 0;
  let frame = 0;
  function newParagraph(speaker) {
    paragraph = h("p", { className: "audiokit-paragraph" });
    if (speaker !== null && speaker !== undefined) {
      const color = speakerColor.get(speaker);
      paragraph.classList.add("audiokit-turn");
      paragraph.style.borderLeftColor = color;
      paragraph.append(h("span", { className: "audiokit-speaker", style: `color:${color}` }, speaker));
    }
    paragraphWords = 0;
    box.append(paragraph);
  }
  function buildSome() {
    const stop = Math.min(n, built + WORDS_PER_FRAME);
    for (let i = built; i < stop; i++) {
      const speaker = units.speaker[i];
      const turn = i > 0 && speaker !== units.speaker[i - 1];
      const longEnough = paragraphWords >= PARAGRAPH_WORDS && /[.!?…]["')\]]*$/.test(units.text[i - 1] || "");
      if (!paragraph || turn || longEnough) newParagraph(speaker);
      const before = paragraphWords === 0 ? units.before[i].replace(/^\s+/, "") : units.before[i];
      if (before) paragraph.append(before);
      const span = h("span", { className: "audiokit-word" });
      span.dataset.i = i;
      const bg = background(units.conf[i]);
      if (bg) {
        span.style.background = bg;
        span.classList.add("audiokit-shaded");
      }
      if (units.approx[i]) span.classList.add("audiokit-approx");
      spans[i] = span;
      paintWord(i);
      paragraph.append(span);
      paragraphWords++;
    }
    built = stop;
    if (built < n) frame = requestAnimationFrame(buildSome);
    else {
      if (units.after && paragraph) paragraph.append(units.after);
      el.dataset.rendered = "true";
      highlight(true);
    }
  }
  if (n === 0) box.append(h("em", {}, "(no words)"));

  // -- playback and the current word -------------------------------------------------------
  let current = -1; // first unit of the highlighted group
  function keepInView(span) {
    const top = span.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + span.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }
  function setCurrent(index, scroll) {
    const g = index < 0 ? -1 : group[index];
    if (g === current) return;
    if (current >= 0) for (let j = current; j <= groupEnd(current); j++) spans[j]?.classList.remove("audiokit-current");
    current = g;
    el.dataset.current = String(g);
    if (g < 0) return;
    for (let j = g; j <= groupEnd(g); j++) spans[j]?.classList.add("audiokit-current");
    if (scroll && spans[g]) keepInView(spans[g]);
  }
  function highlight(scroll = true) {
    setCurrent(lastStarted(starts, audio.currentTime), scroll);
  }
  let loop = 0;
  function tick() {
    highlight();
    loop = audio.paused ? 0 : requestAnimationFrame(tick);
  }
  audio.addEventListener("play", () => {
    cancelAnimationFrame(loop);
    loop = requestAnimationFrame(tick);
  });
  audio.addEventListener("seeked", () => highlight());
  audio.addEventListener("timeupdate", () => audio.paused && highlight());

  function seekTo(index, play) {
    if (index < 0 || index >= n) return;
    audio.currentTime = units.start[index] + SEEK_NUDGE_S;
    setCurrent(index, true);
    if (play) audio.play().catch(() => {});
  }

  box.addEventListener("click", (event) => {
    const span = event.target.closest(".audiokit-word");
    if (!span || span.querySelector("input")) return;
    seekTo(Number(span.dataset.i), true);
  });
  box.addEventListener("dblclick", (event) => {
    const span = event.target.closest(".audiokit-word");
    if (span) startEdit(Number(span.dataset.i));
  });

  // -- next doubtful -----------------------------------------------------------------------
  let doubtfulAt = -1;
  function showDoubtful() {
    nextButton.textContent = doubtful.length
      ? `Next doubtful ▸ ${doubtfulAt < 0 ? "" : `${doubtfulAt + 1}/`}${doubtful.length}`
      : "No doubtful words";
    nextButton.disabled = doubtful.length === 0;
  }
  function nextDoubtful() {
    if (!doubtful.length) return;
    doubtfulAt = (doubtfulAt + 1) % doubtful.length;
    const [first, last] = doubtful[doubtfulAt];
    for (const s of box.querySelectorAll(".audiokit-doubtful-focus")) s.classList.remove("audiokit-doubtful-focus");
    for (let j = first; j <= last; j++) spans[j]?.classList.add("audiokit-doubtful-focus");
    el.dataset.doubtful = `${first}-${last}`;
    seekTo(first, true);
    showDoubtful();
  }
  nextButton.addEventListener("click", nextDoubtful);
  showDoubtful();

  // -- editing -----------------------------------------------------------------------------
  function startEdit(i) {
    const span = spans[i];
    if (!span || span.querySelector("input")) return;
    audio.pause();
    const shown = edits()[String(i)] ?? units.text[i];
    const input = h("input", { type: "text", className: "audiokit-edit", value: shown });
    input.size = Math.max(4, shown.length + 2);
    span.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = (commit) => {
      if (done) return;
      done = true;
      const text = input.value.trim();
      paintWord(i);
      if (commit && text !== shown) {
        span.textContent = text || units.text[i];
        model.send({ type: "edit", index: i, text });
      }
      el.focus();
    };
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter") finish(true);
      else if (event.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
  }
  const onEdits = () => {
    for (let i = 0; i < n; i++) if (spans[i] && !spans[i].querySelector("input")) paintWord(i);
  };
  model.on("change:edits", onEdits);

  // -- keyboard ----------------------------------------------------------------------------
  function step(direction) {
    let j;
    if (current < 0) j = direction > 0 ? 0 : -1;
    else j = direction > 0 ? groupEnd(current) + 1 : current - 1;
    if (j >= 0 && j < n) seekTo(group[j], false);
  }
  el.addEventListener("keydown", (event) => {
    const tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "AUDIO" || tag === "BUTTON") return;
    let handled = true;
    if (event.key === " ") audio.paused ? audio.play().catch(() => {}) : audio.pause();
    else if (event.key === "ArrowRight") step(1);
    else if (event.key === "ArrowLeft") step(-1);
    else if (event.key === "n") nextDoubtful();
    else if (event.key === "Enter" && current >= 0) startEdit(current);
    else handled = false;
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  });

  // -- audio, piece by piece ---------------------------------------------------------------
  // Pieces are requested in order, a few in flight. WebM Opus (long recordings, compressed by
  // the kernel) is streamed through Media Source Extensions: it plays from the first piece.
  // Every piece is also kept, so that once all have arrived the whole file can take over as a
  // Blob URL if the stream does not hold all of it (the browser's MSE quota may have refused
  // or evicted parts); any other type plays from the Blob once complete.
  let pieces = [];
  let received = 0;
  let requested = 0;
  let url = null;
  let stream = null; // { source, buffer, next, failed } while streaming through MSE
  const audioType = () => model.get("audio_type");
  function requestMore() {
    while (requested < pieces.length && requested - received < IN_FLIGHT) {
      model.send({ type: "audio", index: requested });
      requested++;
    }
  }
  function canStream(type) {
    return /^audio\/webm/.test(type) && !!window.MediaSource && MediaSource.isTypeSupported(type);
  }
  function startStream() {
    const source = new MediaSource();
    stream = { source, buffer: null, next: 0, failed: false };
    source.addEventListener(
      "sourceopen",
      () => {
        try {
          stream.buffer = source.addSourceBuffer(audioType());
        } catch {
          stream.failed = true;
          return finish();
        }
        stream.buffer.addEventListener("updateend", appendNext);
        stream.buffer.addEventListener("error", () => {
          stream.failed = true;
          finish();
        });
        appendNext();
      },
      { once: true },
    );
    audio.src = URL.createObjectURL(source);
    el.dataset.stream = "mse";
  }
  function appendNext() {
    if (!stream || !stream.buffer || stream.failed || stream.buffer.updating) return;
    if (stream.next === pieces.length) {
      if (stream.source.readyState === "open") stream.source.endOfStream();
      return finish();
    }
    if (pieces[stream.next] === undefined) return;
    try {
      stream.buffer.appendBuffer(pieces[stream.next]);
      stream.next++;
    } catch {
      stream.failed = true; // QuotaExceededError: the Blob takes over once all pieces are in
      finish();
    }
  }
  // The stream holds the whole recording if one buffered range spans it.
  function streamIsWhole() {
    const b = stream.buffer && stream.buffer.buffered;
    const total = model.get("duration") || audio.duration;
    return !!b && b.length === 1 && b.start(0) <= WHOLE_SLACK_S && b.end(0) >= total - WHOLE_SLACK_S;
  }
  function finish() {
    if (url || received < pieces.length) return;
    if (stream && !stream.failed && stream.next < pieces.length) return; // still appending
    if (stream && !stream.failed && streamIsWhole()) {
      url = audio.src;
    } else {
      const at = audio.currentTime;
      const playing = stream !== null && !audio.paused;
      url = URL.createObjectURL(new Blob(pieces, { type: audioType() }));
      audio.src = url;
      if (at) audio.currentTime = at;
      if (playing) audio.play().catch(() => {});
      if (stream) el.dataset.stream = "blob";
    }
    pieces = [];
    el.dataset.audio = "ready";
    status.textContent = model.get("duration") ? clock(model.get("duration")) : "";
  }
  function startAudio() {
    const size = model.get("audio_size");
    if (!size || url || requested) {
      if (!size) status.textContent = "preparing the audio…";
      return;
    }
    pieces = new Array(Math.ceil(size / model.get("chunk_bytes")));
    el.dataset.audio = "loading";
    el.dataset.loaded = `0/${pieces.length}`;
    status.textContent = "loading the audio…";
    if (canStream(audioType())) startStream();
    requestMore();
  }
  audio.addEventListener("canplay", () => {
    if (el.dataset.audio === "loading") el.dataset.audio = "playable";
  });
  const onMessage = (msg, buffers) => {
    if (!msg || msg.type !== "audio" || url || !pieces.length) return;
    if (pieces[msg.index] === undefined && buffers && buffers.length) {
      pieces[msg.index] = buffers[0];
      received++;
      el.dataset.loaded = `${received}/${pieces.length}`;
    }
    if (received < pieces.length) {
      const ready = el.dataset.audio === "playable" ? " (playing already works)" : "";
      status.textContent = `loading the audio… ${Math.round((100 * received) / pieces.length)}%${ready}`;
      requestMore();
    }
    if (stream && !stream.failed) appendNext();
    else finish();
  };
  model.on("msg:custom", onMessage);
  model.on("change:audio_size", startAudio);
  startAudio();

  const showError = () => {
    errorLine.textContent = model.get("error");
    errorLine.hidden = !model.get("error");
  };
  model.on("change:error", showError);
  showError();
  buildSome(); // last: it uses everything above

  return () => {
    cancelAnimationFrame(frame);
    cancelAnimationFrame(loop);
    model.off("msg:custom", onMessage);
    model.off("change:audio_size", startAudio);
    model.off("change:edits", onEdits);
    model.off("change:error", showError);
    audio.pause();
    if (url) URL.revokeObjectURL(url);
    else if (audio.src.startsWith("blob:")) URL.revokeObjectURL(audio.src);
  };
}

export default { render };
