// Front end of audiokit.widgets.TranscribeWidget (an anywidget ES module).
//
// Plain DOM and MediaRecorder only, so the same file runs in JupyterLab, Notebook 7, VS Code and
// any other anywidget host, with a local or a remote kernel: the microphone is the browser's.
// Everything crosses to Python through the model's traits: the uploaded or recorded audio
// (`audio`, bytes), the options, and `_requests`, a counter the Transcribe button increments.
// Python answers through `busy`, `text` (live while streaming), `html` and `error`.

// Containers MediaRecorder may produce, in order of preference; audiokit sniffs them from bytes.
const RECORDING_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
const EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a" };
const CLOCK_TICK_MS = 100;
// Call-oriented processing (echo cancellation, noise suppression) distorts speech for ASR.
const MICROPHONE = { channelCount: 1, echoCancellation: false, noiseSuppression: false };

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.includes("-") || key === "role") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map((option) => h("option", { value: option, textContent: option })));
  select.value = value;
}

function clockText(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - 60 * minutes).toFixed(1).padStart(4, "0")}`;
}

function render({ model, el }) {
  const fileInput = h("input", {
    type: "file",
    className: "audiokit-file",
    accept: "audio/*,video/mp4,video/webm,.mp3,.mp4,.mpeg,.mpga,.m4a,.ogg,.wav,.webm,.flac",
    hidden: true,
  });
  const uploadButton = h("button", { type: "button", className: "audiokit-upload", textContent: "⇪ Upload…" });
  uploadButton.addEventListener("click", () => fileInput.click());
  const recordButton = h("button", { type: "button", className: "audiokit-record" });
  const clock = h("span", { className: "audiokit-clock" });
  const sourceName = h("span", { className: "audiokit-source" });
  const player = h("audio", { className: "audiokit-input-player", controls: true });
  const modelSelect = h("select", { className: "audiokit-model" });
  const languageList = h("datalist", { id: `audiokit-languages-${Math.random().toString(36).slice(2)}` });
  const languageInput = h("input", { className: "audiokit-language", placeholder: "auto", size: 6 });
  languageInput.setAttribute("list", languageList.id);
  const formatSelect = h("select", { className: "audiokit-format" });
  const logprobsBox = h("input", { type: "checkbox", className: "audiokit-logprobs" });
  const streamBox = h("input", { type: "checkbox", className: "audiokit-stream" });
  const runButton = h("button", { type: "button", className: "audiokit-run audiokit-primary" });
  const errorLine = h("div", { className: "audiokit-error", role: "alert" });
  const live = h("div", { className: "audiokit-live-text", "aria-live": "polite" });
  const result = h("div", { className: "audiokit-result" });

  const logprobsLabel = h("label", {}, logprobsBox, " confidence");
  const streamLabel = h("label", {}, streamBox, " stream");
  el.classList.add("audiokit-widget", "audiokit-transcriber");
  el.append(
    h("div", { className: "audiokit-row" }, uploadButton, fileInput, recordButton, clock, sourceName),
    h("div", { className: "audiokit-row" }, player),
    h(
      "div",
      { className: "audiokit-row" },
      h("label", {}, "Model ", modelSelect),
      h("label", {}, "Language ", languageInput, languageList),
      h("label", {}, "Format ", formatSelect),
      logprobsLabel,
      streamLabel,
      runButton,
    ),
    errorLine,
    live,
    result,
  );

  // --- recording (per view: each view owns its microphone) --------------------------------
  let recorder = null;
  let timer = null;
  let playerUrl = null;

  const setError = (message) => {
    model.set("error", message);
    model.save_changes();
  };

  // Audio reaches the kernel as one websocket message: refuse what Jupyter would drop.
  const acceptAudio = async (blob, name) => {
    const limit = model.get("max_upload_bytes");
    if (blob.size > limit) {
      const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
      setError(
        `${name} is ${mb(blob.size)} MB, over the ${mb(limit)} MB a widget can send to the kernel: ` +
          "transcribe it from Python by path, or raise max_upload_bytes and the server's websocket_max_message_size.",
      );
      return;
    }
    model.set("audio", new DataView(await blob.arrayBuffer()));
    model.set("audio_name", name);
    model.set("error", "");
    model.save_changes();
  };

  const hasAudio = () => {
    const audio = model.get("audio");
    return Boolean(audio && audio.byteLength > 0);
  };

  const updateControls = () => {
    const busy = model.get("busy");
    const caps = model.get("capabilities");
    recordButton.textContent = recorder ? "■ Stop" : "● Record";
    recordButton.classList.toggle("audiokit-recording", Boolean(recorder));
    recordButton.disabled = busy;
    uploadButton.disabled = busy || Boolean(recorder);
    for (const control of [modelSelect, languageInput, formatSelect]) control.disabled = busy;
    logprobsBox.disabled = busy || !caps.logprobs;
    streamBox.disabled = busy || !caps.stream;
    logprobsLabel.classList.toggle("audiokit-unavailable", !caps.logprobs);
    streamLabel.classList.toggle("audiokit-unavailable", !caps.stream);
    runButton.disabled = busy || Boolean(recorder) || !hasAudio();
    runButton.textContent = busy ? "Transcribing…" : "Transcribe";
    el.setAttribute("aria-busy", String(busy));
  };

  const stopRecording = () => {
    if (recorder && recorder.state !== "inactive") recorder.stop();
  };

  const startRecording = async () => {
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setError(
        "Recording needs microphone access (MediaRecorder) in a secure context (https or localhost); upload a file instead.",
      );
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: MICROPHONE });
    } catch (err) {
      setError(`Microphone unavailable (${err.name}: ${err.message}); allow access or upload a file.`);
      return;
    }
    const mimeType = RECORDING_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    const chunks = [];
    recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    recorder.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    recorder.onstop = async () => {
      const type = recorder.mimeType || mimeType || "audio/webm";
      stream.getTracks().forEach((track) => track.stop());
      clearInterval(timer);
      recorder = null;
      await acceptAudio(new Blob(chunks, { type }), `recording.${EXTENSIONS[type.split(";")[0]] ?? "webm"}`);
      updateControls();
    };
    recorder.onstart = () => {
      const started = performance.now();
      const tick = () => {
        const seconds = (performance.now() - started) / 1000;
        clock.textContent = clockText(seconds);
        clock.dataset.seconds = seconds.toFixed(2);
      };
      tick();
      timer = setInterval(tick, CLOCK_TICK_MS);
    };
    recorder.start();
    updateControls();
  };

  recordButton.addEventListener("click", () => (recorder ? stopRecording() : startRecording()));

  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    fileInput.value = ""; // choosing the same file again still fires "change"
    if (file) await acceptAudio(file, file.name);
  });

  // --- options: view -> model -------------------------------------------------------------
  const bindInput = (control, name, read) =>
    control.addEventListener("change", () => {
      model.set(name, read(control));
      model.save_changes();
    });
  bindInput(modelSelect, "model", (c) => c.value);
  bindInput(languageInput, "language", (c) => c.value.trim());
  bindInput(formatSelect, "response_format", (c) => c.value);
  bindInput(logprobsBox, "logprobs", (c) => c.checked);
  bindInput(streamBox, "stream", (c) => c.checked);

  runButton.addEventListener("click", () => {
    model.set("_requests", model.get("_requests") + 1);
    model.save_changes();
  });

  // --- model -> view -----------------------------------------------------------------------
  const listeners = [];
  const bind = (names, update) => {
    for (const name of names) {
      model.on(`change:${name}`, update);
      listeners.push([`change:${name}`, update]);
    }
    update();
  };
  bind(["model", "model_options"], () =>
    fillSelect(modelSelect, model.get("model_options"), model.get("model")),
  );
  bind(["response_format", "format_options"], () =>
    fillSelect(formatSelect, model.get("format_options"), model.get("response_format")),
  );
  bind(["language_options"], () =>
    languageList.replaceChildren(
      ...model.get("language_options").map(([code, name]) => h("option", { value: code, label: name })),
    ),
  );
  bind(["language"], () => (languageInput.value = model.get("language")));
  bind(["logprobs"], () => (logprobsBox.checked = model.get("logprobs")));
  bind(["stream"], () => (streamBox.checked = model.get("stream")));
  bind(["busy", "capabilities"], updateControls);
  bind(["audio", "audio_name"], () => {
    if (playerUrl) URL.revokeObjectURL(playerUrl);
    playerUrl = hasAudio() ? URL.createObjectURL(new Blob([model.get("audio")])) : null;
    player.hidden = !playerUrl;
    if (playerUrl) player.src = playerUrl;
    else player.removeAttribute("src");
    sourceName.textContent = hasAudio() ? model.get("audio_name") || "audio" : "no audio yet";
    updateControls();
  });
  bind(["error"], () => {
    errorLine.textContent = model.get("error");
    errorLine.hidden = !model.get("error");
  });
  bind(["text", "busy"], () => {
    live.textContent = model.get("text");
    live.hidden = !(model.get("busy") && model.get("text"));
  });
  bind(["html"], () => {
    result.innerHTML = model.get("html");
  });

  return () => {
    stopRecording();
    clearInterval(timer);
    if (playerUrl) URL.revokeObjectURL(playerUrl);
    for (const [event, callback] of listeners) model.off(event, callback);
  };
}

export default { render };
