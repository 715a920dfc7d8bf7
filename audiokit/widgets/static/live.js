// Front end of audiokit.widgets.LiveCaptionsWidget (an anywidget ES module).
//
// The microphone is captured with an AudioWorklet (a ScriptProcessor where AudioWorklet is
// missing) at 24 kHz when the browser can resample the microphone to it, else at the audio
// context's own rate, and sent to the kernel as ~100 ms of 16-bit PCM per custom message
// ({type: "audio"} + one binary buffer), after {type: "start", sample_rate}. Stop sends
// {type: "stop"}. The kernel relays the audio to the live transcription session (the API key
// never reaches the page) and answers through traits: `status`, `captions` (finished
// utterances with token confidences), `partial`, `seconds`, `error`, `html`.

const TARGET_RATE = 24000; // what the Realtime API's pcm16 input is
const CHUNK_SECONDS = 0.1;
const CLOCK_TICK_MS = 100;
// Call-oriented processing (echo cancellation, noise suppression, gain) distorts speech for ASR.
const MICROPHONE = { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false };

// Runs in the audio thread: float samples → int16, posted in chunks of `chunk` samples.
const WORKLET = `
class AudiokitPcm16 extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.size = options.processorOptions.chunk;
    this.buffer = new Int16Array(this.size);
    this.filled = 0;
    this.port.onmessage = (event) => {
      if (event.data === "flush" && this.filled > 0) {
        this.port.postMessage(this.buffer.slice(0, this.filled).buffer);
        this.filled = 0;
      }
    };
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const s = Math.max(-1, Math.min(1, channel[i]));
      this.buffer[this.filled++] = s < 0 ? s * 32768 : s * 32767;
      if (this.filled === this.size) {
        this.port.postMessage(this.buffer.buffer, [this.buffer.buffer]);
        this.buffer = new Int16Array(this.size);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor("audiokit-pcm16", AudiokitPcm16);
`;

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.includes("-") || key === "role") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function clockText(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - 60 * minutes).toFixed(1).padStart(4, "0")}`;
}

function toInt16(floats) {
  const out = new Int16Array(floats.length);
  for (let i = 0; i < floats.length; i++) {
    const s = Math.max(-1, Math.min(1, floats[i]));
    out[i] = s < 0 ? s * 32768 : s * 32767;
  }
  return out.buffer;
}

// Open the microphone; call onChunk(ArrayBuffer of int16) ~10 times a second.
async function openMicrophone(onChunk) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: MICROPHONE });
  let context;
  let source;
  try {
    context = new AudioContext({ sampleRate: TARGET_RATE });
    source = context.createMediaStreamSource(stream);
  } catch (err) {
    // Some browsers cannot resample a microphone into a context at another rate: use the
    // device's rate and let the kernel resample.
    if (context) await context.close();
    context = new AudioContext();
    source = context.createMediaStreamSource(stream);
  }
  const chunk = Math.round(context.sampleRate * CHUNK_SECONDS);
  let node;
  let flush = () => {};
  if (context.audioWorklet && typeof AudioWorkletNode !== "undefined") {
    const url = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
    try {
      await context.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    node = new AudioWorkletNode(context, "audiokit-pcm16", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      channelCount: 1,
      channelCountMode: "explicit",
      processorOptions: { chunk },
    });
    node.port.onmessage = (event) => onChunk(event.data);
    flush = () => node.port.postMessage("flush");
  } else {
    node = context.createScriptProcessor(4096, 1, 1);
    node.onaudioprocess = (event) => onChunk(toInt16(event.inputBuffer.getChannelData(0)));
  }
  // The graph must end at the destination for the browser to pull audio through it: muted.
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(node);
  node.connect(mute);
  mute.connect(context.destination);
  await context.resume();
  return {
    rate: context.sampleRate,
    async close() {
      flush();
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the flushed chunk arrive
      stream.getTracks().forEach((track) => track.stop());
      source.disconnect();
      node.disconnect();
      await context.close();
    },
  };
}

function bandColor(bands, prob) {
  for (const [lowest, color] of bands) if (prob >= lowest) return color;
  return bands.length ? bands[bands.length - 1][1] : null;
}

function captionNode(caption, bands) {
  const line = h("div", { className: "audiokit-caption" });
  line.dataset.itemId = caption.item_id;
  if (caption.confidence !== null && caption.confidence !== undefined) {
    const color = bandColor(bands, caption.confidence);
    line.dataset.confidence = caption.confidence.toFixed(3);
    line.title = `confidence ${(100 * caption.confidence).toFixed(0)}%`;
    line.style.borderLeftColor = color || "var(--jp-success-color1, #4caf50)";
  }
  if (caption.start !== null && caption.start !== undefined) {
    line.append(h("span", { className: "audiokit-caption-time", textContent: clockText(caption.start) }));
  }
  const text = h("span", { className: "audiokit-caption-text" });
  if (caption.tokens && caption.tokens.length) {
    caption.tokens.forEach(([token, prob], i) => {
      const piece = h("span", { textContent: i === 0 ? token.trimStart() : token });
      const color = bandColor(bands, prob);
      if (color) {
        piece.style.background = color;
        piece.style.color = "#111";
      }
      piece.title = `${(100 * prob).toFixed(0)}%`;
      text.append(piece);
    });
  } else {
    text.textContent = caption.text;
  }
  line.append(text);
  return line;
}

function render({ model, el }) {
  const button = h("button", { type: "button", className: "audiokit-btn audiokit-listen audiokit-primary" });
  const statusLine = h("span", { className: "audiokit-status", role: "status" });
  const clock = h("span", { className: "audiokit-clock" });
  const modelSelect = h("select", { className: "audiokit-model audiokit-control" });
  const languageInput = h("input", { className: "audiokit-language audiokit-control", placeholder: "detect" });
  const confidenceBox = h("input", { type: "checkbox", className: "audiokit-logprobs" });
  const board = h("div", { className: "audiokit-captions", "aria-live": "polite" });
  const finished = h("div", { className: "audiokit-caption-list" });
  const partial = h("div", { className: "audiokit-caption-partial" });
  const errorLine = h("div", { className: "audiokit-error", role: "alert" });
  const result = h("div", { className: "audiokit-result" });
  board.append(finished, partial);
  const field = (caption, control) =>
    h("label", { className: "audiokit-field" }, h("span", { className: "audiokit-field-label" }, caption), control);
  el.classList.add("audiokit-widget", "audiokit-form", "audiokit-live-captions");
  el.append(
    h(
      "div",
      { className: "audiokit-grid" },
      field("Model", modelSelect),
      field("Language", languageInput),
      h("label", { className: "audiokit-check" }, confidenceBox, "Confidence"),
    ),
    h("div", { className: "audiokit-actions" }, button, clock, statusLine),
    errorLine,
    board,
    result,
  );

  let microphone = null; // per view: each view owns its microphone
  let opening = false;
  let started = 0;
  let timer = null;

  const running = () => ["listening", "finishing"].includes(model.get("status"));

  const updateControls = () => {
    const status = model.get("status");
    const busy = running() || opening;
    button.textContent = microphone || opening ? "■ Stop" : status === "finishing" ? "Finishing…" : "● Start";
    button.disabled = status === "finishing" && !microphone;
    button.classList.toggle("audiokit-recording", Boolean(microphone));
    for (const control of [modelSelect, languageInput, confidenceBox]) control.disabled = busy;
    statusLine.textContent = {
      idle: "",
      listening: "listening",
      finishing: "finishing the last utterances…",
      done: "done",
      error: "stopped",
    }[status] ?? status;
    el.setAttribute("aria-busy", String(busy));
  };

  const stopClock = () => {
    clearInterval(timer);
    timer = null;
  };

  const stop = async () => {
    const mic = microphone;
    microphone = null;
    stopClock();
    if (mic) await mic.close();
    model.send({ type: "stop" });
    updateControls();
  };

  const start = async () => {
    if (!navigator.mediaDevices?.getUserMedia || typeof AudioContext === "undefined") {
      model.send({
        type: "error",
        message: "Live captions need microphone access (Web Audio) in a secure context (https or localhost).",
      });
      return;
    }
    opening = true;
    updateControls();
    const queued = [];
    let ready = false;
    try {
      const mic = await openMicrophone((buffer) => {
        if (ready) model.send({ type: "audio" }, undefined, [buffer]);
        else queued.push(buffer);
      });
      microphone = mic;
      model.send({ type: "start", sample_rate: mic.rate });
      ready = true;
      for (const buffer of queued) model.send({ type: "audio" }, undefined, [buffer]);
    } catch (err) {
      model.send({ type: "error", message: `Microphone unavailable (${err.name}: ${err.message}).` });
    } finally {
      opening = false;
    }
    started = performance.now();
    const tick = () => {
      const seconds = (performance.now() - started) / 1000;
      clock.textContent = clockText(seconds);
      clock.dataset.seconds = seconds.toFixed(2);
    };
    if (microphone) {
      tick();
      timer = setInterval(tick, CLOCK_TICK_MS);
    }
    updateControls();
  };

  button.addEventListener("click", () => (microphone ? stop() : opening ? null : start()));

  const bindInput = (control, name, read) =>
    control.addEventListener("change", () => {
      model.set(name, read(control));
      model.save_changes();
    });
  bindInput(modelSelect, "model", (c) => c.value);
  bindInput(languageInput, "language", (c) => c.value.trim());
  bindInput(confidenceBox, "logprobs", (c) => c.checked);

  const listeners = [];
  const bind = (names, update) => {
    for (const name of names) {
      model.on(`change:${name}`, update);
      listeners.push([`change:${name}`, update]);
    }
    update();
  };
  bind(["model", "model_options"], () => {
    modelSelect.replaceChildren(
      ...model.get("model_options").map((option) => h("option", { value: option, textContent: option })),
    );
    modelSelect.value = model.get("model");
  });
  bind(["language"], () => (languageInput.value = model.get("language")));
  bind(["logprobs"], () => (confidenceBox.checked = model.get("logprobs")));
  bind(["status"], () => {
    // The kernel ended the session (an error): release the microphone.
    if (microphone && ["done", "error"].includes(model.get("status"))) stop();
    updateControls();
  });
  bind(["captions", "bands"], () => {
    const bands = model.get("bands");
    finished.replaceChildren(...model.get("captions").map((c) => captionNode(c, bands)));
    board.scrollTop = board.scrollHeight;
  });
  bind(["partial"], () => {
    partial.textContent = model.get("partial");
    partial.hidden = !model.get("partial");
    board.scrollTop = board.scrollHeight;
  });
  bind(["error"], () => {
    errorLine.textContent = model.get("error");
    errorLine.hidden = !model.get("error");
  });
  bind(["html"], () => {
    result.innerHTML = model.get("html");
  });

  return () => {
    stopClock();
    if (microphone) stop();
    for (const [event, callback] of listeners) model.off(event, callback);
  };
}

export default { render };
