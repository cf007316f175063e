"""Runs moto's EC2/SSM emulator on loopback for CloudWorkstation's tests and demo.

Prints "port=<N>" on stdout once the server answers, then serves until SIGTERM/SIGINT.

Two changes to stock moto. First, the emulation: on AWS, parameters under /aws/service/ are published by AWS and by
distributions (Canonical, Debian); nobody else can write them, and moto refuses PutParameter there. Tests need
to publish such parameters to build a realistic landscape, so this launcher lets PutParameter write names under
/aws/service/. Second, a fix for moto's fixture loading (see _load_amis below).
"""
import argparse
import copy
import signal
import sys
import threading

from moto.ec2.models import amis as moto_amis
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.ssm.models import SimpleSystemManagerBackend

PUBLIC_PREFIX = "/aws/service/"
STAND_IN_PREFIX = "/cws-emulated-public/"
_original_put_parameter = SimpleSystemManagerBackend.put_parameter


def _put_parameter(self, name, *args, **kwargs):
    if not name.startswith(PUBLIC_PREFIX):
        return _original_put_parameter(self, name, *args, **kwargs)
    # Write under a stand-in name (so moto's own validation, versioning and overwrite rules apply), then move it.
    stand_in = STAND_IN_PREFIX + name[len(PUBLIC_PREFIX):]
    if name in self._parameters:
        self._parameters[stand_in] = self._parameters.pop(name)
    try:
        return _original_put_parameter(self, stand_in, *args, **kwargs)
    finally:
        if stand_in in self._parameters:
            versions = self._parameters.pop(stand_in)
            for version in versions:
                version.name = name
            self._parameters[name] = versions


SimpleSystemManagerBackend.put_parameter = _put_parameter

# moto parses each fixture AMI's creation_date in place, so the second region (or a reset) that loads the
# fixture finds a datetime where it expects a string and fails. Give every load its own pristine copy.
_PRISTINE_FIXTURE = copy.deepcopy(moto_amis.AMIS)
_original_load_amis = moto_amis.AmiBackend._load_amis


def _load_amis(self):
    moto_amis.AMIS = copy.deepcopy(_PRISTINE_FIXTURE)
    return _original_load_amis(self)


moto_amis.AmiBackend._load_amis = _load_amis


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        sys.exit("moto_launcher: refusing to listen outside loopback")

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(f"port={port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
