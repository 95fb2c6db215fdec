"""A redis-server of the tests' own, on a free port, that a test can stop and start."""
import shutil
import subprocess
import time

import pytest
import redis

from helpers import free_port

START_TIMEOUT = 5


class RedisServer:
    def __init__(self, directory):
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("redis-server is not installed: the cache tests need it "
                        "(apt-get install redis-server).")
        self.command = [executable, "--bind", "127.0.0.1", "--port", str(free_port()),
                        "--save", "", "--appendonly", "no", "--dir", str(directory)]
        self.port = int(self.command[4])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    pytest.fail(f"redis-server did not start on port {self.port}")
                time.sleep(0.02)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=START_TIMEOUT)
            self.process = None

    def keys(self):
        return redis.Redis(port=self.port).keys()
