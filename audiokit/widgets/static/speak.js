// Front end of audiokit.widgets.SpeakWidget (an anywidget ES module).
//
// Plain DOM only, so it runs in JupyterLab, Notebook 7, VS Code and any anywidget host.
// Options cross to Python through the model's traits; the Speak button increments `_requests`,
// a voice's ▶ button sets `preview_voice` and increments `_preview_requests`. Python answers
// with `busy`, `error`, `html` (the Speech's player and download link) and `previews`
// (voice -> data: URL of a short sample, cached), which this view plays.

const SPEED_STEP = 0.05;

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

function render({ model, el }) {
  const textArea = h("textarea", {
    className: "audiokit-text",
    rows: 4,
    placeholder: "Text to speak",
  });
  const voices = h("div", { className: "audiokit-voices", role: "radiogroup", "aria-label": "Voice" });
  const modelSelect = h("select", { className: "audiokit-model" });
  const formatSelect = h("select", { className: "audiokit-format" });
  const instructions = h("textarea", {
    className: "audiokit-instructions",
    rows: 2,
    placeholder: "Instructions: tone, accent, pace… (optional)",
  });
  const speedInput = h("input", { type: "range", className: "audiokit-speed", step: SPEED_STEP });
  const speedValue = h("output", { className: "audiokit-speed-value" });
  const speakButton = h("button", { type: "button", className: "audiokit-run audiokit-primary" });
  const errorLine = h("div", { className: "audiokit-error", role: "alert" });
  const result = h("div", { className: "audiokit-result" });
  const previewPlayer = h("audio", { className: "audiokit-preview-player" });

  const instructionsRow = h("div", { className: "audiokit-row audiokit-instructions-row" }, instructions);
  const speedLabel = h("label", { className: "audiokit-speed-label" }, "Speed ", speedInput, speedValue);
  el.classList.add("audiokit-widget", "audiokit-speaker");
  el.append(
    h("div", { className: "audiokit-row" }, textArea),
    voices,
    h(
      "div",
      { className: "audiokit-row" },
      h("label", {}, "Model ", modelSelect),
      h("label", {}, "Format ", formatSelect),
      speedLabel,
      speakButton,
    ),
    instructionsRow,
    errorLine,
    result,
    previewPlayer,
  );

  const save = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };
  textArea.addEventListener("input", () => save("text", textArea.value));
  instructions.addEventListener("input", () => save("instructions", instructions.value));
  modelSelect.addEventListener("change", () => save("model", modelSelect.value));
  formatSelect.addEventListener("change", () => save("response_format", formatSelect.value));
  speedInput.addEventListener("input", () => save("speed", Number(speedInput.value)));
  speakButton.addEventListener("click", () => save("_requests", model.get("_requests") + 1));

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

  const radioGroup = `audiokit-voice-${Math.random().toString(36).slice(2)}`;
  const renderVoices = () => {
    const current = model.get("voice");
    const available = new Set(model.get("model_voices"));
    voices.replaceChildren(
      ...model.get("voices").map((voice) => {
        const radio = h("input", { type: "radio", name: radioGroup, value: voice });
        radio.checked = voice === current;
        radio.disabled = model.get("busy") || !available.has(voice);
        radio.addEventListener("change", () => save("voice", voice));
        const preview = h("button", {
          type: "button",
          className: "audiokit-preview",
          textContent: "▶",
          title: `Hear ${voice}`,
          "aria-label": `Preview voice ${voice}`,
        });
        preview.dataset.voice = voice;
        preview.disabled = !available.has(voice);
        preview.addEventListener("click", () => requestPreview(voice));
        const chip = h("span", { className: "audiokit-voice" }, h("label", {}, radio, ` ${voice}`), preview);
        chip.classList.toggle("audiokit-selected", voice === current);
        chip.classList.toggle("audiokit-unavailable", !available.has(voice));
        return chip;
      }),
    );
  };

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
  });
  bind(["instructions"], () => {
    if (instructions.value !== model.get("instructions")) instructions.value = model.get("instructions");
  });
  bind(["model", "model_options"], () => fillSelect(modelSelect, model.get("model_options"), model.get("model")));
  bind(["response_format", "format_options"], () =>
    fillSelect(formatSelect, model.get("format_options"), model.get("response_format")),
  );
  bind(["voice", "voices", "model_voices", "busy"], renderVoices);
  bind(["speed", "speed_range"], () => {
    const [low, high] = model.get("speed_range");
    Object.assign(speedInput, { min: low, max: high });
    speedInput.value = model.get("speed");
    speedValue.textContent = `${Number(model.get("speed")).toFixed(2)}×`;
  });
  bind(["instructions_enabled", "speed_enabled", "busy"], () => {
    const busy = model.get("busy");
    instructionsRow.hidden = !model.get("instructions_enabled");
    speedLabel.hidden = !model.get("speed_enabled");
    for (const control of [textArea, instructions, modelSelect, formatSelect, speedInput]) control.disabled = busy;
    instructions.disabled = busy || !model.get("instructions_enabled");
    speedInput.disabled = busy || !model.get("speed_enabled");
    speakButton.disabled = busy;
    speakButton.textContent = busy ? "Speaking…" : "Speak";
    el.setAttribute("aria-busy", String(busy));
  });
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
