"""Run all cells of a notebook in the classic Notebook, in headless Chromium.

browser_test.go starts the Notebook server (Debian's jupyter-notebook 6.x)
with the gopar kernel and runs this script with Debian's python3 and
selenium:

    browser_run_all.py BASE_URL TOKEN NOTEBOOK SCREENSHOT.png

It opens BASE_URL/notebooks/NOTEBOOK?token=TOKEN, waits for the kernel,
chooses Cell > Run All in the menu, waits until every code cell has run and
the kernel is idle again, saves a screenshot of the whole notebook, and
prints one line, "GOPAR-BROWSER " followed by a JSON object describing what
the page shows (images in the outputs, error outputs, tables, ...). The Go
test makes the assertions. On a timeout it still saves the screenshot and
prints what it saw, then exits non-zero.
"""

import json
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
LOAD_TIMEOUT = 30  # seconds for the page and the kernel to be ready
RUN_TIMEOUT = 60  # seconds for Run All

# Whether the notebook page is loaded and its kernel connected and idle.
KERNEL_READY_JS = """
return typeof Jupyter !== 'undefined' && !!Jupyter.notebook && !!Jupyter.notebook.kernel
    && Jupyter.notebook.kernel.is_connected()
    && document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
"""

# The state of the code cells: their prompts ('*' while queued or running,
# a number once run) and whether the kernel is idle.
CELLS_JS = """
var cells = Jupyter.notebook.get_cells().filter(function (c) { return c.cell_type === 'code'; });
return {
  prompts: cells.map(function (c) {
    var n = c.input_prompt_number;
    return (n === undefined || n === null) ? null : String(n);
  }),
  idle: document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null,
  busy: !!Jupyter.notebook.kernel_busy
};
"""

# What the outputs show, for the Go test to check.
PAGE_JS = """
function text(e) { return (e.innerText || e.textContent || '').slice(0, 500); }
var imgs = Array.prototype.map.call(document.querySelectorAll('.output_area img'), function (i) {
  var src = i.getAttribute('src') || '';
  return {src: src.slice(0, 40), alt: i.getAttribute('alt') || '', complete: i.complete,
          naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
          width: i.getBoundingClientRect().width, height: i.getBoundingClientRect().height};
});
var svgs = document.querySelectorAll('.output_area svg').length;
var errors = Array.prototype.map.call(
  document.querySelectorAll('.output_error, .output_stderr, .js-error'), text);
// An error without a traceback shows nothing: look at the outputs too.
Jupyter.notebook.get_cells().forEach(function (c) {
  if (c.cell_type !== 'code') return;
  c.output_area.outputs.forEach(function (o) {
    if (o.output_type === 'error') errors.push('error output: ' + o.ename + ': ' + o.evalue);
  });
});
var tables = Array.prototype.map.call(document.querySelectorAll('.output_html table'), text);
var outputs = Array.prototype.map.call(document.querySelectorAll('.output_subarea'), text);
return {images: imgs, inlineSvgs: svgs, errors: errors, tables: tables, outputs: outputs,
        title: document.title, kernelName: Jupyter.notebook.kernel ? Jupyter.notebook.kernel.name : ''};
"""


def main():
    base, token, notebook, screenshot = sys.argv[1:5]
    result = {"ok": False, "steps": {}}
    started = time.monotonic()

    def step(name):
        result["steps"][name] = round(time.monotonic() - started, 3)

    profile = tempfile.mkdtemp(prefix="gopar-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--window-size=1280,1000",
                "--user-data-dir=" + profile):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    step("browser started")
    try:
        driver.get("%s/notebooks/%s?token=%s" % (base, notebook, token))
        try:
            WebDriverWait(driver, LOAD_TIMEOUT, poll_frequency=0.1).until(
                lambda d: d.execute_script(KERNEL_READY_JS))
        except TimeoutException:
            result["error"] = "the kernel was not ready within %ds" % LOAD_TIMEOUT
            raise
        step("kernel ready")

        # Cell > Run All, as a user would.
        driver.find_element(By.ID, "celllink").click()
        WebDriverWait(driver, 10, poll_frequency=0.1).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "#run_all_cells a").is_displayed())
        driver.find_element(By.CSS_SELECTOR, "#run_all_cells a").click()
        step("run all clicked")

        # Run All marks every code cell "*" at once (queued); each gets its
        # execution count when the kernel replies, or no number when the
        # kernel aborts it after an error. Done when no cell is queued or
        # running any more and the kernel is idle.
        state = {}

        def finished(d):
            state.update(d.execute_script(CELLS_JS))
            prompts = state["prompts"]
            return (prompts and "*" not in prompts
                    and state["idle"] and not state["busy"])

        queued = driver.execute_script(CELLS_JS)["prompts"]
        if "*" not in queued:
            result["error"] = "Run All did not queue the cells: prompts %s" % queued
            raise RuntimeError(result["error"])

        try:
            WebDriverWait(driver, RUN_TIMEOUT, poll_frequency=0.1).until(finished)
        except TimeoutException:
            result["error"] = "the cells had not all run within %ds: %s" % (RUN_TIMEOUT, state)
            raise
        result["prompts"] = state["prompts"]
        step("all cells run")

        # Images decode asynchronously: wait (bounded) until they have.
        try:
            WebDriverWait(driver, 10, poll_frequency=0.1).until(lambda d: d.execute_script(
                "return Array.prototype.every.call(document.querySelectorAll('.output_area img'),"
                " function (i) { return i.complete; });"))
        except TimeoutException:
            pass  # reported through "complete" below
        result.update(driver.execute_script(PAGE_JS))
        result["ok"] = True
    except Exception as e:
        result.setdefault("error", repr(e))
        raise
    finally:
        try:
            # The notebook scrolls inside #site: make the window tall enough
            # to show all of it, then take the screenshot.
            height = driver.execute_script(
                "var s = document.getElementById('site');"
                "return s ? s.getBoundingClientRect().top + s.scrollHeight : document.body.scrollHeight;")
            # The window is taller than the page's viewport by the
            # browser's own frame.
            frame = driver.execute_script("return window.outerHeight - window.innerHeight;")
            driver.set_window_size(1280, max(800, min(int(height or 0) + int(frame or 0) + 40, 6000)))
            driver.execute_script("return new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); });")
            driver.save_screenshot(screenshot)
            result["screenshot"] = screenshot
        except Exception as e:  # the report must still be printed
            result["screenshotError"] = repr(e)
        step("screenshot")
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)
            print("GOPAR-BROWSER " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
