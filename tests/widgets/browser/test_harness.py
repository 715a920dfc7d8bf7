"""Smoke test of the browser harness with a trivial anywidget: a round trip browser → kernel."""

from __future__ import annotations

from playwright.sync_api import expect

COUNTER = '''
import anywidget, traitlets

class Counter(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ model, el }) {
        const button = document.createElement("button");
        button.className = "smoke-counter";
        const show = () => { button.textContent = `doubled ${model.get("doubled")}`; };
        button.onclick = () => {
          model.set("value", model.get("value") + 1);
          model.save_changes();
        };
        model.on("change:doubled", show);
        show();
        el.appendChild(button);
      }
    };
    """
    value = traitlets.Int(0).tag(sync=True)
    doubled = traitlets.Int(0).tag(sync=True)

counter = Counter()
counter.observe(lambda change: setattr(counter, "doubled", 2 * change.new), "value")
counter
'''


def test_anywidget_round_trip(open_notebook):
    nb = open_notebook([COUNTER])
    button = nb.output(0).locator("button.smoke-counter")
    expect(button).to_have_text("doubled 0", timeout=120_000)
    button.click()
    expect(button).to_have_text("doubled 2")  # computed by the kernel, sent back
    button.click()
    expect(button).to_have_text("doubled 4")
