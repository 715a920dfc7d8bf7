// Front end of audiokit.widgets.TranscribeWidget (an anywidget ES module).
//
// Plain DOM and MediaRecorder only, so the same file runs in JupyterLab, Notebook 7, VS Code and
// any other anywidget host, with a local or a remote kernel: the microphone is the browser's.
// Top to bottom: the audio (drop, upload or record; then a player), the options, the
// Transcribe button (with why it waits), the error, the live text and the result.
// Everything crosses to Python through the model's traits: the uploaded or recorded audio
// (`audio`, bytes), the options, and `_requests`, a counter the Transcribe button increments.
// Python answers through `busy`, `problems` (param -> the library's message while an option
// cannot run), `text` (live while streaming), `html` and `error`.

// Containers MediaRecorder may produce, in order of preference; audiokit sniffs them from bytes.
const RECORDING_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
const EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a" };
const CLOCK_TICK_MS = 100;
const TEMPERATURE_STEP = 0.1;
// Call-oriented processing (echo cancellation, noise suppression) distorts speech for ASR.
const MICROPHONE = { channelCount: 1, echoCancellation: false, noiseSuppression: false };
const NO_AUDIO_HINT = "Upload, drop or record audio first.";
// Where the library's complaint about a parameter is shown (include[] is the logprobs box).
const FIELD_OF_PARAM = { include: "logprobs", stream: "logprobs" };
const FIELD_CAPTIONS = {
  model: "model",
  language: "language",
  response_format: "format",
  temperature: "temperature",
  prompt: "prompt",
  logprobs: "confidence option",
};

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.includes("-") || key === "role" || key === "for") node.setAttribute(key, value);
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

let uid = 0;
const newId = (name) => `audiokit-${name}-${Date.now().toString(36)}-${uid++}`;

// A labelled field: caption above the control, the library's complaint (if any) below it.
function field(caption, control, { wide = false } = {}) {
  const id = control.id || (control.id = newId("field"));
  const problem = h("div", { className: "audiokit-field-problem", hidden: true });
  const node = h(
    "div",
    { className: `audiokit-field${wide ? " audiokit-field-wide" : ""}` },
    h("label", { className: "audiokit-field-label", for: id }, caption),
    control,
    problem,
  );
  return { node, problem };
}

function render({ model, el }) {
  const fileInput = h("input", {
    type: "file",
    className: "audiokit-file",
    accept: "audio/*,video/mp4,video/webm,.mp3,.mp4,.mpeg,.mpga,.m4a,.ogg,.wav,.webm,.flac",
    hidden: true,
  });
  const uploadButton = h("button", { type: "button", className: "audiokit-btn audiokit-upload", textContent: "⇪ Upload…" });
  uploadButton.addEventListener("click", () => fileInput.click());
  const recordButton = h("button", { type: "button", className: "audiokit-btn audiokit-record" });
  const clock = h("span", { className: "audiokit-clock" });
  const sourceName = h("span", { className: "audiokit-source" });
  const player = h("audio", { className: "audiokit-input-player", controls: true });
  const modelSelect = h("select", { className: "audiokit-model audiokit-control" });
  const languageSelect = h("select", { className: "audiokit-language audiokit-control" });
  const formatSelect = h("select", { className: "audiokit-format audiokit-control" });
  const temperatureInput = h("input", {
    type: "number",
    className: "audiokit-temperature audiokit-control",
    step: TEMPERATURE_STEP,
    placeholder: "model default",
    inputMode: "decimal",
  });
  const promptArea = h("textarea", {
    className: "audiokit-prompt audiokit-control",
    rows: 2,
    placeholder: "Spellings, names, context or a sample of the style to follow (optional)",
  });
  const logprobsBox = h("input", { type: "checkbox", className: "audiokit-logprobs" });
  const streamBox = h("input", { type: "checkbox", className: "audiokit-stream" });
  const spinner = h("span", { className: "audiokit-spinner", "aria-hidden": "true" });
  const runLabel = h("span", { className: "audiokit-run-label" });
  const runButton = h("button", { type: "button", className: "audiokit-btn audiokit-run audiokit-primary" }, spinner, runLabel);
  const hint = h("span", { className: "audiokit-hint", role: "status" });
  const errorLine = h("div", { className: "audiokit-error", role: "alert" });
  const live = h("div", { className: "audiokit-live-text", "aria-live": "polite" });
  const result = h("div", { className: "audiokit-result" });

  const modelField = field("Model", modelSelect);
  const languageField = field("Language", languageSelect);
  const formatField = field("Format", formatSelect);
  const temperatureField = field("Temperature", temperatureInput);
  const promptField = field("Prompt", promptArea, { wide: true });
  const logprobsLabel = h("label", { className: "audiokit-check" }, logprobsBox, "Confidence");
  logprobsLabel.title = "Ask for token confidences (shown as highlighting)";
  const streamLabel = h("label", { className: "audiokit-check" }, streamBox, "Stream");
  streamLabel.title = "Show the text as it is produced";
  const checksProblem = h("div", { className: "audiokit-field-problem", hidden: true });
  const checks = h(
    "div",
    { className: "audiokit-field audiokit-field-wide" },
    h("div", { className: "audiokit-checks" }, logprobsLabel, streamLabel),
    checksProblem,
  );
  const fieldProblems = {
    model: modelField.problem,
    language: languageField.problem,
    response_format: formatField.problem,
    temperature: temperatureField.problem,
    prompt: promptField.problem,
    logprobs: checksProblem,
  };
  const fieldControls = {
    model: modelSelect,
    language: languageSelect,
    response_format: formatSelect,
    temperature: temperatureInput,
    prompt: promptArea,
  };

  const dropzone = h(
    "div",
    { className: "audiokit-dropzone" },
    h("div", { className: "audiokit-row" }, uploadButton, fileInput, recordButton, clock, sourceName),
    player,
  );
  el.classList.add("audiokit-widget", "audiokit-form", "audiokit-transcriber");
  el.append(
    h(
      "div",
      { className: "audiokit-section audiokit-audio-section" },
      h("div", { className: "audiokit-section-title" }, "Audio"),
      dropzone,
    ),
    h(
      "div",
      { className: "audiokit-section audiokit-options" },
      h("div", { className: "audiokit-section-title" }, "Options"),
      h(
        "div",
        { className: "audiokit-grid" },
        modelField.node,
        languageField.node,
        formatField.node,
        temperatureField.node,
        promptField.node,
        checks,
      ),
    ),
    h("div", { className: "audiokit-actions" }, runButton, hint),
    errorLine,
    live,
    result,
  );

  // --- recording (per view: each view owns its microphone) --------------------------------
  let recorder = null;
  let timer = null;
  let playerUrl = null;
  // Between the click and Python's `busy`, this view already counts as busy: no double submit.
  let pending = false;

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

  // Why the button waits: no audio is known here; the options' problems are the library's word
  // (shown under their field; the hint points there, the tooltip has the whole message).
  const blocker = () => {
    if (recorder) return { why: "Stop the recording first." };
    if (!hasAudio()) return { why: NO_AUDIO_HINT };
    const problems = model.get("problems") || {};
    const first = Object.keys(problems)[0];
    if (!first) return { why: "" };
    const caption = FIELD_CAPTIONS[FIELD_OF_PARAM[first] ?? first];
    return { why: problems[first], problem: caption ? `Change the ${caption} to continue (see above).` : problems[first] };
  };

  const updateControls = () => {
    const busy = model.get("busy") || pending;
    const caps = model.get("capabilities");
    const problems = model.get("problems") || {};
    recordButton.textContent = recorder ? "■ Stop" : "● Record";
    recordButton.classList.toggle("audiokit-recording", Boolean(recorder));
    recordButton.disabled = busy;
    uploadButton.disabled = busy || Boolean(recorder);
    for (const control of [modelSelect, languageSelect, formatSelect, temperatureInput]) control.disabled = busy;
    promptArea.disabled = busy || !caps.prompt;
    promptArea.placeholder = caps.prompt
      ? "Spellings, names, context or a sample of the style to follow (optional)"
      : `${model.get("model")} takes no prompt`;
    promptField.node.classList.toggle("audiokit-unavailable", !caps.prompt);
    logprobsBox.disabled = busy || !caps.logprobs;
    streamBox.disabled = busy || !caps.stream;
    logprobsLabel.classList.toggle("audiokit-unavailable", !caps.logprobs);
    streamLabel.classList.toggle("audiokit-unavailable", !caps.stream);
    const { why, problem } = busy ? { why: "" } : blocker();
    runButton.disabled = busy || Boolean(why);
    runButton.classList.toggle("audiokit-working", busy);
    runButton.title = why || (busy ? "Transcribing… (one request at a time)" : "Transcribe the audio");
    runLabel.textContent = busy ? "Transcribing…" : "Transcribe";
    hint.textContent = busy ? (model.get("stream") ? "The text appears below as it is produced." : "") : problem || why;
    hint.classList.toggle("audiokit-hint-problem", Boolean(problem));
    const shown = {};
    for (const [param, message] of Object.entries(problems)) shown[FIELD_OF_PARAM[param] ?? param] = message;
    for (const [param, node] of Object.entries(fieldProblems)) {
      node.textContent = shown[param] || "";
      node.hidden = !shown[param];
      fieldControls[param]?.setAttribute("aria-invalid", String(Boolean(shown[param])));
    }
    dropzone.classList.toggle("audiokit-unavailable", busy);
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

  // A file dropped on the audio box is an upload.
  const canDrop = () => !(model.get("busy") || pending || recorder);
  dropzone.addEventListener("dragover", (event) => {
    if (!canDrop() || !event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    event.stopPropagation(); // not JupyterLab's own file drop
    dropzone.classList.add("audiokit-dragover");
  });
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("audiokit-dragover"));
  dropzone.addEventListener("drop", async (event) => {
    dropzone.classList.remove("audiokit-dragover");
    const file = event.dataTransfer?.files?.[0];
    if (!file || !canDrop()) return;
    event.preventDefault();
    event.stopPropagation();
    await acceptAudio(file, file.name);
  });

  // --- options: view -> model -------------------------------------------------------------
  const bindInput = (control, name, read, eventName = "change") =>
    control.addEventListener(eventName, () => {
      model.set(name, read(control));
      model.save_changes();
    });
  bindInput(modelSelect, "model", (c) => c.value);
  bindInput(languageSelect, "language", (c) => c.value);
  bindInput(formatSelect, "response_format", (c) => c.value);
  // Sent as typed (null when empty): the library says what is allowed.
  bindInput(temperatureInput, "temperature", (c) => (c.value.trim() === "" ? null : Number(c.value)), "input");
  bindInput(promptArea, "prompt", (c) => c.value, "input");
  bindInput(logprobsBox, "logprobs", (c) => c.checked);
  bindInput(streamBox, "stream", (c) => c.checked);

  runButton.addEventListener("click", () => {
    if (runButton.disabled) return;
    pending = true;
    updateControls();
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
  // The library's list, by name; a value it does not know stays selectable so its problem shows.
  bind(["language_options", "language"], () => {
    const value = model.get("language");
    const known = [...model.get("language_options")].sort((a, b) => a[1].localeCompare(b[1]));
    const options = [h("option", { value: "", textContent: "Detect automatically" })];
    if (value && !known.some(([code]) => code === value)) {
      options.push(h("option", { value, textContent: `${value} (not supported)` }));
    }
    for (const [code, name] of known) options.push(h("option", { value: code, textContent: `${name} (${code})` }));
    languageSelect.replaceChildren(...options);
    languageSelect.value = value;
  });
  bind(["temperature", "temperature_range"], () => {
    const [low, high] = model.get("temperature_range");
    Object.assign(temperatureInput, { min: low, max: high });
    temperatureInput.title = `From ${low} to ${high}; empty: the model's default`;
    const value = model.get("temperature");
    if (value === null || value === undefined) {
      if (temperatureInput.value.trim() !== "" && !Number.isNaN(Number(temperatureInput.value))) temperatureInput.value = "";
    } else if (Number(temperatureInput.value) !== value || temperatureInput.value.trim() === "") {
      temperatureInput.value = String(value);
    }
  });
  bind(["prompt"], () => {
    if (promptArea.value !== model.get("prompt")) promptArea.value = model.get("prompt");
  });
  bind(["logprobs"], () => (logprobsBox.checked = model.get("logprobs")));
  bind(["stream"], () => (streamBox.checked = model.get("stream")));
  bind(["busy"], () => {
    pending = false; // Python has taken the request (busy) or finished it
  });
  bind(["busy", "capabilities", "problems", "model", "stream"], updateControls);
  bind(["audio", "audio_name"], () => {
    if (playerUrl) URL.revokeObjectURL(playerUrl);
    playerUrl = hasAudio() ? URL.createObjectURL(new Blob([model.get("audio")])) : null;
    player.hidden = !playerUrl;
    if (playerUrl) player.src = playerUrl;
    else player.removeAttribute("src");
    sourceName.textContent = hasAudio() ? model.get("audio_name") || "audio" : "No audio yet: drop a file here";
    sourceName.classList.toggle("audiokit-has-audio", hasAudio());
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
