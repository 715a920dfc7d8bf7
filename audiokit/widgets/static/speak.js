// Front end of audiokit.widgets.SpeakWidget (an anywidget ES module).
//
// Plain DOM only, so it runs in JupyterLab, Notebook 7, VS Code and any anywidget host.
// Top to bottom: the text, the voice, the options, the Speak button (with why it waits), the
// error and the result. Options cross to Python through the model's traits; the Speak button
// increments `_requests`, a voice's ▶ button sets `preview_voice` and increments
// `_preview_requests`. Python answers with `busy`, `error`, `problems` (param -> the library's
// message while the inputs cannot run), `html` (the Speech's player and download link) and
// `previews` (voice -> data: URL of a short sample, cached), which this view plays.

const SPEED_STEP = 0.05;
const EMPTY_TEXT_HINT = "Type some text to speak.";
const FIELD_CAPTIONS = {
  input: "text",
  voice: "voice",
  model: "model",
  response_format: "format",
  speed: "speed",
  instructions: "instructions",
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

let uid = 0;
const newId = (name) => `audiokit-${name}-${Date.now().toString(36)}-${uid++}`;

// A labelled field: caption above the control, the library's complaint (if any) below it.
function field(caption, control, { wide = false, className = "" } = {}) {
  const id = control.id || (control.id = newId("field"));
  const problem = h("div", { className: "audiokit-field-problem", hidden: true });
  const node = h(
    "div",
    { className: `audiokit-field ${wide ? "audiokit-field-wide" : ""} ${className}`.trim() },
    h("label", { className: "audiokit-field-label", for: id }, caption),
    control,
    problem,
  );
  return { node, problem };
}

function render({ model, el }) {
  const textArea = h("textarea", {
    className: "audiokit-text audiokit-control",
    rows: 4,
    placeholder: "Type what should be said…",
  });
  const count = h("span", { className: "audiokit-note audiokit-count" });
  const voices = h("div", { className: "audiokit-voices", role: "radiogroup", "aria-label": "Voice" });
  const voiceProblem = h("div", { className: "audiokit-field-problem", hidden: true });
  const modelSelect = h("select", { className: "audiokit-model audiokit-control" });
  const formatSelect = h("select", { className: "audiokit-format audiokit-control" });
  const instructions = h("textarea", {
    className: "audiokit-instructions audiokit-control",
    rows: 2,
    placeholder: "Tone, accent, pace… (optional)",
  });
  const speedInput = h("input", { type: "range", className: "audiokit-speed", step: SPEED_STEP });
  const speedValue = h("output", { className: "audiokit-speed-value" });
  const spinner = h("span", { className: "audiokit-spinner", "aria-hidden": "true" });
  const runLabel = h("span", { className: "audiokit-run-label" });
  const speakButton = h("button", { type: "button", className: "audiokit-btn audiokit-run audiokit-primary" }, spinner, runLabel);
  const hint = h("span", { className: "audiokit-hint", role: "status" });
  const errorLine = h("div", { className: "audiokit-error", role: "alert" });
  const result = h("div", { className: "audiokit-result" });
  const previewPlayer = h("audio", { className: "audiokit-preview-player" });

  const textField = field("Text", textArea, { wide: true });
  textField.node.querySelector("label").className = "audiokit-section-title";
  textField.node.append(count);
  const modelField = field("Model", modelSelect);
  const formatField = field("Format", formatSelect);
  const speedField = field("Speed", h("div", { className: "audiokit-slider" }, speedInput, speedValue), {
    className: "audiokit-speed-label",
  });
  speedField.node.querySelector("label").setAttribute("for", (speedInput.id = newId("speed")));
  const instructionsField = field("Instructions", instructions, {
    wide: true,
    className: "audiokit-instructions-row",
  });
  const fieldProblems = {
    input: textField.problem,
    voice: voiceProblem,
    model: modelField.problem,
    response_format: formatField.problem,
    speed: speedField.problem,
    instructions: instructionsField.problem,
  };
  const fieldControls = { input: textArea, model: modelSelect, response_format: formatSelect, instructions };

  el.classList.add("audiokit-widget", "audiokit-form", "audiokit-speaker");
  el.append(
    h("div", { className: "audiokit-section audiokit-text-section" }, textField.node),
    h(
      "div",
      { className: "audiokit-section audiokit-voice-section" },
      h("div", { className: "audiokit-section-title" }, "Voice"),
      voices,
      voiceProblem,
    ),
    h(
      "div",
      { className: "audiokit-section audiokit-options" },
      h("div", { className: "audiokit-section-title" }, "Options"),
      h("div", { className: "audiokit-grid" }, modelField.node, formatField.node, speedField.node, instructionsField.node),
    ),
    h("div", { className: "audiokit-actions" }, speakButton, hint),
    errorLine,
    result,
    previewPlayer,
  );

  const save = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };
  // Between the click and Python's `busy`, this view already counts as busy: no double submit.
  let pending = false;
  textArea.addEventListener("input", () => {
    save("text", textArea.value);
    updateControls(); // the button follows the typing at once, before Python answers
  });
  instructions.addEventListener("input", () => save("instructions", instructions.value));
  modelSelect.addEventListener("change", () => save("model", modelSelect.value));
  formatSelect.addEventListener("change", () => save("response_format", formatSelect.value));
  speedInput.addEventListener("input", () => save("speed", Number(speedInput.value)));
  speakButton.addEventListener("click", () => {
    if (speakButton.disabled) return;
    pending = true;
    updateControls();
    save("_requests", model.get("_requests") + 1);
  });

  let pendingPreview = null; // the voice whose sample this view asked for and will play
  const playPreview = (voice) => {
    const url = model.get("previews")[voice];
    if (!url) return false;
    previewPlayer.src = url;
    previewPlayer.play().catch(() => {}); // autoplay refusals are harmless: the sample is cached
    return true;
  };
  const requestPreview = (voice) => {
    if (playPreview(voice)) return;
    pendingPreview = voice;
    model.set("preview_voice", voice);
    save("_preview_requests", model.get("_preview_requests") + 1);
  };

  const radioGroup = newId("voice");
  const renderVoices = () => {
    const current = model.get("voice");
    const available = new Set(model.get("model_voices"));
    const busy = model.get("busy") || pending;
    voices.replaceChildren(
      ...model.get("voices").map((voice) => {
        const radio = h("input", { type: "radio", name: radioGroup, value: voice });
        radio.checked = voice === current;
        radio.disabled = busy || !available.has(voice);
        radio.addEventListener("change", () => save("voice", voice));
        const preview = h("button", {
          type: "button",
          className: "audiokit-preview",
          textContent: "▶",
          title: available.has(voice) ? `Hear ${voice}` : `${model.get("model")} does not have ${voice}`,
          "aria-label": `Preview voice ${voice}`,
        });
        preview.dataset.voice = voice;
        preview.disabled = !available.has(voice);
        preview.addEventListener("click", () => requestPreview(voice));
        const chip = h("span", { className: "audiokit-voice" }, h("label", {}, radio, voice), preview);
        chip.dataset.voice = voice;
        chip.classList.toggle("audiokit-selected", voice === current);
        chip.classList.toggle("audiokit-unavailable", !available.has(voice));
        if (!available.has(voice)) chip.title = `${model.get("model")} does not have this voice`;
        return chip;
      }),
    );
  };

  // Why the button waits: empty text is known here at once; the rest is the library's word
  // (shown under its field; the hint points there, the tooltip has the whole message).
  const blocker = () => {
    if (!textArea.value.trim()) return { why: EMPTY_TEXT_HINT };
    const problems = model.get("problems") || {};
    const first = Object.keys(problems).find((param) => param !== "input") ?? Object.keys(problems)[0];
    if (!first) return { why: "" };
    const caption = FIELD_CAPTIONS[first];
    return { why: problems[first], problem: caption ? `Change the ${caption} to continue (see above).` : problems[first] };
  };

  function updateControls() {
    const busy = model.get("busy") || pending;
    const problems = model.get("problems") || {};
    for (const control of [textArea, modelSelect, formatSelect]) control.disabled = busy;
    instructionsField.node.hidden = !model.get("instructions_enabled");
    speedField.node.hidden = !model.get("speed_enabled");
    instructions.disabled = busy || !model.get("instructions_enabled");
    speedInput.disabled = busy || !model.get("speed_enabled");
    const { why, problem } = busy ? { why: "" } : blocker();
    speakButton.disabled = busy || Boolean(why);
    speakButton.classList.toggle("audiokit-working", busy);
    speakButton.title = why || (busy ? "Speaking… (one request at a time)" : "Speak the text");
    runLabel.textContent = busy ? "Speaking…" : "Speak";
    hint.textContent = busy ? "" : problem || why;
    hint.classList.toggle("audiokit-hint-problem", Boolean(problem));
    // Each field shows its own problem (the empty text only as the button's hint).
    for (const [param, node] of Object.entries(fieldProblems)) {
      const message = param === "input" && !textArea.value.trim() ? "" : problems[param] || "";
      node.textContent = message;
      node.hidden = !message;
      fieldControls[param]?.setAttribute("aria-invalid", String(Boolean(message)));
    }
    const chars = textArea.value.length;
    count.textContent = chars ? `${chars} character${chars === 1 ? "" : "s"}` : "";
    el.setAttribute("aria-busy", String(busy));
  }

  const listeners = [];
  const bind = (names, update) => {
    for (const name of names) {
      model.on(`change:${name}`, update);
      listeners.push([`change:${name}`, update]);
    }
    update();
  };
  bind(["text"], () => {
    if (textArea.value !== model.get("text")) textArea.value = model.get("text");
    updateControls();
  });
  bind(["instructions"], () => {
    if (instructions.value !== model.get("instructions")) instructions.value = model.get("instructions");
  });
  bind(["model", "model_options"], () => fillSelect(modelSelect, model.get("model_options"), model.get("model")));
  bind(["response_format", "format_options"], () =>
    fillSelect(formatSelect, model.get("format_options"), model.get("response_format")),
  );
  bind(["speed", "speed_range"], () => {
    const [low, high] = model.get("speed_range");
    Object.assign(speedInput, { min: low, max: high });
    speedInput.value = model.get("speed");
    speedValue.textContent = `${Number(model.get("speed")).toFixed(2)}×`;
  });
  bind(["busy"], () => {
    pending = false; // Python has taken the request (busy) or finished it
  });
  bind(["instructions_enabled", "speed_enabled", "busy", "problems"], updateControls);
  bind(["voice", "voices", "model_voices", "busy"], renderVoices);
  bind(["error"], () => {
    errorLine.textContent = model.get("error");
    errorLine.hidden = !model.get("error");
  });
  bind(["html"], () => {
    result.innerHTML = model.get("html");
  });
  bind(["previews"], () => {
    if (pendingPreview && playPreview(pendingPreview)) pendingPreview = null;
  });

  return () => {
    previewPlayer.pause();
    for (const [event, callback] of listeners) model.off(event, callback);
  };
}

export default { render };
