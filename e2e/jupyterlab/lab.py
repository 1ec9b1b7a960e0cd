"""Drive JupyterLab 4 in headless Chromium, as a user would, for gopar's
end-to-end tests (../jupyterlab_test.go).

    lab.py run BASE_URL TOKEN NOTEBOOK SCREENSHOT.png
    lab.py interactive BASE_URL TOKEN NOTEBOOK SCREENSHOT.png

run opens NOTEBOOK from Lab's file browser, picks the "Go (gopar)" kernel in
the dialog Lab shows for a notebook without one, chooses Run > Run All
Cells, waits until every cell has run and the kernel is idle, and reports
what Lab shows: every output as the notebook model holds it and as Lab
rendered it (images with their data, tables, text), and the display
messages the kernel sent (to see progress bars update in place).

interactive works on the notebook the test writes for it (see
jupyterlab_test.go): Tab completion and the Shift+Tab tooltip in a cell's
editor, Kernel > Interrupt Kernel on an endless loop, a cell reading stdin
through Lab's input box, and Kernel > Restart Kernel.

Both print one line, "GOPAR-LAB " followed by a JSON object, also when a
step fails ("error" then says which); the Go test makes the assertions.
Both save a screenshot of the whole notebook.
"""

import json
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
KERNEL = "Go (gopar)"
WIDTH = 1400

# The notebook in the main area, and its parts.
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CODE_CELL = PANEL + " .jp-CodeCell"
EDITOR = ".jp-InputArea-editor .cm-content"
DIALOG = ".jp-Dialog"

# The current notebook: its kernel's state, and its code cells as the model
# holds them and as Lab rendered them. Images come with their data.
STATE_JS = """
const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!w || !w.content || !w.content.model || !w.sessionContext) { return null; }
const sc = w.sessionContext;
const kernel = sc.session && sc.session.kernel;
const indicator = w.node.querySelector('.jp-Notebook-ExecutionIndicator');
const text = v => (Array.isArray(v) ? v.join('') : (typeof v === 'string' ? v : ''));
const cells = [];
const model = w.content.model;
for (let i = 0; i < model.cells.length; i++) {
  const c = model.cells.get(i);
  if (c.type !== 'code') { continue; }
  const outputs = [];
  for (let j = 0; j < c.outputs.length; j++) {
    const o = c.outputs.get(j).toJSON();
    const data = o.data || {};
    outputs.push({
      type: o.output_type, name: o.name || '', ename: o.ename || '', evalue: o.evalue || '',
      mimes: Object.keys(data).sort(), metadata: o.metadata || {},
      text: (o.output_type === 'stream' ? text(o.text) : text(data['text/plain'])).slice(0, 2000),
      htmlTables: (text(data['text/html']).match(/<table/g) || []).length,
      htmlImages: (text(data['text/html']).match(/<img/g) || []).length,
    });
  }
  const widget = w.content.widgets[i];
  const rendered = Array.from(widget.node.querySelectorAll('.jp-OutputArea-output')).map(n => ({
    mime: n.getAttribute('data-mime-type') || '',
    text: (n.innerText || '').slice(0, 2000),
    tables: n.querySelectorAll('table').length,
    images: Array.from(n.querySelectorAll('img')).map(img => {
      const r = img.getBoundingClientRect();
      return {src: img.getAttribute('src') || '', alt: img.getAttribute('alt') || '',
              complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
              width: r.width, height: r.height};
    }),
  }));
  const prompt = widget.node.querySelector('.jp-InputArea-prompt');
  cells.push({index: i, source: c.sharedModel.getSource(), executionCount: c.executionCount,
              prompt: prompt ? prompt.innerText.trim() : '', outputs: outputs, rendered: rendered});
}
return {
  loaded: !!(w.context && w.context.isReady),
  kernelName: (w.node.querySelector('.jp-Toolbar-kernelName') || {}).innerText || '',
  kernelStatus: kernel ? kernel.status : '',
  kernelId: kernel ? kernel.id : '',
  indicator: indicator ? indicator.getAttribute('data-status') : '',
  cells: cells,
};
"""

# Records the kernel's iopub messages that matter to the tests, from now on.
HOOK_IOPUB_JS = """
const sc = window.jupyterapp.shell.currentWidget.sessionContext;
window.goparIopub = [];
sc.iopubMessage.connect((_, msg) => {
  const t = msg.header.msg_type;
  if (!['display_data', 'update_display_data', 'execute_input', 'error', 'stream'].includes(t)) { return; }
  const c = msg.content;
  const plain = c.data && c.data['text/plain'];
  window.goparIopub.push({type: t, displayId: (c.transient && c.transient.display_id) || '',
                          text: (typeof plain === 'string' ? plain : (c.text || '')).slice(0, 300)});
});
"""


# Records the kernel's status changes (idle, busy, restarting, …).
HOOK_STATUS_JS = """
window.goparStatus = [];
window.jupyterapp.shell.currentWidget.sessionContext.statusChanged.connect((_, s) => window.goparStatus.push(s));
"""


class Failure(Exception):
    """A step that did not happen: the message says which."""


class Lab:
    """A headless Chromium on a JupyterLab page."""

    def __init__(self, base, token):
        self.base, self.token = base, token
        self.profile = tempfile.mkdtemp(prefix="gopar-lab-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                    "--window-size=%d,1000" % WIDTH, "--user-data-dir=" + self.profile):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
        self.started = time.monotonic()
        self.steps = {}

    def step(self, name):
        """Records how long after the browser's start a step ended."""
        self.steps[name] = round(time.monotonic() - self.started, 2)

    def wait(self, what, cond, timeout=60):
        """Polls cond (a function of the driver) until it holds, for at most
        timeout seconds, and returns its value."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(cond)
        except TimeoutException:
            raise Failure("%s: not within %gs" % (what, timeout)) from None

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def css(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def state(self):
        return self.js(STATE_JS)

    def open_lab(self):
        # ?reset: start from an empty workspace, whatever an earlier run left.
        self.driver.get("%s/lab?reset&token=%s" % (self.base, self.token))
        self.wait("JupyterLab starting", lambda d: self.js(
            "return document.body && document.body.dataset.goparLab || ''") in ("ready", "failed"))
        if self.js("return document.body.dataset.goparLab") != "ready":
            raise Failure("JupyterLab failed to start (see the browser's log)")
        self.step("lab loaded")

    def open_notebook(self, name):
        """Double-clicks name in the file browser and waits for the notebook."""
        def item(d):
            for e in d.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item .jp-DirListing-itemText"):
                if e.text.strip() == name:
                    return e
            return False
        ActionChains(self.driver).double_click(self.wait("%s in the file browser" % name, item)).perform()
        # Loaded: the model holds the file's cells.
        self.wait("the notebook opening", lambda d: (self.state() or {}).get("loaded") and self.css(PANEL + " .jp-Notebook"))
        self.step("notebook open")

    def pick_kernel(self):
        """Chooses KERNEL in the dialog Lab shows for a notebook without a
        kernel; returns the kernels the dialog offered."""
        select = self.wait("the Select Kernel dialog", lambda d: self.css(DIALOG + " select"))[0]
        options = [o.text for o in Select(select).options]
        Select(select).select_by_visible_text(KERNEL)
        self.css(DIALOG + " .jp-Dialog-button.jp-mod-accept")[0].click()
        self.wait("the dialog closing", lambda d: not self.css(DIALOG))
        self.step("kernel picked")
        return options

    def wait_idle(self, what, timeout=60):
        """Waits until the notebook's kernel is idle, as the kernel
        connection and the toolbar's indicator say."""
        def idle(d):
            s = self.state()
            return s if s and s["kernelStatus"] == "idle" and s["indicator"] == "idle" else False
        return self.wait(what, idle, timeout)

    def menu(self, label, command):
        """Clicks label in the menu bar, then the item running command."""
        for item in self.css(".lm-MenuBar-item"):
            if item.text.strip() == label:
                item.click()
                break
        else:
            raise Failure("no %r menu" % label)
        sel = 'li.lm-Menu-item[data-command="%s"]' % command
        self.wait("the %s menu's %s item" % (label, command),
                  lambda d: [e for e in self.css(sel) if e.is_displayed()])[0].click()

    def cell(self, i):
        return self.css(CODE_CELL)[i]

    def edit(self, i):
        """Puts the cursor at the end of code cell i's editor and returns the
        focused element to type into."""
        ed = self.cell(i).find_element(By.CSS_SELECTOR, EDITOR)
        ed.click()
        act = self.driver.switch_to.active_element
        act.send_keys(Keys.CONTROL, Keys.END)
        return act

    def run_cell(self, i):
        """Runs code cell i with Ctrl+Enter (run, and stay on the cell)."""
        self.edit(i).send_keys(Keys.CONTROL, Keys.ENTER)

    def code_cell_state(self, i):
        return self.state()["cells"][i]

    def screenshot(self, path):
        """Saves the whole notebook, from its top: the file browser is
        closed and the window made as tall as the notebook's content."""
        self.js("window.jupyterapp && window.jupyterapp.shell.collapseLeft();")
        extra = self.js("""
            const o = document.querySelector('%s .jp-WindowedPanel-outer');
            const cells = document.querySelectorAll('%s .jp-Cell');
            if (!o || !cells.length) { return 0; }
            const bottom = cells[cells.length - 1].getBoundingClientRect().bottom + o.scrollTop;
            return bottom - o.getBoundingClientRect().top + 40 - o.clientHeight;""" % (PANEL, PANEL)) or 0
        frame = self.js("return window.outerHeight - window.innerHeight;") or 0
        inner = self.js("return window.innerHeight;") or 1000
        self.driver.set_window_size(WIDTH, min(int(inner + max(0, extra) + frame), 16000))
        # Back to the top, and let Lab lay out at the new size.
        self.js("""
            const o = document.querySelector('%s .jp-WindowedPanel-outer');
            if (o) { o.scrollTop = 0; }
            return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));""" % PANEL)
        self.driver.save_screenshot(path)
        self.driver.set_window_size(WIDTH, 1000)

    def browser_errors(self):
        try:
            return [e["message"][:400] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        except Exception as e:  # the report must still be printed
            return ["reading the browser's log: %r" % e]

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def count_executed(lab):
    return lab.js("return (window.goparIopub || []).filter(m => m.type === 'execute_input').length;")


def run_all(lab, notebook, result):
    lab.open_lab()
    lab.open_notebook(notebook)
    # The outputs stored in the notebook, as Lab shows them before running
    # it (untrusted: only renderers Lab deems safe, and sanitized HTML).
    def stored_rendered(d):
        s = lab.state()
        return s if s and all(len(c["rendered"]) == len(c["outputs"]) for c in s["cells"]) else False
    result["stored"] = lab.wait("the stored outputs rendering", stored_rendered, 30)
    result["kernelOptions"] = lab.pick_kernel()
    lab.wait_idle("the kernel starting")
    lab.step("kernel idle")
    lab.js(HOOK_IOPUB_JS)
    want = len([c for c in lab.state()["cells"] if c["source"].strip()])

    lab.menu("Run", "runmenu:run-all")
    lab.step("run all clicked")

    def finished(d):
        s = lab.state()
        return (s and count_executed(lab) >= want and s["kernelStatus"] == "idle" and s["indicator"] == "idle"
                and all(c["prompt"] not in ("[*]:", "[ ]:") for c in s["cells"]))
    lab.wait("Run All finishing (%d cells)" % want, finished, timeout=600)
    lab.step("all cells run")
    # Images decode asynchronously: wait (bounded) until they have.
    try:
        lab.wait("images decoding", lambda d: lab.js(
            "return Array.from(document.querySelectorAll('%s img')).every(i => i.complete);" % PANEL), 20)
    except Failure:
        pass  # reported through each image's "complete"
    result["final"] = lab.state()
    result["iopub"] = lab.js("return window.goparIopub;")
    result["executed"] = count_executed(lab)


def interactive(lab, notebook, result):
    """The checks of Lab's own UI on the notebook interactive.ipynb that
    jupyterlab_test.go writes: cells 0 x := 41, 1 strings.ToUp, 2 for {},
    3 a Println of x, 4 reading stdin."""
    checks = result["checks"] = {}
    lab.open_lab()
    lab.open_notebook(notebook)
    # This notebook names the gopar kernel: Lab starts it without asking.
    lab.wait_idle("the kernel starting")
    checks["kernelName"] = lab.state()["kernelName"]
    lab.step("kernel idle")
    lab.js(HOOK_IOPUB_JS)

    # Tab completion in cell 1 ("strings.ToUp"): pick ToUpper.
    lab.edit(1).send_keys(Keys.TAB)
    items = lab.wait("the completer", lambda d: [e for e in lab.css(".jp-Completer .jp-Completer-item") if e.is_displayed()], 30)
    checks["completions"] = [e.get_attribute("data-value") or e.text for e in items]
    for e in items:
        if (e.get_attribute("data-value") or "") == "ToUpper":
            # The completer inserts on mousedown.
            ActionChains(lab.driver).click(e).perform()
            break
    lab.wait("the completion inserted", lambda d: lab.code_cell_state(1)["source"] != "strings.ToUp", 10)
    checks["completedSource"] = lab.code_cell_state(1)["source"]
    lab.step("completion")

    # The tooltip (Shift+Tab) inside the call.
    ed = lab.edit(1)
    ed.send_keys("(")
    ed.send_keys(Keys.SHIFT, Keys.TAB)
    tip = lab.wait("the tooltip", lambda d: [e for e in lab.css(".jp-Tooltip") if e.is_displayed() and e.text.strip()], 30)
    checks["tooltip"] = tip[0].text[:500]
    lab.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    lab.step("tooltip")

    # Kernel > Interrupt Kernel on an endless loop; then a later cell runs.
    lab.run_cell(0)
    lab.wait("cell 0 running", lambda d: lab.code_cell_state(0)["executionCount"] is not None, 30)
    lab.wait_idle("cell 0 done")
    lab.run_cell(2)
    lab.wait("the loop running", lambda d: lab.state()["kernelStatus"] == "busy", 30)
    t0 = time.monotonic()
    lab.menu("Kernel", "kernelmenu:interrupt")
    lab.wait("the loop's error output", lambda d: any(o["type"] == "error" for o in lab.code_cell_state(2)["outputs"]), 30)
    lab.wait_idle("idle after the interrupt")
    checks["interruptSeconds"] = round(time.monotonic() - t0, 2)
    checks["interrupted"] = lab.code_cell_state(2)
    lab.run_cell(3)
    lab.wait("the cell after the interrupt", lambda d: lab.code_cell_state(3)["outputs"], 30)
    lab.wait_idle("idle after the cell after the interrupt")
    checks["afterInterrupt"] = lab.code_cell_state(3)
    lab.step("interrupt")

    # stdin through Lab's input box.
    lab.run_cell(4)
    box = lab.wait("the input box", lambda d: [e for e in lab.css(PANEL + " .jp-Stdin-input") if e.is_displayed()], 30)[0]
    box.click()
    box.send_keys("gopher", Keys.ENTER)
    lab.wait("the cell reading stdin", lambda d: "hello, gopher" in "".join(
        o["text"] for o in lab.code_cell_state(4)["outputs"]), 30)
    lab.wait_idle("idle after stdin")
    checks["stdin"] = lab.code_cell_state(4)
    lab.step("stdin")

    # Kernel > Restart Kernel…: the kernel restarts (its id stays) and is
    # idle again, and numbers cells from 1 again. A restart that does not
    # come back is retried once.
    lab.js(HOOK_STATUS_JS)
    attempts = []
    t0 = time.monotonic()
    for attempt in range(2):
        lab.js("window.goparStatus = [];")
        lab.menu("Kernel", "kernelmenu:restart")
        lab.wait("the restart dialog", lambda d: lab.css(DIALOG + " .jp-Dialog-button.jp-mod-accept"), 30)[0].click()
        try:
            lab.wait("the kernel restarting", lambda d: "restarting" in lab.js("return window.goparStatus;"), 30)
            lab.wait_idle("idle after the restart")
            attempts.append("restarted after %.1fs" % (time.monotonic() - t0))
            break
        except Failure as e:
            attempts.append(str(e))
            if attempt == 1:
                raise
    checks["restartAttempts"] = attempts
    checks["kernelStatuses"] = lab.js("return window.goparStatus;")
    lab.run_cell(0)
    lab.wait("cell 0 after the restart", lambda d: lab.code_cell_state(0)["executionCount"] == 1, 30)
    lab.wait_idle("idle after the restart")
    checks["afterRestart"] = lab.code_cell_state(0)
    checks["restartSeconds"] = round(time.monotonic() - t0, 2)
    lab.step("restart")
    result["final"] = lab.state()
    result["iopub"] = lab.js("return window.goparIopub;")


def main():
    command, base, token, notebook, screenshot = sys.argv[1:6]
    do = {"run": run_all, "interactive": interactive}[command]
    result = {"ok": False}
    lab = Lab(base, token)
    try:
        do(lab, notebook, result)
        result["ok"] = True
    except Failure as e:
        result["error"] = str(e)
    except Exception as e:  # a bug here, or the browser gone: say so
        result["error"] = "%s: %r" % (type(e).__name__, e)
    finally:
        try:
            if "final" not in result:
                result["final"] = lab.state()
            lab.screenshot(screenshot)
            result["screenshot"] = screenshot
        except Exception as e:
            result["screenshotError"] = repr(e)
        result["steps"] = lab.steps
        result["browserErrors"] = lab.browser_errors()
        lab.quit()
        print("GOPAR-LAB " + json.dumps(result), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
