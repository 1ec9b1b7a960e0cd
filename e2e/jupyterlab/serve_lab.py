"""Serve the JupyterLab frontend built from this directory.

The end-to-end tests cannot install the jupyterlab Python package (Debian 12
does not package it, and the tests do not use PyPI), so they serve the
frontend that webpack builds here with what Debian does package:
jupyter_server and jupyterlab_server. This script is the small part of
JupyterLab's own server extension that the tests need: a LabServerApp at
/lab serving the build, its settings schemas and themes, the page template
in ./templates and the settings overrides in ./settings.

    python3 serve_lab.py --build DIR --state DIR [jupyter_server options]

--build is the directory webpack wrote (bundle.js, schemas/, themes/);
--state is where the user's settings and workspaces go. The remaining
arguments are the server's own, for example --port, --ServerApp.token and
--ServerApp.root_dir.
"""

import argparse
import json
import os
import sys

from jupyter_server import version_info as server_version
from jupyter_server.base.handlers import APIHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket

HERE = os.path.dirname(os.path.abspath(__file__))

# The LabServerApp class that main builds: jupyter_server finds it through
# _jupyter_server_extension_points, in this module.
APP = None


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": APP}]


class IdentityHandler(APIHandler):
    """GET /api/me, which JupyterLab 4 asks for: jupyter_server 2 has it,
    Debian's 1.x does not. Everyone is the same local user here."""

    @web.authenticated
    def get(self):
        user = {"username": "gopar", "name": "gopar", "display_name": "gopar",
                "initials": "G", "avatar_url": None, "color": None}
        self.finish(json.dumps({"identity": user, "permissions": {}}))


class EventsHandler(websocket.WebSocketHandler):
    """The event bus websocket of jupyter_server 2 (/api/events/subscribe):
    accepted and left silent, so that JupyterLab 4 does not retry it
    forever against a 1.x server."""

    def check_origin(self, origin):
        return True

    def on_message(self, message):
        pass


def lab_app(build, state):
    """The LabServerApp class serving build, keeping user state in state."""
    # The version the lockfile pins, which the About dialog shows.
    with open(os.path.join(HERE, "package-lock.json"), encoding="utf-8") as f:
        version = json.load(f)["packages"]["node_modules/@jupyterlab/application"]["version"]

    class GoparLab(LabServerApp):
        name = "lab"  # its static files under /static/lab/, as JupyterLab's
        extension_url = "/lab"
        default_url = "/lab"
        load_other_extensions = False
        app_name = "JupyterLab"
        app_version = version
        app_settings_dir = os.path.join(HERE, "settings")
        templates_dir = os.path.join(HERE, "templates")
        static_dir = build
        schemas_dir = os.path.join(build, "schemas")
        themes_dir = os.path.join(build, "themes")
        user_settings_dir = os.path.join(state, "user-settings")
        workspaces_dir = os.path.join(state, "workspaces")
        # This frontend loads no prebuilt (federated) extensions: do not
        # offer it those the machine's Jupyter has installed.
        labextensions_path = []
        cache_files = False

        def initialize_handlers(self):
            config = self.serverapp.web_app.settings.setdefault("page_config_data", {})
            config.update(
                buildAvailable=False,
                buildCheck=False,
                devMode=False,
                token=self.serverapp.token,
                # window.jupyterapp: the tests read the notebook's model
                # and kernel through it.
                exposeAppInBrowser=True,
                collaborative=False,
                news={"disabled": True},
                notebookVersion=json.dumps(server_version),
            )
            if server_version < (2,):
                self.handlers.append((r"/api/me", IdentityHandler))
                self.handlers.append((r"/api/events/subscribe", EventsHandler))
            super().initialize_handlers()

        def initialize_settings(self):
            super().initialize_settings()
            self.serverapp.web_app.settings["terminals_available"] = False

    return GoparLab


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True, help="the webpack build directory")
    ap.add_argument("--state", required=True, help="where user settings and workspaces go")
    args, server_args = ap.parse_known_args()
    if not os.path.exists(os.path.join(args.build, "bundle.js")):
        sys.exit("serve_lab.py: no bundle.js in %s: build the frontend first" % args.build)
    global APP
    APP = lab_app(os.path.abspath(args.build), os.path.abspath(args.state))
    APP.launch_instance(argv=server_args)


if __name__ == "__main__":
    main()
