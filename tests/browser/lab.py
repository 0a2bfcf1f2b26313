"""A JupyterLab server for the browser tests: 127.0.0.1, a token, a free port, its own config,
settings, runtime and store folders under one temporary root, always stopped."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    process: subprocess.Popen
    url: str
    token: str
    root: Path
    store: Path
    log: Path

    def open_url(self, notebook: str) -> str:
        return f"{self.url}lab/tree/{notebook}?token={self.token}"

    def stop(self, timeout: float = 15) -> None:
        """Stop the server and its kernels (its process group), then make sure."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def start_lab(base: Path, timeout: float = 90) -> Lab:
    """Start ``jupyter lab`` serving ``base / 'root'``; wait until /api/status answers."""
    root, home = base / "root", base / "jupyter"
    root.mkdir(parents=True, exist_ok=True)
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    token, port = secrets.token_hex(16), free_port()
    store = base / "store.db"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTER_DATA_DIR": str(home / "data"), "PROTOCOL_KIT_STORE": str(store), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = base / "lab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    lab = Lab(process, f"http://127.0.0.1:{port}/", token, root, store, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{lab.url}api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return lab
        except OSError:
            time.sleep(0.3)
    lab.stop()
    raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def start_voila(base: Path, notebook: str, timeout: float = 90) -> Lab:
    """Start Voilà serving ``base / 'root' / notebook`` on 127.0.0.1 (a token, a free port, the
    same isolated folders and store as :func:`start_lab`); wait until the page answers."""
    root, home = base / "root", base / "jupyter"
    token, port = secrets.token_hex(16), free_port()
    store = base / "store.db"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_DATA_DIR": str(home / "data"), "PROTOCOL_KIT_STORE": str(store), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "voila", notebook, "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
           f"--token={token}", f"--Voila.root_dir={root}"]
    log = base / "voila.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Lab(process, f"http://127.0.0.1:{port}/", token, root, store, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}?token={token}", timeout=5) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"voila did not answer within {timeout} s:\n{log.read_text()[-3000:]}")
